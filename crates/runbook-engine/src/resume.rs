//! Resuming an interrupted run: rebuild the run's state from the journal's events.
//!
//! `restore` is called by the runner before the first step of a resumed run, with the run's
//! template context, event fan-out and `RunState` to fill. Every earlier event is replayed
//! into the DR log. For each step the journal's latest record
//! decides: a step that ran (or that `when` skipped) is done and its outputs feed the
//! templates; a step that was cancelled, failed, or never ran runs again. A failover is never
//! started twice: one the journal shows as accepted is done and re-attached to by its operation
//! handle, and one whose answer was lost is done and tracked by the hub's state, whatever its
//! record says. Runs can be resumed more than once; the journal keeps growing.

use std::collections::HashMap;

use iothub_arm::FailoverOperation;
use runbook_record::{ErrorCode, StepKindName};
use runbook_spec::{Runbook, Section};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::clock::Clock;
use crate::context::TemplateContext;
use crate::dr_log::StepRecord;
use crate::emitter::Emitter;
use crate::event::RunEvent;
use crate::record;
use crate::run_state::{PendingIntent, RunState, TrackedFailover};
use crate::status::StepStatus;

/// The events of an earlier, interrupted run of the same runbook.
#[derive(Debug, Clone, Default)]
pub struct PriorRun {
    pub events: Vec<RunEvent>,
}

/// Restores outputs, failover handles and what was changed from `prior` into the run's
/// parts; returns the steps that are done.
pub(crate) fn restore(
    prior: &PriorRun,
    rb: &Runbook,
    dry_run: bool,
    templates: &mut TemplateContext,
    events: &mut Emitter,
    state: &mut RunState,
) -> HashMap<String, StepRecord> {
    let mut latest: HashMap<&str, &StepRecord> = HashMap::new();
    // Intents not followed by an accepted operation or a record of their step.
    let mut intents: HashMap<String, PendingIntent> = HashMap::new();
    for ev in &prior.events {
        events.replay(ev);
        match ev {
            RunEvent::FailoverIntent {
                step,
                time,
                from_region,
                region,
            } => {
                intents.insert(
                    step.clone(),
                    PendingIntent {
                        time: time.clone(),
                        from_region: from_region.clone(),
                        region: region.clone(),
                    },
                );
            }
            RunEvent::StepFinished { record } => {
                intents.remove(&record.step);
                latest.insert(&record.step, record);
            }
            RunEvent::FailoverStarted {
                step,
                region,
                operation,
                time,
            } => {
                intents.remove(step);
                state.changed = true;
                let tracked = serde_json::from_value::<FailoverOperation>(operation.clone())
                    .map(|op| TrackedFailover::Operation(Box::new(op)))
                    .unwrap_or_else(|_| TrackedFailover::HubOnly {
                        region: region.clone(),
                        started_at: parse_time(time),
                    });
                state.failovers.insert(step.clone(), tracked);
            }
            _ => {}
        }
    }
    let mut done = HashMap::new();
    for (id, rec) in &latest {
        let ran = matches!(rec.status, StepStatus::Success | StepStatus::Warning)
            || (rec.status == StepStatus::Skipped && !rec.is_not_run());
        if ran {
            templates.set_step_outputs(id, &rec.outputs);
            done.insert(id.to_string(), (*rec).clone());
            if dry_run && rec.kind == StepKindName::Failover && rec.status == StepStatus::Skipped {
                state.dry_skipped_change = true;
            }
        }
        // ARM's answer was lost and the hub never showed the failover: it may still have
        // begun. Posting again could fail the hub back, so follow the hub instead.
        let unknown = rec
            .error
            .as_ref()
            .is_some_and(|e| e.code == ErrorCode::FailoverOutcomeUnknown);
        if unknown && !state.failovers.contains_key(*id) {
            state.changed = true;
            let region = rec
                .outputs
                .get("region")
                .and_then(|r| r.as_str())
                .unwrap_or_default();
            state.failovers.insert(
                id.to_string(),
                TrackedFailover::HubOnly {
                    region: region.to_string(),
                    started_at: parse_time(&rec.timestamp),
                },
            );
        }
    }
    // Every failover the journal shows as started (or possibly started) is done, even if
    // its step was never recorded as such: running it again would fail the hub back.
    let pending: Vec<(String, String, String)> = prior
        .events
        .iter()
        .filter_map(|e| match e {
            RunEvent::FailoverStarted {
                step, region, time, ..
            } => Some((step.clone(), region.clone(), time.clone())),
            _ => None,
        })
        .chain(state.failovers.iter().filter_map(|(step, t)| match t {
            TrackedFailover::HubOnly { region, started_at } => Some((
                step.clone(),
                region.clone(),
                crate::clock::rfc3339(*started_at),
            )),
            TrackedFailover::Operation(_) => None,
        }))
        .filter(|(step, ..)| !done.contains_key(step))
        .collect();
    for (step, region, time) in pending {
        if done.contains_key(&step) {
            continue;
        }
        let section = rb
            .all_steps()
            .find(|(_, _, s)| s.id == step)
            .map_or(Section::Steps, |(sec, _, _)| sec);
        let rec = record::started_failover(section, &step, &region, &time);
        templates.set_step_outputs(&rec.step, &rec.outputs);
        done.insert(rec.step.clone(), rec.clone());
        events.emit(RunEvent::StepFinished { record: rec });
    }
    // A failover asked for but never answered (the process died during its POST): its
    // step runs again, but finds out from the hub what became of the request first.
    for (step, intent) in intents {
        if !done.contains_key(&step) && !state.failovers.contains_key(&step) {
            state.pending_intents.insert(step, intent);
        }
    }
    // Failovers the interrupted run saw complete count for the cooldown of later ones.
    let records: Vec<StepRecord> = done.values().cloned().collect();
    for (_, mut f) in crate::failover_history::completed(&records) {
        f.source = "this run, before it was interrupted".to_string();
        state.completed_failovers.push(f);
    }
    done
}

fn parse_time(text: &str) -> OffsetDateTime {
    OffsetDateTime::parse(text, &Rfc3339).unwrap_or_else(|_| Clock::now())
}
