//! The runner: walks a validated runbook's steps against an ARM client and emits events.
//!
//! `Engine::run` owns the run: its `RunState` (what the run changed, the failovers it
//! started or saw complete, a resume's pending intents), the template context and the event
//! fan-out. A fresh run emits `RunStarted`; a resumed one first rebuilds its state from the
//! interrupted run's events (`resume::restore`). It then checks that every `confirm:` can be
//! answered (`rules`); a fresh run whose steps fail the hub over runs the `preflight` (Azure's
//! records: would the failover be refused?), whose refusal leaves every main step out and ends
//! the run aborted before any change. It takes each main step through `step` (`when`, `confirm`, the step's
//! kind as a function of a lent `StepContext` with `timeout` and `retry`, racing Ctrl-C),
//! routing a failure by `on_failure`. After the main steps the recovery objectives are
//! measured by a pure function over the step records (`objectives::measure`); a
//! non-advisory miss fails a run that would otherwise have succeeded. Then `rollback` runs if
//! a step failed after the hub was changed, and `finally` always runs, after Ctrl-C too.
//! Every outcome is an event; the DR log is folded from them by the `Emitter`. The run ends
//! with `run_finished` queued, not yet synced (`ending`). The runner never prints.

mod ending;
mod rules;
mod step;

pub use ending::EndingRun;

use std::collections::HashMap;

use iothub_arm::ArmClient;
use runbook_spec::{OnFailure, Runbook, Section, Step};
use serde_json::{Map, Value, json};
use tokio_util::sync::CancellationToken;

use crate::clock::Clock;
use crate::confirm::Confirmer;
use crate::context::TemplateContext;
use crate::cooldown::{CooldownPolicy, PastFailover};
use crate::dr_log::{DrLog, RunbookIdentity, StepRecord};
use crate::emitter::Emitter;
use crate::event::RunEvent;
use crate::in_flight::ChangesInFlight;
use crate::objectives;
use crate::record;
use crate::resume::{self, PriorRun};
use crate::run_state::RunState;
use crate::status::{RunStatus, StepStatus};
use crate::target::HubTarget;
use crate::target_region;

/// What a run needs besides the client.
#[derive(Debug, Clone)]
pub struct RunRequest {
    pub runbook: Runbook,
    pub identity: RunbookIdentity,
    /// Resolved parameter values (unmasked; masking happens on emit).
    pub params: Map<String, Value>,
    pub target: HubTarget,
    pub dry_run: bool,
    pub log_path: String,
    pub run_id: String,
    /// Whether a failover is held back when the hub's failover history forbids it.
    pub cooldown: CooldownPolicy,
}

/// How a finished run came out.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    pub status: RunStatus,
    pub reason: Option<String>,
    pub changed: bool,
    pub cleanup_failed: bool,
    /// A subscriber (the journal) that stopped working during the run.
    pub sink_failure: Option<String>,
    pub log: Option<DrLog>,
}

/// How the main steps went, for the rollback decision and the run's status.
#[derive(Debug, Default)]
struct MainResult {
    /// The step that stopped the run, and why.
    aborted: Option<String>,
    /// Whether that happened before anything was changed.
    aborted_before_change: bool,
    /// A step with `on_failure: continue` that failed.
    continued: Option<String>,
    cancelled: bool,
}

/// One run of a runbook: what it runs with, and the state it owns while it runs.
pub struct Engine {
    client: ArmClient,
    clock: Clock,
    cancel: CancellationToken,
    confirmer: Option<Box<dyn Confirmer>>,
    emitter: Emitter,
    templates: TemplateContext,
    target: HubTarget,
    dry_run: bool,
    cooldown: CooldownPolicy,
    in_flight: ChangesInFlight,
    state: RunState,
    /// Lock lists the preflight shares with other hubs' runs (a fleet's).
    preflight_reads: crate::preflight::SharedReads,
    /// Where the local failover history came from, for the preflight's evidence.
    history_source: String,
    /// The hub's keyed fingerprint, when the record cannot name it (`hub_fingerprint`).
    hub_fingerprint: Option<String>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("target", &self.target)
            .field("dry_run", &self.dry_run)
            .finish_non_exhaustive()
    }
}

/// What an engine runs with besides the request: the client, time, Ctrl-C, the operator,
/// where events go, and what the session knows of the hub's past.
pub struct EngineParts {
    pub client: ArmClient,
    pub clock: Clock,
    pub cancel: CancellationToken,
    pub confirmer: Box<dyn Confirmer>,
    pub emitter: Emitter,
    /// The hub's completed failovers from earlier runs (empty for a private emulator).
    pub history: Vec<PastFailover>,
    pub in_flight: ChangesInFlight,
}

impl std::fmt::Debug for EngineParts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EngineParts").finish_non_exhaustive()
    }
}

impl Engine {
    pub fn new(parts: EngineParts, req: &RunRequest) -> Self {
        let EngineParts {
            client,
            clock,
            cancel,
            confirmer,
            emitter,
            history,
            in_flight,
        } = parts;
        let run = json!({
            "id": req.run_id,
            "started_at": Clock::now_text(),
            "dry_run": req.dry_run,
            "runbook": req.runbook.name,
        });
        let mut templates = TemplateContext::new(req.params.clone(), run);
        templates.set_target(req.target.to_value());
        Self {
            client,
            clock,
            cancel,
            confirmer: Some(confirmer),
            emitter,
            templates,
            target: req.target.clone(),
            dry_run: req.dry_run,
            cooldown: req.cooldown,
            in_flight,
            state: RunState::new(history),
            preflight_reads: crate::preflight::SharedReads::new(),
            history_source: String::new(),
            hub_fingerprint: None,
        }
    }

    /// The preflight shares these reads (a fleet's) and names where the local history came
    /// from.
    pub(crate) fn set_preflight(
        &mut self,
        reads: crate::preflight::SharedReads,
        history_source: String,
    ) {
        self.preflight_reads = reads;
        self.history_source = history_source;
    }

    /// The run's start records this fingerprint of the hub (see `hub_fingerprint`).
    pub(crate) fn set_hub_fingerprint(&mut self, fingerprint: Option<String>) {
        self.hub_fingerprint = fingerprint;
    }

    /// Runs the preflight (see `preflight`), emits its record, and says why the run must stop
    /// if a check refuses. The hub reading it took is kept for the first step to reuse.
    async fn preflight(&mut self) -> Option<String> {
        let listed = self.state.hub_reading.as_ref().map(|r| r.hub.clone());
        let req = crate::preflight::PreflightRequest {
            client: &self.client,
            target: &self.target,
            hub: listed.clone(),
            local: &self.state.history,
            local_source: &self.history_source,
            clock: self.clock,
            policy: self.cooldown,
            shared: &self.preflight_reads,
        };
        // Reads only: Ctrl-C simply leaves it out, and the first step sees the cancellation.
        let done = tokio::select! {
            p = crate::preflight::run(req) => p,
            () = self.cancel.cancelled() => return None,
        };
        if listed.is_none()
            && let Some(hub) = done.hub
        {
            self.state.hub_reading = Some(crate::run_state::HubReading {
                hub,
                at: std::time::Instant::now(),
                from: "preflight".to_string(),
            });
        }
        let reason = crate::preflight::refusal_reason(&done.record);
        self.emitter.emit(RunEvent::PreflightChecked {
            preflight: done.record,
        });
        reason
    }

    /// A reading of the hub taken before the run (a fleet's target listing), which the run's
    /// first reading step may reuse.
    pub(crate) fn seed_hub_reading(&mut self, hub: iothub_arm::IotHub, at: std::time::Instant) {
        self.state.hub_reading = Some(crate::run_state::HubReading {
            hub,
            at,
            from: "targets".to_string(),
        });
    }

    /// Runs the runbook to the end (or to Ctrl-C) and returns the outcome with the DR log,
    /// its end queued to the journal (`EndingRun::recorded` waits until it is on disk).
    pub async fn run(mut self, req: RunRequest, prior: Option<PriorRun>) -> EndingRun {
        // A journal that cannot hold the run's start holds nothing: no change may start.
        let mut started_unrecorded: Option<String> = None;
        let mut preflight_refused: Option<String> = None;
        let done = match &prior {
            Some(p) => resume::restore(
                p,
                &req.runbook,
                self.dry_run,
                &mut self.templates,
                &mut self.emitter,
                &mut self.state,
            ),
            None => {
                let mut params = Value::Object(req.params.clone());
                self.emitter.redactor().structured_value(&mut params);
                let masked_params = rules::masked_names(&req.params, &params);
                started_unrecorded = self
                    .emitter
                    .emit_durable(RunEvent::RunStarted {
                        run_id: req.run_id.clone(),
                        time: Clock::now_text(),
                        runbook: req.identity.clone(),
                        dry_run: req.dry_run,
                        target: req.target.to_value(),
                        params,
                        masked_params,
                        runbook_file: std::path::absolute(&req.identity.path)
                            .ok()
                            .map(|p| p.display().to_string()),
                        log_path: req.log_path.clone(),
                        time_scale: (self.clock.scale() != 1.0).then(|| self.clock.scale()),
                        in_process_emulator: self.cooldown.in_process_emulator(),
                        hub_fingerprint: self.hub_fingerprint.clone(),
                    })
                    .await
                    .err();
                target_region::announce_planned(
                    &req.runbook,
                    &mut self.templates,
                    &mut self.emitter,
                    &mut self.state,
                );
                HashMap::new()
            }
        };
        let rb = &req.runbook;
        let can_answer = self.dry_run || self.confirmer.as_ref().is_none_or(|c| c.can_answer());
        let no_confirmation = rules::unanswerable_confirmation(rb, &done, can_answer);
        // A fresh run whose steps fail the hub over asks Azure's records first, unless it
        // cannot start anyway (nobody to answer its questions: it asks nothing of ARM).
        if prior.is_none() && no_confirmation.is_none() && rules::fails_over(rb) {
            preflight_refused = self.preflight().await;
        }
        let mut main = match (&preflight_refused, &no_confirmation) {
            (Some(why), _) => {
                for step in &rb.steps {
                    self.record_not_run(
                        Section::Steps,
                        step,
                        "not run: the preflight found Azure would refuse the failover",
                    );
                }
                MainResult {
                    aborted: Some(why.clone()),
                    aborted_before_change: true,
                    ..MainResult::default()
                }
            }
            (None, Some(why)) => {
                for step in rb.steps.iter().filter(|s| !done.contains_key(&s.id)) {
                    self.record_not_run(Section::Steps, step, record::NO_CONFIRMATION);
                }
                MainResult {
                    aborted: Some(why.clone()),
                    aborted_before_change: !self.state.changed,
                    ..MainResult::default()
                }
            }
            (None, None) => self.run_main(rb, &done).await,
        };
        // A Ctrl-C that landed while nothing was racing it (a failover request in flight)
        // still interrupts the run.
        main.cancelled |= self.cancel.is_cancelled();
        // A missed objective fails a drill whose steps all passed, but does not start the
        // rollback: the hub did fail over, only not as well as promised.
        let objective_missed = self.measure_objectives(rb);

        let failed = main.aborted.is_some() || main.continued.is_some();
        let mut cleanup_failed = false;
        for step in &rb.rollback {
            if done.contains_key(&step.id) {
                continue;
            }
            let why = if main.cancelled {
                Some(record::INTERRUPTED)
            } else if !failed {
                Some("not run: rollback runs only when a step failed")
            } else if !self.state.changed {
                Some("not run: nothing was changed, so nothing to roll back")
            } else {
                None
            };
            if let Some(why) = why {
                self.record_not_run(Section::Rollback, step, why);
                continue;
            }
            if let Some(why) = rules::unrun_dependency(step, &self.templates) {
                self.record_not_run(Section::Rollback, step, &why);
                continue;
            }
            let rec = self.run_step(Section::Rollback, step).await;
            cleanup_failed |= rec.status == StepStatus::Failed;
            main.cancelled |= rec.status == StepStatus::Cancelled || self.cancel.is_cancelled();
        }
        for step in &rb.finally {
            if done.contains_key(&step.id) {
                continue;
            }
            let unanswerable =
                !self.dry_run && !self.confirmer.as_ref().is_some_and(|c| c.can_answer());
            if step.confirm.is_some() && unanswerable {
                self.record_not_run(Section::Finally, step, record::NO_CONFIRMATION);
                continue;
            }
            if let Some(why) = rules::unrun_dependency(step, &self.templates) {
                self.record_not_run(Section::Finally, step, &why);
                continue;
            }
            if self.cancel.is_cancelled() {
                // `finally` always runs. After the first Ctrl-C the CLI's handler ends the
                // process on the second, so each step gets a token nothing has fired yet.
                main.cancelled = true;
                self.cancel = CancellationToken::new();
            }
            let rec = self.run_step(Section::Finally, step).await;
            cleanup_failed |= rec.status == StepStatus::Failed;
            main.cancelled |= rec.status == StepStatus::Cancelled;
        }

        let (status, reason) = if main.cancelled {
            let why = if self.state.changed && self.cooldown.in_process_emulator() {
                "interrupted; the hub lived in the in-process emulator, which stopped with this run: nothing goes on and there is nothing to resume"
            } else if self.state.changed {
                "interrupted; a failover that was started goes on in Azure: check the hub before acting"
            } else {
                "interrupted before anything was changed"
            };
            (RunStatus::Cancelled, Some(why.to_string()))
        } else if let Some(why) = main.aborted {
            if main.aborted_before_change {
                (
                    RunStatus::Aborted,
                    Some(format!("{why}; nothing was changed")),
                )
            } else {
                (RunStatus::Failed, Some(why))
            }
        } else if let Some(why) = main.continued {
            (RunStatus::Failed, Some(why))
        } else if let Some(why) = objective_missed {
            (RunStatus::Failed, Some(why))
        } else if cleanup_failed {
            (RunStatus::Failed, Some("a finally step failed".to_string()))
        } else {
            (RunStatus::Succeeded, None)
        };
        let finished = self.emitter.emit_queued(RunEvent::RunFinished {
            time: Clock::now_text(),
            status,
            reason: reason.clone(),
            changed: self.state.changed,
            cleanup_failed,
        });
        EndingRun {
            outcome: RunOutcome {
                status,
                reason,
                changed: self.state.changed,
                cleanup_failed,
                sink_failure: None,
                log: self.emitter.dr_log(),
            },
            finished,
            started_unrecorded,
            emitter: self.emitter,
        }
    }

    /// The main steps, in order, stopping at the first failure that aborts.
    async fn run_main(&mut self, rb: &Runbook, done: &HashMap<String, StepRecord>) -> MainResult {
        let mut r = MainResult::default();
        for step in &rb.steps {
            if done.contains_key(&step.id) {
                continue;
            }
            if r.cancelled || r.aborted.is_some() {
                let why = if r.cancelled {
                    record::INTERRUPTED
                } else {
                    "not run: an earlier step failed"
                };
                self.record_not_run(Section::Steps, step, why);
                continue;
            }
            let changed_before = self.state.changed;
            let (rec, aborts_run) = self.run_step_routed(Section::Steps, step).await;
            target_region::learn_from(&rec, &mut self.emitter, &mut self.state);
            // A step that is never raced (a failover) finishes even after Ctrl-C; the run
            // stops after it.
            r.cancelled |= self.cancel.is_cancelled();
            match rec.status {
                StepStatus::Cancelled => r.cancelled = true,
                StepStatus::Failed => {
                    let why = format!(
                        "step `{}` failed: {}",
                        step.id,
                        rec.error
                            .as_ref()
                            .map_or(rec.details.as_str(), |e| e.message.as_str())
                    );
                    if step.on_failure == OnFailure::Continue && !aborts_run {
                        r.continued.get_or_insert(why);
                    } else {
                        r.aborted_before_change = !changed_before && !self.state.changed;
                        r.aborted = Some(why);
                    }
                }
                _ => {}
            }
        }
        r
    }

    fn record_not_run(&mut self, section: Section, step: &Step, why: &str) {
        let record = record::not_run(section, step, &Clock::now_text(), why);
        self.templates.set_step_outputs(&step.id, &record.outputs);
        self.emitter.emit(RunEvent::StepFinished { record });
    }

    /// Measures the runbook's objectives from the step records so far and emits them; returns
    /// why the run fails because of them, if it does (the first non-advisory miss).
    fn measure_objectives(&mut self, rb: &Runbook) -> Option<String> {
        if rb.objectives.is_empty() {
            return None;
        }
        let records = self.emitter.dr_log().map(|l| l.steps).unwrap_or_default();
        let results =
            objectives::measure(&rb.objectives, &records, self.dry_run, self.clock.scale());
        let failure = results.iter().find_map(|r| r.failure(self.dry_run));
        self.emitter.emit(RunEvent::ObjectivesMeasured {
            objectives: results,
        });
        failure
    }
}
