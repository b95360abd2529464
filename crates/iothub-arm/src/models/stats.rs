//! `RegistryStatistics`: the device counts of a hub's identity registry (GET `IotHubStats`).

use serde::{Deserialize, Serialize};

/// Identity registry statistics of a hub.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegistryStats {
    /// Devices in the identity registry.
    #[serde(default)]
    pub total_device_count: u64,
    /// Enabled devices.
    #[serde(default)]
    pub enabled_device_count: u64,
    /// Disabled devices.
    #[serde(default)]
    pub disabled_device_count: u64,
}
