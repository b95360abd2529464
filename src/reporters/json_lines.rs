//! `--output json`: every event as one JSON line on stdout, for pipelines and dashboards.

use std::io::Write;

use runbook_engine::{EventSink, RunEvent};

#[derive(Debug, Default)]
pub struct JsonLines;

impl EventSink for JsonLines {
    fn emit(&mut self, event: &RunEvent) {
        if let Ok(line) = serde_json::to_string(event) {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{line}");
            let _ = out.flush();
        }
    }
}
