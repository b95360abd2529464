//! Recovery objectives: what a drill has to prove, e.g. `rto: 30m`.
//!
//! `objectives:` names up to six targets. Each is written either as the bare target
//! (`rto: 30m`) or as `{ target: 30m, advisory: true }`; an advisory objective is measured and
//! reported, but missing it does not fail the drill. The engine measures each one around the
//! runbook's first failover (`runbook_engine::objectives`) and writes the results into the DR
//! log; `crate::semantic` rejects targets that can never be met or never be measured.

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Serialize};

use super::duration::DurationSpec;
use super::kinds::{Drift, PERCENT_PATTERN};

/// Objective names as written in YAML, in documentation order.
pub const OBJECTIVE_NAMES: &[&str] = &[
    "rto",
    "max_device_drift",
    "min_healthy_endpoints",
    "max_detection_lag",
    "device_recovery",
    "telemetry_recovery",
];

/// A share such as `"100%"` or `"99.5%"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Percent(#[serde(deserialize_with = "super::constraints::percent_text")] pub String);

impl Percent {
    /// The number before the `%`; `None` if the text is malformed (the schema pattern prevents
    /// that for loaded runbooks).
    pub fn value(&self) -> Option<f64> {
        self.0
            .strip_suffix('%')
            .and_then(|n| n.parse::<f64>().ok())
            .filter(|v| v.is_finite())
    }
}

impl JsonSchema for Percent {
    fn schema_name() -> Cow<'static, str> {
        "Percent".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A share, e.g. \"100%\" or \"99.5%\".",
            "type": "string",
            "pattern": PERCENT_PATTERN
        })
    }
}

/// The long form of an objective.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectiveSpec<T> {
    pub target: T,
    /// Measured and reported, but a miss does not fail the drill.
    #[serde(default)]
    pub advisory: bool,
}

/// One objective: the bare target, or `{ target, advisory }`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Objective<T> {
    Target(T),
    Spec(ObjectiveSpec<T>),
}

impl<T> Objective<T> {
    pub fn target(&self) -> &T {
        match self {
            Objective::Target(t) => t,
            Objective::Spec(s) => &s.target,
        }
    }

    pub fn advisory(&self) -> bool {
        matches!(self, Objective::Spec(s) if s.advisory)
    }

    /// The JSON pointer suffix of the target inside `objectives/<name>`: the long form nests
    /// it under `target`, so diagnostics point at the value itself.
    pub fn target_suffix(&self) -> &'static str {
        match self {
            Objective::Target(_) => "",
            Objective::Spec(_) => "/target",
        }
    }
}

impl<T: JsonSchema> JsonSchema for Objective<T> {
    fn schema_name() -> Cow<'static, str> {
        format!("{}Objective", T::schema_name()).into()
    }
    fn json_schema(g: &mut SchemaGenerator) -> Schema {
        let target = g.subschema_for::<T>();
        json_schema!({
            "description": "The target, or `{ target, advisory: true }` to report a miss without failing the drill.",
            "anyOf": [
                target,
                {
                    "type": "object",
                    "properties": {
                        "target": target,
                        "advisory": {
                            "description": "Measured and reported, but a miss does not fail the drill.",
                            "type": "boolean",
                            "default": false
                        }
                    },
                    "required": ["target"],
                    "additionalProperties": false
                }
            ]
        })
    }
}

/// The recovery objectives a drill must meet, each measured around its first failover.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Objectives {
    /// Recovery time objective: from the failover request until the hub answers Active in the
    /// target region and every check after the failover has passed, e.g. `30m`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rto: Option<Objective<DurationSpec>>,
    /// Devices allowed to differ between the last snapshot before the failover and the last
    /// one after it: a count (`0`) or a share of the earlier count (`"0.5%"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_device_drift: Option<Objective<Drift>>,
    /// Share of routing endpoints that must be Healthy after the failover, e.g. `100%`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_healthy_endpoints: Option<Objective<Percent>>,
    /// How late, at most, the run may notice the failover has finished: the gap between the
    /// last look that saw it running and the look that saw it done, e.g. `1m`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_detection_lag: Option<Objective<DurationSpec>>,
    /// From the failover request until Azure Monitor's connected devices are back to the
    /// `await-recovery` step's share of its baseline, e.g. `30m` (to the minute: Monitor's grain).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_recovery: Option<Objective<DurationSpec>>,
    /// From the failover request until telemetry per minute is back to the `await-recovery`
    /// step's share of its baseline, e.g. `30m` (to the minute).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub telemetry_recovery: Option<Objective<DurationSpec>>,
}

/// One declared objective, whatever its type, for code that walks them all.
#[derive(Debug, Clone, PartialEq)]
pub enum ObjectiveTarget {
    Duration(DurationSpec),
    Drift(Drift),
    Percent(Percent),
}

impl std::fmt::Display for ObjectiveTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ObjectiveTarget::Duration(d) => write!(f, "{d}"),
            ObjectiveTarget::Drift(Drift::Count(n)) => write!(f, "{n}"),
            ObjectiveTarget::Drift(Drift::Percent(p)) => f.write_str(p),
            ObjectiveTarget::Percent(p) => f.write_str(&p.0),
        }
    }
}

/// A declared objective: its name, target, whether it is advisory, and where its target sits.
#[derive(Debug, Clone, PartialEq)]
pub struct DeclaredObjective {
    pub name: &'static str,
    pub target: ObjectiveTarget,
    pub advisory: bool,
    /// JSON pointer of the target value, for diagnostics.
    pub pointer: String,
}

impl Objectives {
    pub fn is_empty(&self) -> bool {
        self.declared().is_empty()
    }

    /// Every declared objective, in documentation order.
    pub fn declared(&self) -> Vec<DeclaredObjective> {
        fn one<T: Clone>(
            name: &'static str,
            o: &Option<Objective<T>>,
            wrap: fn(T) -> ObjectiveTarget,
        ) -> Option<DeclaredObjective> {
            o.as_ref().map(|o| DeclaredObjective {
                name,
                target: wrap(o.target().clone()),
                advisory: o.advisory(),
                pointer: format!("/objectives/{name}{}", o.target_suffix()),
            })
        }
        [
            one("rto", &self.rto, ObjectiveTarget::Duration),
            one(
                "max_device_drift",
                &self.max_device_drift,
                ObjectiveTarget::Drift,
            ),
            one(
                "min_healthy_endpoints",
                &self.min_healthy_endpoints,
                ObjectiveTarget::Percent,
            ),
            one(
                "max_detection_lag",
                &self.max_detection_lag,
                ObjectiveTarget::Duration,
            ),
            one(
                "device_recovery",
                &self.device_recovery,
                ObjectiveTarget::Duration,
            ),
            one(
                "telemetry_recovery",
                &self.telemetry_recovery,
                ObjectiveTarget::Duration,
            ),
        ]
        .into_iter()
        .flatten()
        .collect()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn short_and_long_forms_read_the_same_target() {
        let o: Objectives = serde_json::from_value(serde_json::json!({
            "rto": "30m",
            "max_device_drift": 0,
            "min_healthy_endpoints": {"target": "99.5%", "advisory": true},
            "max_detection_lag": {"target": "1m"}
        }))
        .unwrap();
        let d = o.declared();
        assert_eq!(d.len(), 4);
        assert_eq!(d[0].target.to_string(), "30m");
        assert!(!d[0].advisory);
        assert_eq!(d[0].pointer, "/objectives/rto");
        assert_eq!(d[1].target, ObjectiveTarget::Drift(Drift::Count(0)));
        assert!(d[2].advisory);
        assert_eq!(d[2].pointer, "/objectives/min_healthy_endpoints/target");
        assert!(!d[3].advisory);
        assert_eq!(d[3].target.to_string(), "1m");
    }

    #[test]
    fn percent_values() {
        assert_eq!(Percent("100%".into()).value(), Some(100.0));
        assert_eq!(Percent("0.5%".into()).value(), Some(0.5));
        assert_eq!(Percent("x%".into()).value(), None);
        assert_eq!(Percent("5".into()).value(), None);
    }
}
