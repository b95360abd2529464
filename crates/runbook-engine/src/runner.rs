//! The runner: walks a validated runbook's steps against an ARM client and emits events.
//!
//! For each step: evaluate `when`, ask `confirm`, skip mutations under `--dry-run`, then run the
//! kind with its `timeout` and `retry`, racing Ctrl-C. A failure is routed by `on_failure`
//! (abort, warn, continue). After the main steps, `rollback` runs if a step failed after the
//! hub was changed, and `finally` always runs unless the run was interrupted. Every outcome is
//! an event; the DR log is folded from them. The runner never prints.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use iothub_arm::{ArmClient, FailoverOperation};
use runbook_spec::{Backoff, OnFailure, Runbook, Section, Step, StepKind};
use serde_json::{Map, Value, json};
use tokio_util::sync::CancellationToken;

use crate::clock::Clock;
use crate::confirm::{Confirmation, Confirmer};
use crate::context::TemplateContext;
use crate::dr_log::{DrLog, RunbookIdentity, StepError, StepRecord};
use crate::emitter::Emitter;
use crate::event::RunEvent;
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
}

/// How a finished run came out.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    pub status: RunStatus,
    pub reason: Option<String>,
    pub changed: bool,
    pub cleanup_failed: bool,
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

/// Steps already finished by an interrupted run (`resume`), with the failovers they started.
#[derive(Debug, Clone, Default)]
pub struct PriorRun {
    pub events: Vec<RunEvent>,
}

/// A step's successful result.
#[derive(Debug, Default)]
pub(crate) struct StepDone {
    pub status_warning: bool,
    pub details: String,
    pub outputs: Map<String, Value>,
}

/// A step's failure.
#[derive(Debug)]
pub(crate) struct StepFail {
    pub code: String,
    pub message: String,
    pub outputs: Map<String, Value>,
    /// Worth another attempt (`retry`). Expectation misses are; a refused failover is not.
    pub retryable: bool,
    /// Whether the hub may have been changed by this attempt.
    pub changed: bool,
}

impl StepFail {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        Self {
            code: code.to_string(),
            message: message.into(),
            outputs: Map::new(),
            retryable: true,
            changed: false,
        }
    }

    pub fn final_(mut self) -> Self {
        self.retryable = false;
        self
    }

    pub fn with_outputs(mut self, outputs: Map<String, Value>) -> Self {
        self.outputs = outputs;
        self
    }
}

impl From<iothub_arm::ArmError> for StepFail {
    fn from(e: iothub_arm::ArmError) -> Self {
        use iothub_arm::ArmError as E;
        let code = match (&e, e.code(), e.status()) {
            (_, Some(code), _) => code.to_string(),
            (E::Http { .. } | E::Auth { .. }, None, Some(status)) => format!("Http{status}"),
            (E::Throttled { .. }, ..) => "Throttled".to_string(),
            (E::FailoverOutcomeUnknown { .. }, ..) => "FailoverOutcomeUnknown".to_string(),
            (E::OperationFailed { .. }, ..) => "OperationFailed".to_string(),
            (E::Timeout { .. }, ..) => "Timeout".to_string(),
            (E::Transport { .. }, ..) => "Transport".to_string(),
            (E::Credential { .. }, ..) => "Credential".to_string(),
            _ => "ArmError".to_string(),
        };
        // Authentication and bad input will not get better by trying again.
        let retryable = !matches!(
            e,
            E::Auth { .. }
                | E::Credential { .. }
                | E::InvalidInput { .. }
                | E::InsecureEndpoint { .. }
        );
        Self {
            code,
            message: e.to_string(),
            outputs: Map::new(),
            retryable,
            changed: false,
        }
    }
}

pub(crate) enum Attempt {
    Done(StepDone),
    Failed(StepFail),
    Cancelled,
}

pub struct Engine {
    pub(crate) client: ArmClient,
    pub(crate) clock: Clock,
    pub(crate) cancel: CancellationToken,
    confirmer: Box<dyn Confirmer>,
    pub(crate) emitter: Emitter,
    pub(crate) ctx: TemplateContext,
    pub(crate) target: HubTarget,
    pub(crate) failovers: HashMap<String, TrackedFailover>,
    pub(crate) changed: bool,
    pub(crate) dry_run: bool,
    /// A dry run skipped a failover: later readings see the hub unchanged, so their misses are
    /// expected and only warn.
    dry_skipped_change: bool,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("target", &self.target)
            .field("dry_run", &self.dry_run)
            .finish_non_exhaustive()
    }
}

impl Engine {
    pub fn new(
        client: ArmClient,
        clock: Clock,
        cancel: CancellationToken,
        confirmer: Box<dyn Confirmer>,
        emitter: Emitter,
        req: &RunRequest,
    ) -> Self {
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
            confirmer,
            emitter,
            ctx,
            target: req.target.clone(),
            failovers: HashMap::new(),
            changed: false,
            dry_run: req.dry_run,
            dry_skipped_change: false,
        }
    }

    /// Runs the runbook to the end (or to Ctrl-C) and returns the outcome with the DR log.
    pub async fn run(mut self, req: RunRequest, prior: Option<PriorRun>) -> RunOutcome {
        let done = match &prior {
            Some(p) => self.restore(p),
            None => {
                let params_shown = self.emitter.redactor().clone();
                let mut params = Value::Object(req.params.clone());
                params_shown.value(&mut params);
                self.emitter.emit(RunEvent::RunStarted {
                    run_id: req.run_id.clone(),
                    time: Clock::now_text(),
                    runbook: req.identity.clone(),
                    dry_run: req.dry_run,
                    target: req.target.to_value(),
                    params,
                    log_path: req.log_path.clone(),
                });
                HashMap::new()
            }
        };
        let rb = &req.runbook;
        let mut failure: Option<String> = None;
        let mut continued_failure: Option<String> = None;
        let mut cancelled = false;
        let mut aborted_before_change = false;

        for step in &rb.steps {
            if done.contains_key(&step.id) {
                continue;
            }
            if cancelled || failure.is_some() {
                let why = if cancelled {
                    "not run: the run was interrupted"
                } else {
                    "not run: an earlier step failed"
                };
                self.record_skipped(Section::Steps, step, why);
                continue;
            }
            let changed_before = self.changed;
            let rec = self.run_step(Section::Steps, step).await;
            match rec.status {
                StepStatus::Cancelled => cancelled = true,
                StepStatus::Failed => {
                    let why = format!(
                        "step `{}` failed: {}",
                        step.id,
                        rec.error
                            .as_ref()
                            .map_or(rec.details.as_str(), |e| e.message.as_str())
                    );
                    if step.on_failure == OnFailure::Continue {
                        continued_failure.get_or_insert(why);
                    } else {
                        aborted_before_change = !changed_before && !self.changed;
                        failure = Some(why);
                    }
                }
                _ => {}
            }
        }

        let mut cleanup_failed = false;
        let run_rollback = failure.is_some() && !cancelled && self.changed;
        for step in &rb.rollback {
            if done.contains_key(&step.id) {
                continue;
            }
            if !run_rollback || cancelled {
                let why = if cancelled {
                    "not run: the run was interrupted"
                } else if failure.is_none() {
                    "not run: rollback runs only when a step failed"
                } else {
                    "not run: nothing was changed, so nothing to roll back"
                };
                self.record_skipped(Section::Rollback, step, why);
                continue;
            }
            let rec = self.run_step(Section::Rollback, step).await;
            match rec.status {
                StepStatus::Failed => cleanup_failed = true,
                StepStatus::Cancelled => cancelled = true,
                _ => {}
            }
        }
        for step in &rb.finally {
            if done.contains_key(&step.id) {
                continue;
            }
            if cancelled {
                self.record_skipped(Section::Finally, step, "not run: the run was interrupted");
                continue;
            }
            let rec = self.run_step(Section::Finally, step).await;
            match rec.status {
                StepStatus::Failed => cleanup_failed = true,
                StepStatus::Cancelled => cancelled = true,
                _ => {}
            }
        }

        let (status, reason) = if cancelled {
            let why = if self.changed {
                "interrupted; a failover that was started goes on in Azure: check the hub before acting"
            } else {
                "interrupted before anything was changed"
            };
            (RunStatus::Cancelled, Some(why.to_string()))
        } else if let Some(why) = failure {
            if aborted_before_change {
                (
                    RunStatus::Aborted,
                    Some(format!("{why}; nothing was changed")),
                )
            } else {
                (RunStatus::Failed, Some(why))
            }
        } else if let Some(why) = continued_failure {
            (RunStatus::Failed, Some(why))
        } else if cleanup_failed {
            (RunStatus::Failed, Some("a finally step failed".to_string()))
        } else {
            (RunStatus::Succeeded, None)
        };
        self.emitter.emit(RunEvent::RunFinished {
            time: Clock::now_text(),
            status,
            reason: reason.clone(),
            changed: self.changed,
            cleanup_failed,
        });
        RunOutcome {
            status,
            reason,
            changed: self.changed,
            cleanup_failed,
            log: self.emitter.dr_log(),
        }
    }

    /// Restores outputs and failover handles from an interrupted run's events; returns the
    /// steps that finished (they are not run again).
    fn restore(&mut self, prior: &PriorRun) -> HashMap<String, StepRecord> {
        let mut done = HashMap::new();
        let mut synthesized = Vec::new();
        for ev in &prior.events {
            self.emitter.replay(ev);
            match ev {
                RunEvent::StepFinished { record }
                    if matches!(
                        record.status,
                        StepStatus::Success | StepStatus::Warning | StepStatus::Skipped
                    ) =>
                {
                    self.ctx.set_step_outputs(&record.step, &record.outputs);
                    done.insert(record.step.clone(), record.clone());
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
                            started_at: time::OffsetDateTime::parse(
                                time,
                                &time::format_description::well_known::Rfc3339,
                            )
                            .unwrap_or_else(|_| Clock::now()),
                        });
                    self.failovers.insert(step.clone(), tracked);
                    // The failover was accepted: the step is done even if the process died
                    // before recording it. Running it again would fail the hub back.
                    let finished = prior.events.iter().any(
                        |e| matches!(e, RunEvent::StepFinished { record } if &record.step == step),
                    );
                    if !finished {
                        let mut outputs = Map::new();
                        outputs.insert("status".into(), json!("success"));
                        outputs.insert("region".into(), json!(region));
                        outputs.insert("started_at".into(), json!(time));
                        self.ctx.set_step_outputs(step, &outputs);
                        synthesized.push(StepRecord {
                            step: step.clone(),
                            name: step.clone(),
                            kind: "failover".into(),
                            section: "steps".into(),
                            status: StepStatus::Success,
                            timestamp: time.clone(),
                            ended_at: time.clone(),
                            duration_ms: 0,
                            attempts: 1,
                            http_retries: 0,
                            details: format!(
                                "failover to {region} was started before the interruption"
                            ),
                            inputs: Value::Null,
                            outputs,
                            error: None,
                        });
                    }
                }
                _ => {}
            }
        }
        // Record the failovers the interrupted run started but did not get to record, so
        // the log shows them; they are done and will not run again.
        for record in synthesized {
            done.insert(record.step.clone(), record.clone());
            self.emitter.emit(RunEvent::StepFinished { record });
        }
        done
    }

    fn record_skipped(&mut self, section: Section, step: &Step, why: &str) {
        let now = Clock::now_text();
        let mut outputs = Map::new();
        outputs.insert("status".into(), json!("skipped"));
        self.ctx.set_step_outputs(&step.id, &outputs);
        self.emitter.emit(RunEvent::StepFinished {
            record: StepRecord {
                step: step.id.clone(),
                name: step.display_name().to_string(),
                kind: step.kind.name().to_string(),
                section: section.key().to_string(),
                status: StepStatus::Skipped,
                timestamp: now.clone(),
                ended_at: now,
                duration_ms: 0,
                attempts: 0,
                http_retries: 0,
                details: why.to_string(),
                inputs: Value::Null,
                outputs,
                error: None,
            },
        });
    }

    /// Runs one step through `when`, `confirm`, dry-run, retries and timeout; emits and returns
    /// its record.
    async fn run_step(&mut self, section: Section, step: &Step) -> StepRecord {
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
                        break 'outcome Attempt::Done(StepDone {
                            details: "skipped: `when` is false".to_string(),
                            ..StepDone::default()
                        });
                    }
                    Err(e) => {
                        break 'outcome Attempt::Failed(
                            StepFail::new("TemplateError", e.to_string()).final_(),
                        );
                    }
                }
            }
            if let Some(q) = &step.confirm
                && !self.dry_run
            {
                let question = match self.ctx.render(q) {
                    Ok(q) => q,
                    Err(e) => {
                        break 'outcome Attempt::Failed(
                            StepFail::new("TemplateError", e.to_string()).final_(),
                        );
                    }
                };
                match self.confirmer.confirm(&step.id, &question) {
                    Confirmation::Approved => {}
                    Confirmation::Declined => {
                        break 'outcome Attempt::Failed(
                            StepFail::new(
                                "ConfirmationDeclined",
                                "the operator declined the confirmation",
                            )
                            .final_(),
                        );
                    }
                    Confirmation::Unavailable(msg) => {
                        break 'outcome Attempt::Failed(
                            StepFail::new("ConfirmationMissing", msg).final_(),
                        );
                    }
                }
            }
            let max = step.retry.as_ref().map_or(1, |r| r.attempts.max(1));
            loop {
                attempts += 1;
                self.emitter.emit(RunEvent::StepStarted {
                    step: step.id.clone(),
                    name: step.display_name().to_string(),
                    kind: step.kind.name().to_string(),
                    section: section.key().to_string(),
                    time: Clock::now_text(),
                    attempt: attempts,
                });
                let res = self.attempt(step).await;
                match res {
                    Attempt::Failed(f) if attempts < max && f.retryable && !f.changed => {
                        let delay = backoff_delay(step, attempts);
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

        let skipped_by_when =
            matches!(&outcome, Attempt::Done(d) if d.details.starts_with("skipped:"));
        let dry_skipped = matches!(&outcome, Attempt::Done(d) if d.details.starts_with("dry run:"));
        let (status, details, mut outputs, error) = match outcome {
            Attempt::Done(d) if skipped_by_when || dry_skipped => {
                (StepStatus::Skipped, d.details, d.outputs, None)
            }
            Attempt::Done(d) => (
                if d.status_warning {
                    StepStatus::Warning
                } else {
                    StepStatus::Success
                },
                d.details,
                d.outputs,
                None,
            ),
            Attempt::Failed(f) if self.dry_skipped_change => {
                let details = format!(
                    "dry run, the failover was not made, so this is expected: {}",
                    f.message
                );
                (
                    StepStatus::Warning,
                    details,
                    f.outputs,
                    Some(StepError {
                        code: f.code,
                        message: f.message,
                    }),
                )
            }
            Attempt::Failed(f) => {
                let status = if step.on_failure == OnFailure::Warn {
                    StepStatus::Warning
                } else {
                    StepStatus::Failed
                };
                let details = f.message.clone();
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
            Attempt::Cancelled => (
                StepStatus::Cancelled,
                if self.failovers.is_empty() {
                    "interrupted".to_string()
                } else {
                    "interrupted; the failover goes on in Azure".to_string()
                },
                Map::new(),
                None,
            ),
        };
        if dry_skipped && step.kind.is_mutation() {
            self.dry_skipped_change = true;
        }
        outputs.insert("status".into(), json!(status));
        self.ctx.set_step_outputs(&step.id, &outputs);
        let record = StepRecord {
            step: step.id.clone(),
            name: step.display_name().to_string(),
            kind: step.kind.name().to_string(),
            section: section.key().to_string(),
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
        self.emitter.emit(RunEvent::StepFinished {
            record: record.clone(),
        });
        record
    }

    /// One attempt of a step's kind, with the step's timeout and Ctrl-C.
    async fn attempt(&mut self, step: &Step) -> Attempt {
        let cancel = self.cancel.clone();
        let timeout = step.timeout.map(|t| self.clock.wait_for(t.as_duration()));
        let step_timeout = step.timeout;
        let fut = self.execute(step);
        let limited = async {
            match timeout {
                Some(t) => match tokio::time::timeout(t, fut).await {
                    Ok(r) => r,
                    Err(_) => Err(StepFail::new(
                        "StepTimeout",
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
            .map_err(|e| StepFail::new("TemplateError", e.to_string()).final_())
    }
}

fn backoff_delay(step: &Step, failed_attempt: u32) -> Duration {
    let Some(r) = &step.retry else {
        return Duration::ZERO;
    };
    let base = r.delay.as_duration();
    let d = match r.backoff {
        Backoff::Fixed => base,
        Backoff::Exponential => {
            base.saturating_mul(2u32.saturating_pow(failed_attempt.saturating_sub(1)))
        }
    };
    match r.max_delay {
        Some(m) => d.min(m.as_duration()),
        None => d,
    }
}
