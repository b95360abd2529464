//! Registry device counts of a hub, the after-failover patch of them, and their bound.
//!
//! Counts come from the scenario (`devices:`, `failover.after.devices:`, `generate.devices:`);
//! the emulator adds enabled and disabled for `totalDeviceCount` and the default
//! `TotalDeviceCount` quota. `problem` keeps every count a hub can ever hold within
//! `MAX_DEVICES`, so that sum can never overflow; `Scenario::validate` reports it at the field.

use crate::scenario::AfterEffects;
use schemars::JsonSchema;
use serde::Deserialize;

/// The most devices (enabled + disabled) a hub may have, before and after a failover
/// (Azure's largest hubs hold about a million; this leaves room and keeps every sum exact).
pub const MAX_DEVICES: u64 = 1_000_000_000;

/// Registry device counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Devices {
    #[serde(default)]
    pub enabled: u64,
    #[serde(default)]
    pub disabled: u64,
}

impl Default for Devices {
    fn default() -> Self {
        Devices {
            enabled: 1180,
            disabled: 20,
        }
    }
}

impl Devices {
    /// enabled + disabled (exact for any validated scenario; saturates otherwise).
    pub fn total(&self) -> u64 {
        self.enabled.saturating_add(self.disabled)
    }
}

/// Partial device counts, for failover after-effects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DevicesPatch {
    #[serde(default)]
    pub enabled: Option<u64>,
    #[serde(default)]
    pub disabled: Option<u64>,
}

impl DevicesPatch {
    /// `devices` with this patch applied.
    pub fn apply(&self, devices: Devices) -> Devices {
        Devices {
            enabled: self.enabled.unwrap_or(devices.enabled),
            disabled: self.disabled.unwrap_or(devices.disabled),
        }
    }
}

fn too_many(devices: Devices) -> Option<String> {
    match devices.enabled.checked_add(devices.disabled) {
        Some(total) if total <= MAX_DEVICES => None,
        total => Some(format!(
            "enabled ({}) + disabled ({}) = {} is more than the {MAX_DEVICES} devices a hub may have",
            devices.enabled,
            devices.disabled,
            total.map_or_else(|| "more than 2^64".to_owned(), |t| t.to_string()),
        )),
    }
}

/// The field (relative to the hub or template) and message of counts out of bounds: the
/// hub's own, or what its failover's after-effects would make of them.
pub(crate) fn problem(
    devices: &Devices,
    after: Option<&AfterEffects>,
) -> Option<(&'static str, String)> {
    if let Some(message) = too_many(*devices) {
        return Some(("devices", message));
    }
    let patch = after.and_then(|a| a.devices)?;
    too_many(patch.apply(*devices)).map(|m| ("failover.after.devices", m))
}
