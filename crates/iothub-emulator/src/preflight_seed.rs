//! Scenario seeds for what a preflight reads: past Activity Log events and permissions per hub,
//! and management locks at a hub, resource group or subscription.
//!
//! YAML (through `scenario`) -> these types -> `problem` (cross-field rules) -> read by
//! `activity`, `locks` and `permissions` when answering. Times of past events are wall-clock
//! times: RFC 3339, or relative to the emulator's start (`-20m`, `-2h`), never scaled.

use schemars::JsonSchema;
use serde::Deserialize;
use time::{OffsetDateTime, format_description::well_known::Rfc3339};

/// A past Activity Log event of a hub (one event; give a Started and a Succeeded with one
/// `correlation_id` to seed a whole operation).
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ActivitySeed {
    /// `operationName.value`, e.g. `Microsoft.Devices/IotHubs/failover/action` (any case).
    pub operation: String,
    /// `status.value`: `Started`, `Accepted`, `Succeeded`, `Failed`, ...
    pub status: String,
    /// When: RFC 3339, or `-<duration>` before the emulator started (`-20m`).
    pub time: String,
    /// Default: derived from the hub and the event's position.
    #[serde(default)]
    pub correlation_id: Option<String>,
    /// Who did it; default `someone@example.com`.
    #[serde(default)]
    pub caller: Option<String>,
}

impl ActivitySeed {
    /// The event's time, given when the emulator started; `Err` says why the text is no time.
    pub fn at(&self, started: OffsetDateTime) -> Result<OffsetDateTime, String> {
        resolve_time(&self.time, started)
    }
}

/// `-20m` before `started`, or an RFC 3339 time.
pub fn resolve_time(text: &str, started: OffsetDateTime) -> Result<OffsetDateTime, String> {
    let text = text.trim();
    if let Some(ago) = text.strip_prefix('-') {
        let ago = crate::duration::parse_duration(ago)?;
        return started
            .checked_sub(time::Duration::try_from(ago).map_err(|e| e.to_string())?)
            .ok_or_else(|| format!("{text:?} is before the calendar starts"));
    }
    OffsetDateTime::parse(text, &Rfc3339).map_err(|_| {
        format!("{text:?} is neither RFC 3339 (2026-01-02T03:04:05Z) nor relative (-20m)")
    })
}

/// A management lock. No `resource_group`: on the subscription; `resource_group` alone: on the
/// resource group; both and `hub`: on the hub.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LockSeed {
    /// Not blank, no `/`.
    #[schemars(regex(pattern = r"^[^/]*[^/\s][^/]*$"))]
    pub name: String,
    /// `NotSpecified`, `CanNotDelete` or `ReadOnly`.
    #[schemars(extend("enum" = LOCK_LEVELS))]
    pub level: String,
    #[serde(default = "crate::scenario::default_sub")]
    pub subscription: String,
    #[serde(default)]
    pub resource_group: Option<String>,
    #[serde(default)]
    pub hub: Option<String>,
    #[serde(default)]
    pub notes: Option<String>,
}

/// The lock levels of the spec (`locks.json`, `LockLevel`).
pub const LOCK_LEVELS: [&str; 3] = ["NotSpecified", "CanNotDelete", "ReadOnly"];

impl LockSeed {
    /// The ARM id of the scope the lock sits on.
    pub fn scope(&self) -> String {
        let mut scope = format!("/subscriptions/{}", self.subscription);
        if let Some(rg) = &self.resource_group {
            scope.push_str(&format!("/resourceGroups/{rg}"));
            if let Some(hub) = &self.hub {
                scope.push_str(&format!("/providers/Microsoft.Devices/IotHubs/{hub}"));
            }
        }
        scope
    }

    /// The lock's own ARM id.
    pub fn id(&self) -> String {
        format!(
            "{}/providers/Microsoft.Authorization/locks/{}",
            self.scope(),
            self.name
        )
    }

    /// Whether the lock makes ARM refuse writes and POST actions.
    pub fn is_read_only(&self) -> bool {
        self.level.eq_ignore_ascii_case("ReadOnly")
    }

    /// What is wrong with this lock, if anything: (field, message).
    pub fn problem(&self) -> Option<(&'static str, String)> {
        if self.name.trim().is_empty() || self.name.contains('/') {
            return Some(("name", "must be non-empty and without '/'".into()));
        }
        if !LOCK_LEVELS.contains(&self.level.as_str()) {
            return Some((
                "level",
                format!("{:?} is not one of {}", self.level, LOCK_LEVELS.join(", ")),
            ));
        }
        if self.hub.is_some() && self.resource_group.is_none() {
            return Some(("hub", "a hub lock needs the hub's resource_group".into()));
        }
        None
    }
}

/// One entry of the caller's permissions on a hub (one role assignment).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PermissionSeed {
    #[serde(default)]
    pub actions: Vec<String>,
    #[serde(default)]
    pub not_actions: Vec<String>,
    #[serde(default)]
    pub data_actions: Vec<String>,
    #[serde(default)]
    pub not_data_actions: Vec<String>,
}

/// What a caller may do on a hub with no `permissions:` in its scenario: everything.
pub fn default_permissions() -> Vec<PermissionSeed> {
    vec![PermissionSeed {
        actions: vec!["*".to_owned()],
        not_actions: Vec::new(),
        data_actions: Vec::new(),
        not_data_actions: Vec::new(),
    }]
}

/// What is wrong with a hub's preflight seeds, if anything: (field under the hub, message).
pub fn hub_problem(activity: &[ActivitySeed]) -> Option<(String, String)> {
    let now = OffsetDateTime::now_utc();
    for (i, event) in activity.iter().enumerate() {
        if event.operation.trim().is_empty() || event.status.trim().is_empty() {
            return Some((
                format!("activity_log[{i}]"),
                "operation and status must not be empty".into(),
            ));
        }
        if let Err(message) = event.at(now) {
            return Some((format!("activity_log[{i}].time"), message));
        }
    }
    None
}
