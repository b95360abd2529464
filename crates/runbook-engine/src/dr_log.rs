//! The DR log: one JSON document per run, built by folding the run's events.
//!
//! `DrLogBuilder` is an `EventSink`; after the run (or after replaying a journal) `finish`
//! yields the `DrLog`. The log is a superset of what the hand-written seed scripts wrote
//! (`operation`, `hub_name`, `pre_failover_*`, `post_failover_*`, ...), filled from the step
//! outputs: values read before the first failover are "pre", values read after it "post".
//! `schemas/dr-log.schema.json` is generated from these types.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::event::{EventSink, RunEvent};
use crate::objectives::ObjectiveResult;
use crate::status::{RunStatus, StepStatus};

pub const SCHEMA_VERSION: &str = "1";

/// Which runbook ran.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RunbookIdentity {
    pub name: String,
    pub path: String,
    /// SHA-256 of the runbook file, hex.
    pub sha256: String,
}

/// ARM's error for a failed step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct StepError {
    /// ARM error code, or a runbook code such as `ExpectationNotMet`.
    pub code: String,
    pub message: String,
}

/// One step's record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct StepRecord {
    /// The step id.
    pub step: String,
    pub name: String,
    pub kind: String,
    /// `steps`, `rollback` or `finally`.
    pub section: String,
    pub status: StepStatus,
    /// When the step started (RFC 3339).
    pub timestamp: String,
    pub ended_at: String,
    pub duration_ms: u64,
    /// Times the step ran (its own `retry`), the first included.
    pub attempts: u32,
    /// HTTP requests the ARM client re-sent during the step (throttling, 5xx, dropped
    /// connections), as azure-core's retry policy does.
    #[serde(default)]
    pub http_retries: u64,
    /// One human sentence saying what happened.
    pub details: String,
    /// The step's inputs with templates rendered.
    pub inputs: Value,
    /// What the step produced (`{{steps.ID.OUTPUT}}`).
    pub outputs: Map<String, Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<StepError>,
}

/// Device counts of quota metrics: `{name: {current, max}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct QuotaValue {
    pub current: u64,
    pub max: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct EndpointHealthSummary {
    pub total: u64,
    pub healthy: u64,
    pub unhealthy: u64,
}

/// The DR log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(
    title = "DR log",
    description = "The record of one runbook run against an Azure IoT Hub."
)]
pub struct DrLog {
    pub schema_version: String,
    pub run_id: String,
    pub runbook: RunbookIdentity,
    pub dry_run: bool,
    /// Set when the run was against an emulator whose time was scaled: emulated seconds per
    /// real second. Timestamps and `duration_ms` are real; objectives measured in time are in
    /// the runbook's (emulated) time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_scale: Option<f64>,
    pub status: RunStatus,
    /// Why the run did not succeed.
    pub status_reason: Option<String>,

    // The seed scripts' keys.
    pub operation: String,
    pub hub_name: String,
    pub subscription: String,
    pub resource_group: String,
    pub target_region: Option<String>,
    pub start_time: String,
    pub end_time: Option<String>,
    pub success: bool,
    pub error: Option<String>,
    pub pre_failover_location: Option<String>,
    pub pre_failover_state: Option<String>,
    pub pre_failover_device_count: Option<u64>,
    pub pre_failover_quotas: Option<BTreeMap<String, QuotaValue>>,
    pub failover_started: Option<String>,
    pub failover_completed: Option<String>,
    pub failover_duration_seconds: Option<f64>,
    pub post_failover_location: Option<String>,
    pub post_failover_state: Option<String>,
    pub post_failover_device_count: Option<u64>,
    pub post_failover_endpoint_health: Option<EndpointHealthSummary>,

    /// Whether the run changed anything in Azure.
    pub changed: bool,
    /// The runbook's recovery objectives as measured (absent when it declares none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub objectives: Vec<ObjectiveResult>,
    pub steps: Vec<StepRecord>,
}

/// Folds events into a `DrLog`.
#[derive(Debug, Default)]
pub struct DrLogBuilder {
    log: Option<DrLog>,
    failover_seen: bool,
}

impl DrLogBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Folds one event in (the same as `EventSink::emit`, without a sink in hand).
    pub fn fold(&mut self, event: &RunEvent) {
        <Self as EventSink>::emit(self, event);
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
        if !ran || rec.section != "steps" {
            return;
        }
        match rec.kind.as_str() {
            "validate" | "snapshot-metrics" => {
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
            "failover" if log.target_region.is_none() => {
                log.target_region = s("region");
            }
            "await" => {
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
            "health-check" if failover_seen => {
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

impl EventSink for DrLogBuilder {
    fn emit(&mut self, event: &RunEvent) {
        match event {
            RunEvent::RunStarted {
                run_id,
                time,
                runbook,
                dry_run,
                target,
                time_scale,
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
                    runbook: runbook.clone(),
                    dry_run: *dry_run,
                    time_scale: *time_scale,
                    status: RunStatus::Failed,
                    status_reason: Some("the run did not finish".to_string()),
                    operation: runbook.name.clone(),
                    hub_name: t("hub"),
                    subscription: t("subscription"),
                    resource_group: t("resource_group"),
                    target_region: None,
                    start_time: time.clone(),
                    end_time: None,
                    success: false,
                    error: None,
                    pre_failover_location: None,
                    pre_failover_state: None,
                    pre_failover_device_count: None,
                    pre_failover_quotas: None,
                    failover_started: None,
                    failover_completed: None,
                    failover_duration_seconds: None,
                    post_failover_location: None,
                    post_failover_state: None,
                    post_failover_device_count: None,
                    post_failover_endpoint_health: None,
                    changed: false,
                    objectives: Vec::new(),
                    steps: Vec::new(),
                });
            }
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
            // For the journal and resume: the DR log records what ARM accepted.
            RunEvent::FailoverIntent { .. } => {}
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

/// The DR log's JSON Schema, as checked in under `schemas/dr-log.schema.json`.
pub fn dr_log_schema_text() -> String {
    let schema = schemars::schema_for!(DrLog);
    let mut s = serde_json::to_string_pretty(&schema).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record(
        step: &str,
        section: &str,
        kind: &str,
        status: StepStatus,
        outputs: Value,
    ) -> StepRecord {
        StepRecord {
            step: step.into(),
            name: step.into(),
            kind: kind.into(),
            section: section.into(),
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
        }
    }

    fn fold(events: &[RunEvent]) -> DrLog {
        let mut b = DrLogBuilder::new();
        for e in events {
            b.emit(e);
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
                    "steps",
                    "snapshot-metrics",
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
                    "steps",
                    "snapshot-metrics",
                    StepStatus::Success,
                    snap("westus", 9),
                ),
            },
            // A rollback's reading describes the clean-up, not the drill's outcome.
            RunEvent::StepFinished {
                record: record(
                    "rb",
                    "rollback",
                    "snapshot-metrics",
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
                record: record("wait", "steps", "await", StepStatus::Cancelled, json!({})),
            },
            RunEvent::StepFinished {
                record: record("next", "steps", "sleep", StepStatus::Skipped, json!({})),
            },
            RunEvent::StepFinished {
                record: record("wait", "steps", "await", StepStatus::Success, json!({})),
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
        let result = |met: bool| crate::objectives::ObjectiveResult {
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
