//! The window of a drill the objectives are measured in: its first failover, the main
//! steps before it, and those after it up to the next failover (a failback belongs to
//! another story). Also the small readers of a step record the measures share.

use runbook_record::StepKindName;
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::dr_log::StepRecord;
use crate::status::StepStatus;

/// The first failover's record, the main steps before it and those after it up to the next
/// failover (a failback belongs to another story).
pub(super) struct Window<'a> {
    pub failover: &'a StepRecord,
    pub started: OffsetDateTime,
    pub region: String,
    pub before: Vec<&'a StepRecord>,
    pub after: Vec<&'a StepRecord>,
}

impl<'a> Window<'a> {
    pub fn find(main: &[&'a StepRecord]) -> Result<Window<'a>, String> {
        let at = main
            .iter()
            .position(|r| r.kind == StepKindName::Failover)
            .ok_or("no failover step ran")?;
        let failover = main[at];
        let started = failover
            .outputs
            .get("started_at")
            .and_then(Value::as_str)
            .and_then(parse_time);
        let (Some(started), true) = (
            started,
            matches!(failover.status, StepStatus::Success | StepStatus::Warning),
        ) else {
            return Err(format!(
                "failover `{}` did not start a failover ({})",
                failover.step,
                status_word(failover.status)
            ));
        };
        let end = main[at + 1..]
            .iter()
            .position(|r| r.kind == StepKindName::Failover)
            .map_or(main.len(), |p| at + 1 + p);
        Ok(Window {
            failover,
            started,
            region: text(failover, "region").unwrap_or_default(),
            before: main[..at].to_vec(),
            after: main[at + 1..end].to_vec(),
        })
    }
}

pub(super) struct Measured {
    pub value: f64,
    pub text: String,
    pub met: bool,
    pub target_value: Option<f64>,
    pub details: String,
}

pub(super) fn text(r: &StepRecord, key: &str) -> Option<String> {
    r.outputs
        .get(key)
        .and_then(Value::as_str)
        .map(str::to_string)
}

pub(super) fn parse_time(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, &Rfc3339).ok()
}

pub(super) fn status_word(s: StepStatus) -> &'static str {
    match s {
        StepStatus::Success => "succeeded",
        StepStatus::Warning => "warned",
        StepStatus::Failed => "failed",
        StepStatus::Skipped => "did not run",
        StepStatus::Cancelled => "was interrupted",
    }
}
