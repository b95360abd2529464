//! Scenario files: the hubs the emulator starts with and the faults it injects.
//!
//! YAML text -> serde-saphyr (unknown keys rejected, errors located as origin:line:col) -> typed
//! `Scenario` -> `validate` (cross-field rules). The server turns a validated scenario into its
//! hub store and fault list; nothing here knows about HTTP.

pub use crate::devices::{Devices, DevicesPatch, MAX_DEVICES};
use crate::duration;
use crate::error::ScenarioError;
pub use crate::fault_rule::{FaultRule, HoldStage};
pub use crate::generate::Generate;
pub use crate::monitor::{MonitorSeed, ReconnectSeed};
use crate::ordered::OrderedMap;
pub use crate::preflight_seed::{ActivitySeed, LockSeed, PermissionSeed};
use schemars::JsonSchema;
use serde::Deserialize;
use std::collections::HashSet;
use std::time::Duration;

/// The subscription of the default scenario.
pub const DEFAULT_SUBSCRIPTION: &str = "00000000-0000-0000-0000-000000000000";
/// The resource group of the default scenario.
pub const DEFAULT_RESOURCE_GROUP: &str = "myResourceGroup";
/// The hub of the default scenario.
pub const DEFAULT_HUB: &str = "myIoTHub";

/// Everything the emulator is seeded with. `Scenario::default()` is empty (no hubs);
/// `default_scenario()` holds the default hub.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    title = "iothub-emulator scenario",
    description = "The hubs the IoT Hub emulator starts with and the faults it injects \
                   (`runbook emulator --scenario FILE`, or a test case's `scenario: FILE`). \
                   Every key is optional; unknown keys are errors."
)]
pub struct Scenario {
    /// The hubs, each in its subscription and resource group.
    #[serde(default)]
    pub hubs: Vec<HubSeed>,
    /// Faults applied to matching requests; the first matching rule with budget left wins.
    #[serde(default)]
    pub faults: Vec<FaultRule>,
    /// Page size of every list (hubs, quota metrics, endpoint health); `None`: one page.
    #[serde(default)]
    #[schemars(range(min = 1))]
    pub page_size: Option<usize>,
    /// Resource groups that exist without hubs (lists answer empty instead of 404).
    #[serde(default)]
    pub resource_groups: Vec<ResourceGroupSeed>,
    /// Hubs made from a template (fleet drills), added after `hubs` by `expanded`.
    #[serde(default)]
    pub generate: Option<Generate>,
    /// ARM's per-subscription request budgets, enforced with 429 + `Retry-After`; absent: off.
    #[serde(default)]
    pub throttling: Option<Throttling>,
    /// Management locks at hub, resource group or subscription scope.
    #[serde(default)]
    pub locks: Vec<LockSeed>,
}

/// One token bucket: `burst` requests at once, refilled at `per_second` (emulated seconds).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BucketSpec {
    #[schemars(range(min = 1))]
    pub burst: u32,
    #[schemars(extend("exclusiveMinimum" = 0))]
    pub per_second: f64,
}

impl BucketSpec {
    /// ARM's subscription reads budget: about 250 at once, refilled 25 a second.
    pub const ARM_READS: BucketSpec = BucketSpec {
        burst: 250,
        per_second: 25.0,
    };
    /// ARM's subscription writes budget: about 200 at once, refilled 10 a second.
    pub const ARM_WRITES: BucketSpec = BucketSpec {
        burst: 200,
        per_second: 10.0,
    };
}

/// `throttling:` — each subscription gets its own reads and writes buckets. `throttling: {}`
/// means ARM's defaults for both; a bucket given as `null` is not enforced.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Throttling {
    #[serde(default = "arm_reads")]
    pub reads: Option<BucketSpec>,
    #[serde(default = "arm_writes")]
    pub writes: Option<BucketSpec>,
}

fn arm_reads() -> Option<BucketSpec> {
    Some(BucketSpec::ARM_READS)
}

fn arm_writes() -> Option<BucketSpec> {
    Some(BucketSpec::ARM_WRITES)
}

impl Default for Throttling {
    /// ARM's defaults.
    fn default() -> Self {
        Throttling {
            reads: arm_reads(),
            writes: arm_writes(),
        }
    }
}

/// A resource group with no hub in it.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResourceGroupSeed {
    pub subscription: String,
    pub name: String,
}

/// Routing endpoint health, as `routingEndpointsHealth` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum EndpointHealth {
    Healthy,
    Unhealthy,
    Degraded,
    Dead,
    Unknown,
}

impl EndpointHealth {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            EndpointHealth::Healthy => "healthy",
            EndpointHealth::Unhealthy => "unhealthy",
            EndpointHealth::Degraded => "degraded",
            EndpointHealth::Dead => "dead",
            EndpointHealth::Unknown => "unknown",
        }
    }
}

/// How a failover ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    #[default]
    Succeeded,
    Failed,
}

/// The error a failed failover operation reports.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OperationErrorSeed {
    pub code: String,
    pub message: String,
    /// HTTP status the `Location` URL answers with once the operation failed (default 500).
    #[serde(default)]
    #[schemars(range(min = 400, max = 599))]
    pub status: Option<u16>,
}

/// What changes on the hub when a failover completes (whatever its outcome).
#[derive(Debug, Clone, PartialEq, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AfterEffects {
    #[serde(default)]
    pub devices: Option<DevicesPatch>,
    /// Endpoint health updates (added if the endpoint did not exist).
    #[serde(default)]
    pub endpoints: OrderedMap<EndpointHealth>,
    /// The hub state once done (default `Active`).
    #[serde(default)]
    pub state: Option<String>,
    /// Quota metric updates `[current, max]`.
    #[serde(default)]
    pub quotas: OrderedMap<[u64; 2]>,
}

/// When a started failover completes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Completion {
    /// After `duration` (scaled).
    #[default]
    Auto,
    /// When told (`Emulator::complete_failover`, `POST /_emulator/hubs/{name}/complete-failover`);
    /// until then the operation is `InProgress` and the hub `FailingOver`. `duration` is unused.
    Manual,
}

/// How this hub's manual failover behaves.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FailoverSeed {
    /// Time from the accepted POST to completion (scaled by the time scale).
    #[schemars(schema_with = "crate::schema::duration", extend("default" = "2s"))]
    #[serde(
        default = "default_failover_duration",
        deserialize_with = "duration::deserialize"
    )]
    pub duration: Duration,
    #[serde(default)]
    pub outcome: Outcome,
    /// Error reported when `outcome: failed` (a generic one if absent).
    #[serde(default)]
    pub error: Option<OperationErrorSeed>,
    #[serde(default)]
    pub after: Option<AfterEffects>,
    /// The operation never completes: the hub stays `FailingOver`, the status `InProgress`.
    #[serde(default)]
    pub stuck: bool,
    /// `manual`: the operation completes only when a test says so (see `Completion`).
    #[serde(default)]
    pub complete: Completion,
    /// `Retry-After` of the 202 and of in-progress polls (scaled for `retry-after-ms`).
    #[schemars(schema_with = "crate::schema::duration", extend("default" = "1s"))]
    #[serde(
        default = "default_retry_after",
        deserialize_with = "duration::deserialize"
    )]
    pub retry_after: Duration,
    /// Minimum time from the end of this hub's last failover to the next request (scaled);
    /// overrides `EmulatorConfig::failover_cooldown`.
    #[schemars(schema_with = "crate::schema::duration", transform = crate::schema::no_default)]
    #[serde(default, deserialize_with = "duration::deserialize_opt")]
    pub cooldown: Option<Duration>,
    /// Completed failovers allowed per direction within any rolling 24 h (scaled); overrides
    /// `EmulatorConfig::failovers_per_direction_per_day`.
    #[serde(default)]
    pub per_direction_per_day: Option<u32>,
}

fn default_failover_duration() -> Duration {
    Duration::from_secs(2)
}

fn default_retry_after() -> Duration {
    Duration::from_secs(1)
}

impl Default for FailoverSeed {
    fn default() -> Self {
        FailoverSeed {
            duration: default_failover_duration(),
            outcome: Outcome::Succeeded,
            error: None,
            after: None,
            stuck: false,
            complete: Completion::Auto,
            retry_after: default_retry_after(),
            cooldown: None,
            per_direction_per_day: None,
        }
    }
}

/// The hub SKU.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SkuSeed {
    #[serde(default = "default_sku_name")]
    pub name: String,
    #[serde(default = "default_capacity")]
    pub capacity: u64,
}

fn default_sku_name() -> String {
    "S1".to_owned()
}

fn default_capacity() -> u64 {
    1
}

impl Default for SkuSeed {
    fn default() -> Self {
        SkuSeed {
            name: default_sku_name(),
            capacity: default_capacity(),
        }
    }
}

/// An IP filter rule (`properties.ipFilterRules`, action Accept|Reject).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IpFilterRuleSeed {
    pub name: String,
    pub action: String,
    pub ip_mask: String,
}

/// `properties.networkRuleSets`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NetworkRuleSetSeed {
    #[serde(default = "default_network_action")]
    pub default_action: String,
    #[serde(default)]
    pub apply_to_built_in_event_hub_endpoint: bool,
    #[serde(default)]
    pub ip_rules: Vec<IpFilterRuleSeed>,
}

fn default_network_action() -> String {
    "Deny".to_owned()
}

/// The built-in Event Hub-compatible endpoint `events`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EventHubSeed {
    #[serde(default = "default_partitions")]
    pub partition_count: u32,
    #[serde(default = "default_retention")]
    pub retention_days: u32,
    /// Default: the hub name, lowercased.
    #[serde(default)]
    pub path: Option<String>,
    /// Default: `sb://iothub-ns-<hub>.servicebus.windows.net/`.
    #[serde(default)]
    pub endpoint: Option<String>,
}

fn default_partitions() -> u32 {
    4
}

fn default_retention() -> u32 {
    1
}

impl Default for EventHubSeed {
    fn default() -> Self {
        EventHubSeed {
            partition_count: default_partitions(),
            retention_days: default_retention(),
            path: None,
            endpoint: None,
        }
    }
}

/// One hub and how it behaves.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HubSeed {
    /// The hub name: 3-50 letters, digits or hyphens, not only digits, no hyphen at either end.
    #[schemars(regex(pattern = HUB_NAME_PATTERN))]
    pub name: String,
    #[serde(default = "default_rg")]
    #[schemars(regex(pattern = r"^[^/]+$"))]
    pub resource_group: String,
    #[serde(default = "default_sub")]
    #[schemars(regex(pattern = r"^[^/]+$"))]
    pub subscription: String,
    /// The resource `location` (an ARM region name such as `westus2`).
    #[serde(default = "default_location")]
    pub location: String,
    /// The primary entry of `properties.locations` (default: `location`).
    #[serde(default)]
    pub primary: Option<String>,
    /// The paired region, secondary entry of `properties.locations`, the only failover target.
    #[serde(default = "default_secondary")]
    pub secondary: String,
    /// Any state string; only `Active` hubs accept a failover.
    #[serde(default = "default_state")]
    pub state: String,
    #[serde(default)]
    pub devices: Devices,
    /// `[current, max]` per quota metric; default `TotalMessages: [1200, 400000]` and
    /// `TotalDeviceCount: [<devices>, 500000]` (the latter following the device counts).
    #[serde(default)]
    pub quotas: Option<OrderedMap<[u64; 2]>>,
    /// Routing endpoints and their health; `events` is the built-in endpoint.
    #[serde(default = "default_endpoints")]
    pub endpoints: OrderedMap<EndpointHealth>,
    #[serde(default)]
    pub failover: FailoverSeed,
    #[serde(default)]
    pub sku: SkuSeed,
    #[serde(default)]
    pub tags: OrderedMap<String>,
    /// Default: derived from the hub and its version.
    #[serde(default)]
    pub etag: Option<String>,
    /// Default: `<name>.azure-devices.net`.
    #[serde(default)]
    pub host_name: Option<String>,
    #[serde(default)]
    pub min_tls_version: Option<String>,
    #[serde(default)]
    pub ip_filter_rules: Vec<IpFilterRuleSeed>,
    #[serde(default)]
    pub network_rule_sets: Option<NetworkRuleSetSeed>,
    #[serde(default)]
    pub event_hub: EventHubSeed,
    /// `systemData.createdAt` (RFC 3339); default: a fixed date.
    #[serde(default)]
    pub created_at: Option<String>,
    /// `properties.enableDataResidency`: such a hub refuses every failover.
    #[serde(default)]
    pub enable_data_residency: bool,
    /// Past Activity Log events of the hub (its own failovers are added as they happen).
    #[serde(default)]
    pub activity_log: Vec<ActivitySeed>,
    /// The caller's permissions on the hub; default one entry `actions: ["*"]`.
    #[serde(default = "crate::preflight_seed::default_permissions")]
    pub permissions: Vec<PermissionSeed>,
    /// The device population Azure Monitor reports (connected devices, telemetry).
    #[serde(default)]
    pub monitor: MonitorSeed,
}

fn default_rg() -> String {
    DEFAULT_RESOURCE_GROUP.to_owned()
}

pub(crate) fn default_sub() -> String {
    DEFAULT_SUBSCRIPTION.to_owned()
}

fn default_location() -> String {
    "westus2".to_owned()
}

fn default_secondary() -> String {
    "westus".to_owned()
}

fn default_state() -> String {
    "Active".to_owned()
}

fn default_endpoints() -> OrderedMap<EndpointHealth> {
    OrderedMap::from([
        ("events", EndpointHealth::Healthy),
        ("telemetry-archive", EndpointHealth::Healthy),
    ])
}

impl Default for HubSeed {
    /// `myIoTHub` in the default resource group and subscription.
    fn default() -> Self {
        HubSeed::new(DEFAULT_SUBSCRIPTION, DEFAULT_RESOURCE_GROUP, DEFAULT_HUB)
    }
}

impl HubSeed {
    /// A healthy hub with every default (westus2 paired with westus, 1180 + 20 devices, two
    /// healthy endpoints, a 2 s successful failover).
    pub fn new(subscription: &str, resource_group: &str, name: &str) -> HubSeed {
        HubSeed {
            name: name.to_owned(),
            resource_group: resource_group.to_owned(),
            subscription: subscription.to_owned(),
            location: default_location(),
            primary: None,
            secondary: default_secondary(),
            state: default_state(),
            devices: Devices::default(),
            quotas: None,
            endpoints: default_endpoints(),
            failover: FailoverSeed::default(),
            sku: SkuSeed::default(),
            tags: OrderedMap::default(),
            etag: None,
            host_name: None,
            min_tls_version: None,
            ip_filter_rules: Vec::new(),
            network_rule_sets: None,
            event_hub: EventHubSeed::default(),
            created_at: None,
            enable_data_residency: false,
            activity_log: Vec::new(),
            permissions: crate::preflight_seed::default_permissions(),
            monitor: MonitorSeed::default(),
        }
    }
}

impl Scenario {
    /// Parses a scenario YAML; `origin` names it in errors (usually the file path).
    pub fn from_yaml(text: &str, origin: &str) -> Result<Scenario, ScenarioError> {
        let scenario: Scenario =
            serde_saphyr::from_str(text).map_err(|e| parse_error(&e, origin))?;
        // Checked before and after expansion: `generate` on its own, then the hubs it made
        // against the listed ones (names, duplicates).
        scenario.validate(origin)?;
        let scenario = scenario.expanded();
        scenario.validate(origin)?;
        Ok(scenario)
    }

    /// Reads and parses a scenario file.
    pub fn load(path: &std::path::Path) -> Result<Scenario, ScenarioError> {
        let origin = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Io {
            origin: origin.clone(),
            source,
        })?;
        Scenario::from_yaml(&text, &origin)
    }

    /// One healthy hub `myIoTHub` in `myResourceGroup`, subscription
    /// 00000000-0000-0000-0000-000000000000, westus2 paired with westus, Active,
    /// 1180 enabled + 20 disabled devices, two healthy endpoints, no faults.
    pub fn default_scenario() -> Scenario {
        Scenario::single_hub(DEFAULT_SUBSCRIPTION, DEFAULT_RESOURCE_GROUP, DEFAULT_HUB)
    }

    /// The default hub at the given coordinates.
    pub fn single_hub(subscription: &str, resource_group: &str, hub: &str) -> Scenario {
        Scenario {
            hubs: vec![HubSeed::new(subscription, resource_group, hub)],
            faults: Vec::new(),
            page_size: None,
            resource_groups: Vec::new(),
            generate: None,
            throttling: None,
            locks: Vec::new(),
        }
    }

    /// The scenario with its `generate:` hubs appended to `hubs` (and `generate` cleared).
    pub fn expanded(mut self) -> Scenario {
        if let Some(generate) = self.generate.take() {
            self.hubs.extend(generate.hubs());
        }
        self
    }

    /// Checks the rules serde cannot: unique hubs, regions, faults that do something.
    pub fn validate(&self, origin: &str) -> Result<(), ScenarioError> {
        let invalid = |path: String, message: &str| ScenarioError::Invalid {
            origin: origin.to_owned(),
            path,
            message: message.to_owned(),
        };
        if self.page_size == Some(0) {
            return Err(invalid("page_size".into(), "must be at least 1"));
        }
        if let Some((field, message)) = self.generate.as_ref().and_then(Generate::problem) {
            return Err(invalid(format!("generate.{field}"), &message));
        }
        if let Some(t) = &self.throttling {
            for (name, spec) in [("reads", t.reads), ("writes", t.writes)] {
                if let Some(b) = spec
                    && (b.burst == 0 || !(b.per_second.is_finite() && b.per_second > 0.0))
                {
                    return Err(invalid(
                        format!("throttling.{name}"),
                        "burst must be at least 1 and per_second a positive number",
                    ));
                }
            }
        }
        let mut seen = HashSet::new();
        for (i, hub) in self.hubs.iter().enumerate() {
            let at = format!("hubs[{i}]");
            if hub.name.is_empty() || hub.resource_group.is_empty() || hub.subscription.is_empty() {
                return Err(invalid(
                    at,
                    "name, resource_group and subscription must not be empty",
                ));
            }
            if hub.name.contains('/')
                || hub.resource_group.contains('/')
                || hub.subscription.contains('/')
            {
                return Err(invalid(
                    at,
                    "name, resource_group and subscription cannot contain '/'",
                ));
            }
            if !valid_hub_name(&hub.name) {
                return Err(invalid(
                    format!("{at}.name"),
                    &format!(
                        "{:?} is not a valid IoT hub name (3-50 letters, digits or hyphens, \
                         not only digits, not starting or ending with a hyphen)",
                        hub.name
                    ),
                ));
            }
            let key = (
                hub.subscription.to_ascii_lowercase(),
                hub.resource_group.to_ascii_lowercase(),
                hub.name.to_ascii_lowercase(),
            );
            if !seen.insert(key) {
                return Err(invalid(
                    at,
                    &format!("duplicate hub {:?} in this resource group", hub.name),
                ));
            }
            let primary = hub.primary.as_deref().unwrap_or(&hub.location);
            if crate::hub::same_region(primary, &hub.secondary) {
                return Err(invalid(at, "secondary must differ from the primary region"));
            }
            if let Some((field, message)) =
                crate::devices::problem(&hub.devices, hub.failover.after.as_ref())
            {
                return Err(invalid(format!("{at}.{field}"), &message));
            }
            if hub.failover.stuck && hub.failover.complete == Completion::Manual {
                return Err(invalid(
                    format!("{at}.failover.complete"),
                    "manual completion and stuck: true exclude each other",
                ));
            }
            if hub.failover.error.is_some() && hub.failover.outcome != Outcome::Failed {
                return Err(invalid(
                    format!("{at}.failover.error"),
                    "only meaningful with outcome: failed",
                ));
            }
            if let Some((field, message)) = crate::preflight_seed::hub_problem(&hub.activity_log) {
                return Err(invalid(format!("{at}.{field}"), &message));
            }
            if let Some(status) = hub.failover.error.as_ref().and_then(|e| e.status)
                && !(400..=599).contains(&status)
            {
                return Err(invalid(
                    format!("{at}.failover.error.status"),
                    "must be 400..=599",
                ));
            }
        }
        for (i, lock) in self.locks.iter().enumerate() {
            if let Some((field, message)) = lock.problem() {
                return Err(invalid(format!("locks[{i}].{field}"), &message));
            }
        }
        for (i, fault) in self.faults.iter().enumerate() {
            if let Some(message) = fault.problem() {
                return Err(invalid(format!("faults[{i}]"), message));
            }
        }
        Ok(())
    }
}

/// The spec's `Resource.name` pattern, which `valid_hub_name` checks (the schema says it too).
const HUB_NAME_PATTERN: &str = r"^(?![0-9]+$)(?!-)[a-zA-Z0-9-]{2,49}[a-zA-Z0-9]$";

/// The spec's `Resource.name` pattern (`HUB_NAME_PATTERN`), so every body the emulator serves
/// conforms.
fn valid_hub_name(name: &str) -> bool {
    (3..=50).contains(&name.len())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !name.starts_with('-')
        && !name.ends_with('-')
        && !name.chars().all(|c| c.is_ascii_digit())
}

/// Turns a serde-saphyr error into origin:line:col plus its message (without the snippet).
fn parse_error(error: &serde_saphyr::Error, origin: &str) -> ScenarioError {
    let (line, column) = error
        .location()
        .map(|l| (l.line(), l.column()))
        .unwrap_or((0, 0));
    let full = error.without_snippet().to_string();
    let first = full.lines().next().unwrap_or("invalid scenario").trim();
    // The rendered text repeats the position ("... at line 3, column 5"); keep the message.
    let suffix = format!(" at line {line}, column {column}");
    let message = first
        .strip_suffix(suffix.as_str())
        .unwrap_or(first)
        .to_owned();
    ScenarioError::Parse {
        origin: origin.to_owned(),
        line,
        column,
        message,
    }
}
