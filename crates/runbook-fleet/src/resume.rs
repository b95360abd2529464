//! The resume plan of a fleet: `fleet.json` names the runbook, its parameters and every hub;
//! the runbook must be unchanged (same sha256). Hubs that ended are carried over as they
//! ended; interrupted hubs resume from their journals (re-attaching to a failover in flight,
//! never posting it again), their DR logs written beside the cancelled ones; hubs never
//! started run now. The result is a `FleetRequest` with the fleet's own header, so the
//! rewritten fleet log keeps its id and start time.

use std::path::{Path, PathBuf};

use runbook_engine::fleet::log::read;
use runbook_engine::fleet::{FleetHubRecord, FleetHubStatus, FleetLog};
use runbook_engine::{AnyPrepared, PreparedFleet, prepare_any};
use runbook_engine::{CooldownPolicy, HubTarget, PriorRun, RunEvent, RunStatus};

use crate::fleet_log::FleetHeader;
use crate::layout::fleet_log_path;
use crate::run::{FleetHub, FleetRequest};

/// Why a fleet cannot be resumed (a setup error: nothing ran).
#[derive(Debug, thiserror::Error)]
pub enum ResumeError {
    /// The fleet log is unreadable or not a fleet log.
    #[error("{0}")]
    FleetLog(String),
    /// The runbook could not be prepared: a complete, located message.
    #[error("{0}")]
    Prepare(String),
    /// The fleet ran against an emulator inside its own process, which ended with it.
    #[error(
        "{0} is the fleet log of an --emulator run: its hubs lived in an emulator inside that run's process, which ended with it, so there is nothing to resume; run the fleet again"
    )]
    InProcessEmulator(String),
    #[error("{0} is no longer a fleet runbook")]
    NotAFleet(String),
    #[error(
        "{0} changed since the fleet started (sha256 differs); resuming would run a different drill"
    )]
    Changed(String),
    /// A `--set` for a parameter the fleet log does not mask: a resumed fleet keeps the
    /// parameters it started with.
    #[error(
        "--set {name}=… is refused: on resume, --set only gives again the secret values the fleet log masks ({masked}); a resumed fleet keeps the parameters it started with"
    )]
    SetRefused { name: String, masked: String },
    #[error("{}: {source}", path.display())]
    Journal {
        path: PathBuf,
        source: runbook_engine::session::JournalError,
    },
}

/// A fleet ready to resume.
#[derive(Debug)]
pub struct ResumePlan {
    /// The fleet directory.
    pub dir: PathBuf,
    /// The fleet log as the earlier run left it.
    pub old: FleetLog,
    pub prepared: PreparedFleet,
    pub hubs: Vec<FleetHub>,
}

/// Reads the fleet at `path` (its directory or `fleet.json`) and its hubs' journals. `sets`
/// give again the parameters the fleet log masks (secrets), and nothing else. A journal with no start holds nothing and is removed: its hub starts afresh.
pub fn plan_resume(path: &Path, sets: &[String]) -> Result<ResumePlan, ResumeError> {
    let (log_path, dir) = fleet_log_path(path);
    let old = read(&log_path).map_err(ResumeError::FleetLog)?;
    if old.in_process_emulator {
        return Err(ResumeError::InProcessEmulator(
            log_path.display().to_string(),
        ));
    }
    // The fleet's parameters first (secrets are masked there), then --set on top.
    let mut all_sets: Vec<String> = old
        .params
        .as_object()
        .map(|m| {
            m.iter()
                .filter(|(_, v)| v.as_str() != Some(runbook_engine::MASK))
                .map(|(k, v)| {
                    format!(
                        "{k}={}",
                        v.as_str().map_or_else(|| v.to_string(), str::to_string)
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let masked: Vec<&String> = old
        .params
        .as_object()
        .map(|m| {
            m.iter()
                .filter(|(_, v)| v.as_str() == Some(runbook_engine::MASK))
                .map(|(k, _)| k)
                .collect()
        })
        .unwrap_or_default();
    for set in sets {
        let name = set.split_once('=').map_or(set.as_str(), |(n, _)| n).trim();
        if !masked.iter().any(|m| m.as_str() == name) {
            let masked = if masked.is_empty() {
                "this fleet log masks none".to_string()
            } else {
                masked
                    .iter()
                    .map(|m| m.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            return Err(ResumeError::SetRefused {
                name: name.to_string(),
                masked,
            });
        }
    }
    all_sets.extend(sets.iter().cloned());
    let prepared = match prepare_any(Path::new(&old.runbook.path), &all_sets) {
        Ok(AnyPrepared::Fleet(p)) => *p,
        Ok(_) => return Err(ResumeError::NotAFleet(old.runbook.path.clone())),
        Err(text) => return Err(ResumeError::Prepare(text)),
    };
    if prepared.identity.sha256 != old.runbook.sha256 {
        return Err(ResumeError::Changed(old.runbook.path.clone()));
    }
    let mut hubs = Vec::with_capacity(old.hubs.len());
    for r in &old.hubs {
        hubs.push(resume_hub(&dir, r)?);
    }
    Ok(ResumePlan {
        dir,
        old,
        prepared,
        hubs,
    })
}

/// One hub of the fleet log, as the resumed fleet takes it.
fn resume_hub(dir: &Path, r: &FleetHubRecord) -> Result<FleetHub, ResumeError> {
    let target = HubTarget {
        subscription: r.subscription.clone(),
        resource_group: r.resource_group.clone(),
        hub: r.hub.clone(),
    };
    let mut hub = FleetHub {
        target,
        log_path: dir.join(&r.log),
        prior: None,
        done: None,
        listed: None,
    };
    let finished = matches!(
        r.status,
        FleetHubStatus::Succeeded | FleetHubStatus::Failed | FleetHubStatus::Aborted
    );
    let journal = dir.join(&r.journal);
    if finished {
        hub.done = Some(r.clone());
    } else if journal.exists() {
        let contents = runbook_engine::session::read_journal(&journal).map_err(|source| {
            ResumeError::Journal {
                path: journal.clone(),
                source,
            }
        })?;
        let run_id = contents.events.iter().find_map(|e| match e {
            RunEvent::RunStarted { run_id, .. } => Some(run_id.clone()),
            _ => None,
        });
        let ended = contents.events.iter().rev().find_map(|e| match e {
            RunEvent::RunFinished { status, .. } => Some(*status),
            _ => None,
        });
        match (run_id, ended) {
            (Some(id), None | Some(RunStatus::Cancelled)) => {
                hub.log_path = dir.join(r.journal.trim_end_matches(".jsonl"));
                hub.prior = Some((
                    PriorRun {
                        events: contents.events,
                    },
                    id,
                ));
            }
            (Some(_), Some(status)) => {
                let mut done = r.clone();
                done.status = FleetHubStatus::from_run(status);
                hub.done = Some(done);
            }
            (None, _) => {
                let _ = std::fs::remove_file(&journal);
            }
        }
    }
    Ok(hub)
}

impl ResumePlan {
    /// The fleet log's header, kept from the earlier run.
    pub fn header(&self) -> FleetHeader {
        FleetHeader {
            fleet_run_id: self.old.fleet_run_id.clone(),
            started_at: self.old.started_at.clone(),
            params: self.old.params.clone(),
            shard: self.old.shard,
        }
    }

    /// The request that finishes the fleet, with the earlier run's limits and dry-run mode.
    pub fn request(&self, yes: bool, cooldown: CooldownPolicy, time_scale: f64) -> FleetRequest {
        FleetRequest {
            runbook: self.prepared.loaded.runbook.clone(),
            identity: self.prepared.identity.clone(),
            params: self.prepared.params.values.clone(),
            secrets: self.prepared.params.secret_values(),
            dry_run: self.old.dry_run,
            yes,
            hubs: self.hubs.clone(),
            max_concurrency: self.old.max_concurrency,
            max_errors: self.old.max_errors,
            cooldown,
            lock: None,
            time_scale,
            history_dir: None,
            in_flight: runbook_engine::ChangesInFlight::new(),
        }
    }
}
