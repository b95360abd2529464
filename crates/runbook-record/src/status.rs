//! Statuses: of one step, and of the whole run.
//!
//! The engine's runner decides a `StepStatus` for each step record and a `RunStatus` at the
//! end; the DR log carries both. Readers: `exit_code` maps a `RunStatus` (with
//! `cleanup_failed`) to the documented exit code, the fleet log folds it per hub, the report
//! and `runbook test` judge runs by them.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// How a step ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum StepStatus {
    Success,
    /// Failed with `on_failure: warn`, or succeeded with something worth a look.
    Warning,
    Failed,
    /// Not run: `when` was false, a dry run skipped a change, or the run stopped before it.
    Skipped,
    /// Interrupted by Ctrl-C while running.
    Cancelled,
}

/// How the run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    /// Every step succeeded or only warned.
    Succeeded,
    /// A step failed after the hub was changed (or a step with `on_failure: continue` failed).
    Failed,
    /// Stopped before any change: a precheck failed or confirmation was declined or missing.
    Aborted,
    /// Interrupted by Ctrl-C.
    Cancelled,
}
