//! `IotHubQuotaMetricInfo`: one quota of a hub and how much of it is used (GET `quotaMetrics`, paged).

use serde::{Deserialize, Serialize};

/// One quota metric (`TotalMessages`, `TotalDeviceCount`, ...).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QuotaMetric {
    /// Quota name.
    #[serde(default)]
    pub name: String,
    /// Current usage.
    #[serde(default)]
    pub current_value: u64,
    /// Limit.
    #[serde(default)]
    pub max_value: u64,
}
