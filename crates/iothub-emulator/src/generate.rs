//! `generate:` in a scenario: N hubs from one template, for fleet drills.
//!
//! `Generate` (from YAML) -> `hubs()` -> plain `HubSeed`s named `<prefix><0001..N>`, spread
//! round-robin over the listed subscriptions and resource groups, each a copy of the template
//! hub (location, secondary, devices, tags, failover) with the fault mix applied by index or by
//! name. `Scenario::expanded` appends them to the scenario's own hubs, so everything downstream
//! (store, validation, routes) sees ordinary hubs.

use crate::ordered::OrderedMap;
use crate::scenario::{
    DEFAULT_RESOURCE_GROUP, DEFAULT_SUBSCRIPTION, Devices, FailoverSeed, HubSeed, MonitorSeed,
    Outcome,
};
use schemars::JsonSchema;
use serde::Deserialize;

/// How many hubs to make and what they look like.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Generate {
    /// How many hubs.
    #[schemars(range(min = 1, max = MAX_GENERATED))]
    pub count: usize,
    /// Name prefix; the 1-based index follows, zero-padded to at least 4 digits.
    #[serde(default = "default_prefix")]
    pub prefix: String,
    /// Subscriptions the hubs are spread over, round-robin (default: the default subscription).
    #[serde(default)]
    pub subscriptions: Vec<String>,
    /// Resource groups the hubs are spread over, round-robin (default: `myResourceGroup`).
    #[serde(default)]
    pub resource_groups: Vec<String>,
    #[serde(default = "default_location")]
    pub location: String,
    #[serde(default = "default_secondary")]
    pub secondary: String,
    #[serde(default)]
    pub devices: Devices,
    #[serde(default)]
    pub tags: OrderedMap<String>,
    /// Every hub's failover (duration, retry_after, ...); the fault mix below overrides it.
    #[serde(default)]
    pub failover: FailoverSeed,
    /// Every Nth hub (N, 2N, ...) fails its failover.
    #[serde(default)]
    #[schemars(range(min = 1))]
    pub failing_every: Option<usize>,
    /// These hubs (by generated name) fail their failover.
    #[serde(default)]
    pub failing: Vec<String>,
    /// Every Nth hub gets no `tags` (so a tag selector leaves it out).
    #[serde(default)]
    #[schemars(range(min = 1))]
    pub untagged_every: Option<usize>,
    /// Every hub's device population (as a hub's `monitor:`).
    #[serde(default)]
    pub monitor: MonitorSeed,
}

fn default_prefix() -> String {
    "hub-".to_owned()
}

fn default_location() -> String {
    "westus2".to_owned()
}

fn default_secondary() -> String {
    "westus".to_owned()
}

/// The most hubs one scenario may generate (the store holds them all in memory).
pub const MAX_GENERATED: usize = 100_000;

impl Generate {
    /// The name of hub number `index` (1-based).
    pub fn name(&self, index: usize) -> String {
        let width = self.count.to_string().len().max(4);
        format!("{}{index:0width$}", self.prefix)
    }

    /// Problems `validate` reports at `generate.<field>`.
    pub(crate) fn problem(&self) -> Option<(&'static str, String)> {
        if self.count == 0 || self.count > MAX_GENERATED {
            return Some(("count", format!("must be 1..={MAX_GENERATED}")));
        }
        if let Some(found) = crate::devices::problem(&self.devices, self.failover.after.as_ref()) {
            return Some(found);
        }
        if self.failing_every == Some(0) {
            return Some(("failing_every", "must be at least 1".into()));
        }
        if self.untagged_every == Some(0) {
            return Some(("untagged_every", "must be at least 1".into()));
        }
        for name in &self.failing {
            if !(1..=self.count).any(|i| self.name(i).eq_ignore_ascii_case(name)) {
                return Some((
                    "failing",
                    format!("{name:?} is not one of the generated hubs"),
                ));
            }
        }
        None
    }

    /// The generated hubs, in index order.
    pub fn hubs(&self) -> Vec<HubSeed> {
        let subs = if self.subscriptions.is_empty() {
            vec![DEFAULT_SUBSCRIPTION.to_owned()]
        } else {
            self.subscriptions.clone()
        };
        let rgs = if self.resource_groups.is_empty() {
            vec![DEFAULT_RESOURCE_GROUP.to_owned()]
        } else {
            self.resource_groups.clone()
        };
        (1..=self.count)
            .map(|i| {
                let name = self.name(i);
                let mut hub = HubSeed::new(
                    &subs[(i - 1) % subs.len()],
                    &rgs[(i - 1) % rgs.len()],
                    &name,
                );
                hub.location = self.location.clone();
                hub.secondary = self.secondary.clone();
                hub.devices = self.devices;
                hub.failover = self.failover.clone();
                hub.monitor = self.monitor.clone();
                let untagged = self.untagged_every.is_some_and(|n| i % n == 0);
                if !untagged {
                    hub.tags = self.tags.clone();
                }
                let failing = self.failing_every.is_some_and(|n| i % n == 0)
                    || self.failing.iter().any(|f| f.eq_ignore_ascii_case(&name));
                if failing {
                    hub.failover.outcome = Outcome::Failed;
                }
                hub
            })
            .collect()
    }
}
