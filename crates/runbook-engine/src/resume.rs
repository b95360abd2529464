//! Resuming an interrupted run: rebuild the engine's state from the journal's events.
//!
//! Every earlier event is replayed into the DR log. Steps that finished are not run again and
//! their outputs feed the templates; a failover the journal shows as started is re-attached to
//! by its operation handle (or tracked by the hub's state when ARM's answer was lost), never
//! started twice. If the earlier run was interrupted (Ctrl-C), the step it was in and every
//! step after it run again.

use std::collections::HashMap;

use iothub_arm::FailoverOperation;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::clock::Clock;
use crate::dr_log::StepRecord;
use crate::event::RunEvent;
use crate::record;
use crate::runner::{Engine, TrackedFailover};
use crate::status::StepStatus;

/// The events of an earlier, interrupted run of the same runbook.
#[derive(Debug, Clone, Default)]
pub struct PriorRun {
    pub events: Vec<RunEvent>,
}

impl Engine {
    /// Restores outputs and failover handles; returns the steps that are done.
    pub(crate) fn restore(&mut self, prior: &PriorRun) -> HashMap<String, StepRecord> {
        // Records from the first cancelled step on are the interruption's bookkeeping
        // ("not run: interrupted"), not work done: those steps run again.
        let cut = prior
            .events
            .iter()
            .position(|e| matches!(e, RunEvent::StepFinished { record } if record.status == StepStatus::Cancelled))
            .unwrap_or(prior.events.len());
        let mut done = HashMap::new();
        let mut recorded: Vec<&str> = Vec::new();
        for (i, ev) in prior.events.iter().enumerate() {
            self.emitter.replay(ev);
            match ev {
                RunEvent::StepFinished { record } => {
                    recorded.push(&record.step);
                    let finished = matches!(
                        record.status,
                        StepStatus::Success | StepStatus::Warning | StepStatus::Skipped
                    );
                    if finished && i < cut {
                        self.ctx.set_step_outputs(&record.step, &record.outputs);
                        done.insert(record.step.clone(), record.clone());
                    }
                }
                RunEvent::FailoverStarted {
                    step,
                    region,
                    operation,
                    time,
                } => {
                    self.changed = true;
                    let tracked = serde_json::from_value::<FailoverOperation>(operation.clone())
                        .map(|op| TrackedFailover::Operation(Box::new(op)))
                        .unwrap_or_else(|_| TrackedFailover::HubOnly {
                            region: region.clone(),
                            started_at: OffsetDateTime::parse(time, &Rfc3339)
                                .unwrap_or_else(|_| Clock::now()),
                        });
                    self.failovers.insert(step.clone(), tracked);
                }
                _ => {}
            }
        }
        // A failover ARM accepted is done even if the process died before recording its step:
        // running it again would fail the hub back.
        let unrecorded: Vec<StepRecord> = prior
            .events
            .iter()
            .filter_map(|e| match e {
                RunEvent::FailoverStarted {
                    step, region, time, ..
                } if !recorded.contains(&step.as_str()) => {
                    Some(record::started_failover(step, region, time))
                }
                _ => None,
            })
            .collect();
        for rec in unrecorded {
            self.ctx.set_step_outputs(&rec.step, &rec.outputs);
            done.insert(rec.step.clone(), rec.clone());
            self.emitter.emit(RunEvent::StepFinished { record: rec });
        }
        done
    }
}
