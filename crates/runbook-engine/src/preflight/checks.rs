//! The checks that read one ARM answer each: locks, data residency (and a paired region), and
//! permissions. Pure functions of what `reads` returned.

use iothub_arm::{IotHub, LockScope, ManagementLock, Permission, permits};
use runbook_record::{PreflightCheck, PreflightCheckName, PreflightOutcome};

/// The action a manual failover needs, as far as ARM's naming goes: Azure does not document
/// it, so a permission that does not match it is a warning, never a refusal.
pub const FAILOVER_ACTION: &str = "Microsoft.Devices/IotHubs/failover/action";

fn result(
    check: PreflightCheckName,
    outcome: PreflightOutcome,
    summary: String,
    source: &str,
    evidence: Vec<String>,
) -> PreflightCheck {
    PreflightCheck {
        check,
        outcome,
        summary,
        source: source.to_string(),
        evidence,
        next_allowed: None,
    }
}

/// Whether a lock sitting on `scope` covers the hub `hub_id` (the scope is the hub or above it).
fn covers(scope: &str, hub_id: &str) -> bool {
    let (scope, hub) = (
        scope.trim_end_matches('/').to_ascii_lowercase(),
        hub_id.trim_end_matches('/').to_ascii_lowercase(),
    );
    hub == scope || hub.starts_with(&format!("{scope}/"))
}

/// What a scope covering the hub is: the hub itself, or (by its depth, `/subscriptions/s`
/// being two segments) its subscription or its resource group.
fn scope_kind(scope: &str, hub_id: &str) -> &'static str {
    let depth = scope.trim_end_matches('/').matches('/').count();
    if scope
        .trim_end_matches('/')
        .eq_ignore_ascii_case(hub_id.trim_end_matches('/'))
    {
        "hub"
    } else if depth <= 2 {
        "subscription"
    } else {
        "resource group"
    }
}

/// ReadOnly at the hub, its resource group or its subscription refuses a failover POST;
/// CanNotDelete and NotSpecified do not.
pub fn locks(
    read: &[(LockScope, Result<Vec<ManagementLock>, String>)],
    hub_id: &str,
) -> PreflightCheck {
    let mut seen = std::collections::HashSet::new();
    let mut blocking = Vec::new();
    let mut evidence = Vec::new();
    let mut unreadable = Vec::new();
    for (listed_at, locks) in read {
        let locks = match locks {
            Ok(l) => l,
            Err(e) => {
                unreadable.push(format!(
                    "locks at the {} could not be read ({e})",
                    listed_at.as_str()
                ));
                continue;
            }
        };
        for lock in locks {
            // A list at a scope may hold locks below it (other hubs, other groups): only those
            // on the hub or above it apply. A lock without an id counts where it was listed.
            let scope = lock.scope();
            if !scope.is_empty() && !covers(scope, hub_id) {
                continue;
            }
            if !seen.insert(lock.id.to_ascii_lowercase() + &lock.name) {
                continue;
            }
            let kind = if scope.is_empty() {
                listed_at.as_str()
            } else {
                scope_kind(scope, hub_id)
            };
            let level = match lock.level() {
                iothub_arm::LockLevel::Other(s) => s.clone(),
                l => format!("{l:?}"),
            };
            let notes = lock
                .properties
                .notes
                .as_deref()
                .map(|n| format!(", notes: {n}"))
                .unwrap_or_default();
            let line = format!(
                "{level} lock `{}` on the {kind} ({}){notes}",
                lock.name,
                if scope.is_empty() { "-" } else { scope }
            );
            if lock.level().blocks_actions() {
                blocking.push(line.clone());
            }
            evidence.push(line);
        }
    }
    evidence.extend(unreadable.iter().cloned());
    let source = "ARM management locks (hub, resource group, subscription)";
    if let Some(first) = blocking.first() {
        return result(
            PreflightCheckName::Locks,
            PreflightOutcome::Refused,
            format!(
                "{first}: ARM refuses POST actions such as a failover under a ReadOnly lock (409 ScopeLocked); remove the lock or wait for it to be lifted"
            ),
            source,
            evidence,
        );
    }
    if !unreadable.is_empty() {
        return result(
            PreflightCheckName::Locks,
            PreflightOutcome::Warning,
            format!(
                "{}; a ReadOnly lock there would make Azure refuse the failover",
                unreadable.join("; ")
            ),
            source,
            evidence,
        );
    }
    let summary = if evidence.is_empty() {
        "no management lock on the hub, its resource group or its subscription".to_string()
    } else {
        format!(
            "{} lock(s), none ReadOnly: a failover is not blocked",
            evidence.len()
        )
    };
    result(
        PreflightCheckName::Locks,
        PreflightOutcome::Passed,
        summary,
        source,
        evidence,
    )
}

/// A hub with `enableDataResidency` has no failover; one without a secondary region has no
/// pair to fail over to.
pub fn data_residency(hub: &Result<IotHub, String>) -> PreflightCheck {
    let source = "the hub resource (properties.enableDataResidency, properties.locations)";
    let name = PreflightCheckName::DataResidency;
    let hub = match hub {
        Ok(h) => h,
        Err(e) => {
            return result(
                name,
                PreflightOutcome::Warning,
                format!(
                    "the hub could not be read ({e}): data residency and its paired region are unknown"
                ),
                source,
                Vec::new(),
            );
        }
    };
    let regions = hub
        .properties
        .locations
        .iter()
        .map(|l| format!("{} ({})", l.location, l.role.as_str()))
        .collect::<Vec<_>>()
        .join(", ");
    let mut evidence = vec![format!(
        "locations: {}",
        if regions.is_empty() {
            "none listed".to_string()
        } else {
            regions
        }
    )];
    if hub.properties.enable_data_residency == Some(true) {
        evidence.push("enableDataResidency: true".to_string());
        return result(
            name,
            PreflightOutcome::Refused,
            "the hub was created with data residency (enableDataResidency: true): it keeps its data in one region and Azure offers no failover for it".to_string(),
            source,
            evidence,
        );
    }
    match hub.secondary_location() {
        None => result(
            name,
            PreflightOutcome::Refused,
            format!(
                "the hub has no secondary region in properties.locations: its region ({}) has no pair to fail over to",
                hub.primary_location()
            ),
            source,
            evidence,
        ),
        Some(secondary) => result(
            name,
            PreflightOutcome::Passed,
            format!("no data residency; paired region {secondary}"),
            source,
            evidence,
        ),
    }
}

fn entry(p: &Permission) -> String {
    format!("actions {:?}, notActions {:?}", p.actions, p.not_actions)
}

/// Whether some role assignment grants `FAILOVER_ACTION`; a miss is a warning (see the const).
pub fn permissions(read: &Result<Vec<Permission>, String>) -> PreflightCheck {
    let source = "ARM permissions of the caller on the hub";
    let name = PreflightCheckName::Permissions;
    match read {
        Err(e) => result(
            name,
            PreflightOutcome::Warning,
            format!(
                "the caller's permissions could not be read ({e}); looked for {FAILOVER_ACTION}"
            ),
            source,
            Vec::new(),
        ),
        Ok(entries) => match permits(entries, FAILOVER_ACTION) {
            Some(p) => result(
                name,
                PreflightOutcome::Passed,
                format!("{FAILOVER_ACTION} is granted"),
                source,
                vec![format!("granted by the entry with {}", entry(p))],
            ),
            None => result(
                name,
                PreflightOutcome::Warning,
                format!(
                    "no permission entry grants {FAILOVER_ACTION} (looked in {} entr{}); Azure does not document the action a failover needs, so this is a warning, not a refusal",
                    entries.len(),
                    if entries.len() == 1 { "y" } else { "ies" }
                ),
                source,
                entries.iter().map(entry).collect(),
            ),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HUB: &str = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Devices/IotHubs/h";

    fn lock(scope: &str, level: &str) -> ManagementLock {
        serde_json::from_value(serde_json::json!({
            "id": format!("{scope}/providers/Microsoft.Authorization/locks/l-{level}"),
            "name": format!("l-{level}"),
            "properties": {"level": level}
        }))
        .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn read_only_above_the_hub_refuses_and_can_not_delete_passes() {
        let other = "/subscriptions/s/resourceGroups/other";
        let read = vec![(
            LockScope::Subscription,
            Ok(vec![
                lock("/subscriptions/s", "CanNotDelete"),
                lock(other, "ReadOnly"),
            ]),
        )];
        let c = locks(&read, HUB);
        assert_eq!(c.outcome, PreflightOutcome::Passed, "{c:?}");
        assert_eq!(c.evidence.len(), 1, "the other group's lock does not apply");
        let read = vec![(
            LockScope::ResourceGroup,
            Ok(vec![lock("/subscriptions/S/resourceGroups/RG", "ReadOnly")]),
        )];
        let c = locks(&read, HUB);
        assert_eq!(c.outcome, PreflightOutcome::Refused);
        assert!(c.summary.contains("on the resource group"), "{}", c.summary);
        let c = locks(&[(LockScope::Hub, Err("403".into()))], HUB);
        assert_eq!(c.outcome, PreflightOutcome::Warning);
    }

    #[test]
    fn a_missing_permission_is_a_warning_naming_the_action() {
        let c = permissions(&Ok(vec![Permission {
            actions: vec!["*/read".into()],
            ..Permission::default()
        }]));
        assert_eq!(c.outcome, PreflightOutcome::Warning);
        assert!(c.summary.contains(FAILOVER_ACTION));
        let c = permissions(&Ok(vec![Permission {
            actions: vec!["Microsoft.Devices/*".into()],
            ..Permission::default()
        }]));
        assert_eq!(c.outcome, PreflightOutcome::Passed);
    }

    #[test]
    fn data_residency_or_no_pair_refuses() {
        let mut hub: IotHub = serde_json::from_value(serde_json::json!({
            "id": HUB, "properties": {"locations": [
                {"location": "westus2", "role": "primary"}, {"location": "westus", "role": "secondary"}]}
        }))
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            data_residency(&Ok(hub.clone())).outcome,
            PreflightOutcome::Passed
        );
        hub.properties.enable_data_residency = Some(true);
        assert_eq!(
            data_residency(&Ok(hub.clone())).outcome,
            PreflightOutcome::Refused
        );
        hub.properties.enable_data_residency = None;
        hub.properties.locations.truncate(1);
        assert_eq!(data_residency(&Ok(hub)).outcome, PreflightOutcome::Refused);
    }
}
