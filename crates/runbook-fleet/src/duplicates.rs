//! A hub is drilled once. ARM compares subscription ids, resource group names and resource
//! names without regard to case, so `targets:` entries that differ only in case name one hub:
//! two spellings of a subscription in `subscriptions:` (listed once), or `hubs:` entries whose
//! rendered subscription, resource group and name differ only in case (the first is kept).
//! Each dropped entry becomes a `Duplicate` for the caller to report.

use std::collections::HashMap;
use std::fmt;

use runbook_engine::HubTarget;

/// A hub as ARM identifies it: subscription, resource group and name, case folded.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HubIdentity {
    subscription: String,
    resource_group: String,
    hub: String,
}

impl HubIdentity {
    pub fn of(target: &HubTarget) -> Self {
        let fold = |s: &str| s.trim().to_lowercase();
        HubIdentity {
            subscription: fold(&target.subscription),
            resource_group: fold(&target.resource_group),
            hub: fold(&target.hub),
        }
    }
}

/// A `targets:` entry left out because an earlier one names the same thing.
#[derive(Debug, Clone, PartialEq)]
pub struct Duplicate {
    /// The entry left out (`targets.hubs[2]`, `targets.subscriptions[1]`).
    pub field: String,
    /// The earlier entry that stays.
    pub same_as: String,
    pub what: Duplicated,
}

/// What a duplicate named.
#[derive(Debug, Clone, PartialEq)]
pub enum Duplicated {
    /// A hub, as the kept entry spells it.
    Hub(HubTarget),
    /// A subscription, as the dropped entry spells it.
    Subscription(String),
}

impl fmt::Display for Duplicate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.what {
            Duplicated::Hub(h) => write!(
                f,
                "{} names the hub of {} ({} in resource group {}, subscription {}) in another case; ARM names are case-insensitive, so the hub is drilled once",
                self.field, self.same_as, h.hub, h.resource_group, h.subscription
            ),
            Duplicated::Subscription(s) => write!(
                f,
                "{} ({s}) is the subscription of {} in another case; ARM compares subscription ids case-insensitively, so its hubs are listed and drilled once",
                self.field, self.same_as
            ),
        }
    }
}

/// `hubs` (each with the field it came from) without repeats, in order, and what was left out.
pub fn unique_hubs(hubs: Vec<(HubTarget, String)>) -> (Vec<HubTarget>, Vec<Duplicate>) {
    let mut first: HashMap<HubIdentity, usize> = HashMap::new();
    let mut kept: Vec<(HubTarget, String)> = Vec::with_capacity(hubs.len());
    let mut dropped = Vec::new();
    for (hub, field) in hubs {
        match first.get(&HubIdentity::of(&hub)) {
            Some(&i) => dropped.push(Duplicate {
                field,
                same_as: kept[i].1.clone(),
                what: Duplicated::Hub(kept[i].0.clone()),
            }),
            None => {
                first.insert(HubIdentity::of(&hub), kept.len());
                kept.push((hub, field));
            }
        }
    }
    (kept.into_iter().map(|(h, _)| h).collect(), dropped)
}

/// `subscriptions` (each with its field) without repeats in another case, and the repeats.
pub fn unique_subscriptions(subscriptions: Vec<(String, String)>) -> (Vec<String>, Vec<Duplicate>) {
    let mut first: HashMap<String, String> = HashMap::new();
    let mut kept = Vec::with_capacity(subscriptions.len());
    let mut dropped = Vec::new();
    for (sub, field) in subscriptions {
        let key = sub.trim().to_lowercase();
        match first.get(&key) {
            Some(same_as) => dropped.push(Duplicate {
                field,
                same_as: same_as.clone(),
                what: Duplicated::Subscription(sub),
            }),
            None => {
                first.insert(key, field);
                kept.push(sub);
            }
        }
    }
    (kept, dropped)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hub(sub: &str, rg: &str, name: &str) -> HubTarget {
        HubTarget {
            subscription: sub.into(),
            resource_group: rg.into(),
            hub: name.into(),
        }
    }

    #[test]
    fn hubs_differing_only_in_case_are_one_hub_and_the_first_spelling_stays() {
        let (kept, dropped) = unique_hubs(vec![
            (hub("abc", "RG", "Hub-1"), "targets.hubs[0]".into()),
            (hub("abc", "rg", "hub-2"), "targets.hubs[1]".into()),
            (hub("ABC", "rg", "HUB-1"), "targets.hubs[2]".into()),
            // Another subscription: another hub, though the names agree.
            (hub("abd", "rg", "hub-1"), "targets.hubs[3]".into()),
        ]);
        let names: Vec<&str> = kept.iter().map(|h| h.hub.as_str()).collect();
        assert_eq!(names, ["Hub-1", "hub-2", "hub-1"]);
        assert_eq!(dropped.len(), 1);
        assert_eq!(dropped[0].field, "targets.hubs[2]");
        assert_eq!(dropped[0].same_as, "targets.hubs[0]");
        assert_eq!(dropped[0].what, Duplicated::Hub(hub("abc", "RG", "Hub-1")));
        assert!(dropped[0].to_string().starts_with(
            "targets.hubs[2] names the hub of targets.hubs[0] (Hub-1 in resource group RG, subscription abc)"
        ));
    }

    #[test]
    fn a_subscription_written_twice_is_listed_once() {
        let (kept, dropped) = unique_subscriptions(vec![
            ("abc-DEF".into(), "targets.subscriptions[0]".into()),
            ("abc-def".into(), "targets.subscriptions[1]".into()),
            ("other".into(), "targets.subscriptions[2]".into()),
        ]);
        assert_eq!(kept, ["abc-DEF", "other"]);
        assert_eq!(dropped.len(), 1);
        assert_eq!(dropped[0].field, "targets.subscriptions[1]");
        assert_eq!(dropped[0].same_as, "targets.subscriptions[0]");
    }
}
