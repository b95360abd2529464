//! Exit codes: the documented contract between `runbook` and the CI jobs and scripts that run it.
//!
//! A finished run's `RunOutcome` maps to one of them (`for_outcome`); the CLI exits with it and
//! `runbook test` compares it with a case's `expect.exit`, so both read the same table.

/// The drill succeeded (warnings allowed), or the runbooks are valid.
pub const SUCCESS: i32 = 0;
/// The drill failed after it changed something, or missed a (non-advisory) recovery objective.
pub const DRILL_FAILED: i32 = 1;
/// Invalid runbook, bad arguments or missing configuration.
pub const INVALID: i32 = 2;
/// Aborted before any change: a precheck failed, or confirmation was declined or missing.
pub const ABORTED_BEFORE_CHANGE: i32 = 3;
/// A rollback or finally step failed.
pub const CLEANUP_FAILED: i32 = 4;
/// Interrupted (Ctrl-C); a failover that started goes on in Azure.
pub const INTERRUPTED: i32 = 130;

/// The exit code of a finished run.
pub fn for_outcome(o: &crate::RunOutcome) -> i32 {
    use crate::RunStatus;
    match o.status {
        RunStatus::Cancelled => INTERRUPTED,
        _ if o.cleanup_failed => CLEANUP_FAILED,
        RunStatus::Succeeded => SUCCESS,
        RunStatus::Aborted => ABORTED_BEFORE_CHANGE,
        RunStatus::Failed => DRILL_FAILED,
    }
}
