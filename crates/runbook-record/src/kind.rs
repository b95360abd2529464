//! Step kinds by name: what a step record says the step was (`validate`, `failover`, ...).
//!
//! The runbook language (`runbook-spec`'s `StepKind`) carries each kind with its settings;
//! a record only needs which kind it was. The engine names each step's kind when it records
//! it; the DR-log fold, the objectives, resume, the report and the CLI's printers read it.
//! The JSON names are the YAML keys, the same strings logs and journals have always carried.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Which kind of step a record is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepKindName {
    Validate,
    SnapshotMetrics,
    Failover,
    Await,
    CompareDevices,
    HealthCheck,
    Sleep,
    AwaitRecovery,
}

impl StepKindName {
    pub const ALL: [StepKindName; 8] = [
        StepKindName::Validate,
        StepKindName::SnapshotMetrics,
        StepKindName::Failover,
        StepKindName::Await,
        StepKindName::CompareDevices,
        StepKindName::HealthCheck,
        StepKindName::Sleep,
        StepKindName::AwaitRecovery,
    ];

    /// The kind's name as a runbook writes it (and as it serializes).
    pub fn as_str(self) -> &'static str {
        match self {
            StepKindName::Validate => "validate",
            StepKindName::SnapshotMetrics => "snapshot-metrics",
            StepKindName::Failover => "failover",
            StepKindName::Await => "await",
            StepKindName::CompareDevices => "compare-devices",
            StepKindName::HealthCheck => "health-check",
            StepKindName::Sleep => "sleep",
            StepKindName::AwaitRecovery => "await-recovery",
        }
    }

    /// The kind a name stands for.
    pub fn from_name(name: &str) -> Option<StepKindName> {
        StepKindName::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// Whether steps of this kind read the hub and can see it Active in its region (the
    /// checks an RTO ends with). `await-recovery` is not one: devices coming back is measured
    /// by its own objectives, not the control plane's RTO.
    pub fn is_check(self) -> bool {
        matches!(
            self,
            StepKindName::Await
                | StepKindName::Validate
                | StepKindName::SnapshotMetrics
                | StepKindName::CompareDevices
                | StepKindName::HealthCheck
        )
    }
}

impl fmt::Display for StepKindName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_as_its_name_and_back() {
        for k in StepKindName::ALL {
            let json = serde_json::to_value(k).ok();
            assert_eq!(json, Some(serde_json::Value::from(k.as_str())));
            assert_eq!(StepKindName::from_name(&k.to_string()), Some(k));
            let back: Option<StepKindName> = json.and_then(|j| serde_json::from_value(j).ok());
            assert_eq!(back, Some(k));
        }
        assert_eq!(StepKindName::from_name("Failover"), None);
    }
}
