//! A recovery objective as a run measured it: the runbook's target, what was measured, and
//! whether it was met.
//!
//! The engine measures the runbook's `objectives:` from the step records once the main steps
//! are over and emits the results (`RunEvent::ObjectivesMeasured`); the DR log carries them,
//! the report shows them, and `failure` says whether one fails the run.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One objective as the run measured it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ObjectiveResult {
    /// The objective's name in the runbook (`rto`, `max_device_drift`, ...).
    pub objective: String,
    /// The target as the runbook states it (`30m`, `0`, `"100%"`).
    pub target: String,
    /// What was measured, in the same terms (`4.2s`, `0`, `100%`); null when nothing could be.
    pub measured: Option<String>,
    /// Whether the target was met; null when there was nothing to measure (no failover was
    /// made: a dry run, or a run that stopped before it).
    pub met: Option<bool>,
    /// A miss is reported but does not fail the drill.
    pub advisory: bool,
    /// `seconds`, `devices` or `percent`: the unit of `target_value` and `measured_value`.
    pub unit: String,
    /// The target as a number in `unit` (a drift given as a share: the allowed device count,
    /// once the earlier count is known).
    pub target_value: Option<f64>,
    pub measured_value: Option<f64>,
    /// How it was measured, or why it could not be, in one sentence.
    pub details: String,
}

impl ObjectiveResult {
    /// Why this result fails the run, if it does: a non-advisory objective that was missed,
    /// or that a real run (not a dry one) gave nothing to measure.
    pub fn failure(&self, dry_run: bool) -> Option<String> {
        if self.advisory {
            return None;
        }
        match (self.met, &self.measured) {
            (Some(true), _) => None,
            (Some(false), Some(m)) => Some(format!(
                "objective `{}` missed: measured {m}, target {}",
                self.objective, self.target
            )),
            (Some(false), None) => Some(format!(
                "objective `{}` missed: {}",
                self.objective, self.details
            )),
            (None, _) if dry_run => None,
            (None, _) => Some(format!("objective `{}` {}", self.objective, self.details)),
        }
    }
}
