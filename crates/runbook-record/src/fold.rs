//! Folding a run's events into its DR log: a pure function of the events, no I/O.
//!
//! The engine feeds every (masked) event to a `DrLogFold` as it emits it, and resume replays a
//! journal's events into one, so a journal alone rebuilds the log. The seed scripts' keys are
//! filled from the drill's own step records (`steps`, not a rollback's or a finally's):
//! readings before the first failover are "pre", readings after it "post". The engine's
//! runner reads the records so far back from it (objectives), and writes `snapshot()` at the
//! end.

use serde_json::Value;

use crate::dr_log::{DrLog, EndpointHealthSummary, SCHEMA_VERSION};
use crate::event::RunEvent;
use crate::kind::StepKindName;
use crate::section::SectionName;
use crate::status::{RunStatus, StepStatus};
use crate::step::StepRecord;

/// Folds events into a `DrLog`: feed it every event of a run in order (`apply`), read the log
/// so far (`snapshot`).
#[derive(Debug, Default)]
pub struct DrLogFold {
    log: Option<DrLog>,
    failover_seen: bool,
}

impl DrLogFold {
    pub fn new() -> Self {
        Self::default()
    }

    /// The log so far (None before `RunStarted`).
    pub fn snapshot(&self) -> Option<DrLog> {
        self.log.clone()
    }

    fn on_step(&mut self, rec: &StepRecord) {
        let failover_seen = self.failover_seen;
        let Some(log) = self.log.as_mut() else { return };
        let out = &rec.outputs;
        let s = |k: &str| out.get(k).and_then(Value::as_str).map(str::to_string);
        let n = |k: &str| out.get(k).and_then(Value::as_u64);
        // A resumed run records again a step the interruption had recorded: the later record
        // replaces the earlier one in place.
        match log.steps.iter_mut().find(|s| s.step == rec.step) {
            Some(existing) => *existing = rec.clone(),
            None => log.steps.push(rec.clone()),
        }
        let ran = matches!(
            rec.status,
            StepStatus::Success | StepStatus::Warning | StepStatus::Failed
        );
        // Only the drill's own steps speak for the hub before and after; a rollback's or a
        // finally's readings describe the clean-up.
        if !ran || rec.section != SectionName::Steps {
            return;
        }
        match rec.kind {
            StepKindName::Validate | StepKindName::SnapshotMetrics => {
                if !failover_seen {
                    // The first reading before the failover is the baseline.
                    if log.pre_failover_location.is_none() {
                        log.pre_failover_location = s("location");
                    }
                    if log.pre_failover_state.is_none() {
                        log.pre_failover_state = s("state");
                    }
                    if log.pre_failover_device_count.is_none() {
                        log.pre_failover_device_count = n("device_count");
                    }
                    if log.pre_failover_quotas.is_none() {
                        log.pre_failover_quotas = out
                            .get("quotas")
                            .and_then(|q| serde_json::from_value(q.clone()).ok());
                    }
                } else {
                    // The latest reading after it is the outcome.
                    if let Some(l) = s("location") {
                        log.post_failover_location = Some(l);
                    }
                    if let Some(st) = s("state") {
                        log.post_failover_state = Some(st);
                    }
                    if let Some(c) = n("device_count") {
                        log.post_failover_device_count = Some(c);
                    }
                    if let (Some(t), Some(h), Some(u)) = (
                        n("endpoints_total"),
                        n("endpoints_healthy"),
                        n("endpoints_unhealthy"),
                    ) {
                        log.post_failover_endpoint_health = Some(EndpointHealthSummary {
                            total: t,
                            healthy: h,
                            unhealthy: u,
                        });
                    }
                }
            }
            StepKindName::AwaitRecovery if failover_seen => {
                log.recovery = crate::recovery::DeviceRecovery::from_outputs(&rec.step, out);
            }
            StepKindName::Failover if log.target_region.is_none() => {
                log.target_region = s("region");
            }
            StepKindName::Await => {
                // An `await: { until }` without a failover before it times nothing.
                if failover_seen
                    && log.failover_completed.is_none()
                    && rec.status != StepStatus::Failed
                {
                    log.failover_completed = s("completed_at");
                    log.failover_duration_seconds =
                        out.get("duration_seconds").and_then(Value::as_f64);
                }
                if failover_seen {
                    if let Some(l) = s("location") {
                        log.post_failover_location = Some(l);
                    }
                    if let Some(st) = s("state") {
                        log.post_failover_state = Some(st);
                    }
                }
            }
            StepKindName::HealthCheck if failover_seen => {
                if let (Some(t), Some(h), Some(u)) = (n("total"), n("healthy"), n("unhealthy")) {
                    log.post_failover_endpoint_health = Some(EndpointHealthSummary {
                        total: t,
                        healthy: h,
                        unhealthy: u,
                    });
                }
            }
            _ => {}
        }
    }
}

impl DrLogFold {
    /// Folds one event in. Events other than the run's start and end, failovers, target
    /// regions, step records and objectives change nothing.
    pub fn apply(&mut self, event: &RunEvent) {
        match event {
            RunEvent::RunStarted {
                run_id,
                time,
                runbook,
                dry_run,
                target,
                time_scale,
                hub_fingerprint,
                ..
            } => {
                let t = |k: &str| {
                    target
                        .get(k)
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string()
                };
                self.log = Some(DrLog {
                    schema_version: SCHEMA_VERSION.to_string(),
                    run_id: run_id.clone(),
                    dry_run: *dry_run,
                    runbook_version: Some(crate::writer::writer()),
                    time_scale: *time_scale,
                    status_reason: Some("the run did not finish".to_string()),
                    operation: runbook.name.clone(),
                    hub_name: t("hub"),
                    subscription: t("subscription"),
                    resource_group: t("resource_group"),
                    start_time: time.clone(),
                    hub_fingerprint: hub_fingerprint.clone(),
                    ..DrLog::blank(runbook.clone())
                });
            }
            // For the journal and resume: the DR log records what ARM accepted.
            RunEvent::FailoverIntent { .. } => {}
            RunEvent::FailoverStarted { time, region, .. } => {
                self.failover_seen = true;
                if let Some(log) = self.log.as_mut() {
                    log.changed = true;
                    if log.failover_started.is_none() {
                        log.failover_started = Some(time.clone());
                        log.target_region = Some(region.clone());
                    }
                }
            }
            RunEvent::TargetRegionKnown { region, .. } => {
                if let Some(log) = self.log.as_mut()
                    && log.target_region.is_none()
                {
                    log.target_region = Some(region.clone());
                }
            }
            RunEvent::StepFinished { record } => self.on_step(record),
            RunEvent::PreflightChecked { preflight } => {
                if let Some(log) = self.log.as_mut() {
                    log.preflight = Some(preflight.clone());
                }
            }
            RunEvent::ObjectivesMeasured { objectives } => {
                if let Some(log) = self.log.as_mut() {
                    log.objectives = objectives.clone();
                }
            }
            RunEvent::RunFinished {
                time,
                status,
                reason,
                changed,
                ..
            } => {
                if let Some(log) = self.log.as_mut() {
                    log.end_time = Some(time.clone());
                    log.status = *status;
                    log.status_reason = reason.clone();
                    log.success = *status == RunStatus::Succeeded;
                    log.changed = *changed;
                    log.error = if log.success { None } else { reason.clone() };
                }
            }
            RunEvent::StepStarted { .. }
            | RunEvent::StepProgress { .. }
            | RunEvent::StepRetrying { .. } => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dr_log::RunbookIdentity;
    use serde_json::json;

    fn record(
        step: &str,
        section: SectionName,
        kind: StepKindName,
        status: StepStatus,
        outputs: Value,
    ) -> StepRecord {
        StepRecord {
            step: step.into(),
            name: step.into(),
            kind,
            section,
            status,
            timestamp: "t".into(),
            ended_at: "t".into(),
            duration_ms: 0,
            attempts: 1,
            http_retries: 0,
            details: String::new(),
            inputs: Value::Null,
            outputs: outputs.as_object().cloned().unwrap_or_default(),
            error: None,
            reused_reading: None,
        }
    }

    fn started() -> RunEvent {
        RunEvent::RunStarted {
            run_id: "r".into(),
            time: "t0".into(),
            runbook: RunbookIdentity {
                name: "n".into(),
                path: "p".into(),
                sha256: "s".into(),
            },
            dry_run: false,
            target: json!({"hub": "h", "resource_group": "g", "subscription": "s"}),
            params: json!({}),
            masked_params: Vec::new(),
            runbook_file: None,
            log_path: "l".into(),
            time_scale: None,
            in_process_emulator: false,
            hub_fingerprint: None,
        }
    }

    fn fold(events: &[RunEvent]) -> DrLog {
        let mut b = DrLogFold::new();
        for e in events {
            b.apply(e);
        }
        b.snapshot().expect("a log after run_started")
    }

    #[test]
    fn readings_before_the_failover_are_pre_and_after_it_post() {
        let snap = |loc: &str, devices: u64| json!({"location": loc, "state": "Active", "device_count": devices});
        let log = fold(&[
            started(),
            RunEvent::StepFinished {
                record: record(
                    "pre",
                    SectionName::Steps,
                    StepKindName::SnapshotMetrics,
                    StepStatus::Success,
                    snap("westus2", 10),
                ),
            },
            RunEvent::FailoverStarted {
                step: "f".into(),
                time: "t1".into(),
                region: "westus".into(),
                operation: Value::Null,
            },
            RunEvent::StepFinished {
                record: record(
                    "post",
                    SectionName::Steps,
                    StepKindName::SnapshotMetrics,
                    StepStatus::Success,
                    snap("westus", 9),
                ),
            },
            // A rollback's reading describes the clean-up, not the drill's outcome.
            RunEvent::StepFinished {
                record: record(
                    "rb",
                    SectionName::Rollback,
                    StepKindName::SnapshotMetrics,
                    StepStatus::Success,
                    snap("westus2", 9),
                ),
            },
        ]);
        assert_eq!(log.pre_failover_location.as_deref(), Some("westus2"));
        assert_eq!(log.pre_failover_device_count, Some(10));
        assert_eq!(log.post_failover_location.as_deref(), Some("westus"));
        assert_eq!(log.post_failover_device_count, Some(9));
        assert_eq!(log.target_region.as_deref(), Some("westus"));
        assert!(log.changed);
    }

    #[test]
    fn a_later_record_of_the_same_step_replaces_the_earlier() {
        let log = fold(&[
            started(),
            RunEvent::StepFinished {
                record: record(
                    "wait",
                    SectionName::Steps,
                    StepKindName::Await,
                    StepStatus::Cancelled,
                    json!({}),
                ),
            },
            RunEvent::StepFinished {
                record: record(
                    "next",
                    SectionName::Steps,
                    StepKindName::Sleep,
                    StepStatus::Skipped,
                    json!({}),
                ),
            },
            RunEvent::StepFinished {
                record: record(
                    "wait",
                    SectionName::Steps,
                    StepKindName::Await,
                    StepStatus::Success,
                    json!({}),
                ),
            },
        ]);
        let ids: Vec<(&str, StepStatus)> = log
            .steps
            .iter()
            .map(|s| (s.step.as_str(), s.status))
            .collect();
        assert_eq!(
            ids,
            vec![("wait", StepStatus::Success), ("next", StepStatus::Skipped)]
        );
    }

    #[test]
    fn measured_objectives_land_in_the_log_and_a_resumed_run_replaces_them() {
        let result = |met: bool| crate::objective::ObjectiveResult {
            objective: "rto".into(),
            target: "30m".into(),
            measured: Some("1s".into()),
            met: Some(met),
            advisory: false,
            unit: "seconds".into(),
            target_value: Some(1800.0),
            measured_value: Some(1.0),
            details: String::new(),
        };
        let log = fold(&[
            started(),
            RunEvent::ObjectivesMeasured {
                objectives: vec![result(false)],
            },
            RunEvent::ObjectivesMeasured {
                objectives: vec![result(true)],
            },
        ]);
        assert_eq!(log.objectives, vec![result(true)]);
    }

    #[test]
    fn the_run_finishing_sets_success_and_error_together() {
        let log = fold(&[
            started(),
            RunEvent::RunFinished {
                time: "t9".into(),
                status: RunStatus::Failed,
                reason: Some("why".into()),
                changed: true,
                cleanup_failed: false,
            },
        ]);
        assert!(!log.success);
        assert_eq!(log.error.as_deref(), Some("why"));
        assert_eq!(log.end_time.as_deref(), Some("t9"));
    }
}
