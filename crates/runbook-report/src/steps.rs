//! The step table: one row per step record, in the order the run recorded them, with its
//! status, start (UTC), duration, attempts, re-sent ARM requests and what happened.

use crate::fmt;
use runbook_record::{SectionName, StepKindName, StepRecord as Step, StepStatus};

use crate::Drill;

/// How a step's status reads, with a mark that survives printing in black and white.
pub fn status_word(status: StepStatus) -> (&'static str, &'static str) {
    match status {
        StepStatus::Success => ("✓", "succeeded"),
        StepStatus::Warning => ("⚠", "warning"),
        StepStatus::Failed => ("✗", "failed"),
        StepStatus::Skipped => ("–", "skipped"),
        StepStatus::Cancelled => ("⊘", "interrupted"),
    }
}

/// A CSS class / colour family for a step status.
pub fn status_tone(status: StepStatus) -> &'static str {
    match status {
        StepStatus::Success => "good",
        StepStatus::Warning => "caution",
        StepStatus::Failed | StepStatus::Cancelled => "bad",
        StepStatus::Skipped => "neutral",
    }
}

/// One row, as plain text.
#[derive(Debug, Clone)]
pub struct Row {
    pub number: usize,
    pub id: String,
    /// The step's name when it has one besides its id.
    pub name: Option<String>,
    /// `rollback` or `finally`; the drill's own steps have none.
    pub section: Option<SectionName>,
    pub kind: StepKindName,
    pub status: StepStatus,
    pub started: String,
    pub duration: String,
    pub attempts: u32,
    pub http_retries: u64,
    pub details: String,
}

pub fn rows(d: &Drill) -> Vec<Row> {
    d.steps
        .iter()
        .enumerate()
        .map(|(i, s)| row(i + 1, s))
        .collect()
}

fn row(number: usize, s: &Step) -> Row {
    let ran = s.status != StepStatus::Skipped;
    Row {
        number,
        id: s.step.clone(),
        name: (!s.name.is_empty() && s.name != s.step).then(|| s.name.clone()),
        section: (s.section != SectionName::Steps).then_some(s.section),
        kind: s.kind,
        status: s.status,
        started: fmt::parse_time(&s.timestamp).map_or_else(|| "-".to_string(), fmt::clock),
        duration: if ran {
            fmt::millis(s.duration_ms)
        } else {
            "-".to_string()
        },
        attempts: s.attempts,
        http_retries: s.http_retries,
        details: s.details.clone(),
    }
}
