//! One step, start to record: `when`, `confirm` (asked on a blocking thread, racing Ctrl-C),
//! the journal check before a change, then attempts of the step's kind (`steps::run`, with a
//! `StepContext` lent for the attempt) under `retry`, the step's `timeout` and Ctrl-C. The
//! last attempt becomes the step's `StepRecord`, routed by `on_failure` and emitted (durably
//! for a change step). A failover is never raced: abandoning its POST mid-flight would leave
//! a failover nobody records.

use std::time::{Duration, Instant};

use runbook_record::ErrorCode;
use runbook_spec::{OnFailure, Section, Step};
use serde_json::{Map, json};

use super::Engine;
use crate::clock::Clock;
use crate::confirm::Confirmation;
use crate::dr_log::{StepError, StepRecord};
use crate::event::RunEvent;
use crate::outcome::{Attempt, StepDone, StepFail};
use crate::record;
use crate::retry::backoff_delay;
use crate::status::StepStatus;
use crate::steps::{self, StepContext};

impl Engine {
    pub(super) async fn run_step(&mut self, section: Section, step: &Step) -> StepRecord {
        self.run_step_routed(section, step).await.0
    }

    /// Runs one step through `when`, `confirm`, retries and timeout; emits its record and
    /// says whether its failure must stop the run whatever `on_failure` says.
    pub(super) async fn run_step_routed(
        &mut self,
        section: Section,
        step: &Step,
    ) -> (StepRecord, bool) {
        let started = Clock::now_text();
        let t0 = Instant::now();
        let retries_before = self.client.retry_count();
        let mut attempts = 0u32;
        let inputs = self.templates.step_inputs(&step.kind);
        self.state.reused_reading = None;

        let outcome: Attempt = 'outcome: {
            if let Some(w) = &step.when {
                match self.templates.condition(w) {
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
                        // A retry reads the hub afresh: what the failed attempt saw is
                        // what it is retrying past.
                        self.state.hub_reading = None;
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
                self.state.dry_skipped_change |= d.dry_run_skip;
                (status, d.details, d.outputs, None)
            }
            Attempt::Failed(f) => {
                self.state.changed |= f.changed;
                aborts_run = f.aborts_run;
                let expected = self.state.dry_skipped_change && f.expected_in_dry_run();
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
                let details = if self.state.failovers.is_empty() {
                    "interrupted"
                } else if self.cooldown.in_process_emulator() {
                    "interrupted; the failover was in the in-process emulator, which stops with this run"
                } else {
                    "interrupted; the failover goes on in Azure"
                };
                (StepStatus::Cancelled, details.to_string(), Map::new(), None)
            }
        };
        outputs.insert("status".into(), json!(status));
        self.templates.set_step_outputs(&step.id, &outputs);
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
            reused_reading: self.state.reused_reading.take(),
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
        let question = self.templates.render(q).map_err(|e| {
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

    /// Lends the step its context (see `steps::context`) and runs its kind once.
    async fn execute(&mut self, step: &Step) -> Result<StepDone, StepFail> {
        let mut cx = StepContext {
            step: &step.id,
            client: &self.client,
            clock: self.clock,
            target: &self.target,
            templates: &mut self.templates,
            events: &mut self.emitter,
            state: &mut self.state,
            dry_run: self.dry_run,
            cooldown: self.cooldown,
            in_flight: &self.in_flight,
        };
        steps::run(&mut cx, &step.kind).await
    }
}
