//! Building `StepRecord`s for steps that did not run, or that an interrupted run left
//! half-recorded; the runner builds the others as steps finish.

use runbook_spec::{Section, Step};
use serde_json::{Map, Value, json};

use crate::dr_log::StepRecord;
use crate::status::StepStatus;

/// Why a step was not run: the run was interrupted before it.
pub(crate) const INTERRUPTED: &str = "not run: the run was interrupted";
/// Why a step was not run: it needs a confirmation nobody can give.
pub(crate) const NO_CONFIRMATION: &str = "not run: no confirmation possible";
/// How every "did not run" record's details begin; resume runs such steps.
pub(crate) const NOT_RUN_PREFIX: &str = "not run:";

/// Whether a record says the step did not run (as opposed to ran, or was skipped by `when`).
pub(crate) fn is_not_run(rec: &StepRecord) -> bool {
    rec.status == StepStatus::Skipped
        && rec.attempts == 0
        && rec.details.starts_with(NOT_RUN_PREFIX)
}

/// A record for a step that was not run, and why.
pub(crate) fn not_run(section: Section, step: &Step, now: &str, why: &str) -> StepRecord {
    let mut outputs = Map::new();
    outputs.insert("status".into(), json!(StepStatus::Skipped));
    StepRecord {
        step: step.id.clone(),
        name: step.display_name().to_string(),
        kind: step.kind.name().to_string(),
        section: section.key().to_string(),
        status: StepStatus::Skipped,
        timestamp: now.to_string(),
        ended_at: now.to_string(),
        duration_ms: 0,
        attempts: 0,
        http_retries: 0,
        details: why.to_string(),
        inputs: Value::Null,
        outputs,
        error: None,
    }
}

/// A record for a failover the journal shows as accepted by ARM but whose step was never
/// recorded (the process died in between).
pub(crate) fn started_failover(
    section: Section,
    step: &str,
    region: &str,
    time: &str,
) -> StepRecord {
    let mut outputs = Map::new();
    outputs.insert("status".into(), json!(StepStatus::Success));
    outputs.insert("region".into(), json!(region));
    outputs.insert("started_at".into(), json!(time));
    StepRecord {
        step: step.to_string(),
        name: step.to_string(),
        kind: "failover".into(),
        section: section.key().into(),
        status: StepStatus::Success,
        timestamp: time.to_string(),
        ended_at: time.to_string(),
        duration_ms: 0,
        attempts: 1,
        http_retries: 0,
        details: format!("failover to {region} was started before the interruption"),
        inputs: Value::Null,
        outputs,
        error: None,
    }
}
