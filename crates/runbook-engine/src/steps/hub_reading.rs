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
