//! The caller's permissions on a scope (Microsoft.Authorization `permissions`, api-version
//! 2022-04-01), and [`permits`]: whether they allow one action.
//!
//! ARM returns one entry per role assignment that reaches the scope. An entry allows an action
//! when one of its `actions` matches it and none of its `notActions` does; `notActions` only
//! subtract from their own entry (they are not a deny), so another entry may still grant it.
//! Patterns use `*` as "any characters" and compare without regard to case.

use serde::Deserialize;

/// One role assignment's permissions.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Permission {
    /// Allowed control-plane actions (`*`, `Microsoft.Devices/*`, ...).
    #[serde(default)]
    pub actions: Vec<String>,
    /// Control-plane actions this entry does not grant.
    #[serde(default)]
    pub not_actions: Vec<String>,
    /// Allowed data-plane actions.
    #[serde(default)]
    pub data_actions: Vec<String>,
    /// Data-plane actions this entry does not grant.
    #[serde(default)]
    pub not_data_actions: Vec<String>,
}

impl Permission {
    /// Whether this entry alone grants `action`.
    pub fn allows(&self, action: &str) -> bool {
        self.actions.iter().any(|p| action_matches(p, action))
            && !self.not_actions.iter().any(|p| action_matches(p, action))
    }
}

/// The first entry that grants `action`, or `None` when no entry does.
pub fn permits<'p>(permissions: &'p [Permission], action: &str) -> Option<&'p Permission> {
    permissions.iter().find(|p| p.allows(action))
}

/// Whether the ARM action pattern `pattern` (with `*` wildcards) matches `action`, ignoring case.
pub fn action_matches(pattern: &str, action: &str) -> bool {
    let pattern = pattern.trim().to_ascii_lowercase();
    let action = action.trim().to_ascii_lowercase();
    let mut parts = pattern.split('*');
    // `split` always yields a first part: the literal prefix before any `*`.
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = action.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        // No `*` at all: the whole pattern must be the whole action.
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(actions: &[&str], not_actions: &[&str]) -> Permission {
        Permission {
            actions: actions.iter().map(|s| s.to_string()).collect(),
            not_actions: not_actions.iter().map(|s| s.to_string()).collect(),
            ..Permission::default()
        }
    }

    const FAILOVER: &str = "Microsoft.Devices/IotHubs/failover/action";

    #[test]
    fn wildcards_match_like_arm() {
        assert!(action_matches("*", FAILOVER));
        assert!(action_matches("Microsoft.Devices/*", FAILOVER));
        assert!(action_matches("microsoft.devices/iothubs/*", FAILOVER));
        assert!(action_matches("*/action", FAILOVER));
        assert!(action_matches("Microsoft.Devices/*/action", FAILOVER));
        assert!(action_matches(
            "MICROSOFT.DEVICES/IOTHUBS/FAILOVER/ACTION",
            FAILOVER
        ));
        assert!(!action_matches("Microsoft.Devices/IotHubs/read", FAILOVER));
        assert!(!action_matches("Microsoft.Storage/*", FAILOVER));
        assert!(!action_matches("*/read", FAILOVER));
        assert!(!action_matches(
            "Microsoft.Devices/IotHubs/failover",
            FAILOVER
        ));
        // `*/action/*` needs something after `action/`: the `*` after it cannot eat the slash.
        assert!(!action_matches("*/failover/action/*", FAILOVER));
        // Overlapping literals: the last part must fit after the middle ones.
        assert!(!action_matches(
            "Microsoft.Devices/IotHubs*Hubs/failover/action",
            FAILOVER
        ));
    }

    #[test]
    fn not_actions_subtract_only_within_their_entry() {
        let reader = entry(&["*"], &["Microsoft.Devices/*"]);
        assert!(permits(std::slice::from_ref(&reader), FAILOVER).is_none());
        let contributor = entry(&["Microsoft.Devices/IotHubs/*"], &[]);
        let both = [reader.clone(), contributor.clone()];
        assert_eq!(permits(&both, FAILOVER), Some(&contributor));
        assert!(permits(&[], FAILOVER).is_none());
        assert!(permits(&[entry(&[], &[])], FAILOVER).is_none());
        // A notAction for another action leaves this one granted.
        let narrow = entry(&["*"], &["Microsoft.Devices/IotHubs/delete"]);
        assert_eq!(
            permits(std::slice::from_ref(&narrow), FAILOVER),
            Some(&narrow)
        );
    }
}
