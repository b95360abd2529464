//! Recovery where devices live, as the DR log carries it: the baseline an `await-recovery`
//! step measured against, how far the devices and telemetry came back and when, and the
//! per-minute series (Azure Monitor's one-minute grain) it was measured from.
//!
//! The DR-log fold fills it from the `await-recovery` step's outputs (the step's record stays
//! the source the objectives are measured from); the report charts it and the fleet log takes
//! the device recovery time from it.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One minute as Azure Monitor published it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MinutePoint {
    /// Start of the minute (real time, RFC 3339).
    pub at: String,
    /// Start of the minute relative to the failover request, in runbook seconds (negative
    /// before it).
    pub offset_seconds: f64,
    /// Mean connected devices over the minute (`connectedDeviceCount`, Average).
    #[serde(default)]
    pub connected: Option<f64>,
    /// Fewest connected devices in the minute (`connectedDeviceCount`, Minimum).
    #[serde(default)]
    pub connected_min: Option<f64>,
    /// Telemetry messages in the minute (`d2c.telemetry.ingress.success`, Total).
    #[serde(default)]
    pub telemetry: Option<f64>,
}

/// How the devices came back after the drill's failover.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DeviceRecovery {
    /// The `await-recovery` step.
    pub step: String,
    pub baseline_connected_devices: Option<f64>,
    pub baseline_telemetry_per_minute: Option<f64>,
    /// Connected devices that had to be back (the step's share of the baseline).
    pub connected_devices_threshold: Option<f64>,
    /// Telemetry messages a minute that had to flow again.
    pub telemetry_threshold: Option<f64>,
    /// Connected devices in the newest minute read.
    pub connected_devices: Option<f64>,
    /// Baseline devices not connected in the newest minute read.
    pub devices_missing: Option<f64>,
    /// Runbook seconds from the failover request to the end of the first minute connected
    /// devices were back to the threshold; null if they never were. Accurate to the minute.
    pub device_recovery_seconds: Option<f64>,
    /// The same for telemetry per minute.
    pub telemetry_recovery_seconds: Option<f64>,
    /// The built-in Event Hub-compatible endpoint after recovery.
    #[serde(default)]
    pub event_hub_endpoint: Option<String>,
    /// Whether it differs from the baseline's (consumers must be repointed).
    #[serde(default)]
    pub event_hub_endpoint_changed: Option<bool>,
    /// The minutes read, from a few minutes before the failover.
    #[serde(default)]
    pub series: Vec<MinutePoint>,
}

impl DeviceRecovery {
    /// The recovery an `await-recovery` step's outputs describe.
    pub fn from_outputs(step: &str, outputs: &Map<String, Value>) -> Option<Self> {
        let mut fields = outputs.clone();
        fields.insert("step".into(), Value::String(step.to_string()));
        for key in [
            "baseline_connected_devices",
            "baseline_telemetry_per_minute",
            "connected_devices_threshold",
            "telemetry_threshold",
            "connected_devices",
            "devices_missing",
            "device_recovery_seconds",
            "telemetry_recovery_seconds",
        ] {
            fields.entry(key).or_insert(Value::Null);
        }
        serde_json::from_value(Value::Object(fields)).ok()
    }
}
