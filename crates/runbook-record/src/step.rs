//! One step's record: what the step was, how it ended, what it read and produced, and ARM's
//! (or the engine's) error when it failed.
//!
//! The engine's runner builds one as each step finishes and emits it in
//! `RunEvent::StepFinished`; the DR-log fold collects them into `DrLog::steps`, resume decides
//! from the latest record of each step whether it is done, and the objectives, the report,
//! `runbook test` and the CLI's printers read them.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::code::ErrorCode;
use crate::kind::StepKindName;
use crate::section::SectionName;
use crate::status::StepStatus;

/// ARM's error for a failed step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct StepError {
    /// ARM error code, or a runbook code such as `ExpectationNotMet`.
    #[schemars(with = "String")]
    pub code: ErrorCode,
    pub message: String,
}

/// A hub reading the step took from earlier instead of asking ARM again (see the engine's
/// `steps::hub_reading` for the freshness rule).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ReusedReading {
    /// Where the reading came from: an earlier step's id, or `targets` (the fleet's listing).
    pub from: String,
    /// How old the reading was when reused, in the runbook's (emulated) milliseconds.
    pub age_ms: u64,
}

/// One step's record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct StepRecord {
    /// The step id.
    pub step: String,
    pub name: String,
    #[schemars(with = "String")]
    pub kind: StepKindName,
    /// `steps`, `rollback` or `finally`.
    #[schemars(with = "String")]
    pub section: SectionName,
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
    /// The hub reading this step reused rather than read (absent: it read the hub itself, or
    /// did not read it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reused_reading: Option<ReusedReading>,
}

/// Who a step is, for building its record.
#[derive(Debug, Clone, Copy)]
pub struct StepIdentity<'a> {
    pub section: SectionName,
    pub step: &'a str,
    pub name: &'a str,
    pub kind: StepKindName,
}

impl StepRecord {
    /// A record for a step that was not run (the run stopped before it, it needs a
    /// confirmation nobody can give, its input was never produced...), and why.
    ///
    /// Its shape is what `is_not_run` recognises: skipped, never attempted, inputs never
    /// rendered.
    pub fn not_run(id: StepIdentity<'_>, now: &str, why: &str) -> StepRecord {
        let mut outputs = Map::new();
        outputs.insert("status".into(), status_value(StepStatus::Skipped));
        StepRecord {
            step: id.step.to_string(),
            name: id.name.to_string(),
            kind: id.kind,
            section: id.section,
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
            reused_reading: None,
        }
    }

    /// Whether the record says the step did not run, as opposed to ran, or was skipped by its
    /// `when` (which resume must not run again).
    ///
    /// The record carries no field saying so, and adding one would change the DR log and
    /// journal. The signal is the record's shape, not its wording: a step skipped by `when`
    /// was attempted no more than a step that never ran (`attempts: 0`), but its inputs were
    /// rendered before `when` was asked, so they are never null; only `not_run` leaves them
    /// null. Every `runbook` version has built both records this way. Unlike the
    /// `not run: ...` sentence this used to read, the shape survives masking: a secret can
    /// rewrite a string, never turn an object into null or change a count.
    pub fn is_not_run(&self) -> bool {
        self.status == StepStatus::Skipped && self.attempts == 0 && self.inputs.is_null()
    }
}

/// A status as a step output (`{{steps.ID.status}}`).
pub fn status_value(status: StepStatus) -> Value {
    serde_json::to_value(status).unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id() -> StepIdentity<'static> {
        StepIdentity {
            section: SectionName::Finally,
            step: "cleanup",
            name: "Clean up",
            kind: StepKindName::Sleep,
        }
    }

    #[test]
    fn a_not_run_record_is_told_from_a_when_skip_by_its_shape_not_its_words() {
        let not_run = StepRecord::not_run(id(), "t", "not run: the run was interrupted");
        assert!(not_run.is_not_run());
        assert_eq!(not_run.outputs.get("status"), Some(&Value::from("skipped")));

        // A secret equal to a word of the reason masks it; the record still says "not run".
        let mut masked = not_run.clone();
        masked.details = "*** run: the run was interrupted".to_string();
        assert!(masked.is_not_run());

        // Skipped by `when`: never attempted either, but its inputs were rendered.
        let mut when_skipped = not_run.clone();
        when_skipped.details = "not run: a sentence that happens to start so".to_string();
        when_skipped.inputs = Value::from("30s");
        assert!(!when_skipped.is_not_run());

        // Ran and was skipped (a dry run's failover): attempted.
        let mut dry = not_run;
        dry.attempts = 1;
        assert!(!dry.is_not_run());
    }

    #[test]
    fn a_record_serializes_kind_section_and_code_as_plain_strings() {
        let mut rec = StepRecord::not_run(id(), "t", "why");
        rec.error = Some(StepError {
            code: ErrorCode::Arm("Conflict".into()),
            message: "m".into(),
        });
        let v = serde_json::to_value(&rec).unwrap_or_default();
        assert_eq!(v["kind"], "sleep");
        assert_eq!(v["section"], "finally");
        assert_eq!(v["error"]["code"], "Conflict");
        let back: Option<StepRecord> = serde_json::from_value(v).ok();
        assert_eq!(back, Some(rec));
    }
}
