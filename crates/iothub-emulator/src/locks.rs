//! Management locks (`<scope>/providers/Microsoft.Authorization/locks`, api-version
//! 2016-09-01) and what they do to a failover.
//!
//! The scenario's locks are fixed for the emulator's life. A list at a scope answers the locks on
//! that scope and below it (a subscription's list holds its resource groups' and hubs' locks, as
//! the spec's "for a resource or any level below" says). A POST action on a hub that a `ReadOnly`
//! lock covers, on the hub, its resource group or its subscription, is refused by ARM's front
//! door before the IoT Hub RP sees it: 409 `ScopeLocked`, naming the locks.

use crate::arm_error::ArmError;
use crate::hub::Hub;
use crate::preflight_seed::LockSeed;
use crate::wire;
use serde::Serialize;

pub(crate) const API_VERSION: &str = "2016-09-01";

/// A lock as the spec's `ManagementLockObject` has it.
#[derive(Debug, Serialize)]
pub(crate) struct LockObject {
    id: String,
    name: String,
    #[serde(rename = "type")]
    kind: &'static str,
    properties: LockProperties,
}

#[derive(Debug, Serialize)]
struct LockProperties {
    level: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    notes: Option<String>,
}

fn same(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// Whether `lock` sits on the scope (sub, rg, hub) or below it.
fn at_or_below(lock: &LockSeed, sub: &str, rg: Option<&str>, hub: Option<&str>) -> bool {
    let below_rg = match (rg, lock.resource_group.as_deref()) {
        (None, _) => true,
        (Some(want), Some(have)) => same(want, have),
        (Some(_), None) => false,
    };
    let below_hub = match (hub, lock.hub.as_deref()) {
        (None, _) => true,
        (Some(want), Some(have)) => same(want, have),
        (Some(_), None) => false,
    };
    same(&lock.subscription, sub) && below_rg && below_hub
}

/// The locks listed at a scope, in scenario order.
pub(crate) fn list(
    locks: &[LockSeed],
    sub: &str,
    rg: Option<&str>,
    hub: Option<&str>,
) -> Vec<LockObject> {
    locks
        .iter()
        .filter(|l| at_or_below(l, sub, rg, hub))
        .map(|l| LockObject {
            id: l.id(),
            name: l.name.clone(),
            kind: "Microsoft.Authorization/locks",
            properties: LockProperties {
                level: l.level.clone(),
                notes: l.notes.clone(),
            },
        })
        .collect()
}

/// Whether `lock` applies to `hub`: it sits on the hub, its resource group or its subscription.
fn covers(lock: &LockSeed, hub: &Hub) -> bool {
    let s = &hub.seed;
    same(&lock.subscription, &s.subscription)
        && lock
            .resource_group
            .as_deref()
            .is_none_or(|rg| same(rg, &s.resource_group))
        && lock.hub.as_deref().is_none_or(|h| same(h, &s.name))
}

/// ARM's refusal of a write or POST action on `hub` when a `ReadOnly` lock covers it.
pub(crate) fn refusal(locks: &[LockSeed], hub: &Hub, verb: &str) -> Option<ArmError> {
    let ids: Vec<String> = locks
        .iter()
        .filter(|l| l.is_read_only() && covers(l, hub))
        .map(|l| format!("'{}'", l.id()))
        .collect();
    if ids.is_empty() {
        return None;
    }
    Some(ArmError::front_door(
        409,
        "ScopeLocked",
        format!(
            "The scope '{}' cannot perform {verb} operation because following scope(s) are locked: {}. Please remove the lock and try again.",
            wire::hub_id(hub),
            ids.join(",")
        ),
    ))
}
