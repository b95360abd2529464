//! Recovery where devices live: the Azure Monitor baseline a `snapshot-metrics` can take
//! (`monitor: { window: 15m }`) and the `await-recovery` step that waits for connected devices
//! and telemetry to come back to a share of it after a failover.
//!
//! Both read `connectedDeviceCount` and `d2c.telemetry.ingress.success` at Azure Monitor's
//! one-minute grain. `crate::semantic::recovery` checks them (a baseline that exists and takes
//! a Monitor baseline, shares between 0% and 100%, a timeout long enough to see a minute held);
//! the engine's `steps::await_recovery` runs them.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::duration::DurationSpec;
use super::objectives::Percent;

/// `monitor:` of a `snapshot-metrics`: connected devices and telemetry per minute over the
/// window before the snapshot, the baseline an `await-recovery` measures against.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MonitorBaselineSpec {
    /// How far back to read, in whole minutes (Azure Monitor's grain), e.g. `15m`.
    #[serde(default = "default_window")]
    pub window: DurationSpec,
}

impl Default for MonitorBaselineSpec {
    fn default() -> Self {
        Self {
            window: default_window(),
        }
    }
}

fn default_window() -> DurationSpec {
    DurationSpec(std::time::Duration::from_secs(15 * 60))
}

/// What a changed built-in Event Hub-compatible endpoint makes of the step.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum EndpointChange {
    /// The step warns, naming the new endpoint and the consumers to repoint. The default.
    #[default]
    Warn,
    /// The step fails (consumers must be repointed before the drill counts as done).
    Fail,
    /// Not checked.
    Ignore,
}

/// Waits after a failover until connected devices and telemetry are back to a share of the
/// baseline an earlier `snapshot-metrics` took, held for a full minute.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AwaitRecoverySpec {
    /// Id of the earlier `snapshot-metrics` step with `monitor:` whose baseline to recover to.
    pub baseline: String,
    /// Share of the baseline's connected devices that must be back, e.g. `95%`.
    #[serde(default = "default_devices")]
    pub connected_devices: Percent,
    /// Share of the baseline's telemetry per minute that must flow again, e.g. `90%`.
    #[serde(default = "default_telemetry")]
    pub telemetry: Percent,
    /// Give up after this long, counted from the start of the step.
    #[serde(default = "default_timeout")]
    pub timeout: DurationSpec,
    /// Whether a changed built-in Event Hub-compatible endpoint warns (default), fails or is
    /// ignored.
    #[serde(default)]
    pub event_hub_endpoint: EndpointChange,
}

fn default_devices() -> Percent {
    Percent("95%".into())
}

fn default_telemetry() -> Percent {
    Percent("90%".into())
}

fn default_timeout() -> DurationSpec {
    DurationSpec(std::time::Duration::from_secs(3600))
}

/// The shortest `await-recovery` timeout that can see a minute held: a minute must pass,
/// then be published (about a minute later), then be read.
pub const MIN_RECOVERY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(180);

/// The longest Monitor baseline window (a day).
pub const MAX_BASELINE_WINDOW: std::time::Duration = std::time::Duration::from_secs(24 * 3600);
