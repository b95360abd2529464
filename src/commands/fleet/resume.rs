//! `runbook resume DIR|DIR/fleet.json`: the fleet log names the runbook, its parameters and
//! every hub; hubs that ended are carried over, interrupted ones resume from their journals
//! (re-attaching to a failover in flight), hubs never started run now.

use std::path::{Path, PathBuf};

use runbook_engine::fleet::log::{self as fleet_log, FLEET_LOG_NAME};
use runbook_engine::fleet::{FleetHub, FleetHubStatus, FleetRequest};
use runbook_engine::{HubTarget, PriorRun, RunEvent};

use super::connect::connect;
use super::{FleetArgs, Header, drive};
use crate::azure_args::TargetArgs;
use crate::exit_code;
use crate::hub_guard::SafetyArgs;

/// `runbook resume DIR|DIR/fleet.json`.
pub fn resume(
    path: &Path,
    sets: &[String],
    target: &TargetArgs,
    safety: &SafetyArgs,
    yes: bool,
) -> i32 {
    let log_path = if path.is_dir() {
        path.join(FLEET_LOG_NAME)
    } else {
        path.to_path_buf()
    };
    let dir = log_path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let old = match fleet_log::read(&log_path) {
        Ok(l) => l,
        Err(e) => {
            errln!("error: {e}");
            return exit_code::INVALID;
        }
    };
    // Journal parameters first (secrets are masked there), then --set on top.
    let mut all_sets: Vec<String> = old
        .params
        .as_object()
        .map(|m| {
            m.iter()
                .filter(|(_, v)| v.as_str() != Some(runbook_engine::redact::MASK))
                .map(|(k, v)| {
                    format!(
                        "{k}={}",
                        v.as_str().map_or_else(|| v.to_string(), str::to_string)
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    all_sets.extend(sets.iter().cloned());
    let prepared =
        match runbook_engine::prepare::prepare_any(Path::new(&old.runbook.path), &all_sets) {
            Ok(runbook_engine::prepare::AnyPrepared::Fleet(p)) => p,
            Ok(_) => {
                errln!("error: {} is no longer a fleet runbook", old.runbook.path);
                return exit_code::INVALID;
            }
            Err(text) => {
                errln!("{text}");
                return exit_code::INVALID;
            }
        };
    if prepared.identity.sha256 != old.runbook.sha256 {
        errln!(
            "error: {} changed since the fleet started (sha256 differs); resuming would run a different drill",
            old.runbook.path
        );
        return exit_code::INVALID;
    }
    let mut hubs = Vec::with_capacity(old.hubs.len());
    for r in &old.hubs {
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
        };
        let finished = matches!(
            r.status,
            FleetHubStatus::Succeeded | FleetHubStatus::Failed | FleetHubStatus::Aborted
        );
        let journal = dir.join(&r.journal);
        if finished {
            hub.done = Some(r.clone());
        } else if journal.exists() {
            match runbook_engine::journal::read(&journal) {
                Ok(contents) => {
                    let run_id = contents.events.iter().find_map(|e| match e {
                        RunEvent::RunStarted { run_id, .. } => Some(run_id.clone()),
                        _ => None,
                    });
                    let ended = contents.events.iter().rev().find_map(|e| match e {
                        RunEvent::RunFinished { status, .. } => Some(*status),
                        _ => None,
                    });
                    match (run_id, ended) {
                        (Some(id), None | Some(runbook_engine::RunStatus::Cancelled)) => {
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
                        // A journal with no start holds nothing: start the hub afresh.
                        (None, _) => {
                            let _ = std::fs::remove_file(&journal);
                        }
                    }
                }
                Err(e) => {
                    errln!("error: {}: {e}", journal.display());
                    return exit_code::INVALID;
                }
            }
        }
        hubs.push(hub);
    }
    let Some(runtime) = crate::runtime::start() else {
        return exit_code::INVALID;
    };
    let code = runtime.block_on(async {
        let conn = match connect(target, &[], FleetArgs::arm_defaults()).await {
            Ok(c) => c,
            Err(e) => {
                errln!("error: {}", e.0);
                return exit_code::INVALID;
            }
        };
        let req = FleetRequest {
            runbook: prepared.loaded.runbook.clone(),
            identity: prepared.identity.clone(),
            params: prepared.params.values.clone(),
            secrets: prepared.params.secret_values(),
            dry_run: old.dry_run,
            yes,
            hubs,
            max_concurrency: old.max_concurrency,
            max_errors: old.max_errors,
            cooldown: safety.cooldown(target),
            lock: None,
            time_scale: conn.time_scale,
            history_dir: None,
            in_flight: runbook_engine::ChangesInFlight::new(),
        };
        let header = Header {
            fleet_run_id: old.fleet_run_id.clone(),
            started_at: old.started_at.clone(),
            params: old.params.clone(),
        };
        drive(req, conn, target, safety, &dir, header).await
    });
    runtime.shutdown_background();
    code
}
