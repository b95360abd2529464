//! The step table: one row per step record, in the order the run recorded them, with its
//! status, start (UTC), duration, attempts, re-sent ARM requests and what happened.

use crate::fmt;
use crate::log::{Drill, Step};

/// How a step's status reads, with a mark that survives printing in black and white.
pub fn status_word(status: &str) -> (&'static str, &'static str) {
    match status {
        "success" => ("✓", "succeeded"),
        "warning" => ("⚠", "warning"),
        "failed" => ("✗", "failed"),
        "skipped" => ("–", "skipped"),
        "cancelled" => ("⊘", "interrupted"),
        _ => ("?", "unknown"),
    }
}

/// A CSS class / colour family for a step status.
pub fn status_tone(status: &str) -> &'static str {
    match status {
        "success" => "good",
        "warning" => "caution",
        "failed" | "cancelled" => "bad",
        _ => "neutral",
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
    pub section: Option<String>,
    pub kind: String,
    pub status: String,
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
    let ran = !matches!(s.status.as_str(), "skipped");
    Row {
        number,
        id: s.step.clone(),
        name: (!s.name.is_empty() && s.name != s.step).then(|| s.name.clone()),
        section: (!s.section.is_empty() && s.section != "steps").then(|| s.section.clone()),
        kind: s.kind.clone(),
        status: s.status.clone(),
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
