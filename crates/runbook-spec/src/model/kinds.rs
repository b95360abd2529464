//! The step kinds and their fields: what each kind of step is asked to do.
//!
//! Each struct is the body under the kind's key (`validate: {...}`). The outputs each kind
//! produces, for `{{steps.ID.OUTPUT}}`, are listed in `crate::outputs`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::duration::DurationSpec;
use super::template::TemplateText;

/// Expectations on the hub's current state; any miss fails the step.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ValidateSpec {
    /// Expected `properties.state`, e.g. `Active`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<TemplateText>,
    /// Expected `properties.provisioningState`, e.g. `Succeeded`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provisioning_state: Option<TemplateText>,
    /// Expected hub location (its primary region).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<TemplateText>,
    /// Expected paired (secondary) region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secondary: Option<TemplateText>,
}

/// Which parts of the hub a snapshot reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum SnapshotPart {
    Hub,
    Stats,
    Quotas,
    Endpoints,
}

/// Reads hub, registry statistics, quotas and endpoint health into the step's outputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SnapshotSpec {
    /// Parts to read; all four by default.
    #[serde(default = "all_parts")]
    pub include: Vec<SnapshotPart>,
    /// Also read Azure Monitor's connected devices and telemetry per minute over a window
    /// before the snapshot: the baseline an `await-recovery` step measures against.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monitor: Option<super::recovery::MonitorBaselineSpec>,
}

impl Default for SnapshotSpec {
    fn default() -> Self {
        Self {
            include: all_parts(),
            monitor: None,
        }
    }
}

fn all_parts() -> Vec<SnapshotPart> {
    vec![
        SnapshotPart::Hub,
        SnapshotPart::Stats,
        SnapshotPart::Quotas,
        SnapshotPart::Endpoints,
    ]
}

/// Starts a manual failover to the paired region.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FailoverSpec {
    /// Target region. Omitted: the hub's current secondary, read just before the call. A region
    /// that is not the secondary is refused before any call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<TemplateText>,
}

/// Waits for a failover started by an earlier step to finish (`operation`), or for the hub to
/// reach a state (`until`), e.g. after a failover someone started from the portal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AwaitSpec {
    /// Id of the earlier `failover` step whose operation to wait for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    /// A hub condition to wait for instead of an operation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<HubCondition>,
    /// Give up after this long (the failover goes on in Azure).
    #[serde(default = "default_await_timeout")]
    pub timeout: DurationSpec,
    /// Poll at least this far apart; the server's Retry-After can only lengthen it.
    #[serde(default = "default_await_interval")]
    pub interval: DurationSpec,
}

/// What the hub must look like for an `await: { until: ... }` to end.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HubCondition {
    /// Expected `properties.state`, e.g. `Active`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<TemplateText>,
    /// Expected hub location (its primary region).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<TemplateText>,
}

fn default_await_timeout() -> DurationSpec {
    DurationSpec(std::time::Duration::from_secs(2 * 3600))
}

fn default_await_interval() -> DurationSpec {
    DurationSpec(std::time::Duration::from_secs(15))
}

/// An allowed device-count drift: an absolute count (`0`, `5`) or a share (`"1%"`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Drift {
    Count(u64),
    #[serde(deserialize_with = "super::constraints::percent_text")]
    Percent(String),
}

/// Shares such as `"1%"` or `"0.5%"`.
pub const PERCENT_PATTERN: &str = r"^[0-9]+(\.[0-9]+)?%$";

impl JsonSchema for Drift {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Drift".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "An allowed difference: a device count (0, 5) or a share of the earlier count (\"1%\").",
            "anyOf": [
                { "type": "integer", "minimum": 0 },
                { "type": "string", "pattern": PERCENT_PATTERN }
            ]
        })
    }
}

impl Default for Drift {
    fn default() -> Self {
        Drift::Count(0)
    }
}

impl Drift {
    /// The largest allowed absolute difference for a `before` count. `None` if the percentage
    /// text is malformed (the schema pattern prevents that for loaded runbooks).
    pub fn allowed_for(&self, before: u64) -> Option<u64> {
        match self {
            Drift::Count(n) => Some(*n),
            Drift::Percent(p) => {
                let pct: f64 = p.trim_end_matches('%').parse().ok()?;
                Some(((before as f64) * pct / 100.0).floor() as u64)
            }
        }
    }
}

/// Compares the device counts of two earlier snapshots. A difference over `max_drift` fails.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CompareDevicesSpec {
    /// Id of the earlier `snapshot-metrics` step taken before the change.
    pub before: String,
    /// Id of the later `snapshot-metrics` step taken after it.
    pub after: String,
    /// Allowed difference in total devices: a count (`0`) or a share of `before` (`"1%"`).
    #[serde(default)]
    pub max_drift: Drift,
}

/// What endpoint health must look like.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum HealthRequirement {
    /// Every endpoint counts as healthy.
    AllHealthy,
    /// At least one endpoint counts as healthy.
    AnyHealthy,
}

/// Checks routing endpoint health, optionally re-checking until it holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HealthCheckSpec {
    #[serde(default = "default_requirement")]
    pub require: HealthRequirement,
    /// Alternatively, the minimum share of healthy endpoints, e.g. `"80%"`; overrides `require`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::constraints::optional_percent_text"
    )]
    #[schemars(pattern(PERCENT_PATTERN))]
    pub min_healthy: Option<String>,
    /// Health statuses counted as healthy (`healthy` by default; add `degraded` to tolerate it).
    #[serde(default = "default_allowed_states")]
    pub allowed: Vec<EndpointState>,
    /// Keep re-checking for up to this long until the requirement holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait: Option<DurationSpec>,
    /// Time between re-checks while waiting.
    #[serde(default = "default_health_interval")]
    pub interval: DurationSpec,
}

fn default_requirement() -> HealthRequirement {
    HealthRequirement::AllHealthy
}

fn default_allowed_states() -> Vec<EndpointState> {
    vec![EndpointState::Healthy]
}

fn default_health_interval() -> DurationSpec {
    DurationSpec(std::time::Duration::from_secs(30))
}

/// Routing endpoint health statuses as ARM reports them (lower-cased).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum EndpointState {
    Healthy,
    Degraded,
    Unhealthy,
    Dead,
    Unknown,
}
