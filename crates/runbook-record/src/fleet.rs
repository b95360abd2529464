//! The fleet log: one JSON document per fleet run listing every hub with its status, why it
//! ended, its failover duration and device counts, and where its own DR log and journal are.
//!
//! The fleet runner fills one `FleetHubRecord` per hub (from the hub's DR log, `apply_log`)
//! and writes the `FleetLog` into the fleet directory; fleet resume reads it back, the report
//! and CI read it. Its schema is `schemas/fleet-log.schema.json` (generated from these types).
//! The fleet's exit code is folded from the hubs here too, so `exec` and `resume` agree on it.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::dr_log::{DrLog, RunbookIdentity};
use crate::status::RunStatus;

/// File name of the fleet log in the fleet directory.
pub const FLEET_LOG_NAME: &str = "fleet.json";

/// How one hub of the fleet ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FleetHubStatus {
    Succeeded,
    /// Failed after its hub was changed.
    Failed,
    /// Stopped before any change.
    Aborted,
    /// Interrupted (Ctrl-C); resumable from its journal.
    Cancelled,
    /// Never started: max_errors was reached, the fleet was interrupted, or `--limit`.
    NotStarted,
    /// Could not start: its hub lock was held, its journal could not be created...
    Error,
}

impl FleetHubStatus {
    pub fn from_run(status: RunStatus) -> Self {
        match status {
            RunStatus::Succeeded => FleetHubStatus::Succeeded,
            RunStatus::Failed => FleetHubStatus::Failed,
            RunStatus::Aborted => FleetHubStatus::Aborted,
            RunStatus::Cancelled => FleetHubStatus::Cancelled,
        }
    }

    /// Counts toward `max_errors`.
    pub fn is_error(self) -> bool {
        matches!(
            self,
            FleetHubStatus::Failed | FleetHubStatus::Aborted | FleetHubStatus::Error
        )
    }
}

/// One hub's line in the fleet log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FleetHubRecord {
    pub subscription: String,
    pub resource_group: String,
    pub hub: String,
    pub status: FleetHubStatus,
    /// The exit code a single `runbook exec` of this hub would have given; absent if not run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    /// Why it ended as it did (the DR log's `status_reason`, or why it never started).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Whether anything was changed in Azure on this hub.
    pub changed: bool,
    /// The hub's DR log, relative to the fleet directory.
    pub log: String,
    /// The hub's journal, relative to the fleet directory.
    pub journal: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failover_duration_seconds: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pre_failover_device_count: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post_failover_device_count: Option<u64>,
    /// Runbook seconds from the failover request until Azure Monitor showed the connected
    /// devices back to the `await-recovery` threshold (to the minute); absent when not measured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_recovery_seconds: Option<f64>,
}

impl FleetHubRecord {
    /// Fills the outcome fields from the hub's DR log.
    pub fn apply_log(&mut self, log: &DrLog) {
        self.status = FleetHubStatus::from_run(log.status);
        self.reason = log.status_reason.clone();
        self.changed = log.changed;
        self.run_id = Some(log.run_id.clone());
        self.started_at = Some(log.start_time.clone());
        self.ended_at = log.end_time.clone();
        self.failover_duration_seconds = log.failover_duration_seconds;
        self.pre_failover_device_count = log.pre_failover_device_count;
        self.post_failover_device_count = log.post_failover_device_count;
        self.device_recovery_seconds = log
            .recovery
            .as_ref()
            .and_then(|r| r.device_recovery_seconds);
    }
}

/// How many hubs ended which way.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct FleetCounts {
    pub total: usize,
    pub succeeded: usize,
    pub failed: usize,
    pub aborted: usize,
    pub cancelled: usize,
    pub not_started: usize,
    pub error: usize,
}

impl FleetCounts {
    pub fn of(hubs: &[FleetHubRecord]) -> FleetCounts {
        let mut c = FleetCounts {
            total: hubs.len(),
            ..FleetCounts::default()
        };
        for h in hubs {
            match h.status {
                FleetHubStatus::Succeeded => c.succeeded += 1,
                FleetHubStatus::Failed => c.failed += 1,
                FleetHubStatus::Aborted => c.aborted += 1,
                FleetHubStatus::Cancelled => c.cancelled += 1,
                FleetHubStatus::NotStarted => c.not_started += 1,
                FleetHubStatus::Error => c.error += 1,
            }
        }
        c
    }
}

/// Which shard of a sharded fleet a fleet log is (`--shard I/N`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct FleetShard {
    /// From 0.
    pub index: usize,
    pub count: usize,
    /// Each subscription's ARM budget was divided by this (a subscription split between
    /// this many shards); 1 when the shard has its subscriptions to itself.
    pub budget_divisor: u32,
}

/// The fleet log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(
    title = "fleet log",
    description = "One fleet run of a runbook over many IoT hubs: each hub's outcome and where its DR log is."
)]
pub struct FleetLog {
    pub schema_version: String,
    /// The `runbook` that wrote this log (version, commit, build date); absent in logs
    /// written before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runbook_version: Option<String>,
    pub fleet_run_id: String,
    pub runbook: RunbookIdentity,
    pub dry_run: bool,
    pub started_at: String,
    pub ended_at: String,
    /// The fleet's exit code (0 all succeeded, 1 a hub failed after a change, 2 a hub could
    /// not start, 3 stopped before any change, 4 a rollback/finally failed, 130 interrupted).
    pub exit_code: i32,
    pub max_concurrency: usize,
    pub max_errors: usize,
    /// Whether max_errors stopped the rollout.
    pub stopped_by_max_errors: bool,
    pub interrupted: bool,
    /// The hubs lived in an emulator inside the process that ran the fleet (`--emulator`): it
    /// ended with that process, so the fleet cannot be resumed. Absent otherwise.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub in_process_emulator: bool,
    /// 429s ARM answered despite the client-side budget (each was waited out and retried).
    pub throttled_429s: u64,
    /// This run drilled one shard of the fleet (`--shard I/N`); absent for a whole fleet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<FleetShard>,
    /// Parameter values (secrets masked), for `resume`.
    pub params: serde_json::Value,
    pub counts: FleetCounts,
    pub hubs: Vec<FleetHubRecord>,
}

/// The fleet's exit code, worst first: interrupted 130, a cleanup failed 4, a hub failed after
/// a change 1, a hub could not start 2, some hub stopped before any change (or never started)
/// 3, else 0.
pub fn fleet_exit_code(hubs: &[FleetHubRecord], interrupted: bool) -> i32 {
    let any = |f: &dyn Fn(&FleetHubRecord) -> bool| hubs.iter().any(f);
    if interrupted || any(&|h| h.status == FleetHubStatus::Cancelled) {
        crate::exit_code::INTERRUPTED
    } else if any(&|h| h.exit_code == Some(crate::exit_code::CLEANUP_FAILED)) {
        crate::exit_code::CLEANUP_FAILED
    } else if any(&|h| h.status == FleetHubStatus::Failed) {
        crate::exit_code::DRILL_FAILED
    } else if any(&|h| h.status == FleetHubStatus::Error) {
        crate::exit_code::INVALID
    } else if hubs.iter().all(|h| h.status == FleetHubStatus::Succeeded) {
        crate::exit_code::SUCCESS
    } else {
        crate::exit_code::ABORTED_BEFORE_CHANGE
    }
}

/// `schemas/fleet-log.schema.json`.
pub fn fleet_log_schema_text() -> String {
    let schema = schemars::schema_for!(FleetLog);
    let mut s = serde_json::to_string_pretty(&schema).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hub(status: FleetHubStatus, exit: Option<i32>) -> FleetHubRecord {
        FleetHubRecord {
            subscription: "s".into(),
            resource_group: "rg".into(),
            hub: "h".into(),
            status,
            exit_code: exit,
            reason: None,
            changed: false,
            log: "h.json".into(),
            journal: "h.json.jsonl".into(),
            run_id: None,
            started_at: None,
            ended_at: None,
            failover_duration_seconds: None,
            pre_failover_device_count: None,
            post_failover_device_count: None,
            device_recovery_seconds: None,
        }
    }

    #[test]
    fn exit_code_is_the_worst_hub() {
        use FleetHubStatus::*;
        let ok = hub(Succeeded, Some(0));
        assert_eq!(fleet_exit_code(&[ok.clone(), ok.clone()], false), 0);
        assert_eq!(fleet_exit_code(std::slice::from_ref(&ok), true), 130);
        assert_eq!(
            fleet_exit_code(
                &[ok.clone(), hub(Aborted, Some(3)), hub(NotStarted, None)],
                false
            ),
            3
        );
        assert_eq!(
            fleet_exit_code(&[hub(Failed, Some(1)), hub(NotStarted, None)], false),
            1
        );
        assert_eq!(
            fleet_exit_code(&[hub(Error, Some(2)), ok.clone()], false),
            2
        );
        assert_eq!(
            fleet_exit_code(&[hub(Failed, Some(4)), hub(Failed, Some(1))], false),
            4
        );
        assert_eq!(
            fleet_exit_code(&[hub(Cancelled, Some(130)), hub(Failed, Some(1))], false),
            130
        );
    }
}
