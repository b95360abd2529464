//! Fleet runbooks: `targets:` (many hubs) and `rollout:` (how many at once, when to stop).
//!
//! `targets` is either an explicit list of hubs (`hubs:`) or a selector resolved at run time
//! through ARM's list APIs (`subscription`/`subscriptions`, `resource_group`, `tags`, `name`;
//! resource group and name may be globs). `rollout` bounds concurrency and errors, as AWS SSM
//! Automation's MaxConcurrency/MaxErrors do, with a count or a percentage of the hubs. The
//! fleet runner (`runbook-fleet`) reads these; `semantic` checks them with located errors.

use indexmap::IndexMap;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

use super::runbook::Target;
use super::template::TemplateText;

/// The hubs a fleet runbook acts on.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Targets {
    /// An explicit list of hubs (excludes the selector fields).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hubs: Vec<Target>,
    /// Selector: the subscription to list hubs in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscription: Option<TemplateText>,
    /// Selector: several subscriptions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subscriptions: Vec<TemplateText>,
    /// Selector: the resource group, or a glob (`iot-*`, `?` one character) over them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_group: Option<TemplateText>,
    /// Selector: tags every chosen hub carries with exactly these values.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub tags: IndexMap<String, TemplateText>,
    /// Selector: a glob over hub names (`contoso-*`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<TemplateText>,
}

impl Targets {
    /// True when the hubs come from the list APIs rather than `hubs:`.
    pub fn is_selector(&self) -> bool {
        self.subscription.is_some()
            || !self.subscriptions.is_empty()
            || self.resource_group.is_some()
            || !self.tags.is_empty()
            || self.name.is_some()
    }
}

/// How a fleet run proceeds.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Rollout {
    /// Hubs drilled at once: a count (`10`) or a share of the hubs (`"20%"`, at least 1).
    /// Default 10.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_concurrency: Option<Amount>,
    /// Once this many hubs have failed (a count, or `"5%"` of the hubs, at least 1), no new
    /// hub starts; hubs in flight finish. Default 1: the first failure stops the rollout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_errors: Option<Amount>,
    /// Name globs run first, in this order (canaries first); the other hubs follow.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub order: Vec<String>,
}

/// A count or a percentage, as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Amount {
    Count(i64),
    Text(String),
}

/// A checked `Amount`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AmountValue {
    Count(u64),
    /// 0 < p <= 100.
    Percent(f64),
}

impl Amount {
    /// The value, or why it is not one (a count of at least 1, or a percentage in (0, 100]).
    pub fn parse(&self) -> Result<AmountValue, String> {
        match self {
            Amount::Count(n) if *n >= 1 => Ok(AmountValue::Count(*n as u64)),
            Amount::Count(n) => Err(format!("{n} is not allowed: give at least 1")),
            Amount::Text(t) => {
                let trimmed = t.trim();
                if let Some(p) = trimmed.strip_suffix('%') {
                    match p.trim().parse::<f64>() {
                        Ok(v) if v > 0.0 && v <= 100.0 => Ok(AmountValue::Percent(v)),
                        Ok(v) => Err(format!(
                            "{v}% is not allowed: give more than 0% and at most 100%"
                        )),
                        Err(_) => Err(format!("{t:?} is not a percentage like \"20%\"")),
                    }
                } else {
                    match trimmed.parse::<i64>() {
                        Ok(n) => Amount::Count(n).parse(),
                        Err(_) => Err(format!(
                            "{t:?} is neither a count like 10 nor a percentage like \"20%\""
                        )),
                    }
                }
            }
        }
    }
}

impl AmountValue {
    /// The count it means for `total` hubs: a percentage rounds up and is at least 1.
    pub fn of(self, total: usize) -> usize {
        match self {
            AmountValue::Count(n) => usize::try_from(n).unwrap_or(usize::MAX),
            AmountValue::Percent(p) => ((total as f64 * p / 100.0).ceil() as usize).max(1),
        }
    }
}

impl JsonSchema for Amount {
    fn schema_name() -> Cow<'static, str> {
        "CountOrPercent".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": ["integer", "string"],
            "description": "A count (10) or a percentage of the hubs (\"20%\")."
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_percentages() {
        assert_eq!(Amount::Count(3).parse(), Ok(AmountValue::Count(3)));
        assert_eq!(
            Amount::Text("20%".into()).parse(),
            Ok(AmountValue::Percent(20.0))
        );
        assert!(Amount::Count(0).parse().is_err());
        assert!(Amount::Text("150%".into()).parse().is_err());
        assert!(Amount::Text("0%".into()).parse().is_err());
        assert!(Amount::Text("lots".into()).parse().is_err());
        assert_eq!(AmountValue::Percent(20.0).of(12), 3);
        assert_eq!(AmountValue::Percent(1.0).of(10), 1);
        assert_eq!(AmountValue::Count(5).of(2), 5);
    }
}
