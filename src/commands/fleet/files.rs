//! The fleet directory: created empty, one `<hub>.json` (+ journal) per hub, and which paths
//! name a fleet rather than a single run's journal.

use std::collections::HashMap;
use std::path::Path;

use runbook_engine::HubTarget;
use runbook_engine::fleet::log::FLEET_LOG_NAME;

/// `<hub>.json`, or `<hub>__<rg>__<sub prefix>.json` when two hubs share a name.
pub(super) fn log_names(hubs: &[HubTarget]) -> Vec<String> {
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

pub(super) fn file_safe(s: &str) -> String {
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
pub(super) fn prepare_dir(dir: &Path) -> Result<(), String> {
    if dir.exists() {
        let mut entries =
            std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
        if entries.next().is_some() {
            return Err(format!(
                "the fleet directory {} is not empty; choose another --fleet-dir (or `runbook resume {}` to continue that fleet)",
                dir.display(),
                dir.display()
            ));
        }
        return Ok(());
    }
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))
}

/// True when `path` names a fleet (its directory or its `fleet.json`) rather than a journal.
pub fn is_fleet_path(path: &Path) -> bool {
    path.is_dir() || path.file_name().is_some_and(|n| n == FLEET_LOG_NAME)
}
