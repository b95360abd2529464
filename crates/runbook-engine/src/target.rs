//! The hub a run acts on, with its templates rendered.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HubTarget {
    pub subscription: String,
    pub resource_group: String,
    pub hub: String,
}

impl HubTarget {
    pub fn to_value(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}
