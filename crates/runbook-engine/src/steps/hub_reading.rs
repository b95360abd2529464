//! The hub fields every reading step outputs: state, provisioning state, location, secondary.

use iothub_arm::IotHub;
use serde_json::{Map, Value, json};

pub(crate) fn hub_outputs(hub: &IotHub) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("state".into(), json!(hub.state()));
    m.insert("provisioning_state".into(), json!(hub.provisioning_state()));
    m.insert("location".into(), json!(hub.primary_location()));
    m.insert(
        "secondary".into(),
        hub.secondary_location().map_or(Value::Null, |s| json!(s)),
    );
    m
}

/// Region names compare the way ARM treats them: case and spaces do not matter
/// (`West US 2` is `westus2`).
pub(crate) fn same_region(a: &str, b: &str) -> bool {
    let norm = |s: &str| -> String {
        s.chars()
            .filter(|c| !c.is_whitespace())
            .flat_map(char::to_lowercase)
            .collect()
    };
    norm(a) == norm(b)
}
