//! The runner: walks a validated runbook's steps against an ARM client and emits events.
//!
//! A run checks first that every `confirm:` can be answered, then takes each step through
//! `when`, `confirm`, its kind (with `timeout` and `retry`, racing Ctrl-C), and routes a
//! failure by `on_failure`. After the main steps, `rollback` runs if a step failed after the
//! hub was changed; `finally` always runs, after Ctrl-C too. Recovery objectives are measured
//! after the main steps (`objectives`); a non-advisory miss fails a run that would otherwise
//! have succeeded. Every outcome is an event; the DR
//! log is folded from them by the `Emitter`. The runner never prints.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use iothub_arm::{ArmClient, FailoverOperation};
use runbook_record::ErrorCode;
use runbook_spec::{OnFailure, Runbook, Section, Step, StepKind};
use serde_json::{Map, Value, json};
use tokio_util::sync::CancellationToken;

use crate::clock::Clock;
use crate::confirm::{Confirmation, Confirmer};
use crate::context::TemplateContext;
use crate::cooldown::{CooldownPolicy, PastFailover};
use crate::dr_log::{DrLog, RunbookIdentity, StepError, StepRecord};
use crate::emitter::Emitter;
use crate::event::RunEvent;
use crate::in_flight::ChangesInFlight;
use crate::outcome::{Attempt, StepDone, StepFail};
use crate::record;
use crate::resume::PriorRun;
use crate::retry::backoff_delay;
use crate::status::{RunStatus, StepStatus};
use crate::target::HubTarget;

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

/// A failover the run started: ARM's operation handle, or only the hub's word for it when
/// ARM's answer was lost.
#[derive(Debug, Clone)]
pub(crate) enum TrackedFailover {
    Operation(Box<FailoverOperation>),
    HubOnly {
        region: String,
        started_at: time::OffsetDateTime,
    },
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

pub struct Engine {
    pub(crate) client: ArmClient,
    pub(crate) clock: Clock,
    pub(crate) cancel: CancellationToken,
    confirmer: Option<Box<dyn Confirmer>>,
    pub(crate) emitter: Emitter,
    pub(crate) ctx: TemplateContext,
    pub(crate) target: HubTarget,
    pub(crate) failovers: HashMap<String, TrackedFailover>,
    pub(crate) changed: bool,
    pub(crate) dry_run: bool,
    /// A dry run left out a failover: later readings see the hub unchanged, so their
    /// expectation misses are expected and only warn.
    pub(crate) dry_skipped_change: bool,
    /// The failover's region is not known yet: the next reading of the hub names it.
    pub(crate) target_region_pending: bool,
    pub(crate) cooldown: CooldownPolicy,
    /// The hub's completed failovers known from earlier runs (loaded by the session).
    pub(crate) history: Vec<PastFailover>,
    /// Counts a change request in flight, so a second Ctrl-C waits for ARM's answer.
    pub(crate) in_flight: ChangesInFlight,
    /// Failovers this run saw complete, for the cooldown of a later failover (a failback).
    pub(crate) completed_failovers: Vec<PastFailover>,
    /// Resume: failovers the interrupted run asked for without recording ARM's answer.
    pub(crate) pending_intents: HashMap<String, crate::resume::PendingIntent>,
}

impl Engine {
    /// Whether the hub lives in an emulator inside this process (`--emulator`, `runbook
    /// test`): it was born with the run and ends with it, so nothing outlives the process.
    pub(crate) fn in_process_emulator(&self) -> bool {
        self.cooldown == CooldownPolicy::PrivateEmulator
    }

    /// Where a failover that outlives a step carries on, for the messages that say so: never
    /// "in Azure" for an emulated hub.
    pub(crate) fn failover_goes_on(&self) -> &'static str {
        if self.in_process_emulator() {
            "in the in-process emulator until this run ends"
        } else {
            "in Azure"
        }
    }
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
        let mut ctx = TemplateContext::new(req.params.clone(), run);
        ctx.set_target(req.target.to_value());
        Self {
            client,
            clock,
            cancel,
            confirmer: Some(confirmer),
            emitter,
            ctx,
            target: req.target.clone(),
            failovers: HashMap::new(),
            changed: false,
            dry_run: req.dry_run,
            dry_skipped_change: false,
            target_region_pending: false,
            cooldown: req.cooldown,
            history,
            in_flight,
            completed_failovers: Vec::new(),
            pending_intents: HashMap::new(),
        }
    }

    /// Runs the runbook to the end (or to Ctrl-C) and returns the outcome with the DR log.
    pub async fn run(mut self, req: RunRequest, prior: Option<PriorRun>) -> RunOutcome {
        // A journal that cannot hold the run's start holds nothing: no change may start.
        let mut started_unrecorded: Option<String> = None;
        let done = match &prior {
            Some(p) => self.restore(p, &req.runbook),
            None => {
                let mut params = Value::Object(req.params.clone());
                self.emitter.redactor().structured_value(&mut params);
                let masked_params = masked_names(&req.params, &params);
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
                        in_process_emulator: self.in_process_emulator(),
                    })
                    .await
                    .err();
                self.announce_planned_region(&req.runbook);
                HashMap::new()
            }
        };
        let rb = &req.runbook;
        let no_confirmation = self.unanswerable_confirmation(rb, &done);
        let mut main = match &no_confirmation {
            Some(why) => {
                for step in rb.steps.iter().filter(|s| !done.contains_key(&s.id)) {
                    self.record_not_run(Section::Steps, step, record::NO_CONFIRMATION);
                }
                MainResult {
                    aborted: Some(why.clone()),
                    aborted_before_change: !self.changed,
                    ..MainResult::default()
                }
            }
            None => self.run_main(rb, &done).await,
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
            } else if !self.changed {
                Some("not run: nothing was changed, so nothing to roll back")
            } else {
                None
            };
            if let Some(why) = why {
                self.record_not_run(Section::Rollback, step, why);
                continue;
            }
            if let Some(why) = self.unrun_dependency(step) {
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
            if let Some(why) = self.unrun_dependency(step) {
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
            let why = if self.changed && self.in_process_emulator() {
                "interrupted; the hub lived in the in-process emulator, which stopped with this run: nothing goes on and there is nothing to resume"
            } else if self.changed {
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
        let finished = self
            .emitter
            .emit_durable(RunEvent::RunFinished {
                time: Clock::now_text(),
                status,
                reason: reason.clone(),
                changed: self.changed,
                cleanup_failed,
            })
            .await;
        RunOutcome {
            status,
            reason,
            changed: self.changed,
            cleanup_failed,
            sink_failure: self
                .emitter
                .journal_failure()
                .or(started_unrecorded)
                .or(finished.err()),
            log: self.emitter.dr_log(),
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
            let changed_before = self.changed;
            let (rec, aborts_run) = self.run_step_routed(Section::Steps, step).await;
            self.learn_region_from(&rec);
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
                        r.aborted_before_change = !changed_before && !self.changed;
                        r.aborted = Some(why);
                    }
                }
                _ => {}
            }
        }
        r
    }

    /// When nobody can answer `confirm:` questions and the runbook asks some, the reason to
    /// stop before the first step (better than after the first change).
    fn unanswerable_confirmation(
        &self,
        rb: &Runbook,
        done: &HashMap<String, StepRecord>,
    ) -> Option<String> {
        if self.dry_run {
            return None;
        }
        let confirmer = self.confirmer.as_ref()?;
        if confirmer.can_answer() {
            return None;
        }
        // `finally` steps that ask are left out instead (they cannot be approved); the drill
        // and its rollback cannot do without theirs.
        let asking: Vec<&str> = rb
            .all_steps()
            .filter(|(section, _, _)| *section != Section::Finally)
            .filter(|(_, _, s)| s.confirm.is_some() && !done.contains_key(&s.id))
            .map(|(_, _, s)| s.id.as_str())
            .collect();
        let first = asking.first()?;
        Some(format!(
            "step `{first}` needs confirmation, but there is no terminal to ask on; re-run with --yes to approve, or run it from a terminal"
        ))
    }

    /// For a rollback or finally step: an output its templates use that the earlier step did
    /// not produce (the drill stopped before it), as a "not run" reason. Such a step is left
    /// out rather than failed: the clean-up did not go wrong, its input never existed.
    fn unrun_dependency(&self, step: &Step) -> Option<String> {
        let mut texts: Vec<String> = step
            .when
            .iter()
            .chain(step.confirm.iter())
            .map(|t| t.as_str().to_string())
            .collect();
        let mut body = match &step.kind {
            StepKind::Validate(x) => serde_json::to_value(x),
            StepKind::Failover(x) => serde_json::to_value(x),
            StepKind::Await(x) => serde_json::to_value(x),
            _ => Ok(Value::Null),
        }
        .unwrap_or(Value::Null);
        collect_strings(&mut body, &mut texts);
        texts
            .iter()
            .filter(|t| t.contains("{{"))
            .filter_map(|t| runbook_spec::model::template::references(t).ok())
            .flatten()
            .filter_map(|r| {
                let mut parts = r.strip_prefix("steps.")?.split('.');
                Some((parts.next()?.to_string(), parts.next()?.to_string()))
            })
            // `status` always exists; any other output exists only if the step produced it.
            .find(|(id, output)| {
                self.ctx
                    .step_outputs(id)
                    .is_none_or(|o| !o.contains_key(output.as_str()))
            })
            .map(|(id, output)| {
                format!("not run: it uses `steps.{id}.{output}`, which step `{id}` did not produce")
            })
    }

    fn record_not_run(&mut self, section: Section, step: &Step, why: &str) {
        let record = record::not_run(section, step, &Clock::now_text(), why);
        self.ctx.set_step_outputs(&step.id, &record.outputs);
        self.emitter.emit(RunEvent::StepFinished { record });
    }

    async fn run_step(&mut self, section: Section, step: &Step) -> StepRecord {
        self.run_step_routed(section, step).await.0
    }

    /// Runs one step through `when`, `confirm`, retries and timeout; emits its record and
    /// says whether its failure must stop the run whatever `on_failure` says.
    async fn run_step_routed(&mut self, section: Section, step: &Step) -> (StepRecord, bool) {
        let started = Clock::now_text();
        let t0 = Instant::now();
        let retries_before = self.client.retry_count();
        let mut attempts = 0u32;
        let inputs = self.ctx.step_inputs(&step.kind);

        let outcome: Attempt = 'outcome: {
            if let Some(w) = &step.when {
                match self.ctx.condition(w) {
                    Ok(true) => {}
                    Ok(false) => {
                        break 'outcome Attempt::Done(StepDone::skipped(
                            "skipped: `when` is false".to_string(),
                        ));
                    }
                    Err(e) => {
                        break 'outcome Attempt::Failed(
                            StepFail::new(ErrorCode::TemplateError, e.to_string()).final_(),
                        );
                    }
                }
            }
            if let Some(q) = &step.confirm
                && !self.dry_run
            {
                match self.ask(&step.id, q).await {
                    Ok(()) => {}
                    Err(a) => break 'outcome a,
                }
            }
            if step.kind.is_mutation()
                && !self.dry_run
                && let Some(why) = self.emitter.journal_failure()
            {
                let mut f = StepFail::new(
                    ErrorCode::JournalUnavailable,
                    format!("not failing over: the journal cannot be written ({why}), so the failover could not be resumed or audited"),
                )
                .final_();
                f.aborts_run = true;
                break 'outcome Attempt::Failed(f);
            }
            let max = step.retry.as_ref().map_or(1, |r| r.attempts.max(1));
            loop {
                attempts += 1;
                self.emitter.emit(RunEvent::StepStarted {
                    step: step.id.clone(),
                    name: step.display_name().to_string(),
                    kind: record::kind_name(&step.kind),
                    section: record::section_name(section),
                    time: Clock::now_text(),
                    attempt: attempts,
                });
                match self.attempt(step).await {
                    Attempt::Failed(f) if attempts < max && f.retryable && !f.changed => {
                        let delay = step
                            .retry
                            .as_ref()
                            .map_or(Duration::ZERO, |r| backoff_delay(r, attempts));
                        self.emitter.emit(RunEvent::StepRetrying {
                            step: step.id.clone(),
                            attempt: attempts,
                            delay_ms: delay.as_millis() as u64,
                            error: f.message.clone(),
                        });
                        let cancel = self.cancel.clone();
                        tokio::select! {
                            () = tokio::time::sleep(self.clock.wait_for(delay)) => {}
                            () = cancel.cancelled() => break 'outcome Attempt::Cancelled,
                        }
                    }
                    other => break 'outcome other,
                }
            }
        };

        let mut aborts_run = false;
        let (status, details, mut outputs, error) = match outcome {
            Attempt::Done(d) => {
                let status = if d.skipped {
                    StepStatus::Skipped
                } else if d.warning {
                    StepStatus::Warning
                } else {
                    StepStatus::Success
                };
                self.dry_skipped_change |= d.dry_run_skip;
                (status, d.details, d.outputs, None)
            }
            Attempt::Failed(f) => {
                self.changed |= f.changed;
                aborts_run = f.aborts_run;
                let expected = self.dry_skipped_change && f.expected_in_dry_run();
                let status = if expected || (step.on_failure == OnFailure::Warn && !f.aborts_run) {
                    StepStatus::Warning
                } else {
                    StepStatus::Failed
                };
                let details = if expected {
                    format!(
                        "dry run, the failover was not made, so this is expected: {}",
                        f.message
                    )
                } else {
                    f.message.clone()
                };
                (
                    status,
                    details,
                    f.outputs,
                    Some(StepError {
                        code: f.code,
                        message: f.message,
                    }),
                )
            }
            Attempt::Cancelled => {
                let details = if self.failovers.is_empty() {
                    "interrupted"
                } else if self.in_process_emulator() {
                    "interrupted; the failover was in the in-process emulator, which stops with this run"
                } else {
                    "interrupted; the failover goes on in Azure"
                };
                (StepStatus::Cancelled, details.to_string(), Map::new(), None)
            }
        };
        outputs.insert("status".into(), json!(status));
        self.ctx.set_step_outputs(&step.id, &outputs);
        let record = StepRecord {
            step: step.id.clone(),
            name: step.display_name().to_string(),
            kind: record::kind_name(&step.kind),
            section: record::section_name(section),
            status,
            timestamp: started,
            ended_at: Clock::now_text(),
            duration_ms: t0.elapsed().as_millis() as u64,
            attempts,
            http_retries: self.client.retry_count().saturating_sub(retries_before),
            details,
            inputs,
            outputs,
            error,
        };
        tracing::debug!(step = %record.step, status = ?record.status, "step finished");
        // A change step's record is durable (`RunEvent::is_durable`); a failure to write it is
        // reported through the journal's failure at the end of the run.
        let _ = self
            .emitter
            .emit_durable(RunEvent::StepFinished {
                record: record.clone(),
            })
            .await;
        (record, aborts_run)
    }

    /// Asks the step's `confirm:` question. The question is shown with secrets masked, and
    /// the wait for an answer yields to Ctrl-C.
    async fn ask(&mut self, step: &str, q: &runbook_spec::TemplateText) -> Result<(), Attempt> {
        let question = self.ctx.render(q).map_err(|e| {
            Attempt::Failed(StepFail::new(ErrorCode::TemplateError, e.to_string()).final_())
        })?;
        let shown = self.emitter.redactor().text(&question);
        let Some(mut confirmer) = self.confirmer.take() else {
            return Err(Attempt::Failed(
                StepFail::new(
                    ErrorCode::ConfirmationMissing,
                    "no way to ask for confirmation",
                )
                .final_(),
            ));
        };
        let id = step.to_string();
        // Reading a terminal blocks; it runs on its own thread so Ctrl-C is still seen.
        let asking = tokio::task::spawn_blocking(move || {
            let answer = confirmer.confirm(&id, &shown);
            (confirmer, answer)
        });
        let cancel = self.cancel.clone();
        let answer = tokio::select! {
            joined = asking => match joined {
                Ok((confirmer, answer)) => {
                    self.confirmer = Some(confirmer);
                    answer
                }
                Err(_) => Confirmation::Unavailable("the confirmation prompt failed".to_string()),
            },
            () = cancel.cancelled() => return Err(Attempt::Cancelled),
        };
        let fail = |code: ErrorCode, msg: String| {
            let mut f = StepFail::new(code, msg).final_();
            f.aborts_run = true;
            Err(Attempt::Failed(f))
        };
        match answer {
            Confirmation::Approved => Ok(()),
            Confirmation::Declined => fail(
                ErrorCode::ConfirmationDeclined,
                "the operator declined the confirmation".to_string(),
            ),
            Confirmation::Unavailable(msg) => fail(ErrorCode::ConfirmationMissing, msg),
        }
    }

    /// One attempt of a step's kind, with the step's timeout, racing Ctrl-C. A failover is
    /// never raced: abandoning its POST mid-flight would leave a failover nobody records.
    async fn attempt(&mut self, step: &Step) -> Attempt {
        if step.kind.is_mutation() {
            return match self.execute(step).await {
                Ok(d) => Attempt::Done(d),
                Err(f) => Attempt::Failed(f),
            };
        }
        let cancel = self.cancel.clone();
        let timeout = step.timeout.map(|t| self.clock.wait_for(t.as_duration()));
        let step_timeout = step.timeout;
        let fut = self.execute(step);
        let limited = async {
            match timeout {
                Some(t) => match tokio::time::timeout(t, fut).await {
                    Ok(r) => r,
                    Err(_) => Err(StepFail::new(
                        ErrorCode::StepTimeout,
                        format!(
                            "the step did not finish within its timeout of {}",
                            step_timeout.map(|t| t.to_string()).unwrap_or_default()
                        ),
                    )),
                },
                None => fut.await,
            }
        };
        tokio::select! {
            r = limited => match r {
                Ok(d) => Attempt::Done(d),
                Err(f) => Attempt::Failed(f),
            },
            () = cancel.cancelled() => Attempt::Cancelled,
        }
    }

    async fn execute(&mut self, step: &Step) -> Result<StepDone, StepFail> {
        match &step.kind {
            StepKind::Validate(v) => self.run_validate(v).await,
            StepKind::SnapshotMetrics(s) => self.run_snapshot(s).await,
            StepKind::Failover(f) => self.run_failover(&step.id, f).await,
            StepKind::Await(a) => self.run_await(&step.id, a).await,
            StepKind::CompareDevices(c) => self.run_compare(c),
            StepKind::HealthCheck(h) => self.run_health(&step.id, h).await,
            StepKind::Sleep(d) => self.run_sleep(&step.id, *d).await,
        }
    }

    /// Emits a progress event for `step`.
    pub(crate) fn progress(
        &mut self,
        step: &str,
        message: String,
        elapsed: Duration,
        timeout: Option<Duration>,
        hub_state: Option<String>,
    ) {
        self.emitter.emit(RunEvent::StepProgress {
            step: step.to_string(),
            message,
            elapsed_ms: elapsed.as_millis() as u64,
            timeout_ms: timeout.map(|t| t.as_millis() as u64),
            hub_state,
        });
    }

    /// Renders an optional template field, as a step failure when it cannot be.
    pub(crate) fn render_opt(
        &mut self,
        t: Option<&runbook_spec::TemplateText>,
    ) -> Result<Option<String>, StepFail> {
        t.map(|t| self.ctx.render(t))
            .transpose()
            .map_err(|e| StepFail::new(ErrorCode::TemplateError, e.to_string()).final_())
    }

    /// The target hub's resource group and name, owned (steps hold them across awaits).
    pub(crate) fn hub_coordinates(&self) -> (String, String) {
        (self.target.resource_group.clone(), self.target.hub.clone())
    }
}

/// The parameters whose value masking changed.
fn masked_names(plain: &Map<String, Value>, masked: &Value) -> Vec<String> {
    plain
        .iter()
        .filter(|(k, v)| masked.get(k.as_str()) != Some(*v))
        .map(|(k, _)| k.clone())
        .collect()
}

/// Every string inside `v`, for scanning a step's inputs for templates.
fn collect_strings(v: &mut Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(std::mem::take(s)),
        Value::Array(a) => a.iter_mut().for_each(|x| collect_strings(x, out)),
        Value::Object(m) => m.values_mut().for_each(|x| collect_strings(x, out)),
        _ => {}
    }
}
