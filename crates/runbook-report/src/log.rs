//! The DR log as the report reads it: the fields it shows, each defaulted so a log written by
//! an older `runbook` (no objectives, no HTTP retries) still renders.
//!
//! `schemas/dr-log.schema.json` is the full contract; this crate reads the JSON itself rather
//! than depending on the engine, so rendering pulls in no HTTP client and no async runtime.

use serde::Deserialize;
use serde_json::Value;
use time::OffsetDateTime;

use crate::fmt;

/// One run's DR log.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Drill {
    pub run_id: String,
    pub runbook: RunbookId,
    pub dry_run: bool,
    /// Emulated seconds per real second, when the run was against a scaled emulator.
    pub time_scale: Option<f64>,
    /// `succeeded`, `failed`, `aborted` or `cancelled`.
    pub status: String,
    pub status_reason: Option<String>,
    pub hub_name: String,
    pub subscription: String,
    pub resource_group: String,
    pub target_region: Option<String>,
    pub start_time: String,
    pub end_time: Option<String>,
    pub pre_failover_location: Option<String>,
    pub pre_failover_device_count: Option<u64>,
    pub failover_started: Option<String>,
    pub failover_completed: Option<String>,
    pub failover_duration_seconds: Option<f64>,
    pub post_failover_location: Option<String>,
    pub post_failover_device_count: Option<u64>,
    pub post_failover_endpoint_health: Option<EndpointHealth>,
    pub changed: bool,
    pub objectives: Vec<Objective>,
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct RunbookId {
    pub name: String,
    pub path: String,
    pub sha256: String,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct EndpointHealth {
    pub total: u64,
    pub healthy: u64,
    pub unhealthy: u64,
}

/// One measured objective.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Objective {
    pub objective: String,
    pub target: String,
    pub measured: Option<String>,
    pub met: Option<bool>,
    pub advisory: bool,
    pub unit: String,
    pub target_value: Option<f64>,
    pub measured_value: Option<f64>,
    pub details: String,
}

/// One step's record.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Step {
    pub step: String,
    pub name: String,
    pub kind: String,
    pub section: String,
    pub status: String,
    pub timestamp: String,
    pub ended_at: String,
    pub duration_ms: u64,
    pub attempts: u32,
    pub http_retries: u64,
    pub details: String,
}

impl Drill {
    /// Reads one DR log from its JSON value.
    pub fn from_value(v: Value) -> Result<Drill, String> {
        if !v.is_object() || v.get("steps").is_none() || v.get("status").is_none() {
            return Err("not a DR log (no `status` and `steps`)".to_string());
        }
        serde_json::from_value(v).map_err(|e| format!("not a DR log: {e}"))
    }

    pub fn started(&self) -> Option<OffsetDateTime> {
        fmt::parse_time(&self.start_time)
    }

    /// When the run ended: its `end_time`, else the last step's end (a log of a killed run).
    pub fn ended(&self) -> Option<OffsetDateTime> {
        self.end_time
            .as_deref()
            .and_then(fmt::parse_time)
            .or_else(|| {
                self.steps
                    .iter()
                    .filter_map(|s| fmt::parse_time(&s.ended_at))
                    .max()
            })
    }

    pub fn objective(&self, name: &str) -> Option<&Objective> {
        self.objectives.iter().find(|o| o.objective == name)
    }

    /// The hub's identity, for grouping drills of the same hub.
    pub fn hub_key(&self) -> (String, String, String) {
        (
            self.subscription.to_ascii_lowercase(),
            self.resource_group.to_ascii_lowercase(),
            self.hub_name.to_ascii_lowercase(),
        )
    }
}

/// Reads a DR log document: one log, or an array of logs.
pub fn parse(text: &str) -> Result<Vec<Drill>, String> {
    let v: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    match v {
        Value::Array(items) => {
            if items.is_empty() {
                return Err("an empty list: no DR log to report".to_string());
            }
            items
                .into_iter()
                .enumerate()
                .map(|(i, item)| Drill::from_value(item).map_err(|e| format!("item {i}: {e}")))
                .collect()
        }
        other => Drill::from_value(other).map(|d| vec![d]),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn an_old_log_without_objectives_reads() {
        let d = parse(
            r#"{"status":"succeeded","hub_name":"h","steps":[{"step":"a","status":"success"}]}"#,
        )
        .unwrap();
        assert_eq!(d.len(), 1);
        assert!(d[0].objectives.is_empty());
        assert_eq!(d[0].steps[0].step, "a");
    }

    #[test]
    fn other_json_is_refused_with_a_reason() {
        assert!(parse("[]").unwrap_err().contains("empty"));
        assert!(parse("{}").unwrap_err().contains("not a DR log"));
        assert!(parse("{").unwrap_err().contains("not JSON"));
        assert!(
            parse(r#"[{"status":"x","steps":[]}, 3]"#)
                .unwrap_err()
                .starts_with("item 1")
        );
        assert!(
            parse(r#"{"status":"x","steps":"no"}"#)
                .unwrap_err()
                .contains("not a DR log")
        );
    }
}
