//! The fleet directory: created empty (or named by default after the runbook and the time),
//! one `<hub>.json` DR log with its journal beside it per hub, `fleet.json` for the fleet, and
//! which paths name a fleet rather than a single run's journal.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use runbook_engine::fleet::FLEET_LOG_NAME;
use runbook_engine::{Clock, HubTarget};

use crate::run::FleetHub;

/// Why the fleet directory cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum LayoutError {
    #[error(
        "the fleet directory {} is not empty; choose another --fleet-dir (or `runbook resume {}` to continue that fleet)",
        .0.display(),
        .0.display()
    )]
    NotEmpty(PathBuf),
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot create {}: {source}", path.display())]
    Create {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// `fleet_<runbook>_<YYYYmmdd_HHMMSS>`, where a fleet goes without `--fleet-dir`.
pub fn default_dir(runbook_name: &str) -> PathBuf {
    let stamp = Clock::now()
        .format(time::macros::format_description!(
            "[year][month][day]_[hour][minute][second]"
        ))
        .unwrap_or_default();
    PathBuf::from(format!("fleet_{}_{stamp}", file_safe(runbook_name)))
}

/// The hubs as the runner takes them, each with its DR log in `dir`.
pub fn fresh_hubs(dir: &Path, hubs: Vec<HubTarget>) -> Vec<FleetHub> {
    let names = log_names(&hubs);
    hubs.into_iter()
        .zip(names)
        .map(|(target, name)| FleetHub {
            target,
            log_path: dir.join(name),
            prior: None,
            done: None,
            listed: None,
        })
        .collect()
}

/// `<hub>.json`, or `<hub>__<rg>__<sub prefix>.json` when two hubs share a name.
pub fn log_names(hubs: &[HubTarget]) -> Vec<String> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    for h in hubs {
        *seen.entry(h.hub.to_lowercase()).or_default() += 1;
    }
    hubs.iter()
        .map(|h| {
            if seen.get(&h.hub.to_lowercase()).copied().unwrap_or(0) > 1 {
                let sub: String = h.subscription.chars().take(8).collect();
                format!(
                    "{}__{}__{}.json",
                    file_safe(&h.hub),
                    file_safe(&h.resource_group),
                    file_safe(&sub)
                )
            } else {
                format!("{}.json", file_safe(&h.hub))
            }
        })
        .collect()
}

/// `s` with every character a file name might not take replaced by `_`.
pub fn file_safe(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Creates the fleet directory, refusing one that already holds files (logs are never
/// overwritten, and a fleet's files belong together).
pub fn prepare_dir(dir: &Path) -> Result<(), LayoutError> {
    if dir.exists() {
        let mut entries = std::fs::read_dir(dir).map_err(|source| LayoutError::Read {
            path: dir.to_path_buf(),
            source,
        })?;
        if entries.next().is_some() {
            return Err(LayoutError::NotEmpty(dir.to_path_buf()));
        }
        return Ok(());
    }
    std::fs::create_dir_all(dir).map_err(|source| LayoutError::Create {
        path: dir.to_path_buf(),
        source,
    })
}

/// True when `path` names a fleet (its directory or its `fleet.json`) rather than a journal.
pub fn is_fleet_path(path: &Path) -> bool {
    path.is_dir() || path.file_name().is_some_and(|n| n == FLEET_LOG_NAME)
}

/// The fleet log of a fleet named by its directory or its `fleet.json`, and the directory.
pub fn fleet_log_path(path: &Path) -> (PathBuf, PathBuf) {
    let log_path = if path.is_dir() {
        path.join(FLEET_LOG_NAME)
    } else {
        path.to_path_buf()
    };
    let dir = log_path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    (log_path, dir)
}
