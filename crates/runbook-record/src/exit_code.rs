//! Exit codes: the documented contract between `runbook` and the CI jobs and scripts that run it.
//!
//! A finished run's status maps to one of them (`for_run`); the CLI exits with it, the fleet
//! log records it per hub and folds the fleet's from them, and `runbook test` compares it with
//! a case's `expect.exit`, so all read the same table.

use crate::status::RunStatus;

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

/// The exit code of a run that ended with `status`, whose rollback or finally steps failed
/// if `cleanup_failed`.
pub fn for_run(status: RunStatus, cleanup_failed: bool) -> i32 {
    match status {
        RunStatus::Cancelled => INTERRUPTED,
        _ if cleanup_failed => CLEANUP_FAILED,
        RunStatus::Succeeded => SUCCESS,
        RunStatus::Aborted => ABORTED_BEFORE_CHANGE,
        RunStatus::Failed => DRILL_FAILED,
    }
}

/// The exit code of a run whose DR log was lost (it could not be written). A success nobody
/// can audit is not one, and a script reading 3 ("nothing changed, nothing to read") must not
/// miss that the log is missing: both become `DRILL_FAILED`. 4 and 130 say something more
/// urgent about the hub and keep their code.
pub fn with_lost_log(code: i32) -> i32 {
    match code {
        SUCCESS | ABORTED_BEFORE_CHANGE => DRILL_FAILED,
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_interruption_outranks_a_failed_cleanup_which_outranks_the_status() {
        assert_eq!(for_run(RunStatus::Cancelled, true), INTERRUPTED);
        assert_eq!(for_run(RunStatus::Succeeded, true), CLEANUP_FAILED);
        assert_eq!(for_run(RunStatus::Succeeded, false), SUCCESS);
        assert_eq!(for_run(RunStatus::Aborted, false), ABORTED_BEFORE_CHANGE);
        assert_eq!(for_run(RunStatus::Failed, false), DRILL_FAILED);
    }
}
