//! The hub a run acts on, with its templates rendered.
//!
//! The CLI renders the runbook's `target:` templates from the parameters into a `HubTarget`;
//! the engine reads every ARM coordinate from it, and it goes into the `run_started` event and
//! the DR log's `hub_name`, `subscription` and `resource_group`.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HubTarget {
    pub subscription: String,
    pub resource_group: String,
    pub hub: String,
}

impl HubTarget {
    /// A hub in a mixed-case subscription and resource group, for tests of case-insensitive
    /// identity.
    #[cfg(test)]
    pub(crate) fn sample(hub: &str) -> Self {
        HubTarget {
            subscription: "0000AAAA-0000-0000-0000-000000000000".into(),
            resource_group: "Prod-RG".into(),
            hub: hub.into(),
        }
    }

    pub fn to_value(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}
