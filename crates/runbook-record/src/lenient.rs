//! Reading a DR log leniently: a log with fields missing still reads, each missing field
//! taken as empty (no text, zero, false, none).
//!
//! The DR log's types are strict, as the schema says, so what the engine writes and resume
//! reads is exactly the contract. Readers that only show a log (the report) also take logs
//! written by older versions and logs trimmed by hand; they read through here. Filling in is
//! done on the JSON before the typed read, so the types, how logs serialize and the schema
//! are untouched. A log with no status reads as failed, a step with none as skipped: nothing
//! in them says they succeeded or ran.

use serde_json::{Map, Value};

use crate::code::ErrorCode;
use crate::dr_log::{DrLog, EndpointHealthSummary, QuotaValue, RunbookIdentity};
use crate::kind::StepKindName;
use crate::objective::ObjectiveResult;
use crate::section::SectionName;
use crate::status::StepStatus;
use crate::step::{StepError, StepRecord};

/// Reads `value` as a DR log, taking every missing field as empty.
pub fn dr_log_from_value(mut value: Value) -> Result<DrLog, serde_json::Error> {
    fill(&mut value, &skeleton(&DrLog::blank(empty_runbook())));
    if let Some(log) = value.as_object_mut() {
        fill_field(log, "runbook", &skeleton(&empty_runbook()));
        fill_field(
            log,
            "post_failover_endpoint_health",
            &skeleton(&empty_health()),
        );
        if let Some(quotas) = log
            .get_mut("pre_failover_quotas")
            .and_then(Value::as_object_mut)
        {
            let q = skeleton(&QuotaValue { current: 0, max: 0 });
            quotas.values_mut().for_each(|v| fill(v, &q));
        }
        let step = skeleton(&empty_step());
        let error = skeleton(&empty_error());
        for s in items(log, "steps") {
            fill(s, &step);
            if let Some(s) = s.as_object_mut() {
                fill_field(s, "error", &error);
            }
        }
        let objective = skeleton(&empty_objective());
        for o in items(log, "objectives") {
            fill(o, &objective);
        }
    }
    serde_json::from_value(value)
}

/// Reads `value` as one step record (a journal's `step_finished`), taking every missing
/// field as empty, as in `dr_log_from_value`.
pub fn step_record_from_value(mut value: Value) -> Result<StepRecord, serde_json::Error> {
    fill(&mut value, &skeleton(&empty_step()));
    if let Some(s) = value.as_object_mut() {
        fill_field(s, "error", &skeleton(&empty_error()));
    }
    serde_json::from_value(value)
}

fn skeleton<T: serde::Serialize>(empty: &T) -> Value {
    serde_json::to_value(empty).unwrap_or(Value::Null)
}

/// Adds to `value` (an object) every key of `skeleton` it lacks.
fn fill(value: &mut Value, skeleton: &Value) {
    if let (Some(v), Some(s)) = (value.as_object_mut(), skeleton.as_object()) {
        for (k, d) in s {
            if !v.contains_key(k) {
                v.insert(k.clone(), d.clone());
            }
        }
    }
}

fn fill_field(obj: &mut Map<String, Value>, key: &str, skeleton: &Value) {
    if let Some(v) = obj.get_mut(key) {
        fill(v, skeleton);
    }
}

fn items<'a>(obj: &'a mut Map<String, Value>, key: &str) -> impl Iterator<Item = &'a mut Value> {
    obj.get_mut(key)
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
}

fn empty_runbook() -> RunbookIdentity {
    RunbookIdentity {
        name: String::new(),
        path: String::new(),
        sha256: String::new(),
    }
}

fn empty_health() -> EndpointHealthSummary {
    EndpointHealthSummary {
        total: 0,
        healthy: 0,
        unhealthy: 0,
    }
}

fn empty_error() -> StepError {
    StepError {
        code: ErrorCode::Arm(String::new()),
        message: String::new(),
    }
}

fn empty_step() -> StepRecord {
    StepRecord {
        step: String::new(),
        name: String::new(),
        // Every kind means something; a record without one (runbook never wrote such a
        // record) is read as the plainest kind rather than refused.
        kind: StepKindName::Validate,
        section: SectionName::Steps,
        status: StepStatus::Skipped,
        timestamp: String::new(),
        ended_at: String::new(),
        duration_ms: 0,
        attempts: 0,
        http_retries: 0,
        details: String::new(),
        inputs: Value::Null,
        outputs: Map::new(),
        error: None,
        reused_reading: None,
    }
}

fn empty_objective() -> ObjectiveResult {
    ObjectiveResult {
        objective: String::new(),
        target: String::new(),
        measured: None,
        met: None,
        advisory: false,
        unit: String::new(),
        target_value: None,
        measured_value: None,
        details: String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::RunStatus;

    #[test]
    fn a_log_with_most_fields_missing_reads_with_them_empty() {
        let v = serde_json::json!({
            "status": "succeeded", "hub_name": "h", "runbook": {"name": "n"},
            "steps": [{"step": "a", "status": "success", "error": {"code": "Conflict"}}],
            "objectives": [{"objective": "rto", "met": true}],
            "post_failover_endpoint_health": {"total": 2},
        });
        let log = dr_log_from_value(v).map_err(|e| e.to_string());
        let log = log.as_ref().map_err(String::as_str);
        assert_eq!(log.map(|l| l.status), Ok(RunStatus::Succeeded));
        let Ok(log) = log else { return };
        assert_eq!(log.runbook.name, "n");
        assert_eq!(log.steps[0].step, "a");
        assert_eq!(log.steps[0].status, StepStatus::Success);
        assert_eq!(log.steps[0].http_retries, 0);
        assert_eq!(
            log.steps[0].error.as_ref().map(|e| e.code.as_str()),
            Some("Conflict")
        );
        assert_eq!(log.objectives[0].met, Some(true));
        assert_eq!(
            log.post_failover_endpoint_health.as_ref().map(|h| h.total),
            Some(2)
        );
        assert!(log.end_time.is_none() && !log.dry_run);
    }

    #[test]
    fn a_complete_log_reads_the_same_strictly_and_leniently() {
        let mut log = DrLog::blank(empty_runbook());
        log.status = RunStatus::Succeeded;
        log.steps.push(empty_step());
        let v = serde_json::to_value(&log).unwrap_or_default();
        assert_eq!(dr_log_from_value(v).ok(), Some(log));
    }

    #[test]
    fn a_wrong_type_is_still_refused() {
        let v = serde_json::json!({"status": "succeeded", "steps": "no"});
        assert!(dr_log_from_value(v).is_err());
        let v = serde_json::json!({"status": "x", "steps": []});
        assert!(dr_log_from_value(v).is_err());
    }
}
