//! A case's emulator scenario: from nothing, a file, or inline YAML, to a checked
//! `iothub_emulator::Scenario`.
//!
//! Without a scenario the emulator serves the runbook's target hub, Active and healthy. An
//! inline scenario is the emulator's own format, plus `hub:`, the fields to change on that
//! target hub (so a case says `hub: { state: Transitioning }` instead of restating the hub).
//! The inline tree is deserialized with the emulator's serde types, so it accepts exactly what
//! a scenario file does; a mistake comes back with the JSON pointer of the offending field,
//! which `load` turns into a line and column of the test file.

use std::path::Path;

use iothub_emulator::Scenario;
use runbook_engine::HubTarget;
use serde_json::{Map, Value};

use crate::model::{InlineScenario, ScenarioDoc};

/// Why a scenario is not usable: where (a JSON pointer below the case's `scenario`), and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioProblem {
    pub pointer: String,
    pub message: String,
}

impl ScenarioProblem {
    fn at(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            pointer: pointer.into(),
            message: message.into(),
        }
    }
}

/// The scenario a case runs against. `dir` is the test file's directory; `origin` names the
/// case in the emulator's own messages.
pub fn build(
    doc: Option<&ScenarioDoc>,
    target: &HubTarget,
    dir: &Path,
    origin: &str,
) -> Result<Scenario, ScenarioProblem> {
    match doc {
        None => Ok(Scenario::single_hub(
            &target.subscription,
            &target.resource_group,
            &target.hub,
        )),
        Some(ScenarioDoc::File(rel)) => {
            let path = dir.join(rel);
            Scenario::load(&path).map_err(|e| ScenarioProblem::at("", e.to_string()))
        }
        Some(ScenarioDoc::Inline(inline)) => from_inline(inline, target, origin),
    }
}

fn target_hub(target: &HubTarget) -> Map<String, Value> {
    let mut hub = Map::new();
    hub.insert("name".into(), Value::String(target.hub.clone()));
    hub.insert(
        "resource_group".into(),
        Value::String(target.resource_group.clone()),
    );
    hub.insert(
        "subscription".into(),
        Value::String(target.subscription.clone()),
    );
    hub
}

fn from_inline(
    inline: &InlineScenario,
    target: &HubTarget,
    origin: &str,
) -> Result<Scenario, ScenarioProblem> {
    const IDENTITY: [&str; 3] = ["name", "resource_group", "subscription"];
    let hubs: Vec<Value> = match (&inline.hub, &inline.hubs) {
        (Some(_), Some(_)) => {
            return Err(ScenarioProblem::at(
                "/hubs",
                "give either `hub` (changes to the runbook's target hub) or `hubs` (every hub in full), not both",
            ));
        }
        (Some(patch), None) => {
            if let Some(key) = IDENTITY.iter().find(|k| patch.contains_key(**k)) {
                return Err(ScenarioProblem::at(
                    format!("/hub/{key}"),
                    format!(
                        "`hub` is the runbook's target hub and keeps its {key}; to seed another hub, list it under `hubs`"
                    ),
                ));
            }
            let mut hub = target_hub(target);
            hub.extend(patch.clone());
            vec![Value::Object(hub)]
        }
        (None, Some(hubs)) => hubs.iter().cloned().map(Value::Object).collect(),
        (None, None) => vec![Value::Object(target_hub(target))],
    };
    let mut tree = Map::new();
    tree.insert("hubs".into(), Value::Array(hubs));
    tree.insert(
        "faults".into(),
        Value::Array(inline.faults.iter().cloned().map(Value::Object).collect()),
    );
    tree.insert(
        "resource_groups".into(),
        Value::Array(
            inline
                .resource_groups
                .iter()
                .cloned()
                .map(Value::Object)
                .collect(),
        ),
    );
    tree.insert(
        "locks".into(),
        Value::Array(inline.locks.iter().cloned().map(Value::Object).collect()),
    );
    if let Some(n) = inline.page_size {
        tree.insert("page_size".into(), Value::from(n));
    }
    let scenario: Scenario =
        serde_path_to_error::deserialize(Value::Object(tree)).map_err(|e| {
            let mut pointer = runbook_spec::typed::path_to_pointer(e.path());
            // The target hub was written as `hub:`; point there, not at the list we made.
            if inline.hub.is_some()
                && let Some(rest) = pointer.strip_prefix("/hubs/0")
            {
                pointer = format!("/hub{rest}");
            }
            ScenarioProblem::at(pointer, e.inner().to_string())
        })?;
    scenario.validate(origin).map_err(|e| {
        let message = match e {
            iothub_emulator::ScenarioError::Invalid { path, message, .. } => {
                format!("{path}: {message}")
            }
            other => other.to_string(),
        };
        ScenarioProblem::at("", message)
    })?;
    Ok(scenario)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn target() -> HubTarget {
        HubTarget {
            subscription: "sub-1".into(),
            resource_group: "rg-1".into(),
            hub: "hub-1".into(),
        }
    }

    fn inline(yaml: serde_json::Value) -> InlineScenario {
        serde_json::from_value(yaml).unwrap()
    }

    #[test]
    fn no_scenario_serves_the_target_hub() {
        let s = build(None, &target(), Path::new("."), "t").unwrap();
        assert_eq!(s.hubs.len(), 1);
        assert_eq!(s.hubs[0].name, "hub-1");
        assert_eq!(s.hubs[0].resource_group, "rg-1");
        assert_eq!(s.hubs[0].subscription, "sub-1");
    }

    #[test]
    fn hub_changes_only_what_it_names() {
        let doc = ScenarioDoc::Inline(inline(serde_json::json!({
            "hub": { "state": "Transitioning", "devices": { "enabled": 5 } },
            "faults": [{ "method": "GET", "path": "IotHubStats", "status": 429, "times": 2 }]
        })));
        let s = build(Some(&doc), &target(), Path::new("."), "t").unwrap();
        assert_eq!(s.hubs[0].name, "hub-1");
        assert_eq!(s.hubs[0].state, "Transitioning");
        assert_eq!(s.hubs[0].devices.enabled, 5);
        assert_eq!(s.faults.len(), 1);
    }

    #[test]
    fn a_mistake_in_hub_points_into_hub() {
        let doc = ScenarioDoc::Inline(inline(serde_json::json!({
            "hub": { "devices": { "enabld": 5 } }
        })));
        let e = build(Some(&doc), &target(), Path::new("."), "t").unwrap_err();
        assert_eq!(e.pointer, "/hub/devices/enabld");
        assert!(e.message.contains("enabld"), "{}", e.message);
    }

    #[test]
    fn hub_cannot_rename_the_target() {
        let doc = ScenarioDoc::Inline(inline(serde_json::json!({ "hub": { "name": "x" } })));
        let e = build(Some(&doc), &target(), Path::new("."), "t").unwrap_err();
        assert_eq!(e.pointer, "/hub/name");
    }

    #[test]
    fn hub_and_hubs_together_are_refused() {
        let doc = ScenarioDoc::Inline(inline(serde_json::json!({
            "hub": { "state": "Active" },
            "hubs": [{ "name": "other" }]
        })));
        let e = build(Some(&doc), &target(), Path::new("."), "t").unwrap_err();
        assert!(e.message.contains("not both"), "{}", e.message);
    }
}
