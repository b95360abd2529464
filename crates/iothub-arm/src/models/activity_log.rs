//! Activity Log events (Microsoft.Insights `eventtypes/management/values`, api-version
//! 2015-04-01): what Azure recorded for each control-plane operation.
//!
//! Only the fields a failover check reads are typed; the rest of ARM's `EventData` is ignored.
//! Azure spells `operationName.value` in varying case, so matching is case-insensitive here.

use serde::Deserialize;
use time::OffsetDateTime;

/// ARM's `LocalizableString`: an invariant `value` and its display text.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct LocalizableString {
    /// The invariant value (what to compare).
    pub value: String,
    /// The locale's text, for display.
    #[serde(default)]
    pub localized_value: Option<String>,
}

/// One Activity Log event.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActivityLogEvent {
    /// The operation, e.g. `Microsoft.Devices/IotHubs/failover/action` (case varies).
    pub operation_name: LocalizableString,
    /// `Started`, `Accepted`, `Succeeded`, `Failed`, ...; absent on some event kinds.
    #[serde(default)]
    pub status: Option<LocalizableString>,
    /// Finer status, e.g. the HTTP status (`Created`, `Accepted`).
    #[serde(default)]
    pub sub_status: Option<LocalizableString>,
    /// When the operation happened.
    #[serde(with = "time::serde::rfc3339")]
    pub event_timestamp: OffsetDateTime,
    /// When Azure made the event queryable.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub submission_timestamp: Option<OffsetDateTime>,
    /// The resource the operation acted on.
    #[serde(default)]
    pub resource_id: String,
    /// Shared by every event of one operation (its Started and its Succeeded/Failed).
    #[serde(default)]
    pub correlation_id: String,
    /// Unique id of this event.
    #[serde(default)]
    pub event_data_id: Option<String>,
    /// Who did it: a UPN or a service principal id.
    #[serde(default)]
    pub caller: Option<String>,
    /// `BeginRequest` / `EndRequest`.
    #[serde(default)]
    pub event_name: Option<LocalizableString>,
    /// `Critical`, `Error`, `Warning`, `Informational`, `Verbose`.
    #[serde(default)]
    pub level: Option<String>,
    /// Resource group of the resource.
    #[serde(default)]
    pub resource_group_name: Option<String>,
    /// Free-form properties (`statusCode`, ...). The spec says strings; kept as JSON values so
    /// one odd event cannot make a whole page unreadable.
    #[serde(default)]
    pub properties: std::collections::BTreeMap<String, serde_json::Value>,
}

impl ActivityLogEvent {
    /// `status.value`, or `""` when absent.
    pub fn status(&self) -> &str {
        self.status.as_ref().map_or("", |s| s.value.as_str())
    }

    /// Whether the event is about `resource_id` (compared as ARM does, ignoring case).
    pub fn is_about(&self, resource_id: &str) -> bool {
        self.resource_id
            .trim_end_matches('/')
            .eq_ignore_ascii_case(resource_id.trim_end_matches('/'))
    }

    /// Whether the operation is an IoT Hub failover action. Azure's documentation does not name
    /// it, so this accepts any `Microsoft.Devices/IotHubs/...failover.../action`, in any case.
    pub fn is_failover_action(&self) -> bool {
        let op = self.operation_name.value.to_ascii_lowercase();
        op.starts_with("microsoft.devices/iothubs/")
            && op.ends_with("/action")
            && op.contains("failover")
    }
}

/// What one bounded Activity Log read returned.
#[derive(Debug, Clone, Default)]
pub struct ActivityLog {
    /// The events of every page read, in the order Azure sent them (newest first in Azure).
    pub events: Vec<ActivityLogEvent>,
    /// How many pages were read.
    pub pages: usize,
    /// The page bound stopped the read while Azure still had a `nextLink`: the log is partial.
    pub truncated: bool,
}
