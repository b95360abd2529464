//! The DR log: one JSON document per run, the record SREs and their tooling read.
//!
//! The engine builds it by folding the run's events (`DrLogFold`) and writes it beside the
//! journal; the report renders it, `runbook test` judges and diffs it, the failover history
//! reads earlier runs' logs, and the fleet log summarises each hub's. It is a superset of what
//! the hand-written seed scripts wrote (`operation`, `hub_name`, `pre_failover_*`,
//! `post_failover_*`, ...). `schemas/dr-log.schema.json` is generated from these types.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::objective::ObjectiveResult;
use crate::preflight::PreflightRecord;
use crate::recovery::DeviceRecovery;
use crate::status::RunStatus;
use crate::step::StepRecord;

pub const SCHEMA_VERSION: &str = "1";

/// Which runbook ran.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RunbookIdentity {
    pub name: String,
    pub path: String,
    /// SHA-256 of the runbook file, hex.
    pub sha256: String,
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
    /// The `runbook` that wrote this log (version, commit, build date); absent in logs
    /// written before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runbook_version: Option<String>,
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
    /// When a secret parameter masks the hub's name, subscription or resource group above: a
    /// keyed fingerprint of them (`hmac-sha256:` and 64 hex digits) under a key kept on the
    /// machine that ran the drill, so its failover history still knows the hub. Absent
    /// otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hub_fingerprint: Option<String>,
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
    /// What the preflight found before the first step (absent when none ran: no failover in
    /// the runbook, a resumed run, logs written before it existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preflight: Option<PreflightRecord>,
    /// How the devices and their telemetry came back after the failover, as Azure Monitor
    /// showed it (absent when the runbook has no `await-recovery` step, or it did not run).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovery: Option<DeviceRecovery>,
    pub steps: Vec<StepRecord>,
}

/// The DR log's JSON Schema, as checked in under `schemas/dr-log.schema.json`.
pub fn dr_log_schema_text() -> String {
    let schema = schemars::schema_for!(DrLog);
    let mut s = serde_json::to_string_pretty(&schema).unwrap_or_default();
    s.push('\n');
    s
}

impl DrLog {
    /// A log with nothing known yet: failed until a run says otherwise, every reading absent.
    pub fn blank(runbook: RunbookIdentity) -> Self {
        DrLog {
            schema_version: String::new(),
            run_id: String::new(),
            runbook,
            dry_run: false,
            runbook_version: None,
            time_scale: None,
            status: RunStatus::Failed,
            status_reason: None,
            operation: String::new(),
            hub_name: String::new(),
            subscription: String::new(),
            resource_group: String::new(),
            hub_fingerprint: None,
            target_region: None,
            start_time: String::new(),
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
            preflight: None,
            recovery: None,
            steps: Vec::new(),
        }
    }
}
