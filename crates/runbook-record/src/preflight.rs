//! Preflight results: whether Azure would refuse the drill's failover, learned before any step.
//!
//! The engine's preflight reads Azure's own records (Activity Log, management locks, the hub's
//! data residency and paired region, the caller's permissions) plus the local failover
//! history, and judges each as one `PreflightCheck`. `runbook exec` emits them as
//! `RunEvent::PreflightChecked` before its first step (the DR log carries them as `preflight`,
//! the report shows them first); `runbook preflight` prints them. Plain data only.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Which check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PreflightCheckName {
    /// Azure's failover limits (an hour apart, two per direction per day) against the hub's
    /// Activity Log and the local DR logs and journals.
    Cooldown,
    /// `ReadOnly` management locks at the hub, its resource group or its subscription.
    Locks,
    /// `enableDataResidency`, or no paired (`secondary`) region: no failover at all.
    DataResidency,
    /// The caller's permissions on the hub.
    Permissions,
}

impl PreflightCheckName {
    /// Every check, in the order they are shown.
    pub const ALL: [PreflightCheckName; 4] = [
        PreflightCheckName::Cooldown,
        PreflightCheckName::Locks,
        PreflightCheckName::DataResidency,
        PreflightCheckName::Permissions,
    ];

    /// The JSON name (`cooldown`, `locks`, `data_residency`, `permissions`).
    pub fn as_str(self) -> &'static str {
        match self {
            PreflightCheckName::Cooldown => "cooldown",
            PreflightCheckName::Locks => "locks",
            PreflightCheckName::DataResidency => "data_residency",
            PreflightCheckName::Permissions => "permissions",
        }
    }
}

/// How a check came out.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum PreflightOutcome {
    /// Nothing Azure would refuse the failover for.
    Passed,
    /// Something to look at that does not make Azure refuse (or that could not be read).
    Warning,
    /// Azure would refuse the failover now.
    Refused,
}

impl PreflightOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            PreflightOutcome::Passed => "passed",
            PreflightOutcome::Warning => "warning",
            PreflightOutcome::Refused => "refused",
        }
    }
}

/// One check's result and what it is based on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PreflightCheck {
    pub check: PreflightCheckName,
    pub outcome: PreflightOutcome,
    /// One line: what was found.
    pub summary: String,
    /// Where the answer came from (`Activity Log`, `local files`, `ARM locks`, ...).
    pub source: String,
    /// The facts behind it: which lock at which scope, which failover at what time from which
    /// source, which permission entry, what could not be read.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
    /// A refused cooldown: when the next failover is allowed (RFC 3339, UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_allowed: Option<String>,
}

/// A run's preflight: when it ran, how many ARM reads it made, and each check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PreflightRecord {
    pub time: String,
    /// ARM reads the preflight made (pages included).
    pub reads: u32,
    pub checks: Vec<PreflightCheck>,
}

impl PreflightRecord {
    /// The worst outcome of any check (`Passed` when there are none).
    pub fn outcome(&self) -> PreflightOutcome {
        self.checks
            .iter()
            .map(|c| c.outcome)
            .max()
            .unwrap_or(PreflightOutcome::Passed)
    }

    /// The checks that refused.
    pub fn refusals(&self) -> impl Iterator<Item = &PreflightCheck> {
        self.checks
            .iter()
            .filter(|c| c.outcome == PreflightOutcome::Refused)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(name: PreflightCheckName, outcome: PreflightOutcome) -> PreflightCheck {
        PreflightCheck {
            check: name,
            outcome,
            summary: String::new(),
            source: String::new(),
            evidence: Vec::new(),
            next_allowed: None,
        }
    }

    #[test]
    fn the_worst_check_decides_and_names_are_snake_case() {
        let mut r = PreflightRecord {
            time: String::new(),
            reads: 0,
            checks: vec![
                check(PreflightCheckName::Cooldown, PreflightOutcome::Passed),
                check(PreflightCheckName::Permissions, PreflightOutcome::Warning),
            ],
        };
        assert_eq!(r.outcome(), PreflightOutcome::Warning);
        assert_eq!(r.refusals().count(), 0);
        r.checks.push(check(
            PreflightCheckName::DataResidency,
            PreflightOutcome::Refused,
        ));
        assert_eq!(r.outcome(), PreflightOutcome::Refused);
        let json = serde_json::to_value(&r.checks[2]).unwrap_or_default();
        assert_eq!(json["check"], "data_residency");
        assert_eq!(json["outcome"], "refused");
        assert!(json.get("next_allowed").is_none());
    }
}
