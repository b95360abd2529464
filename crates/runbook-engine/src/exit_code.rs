//! Exit codes: the documented constants live with the run record (`runbook_record::exit_code`)
//! and are re-exported here; `for_outcome` maps a finished `RunOutcome` to one.

pub use runbook_record::exit_code::*;

/// The exit code of a finished run.
pub fn for_outcome(o: &crate::runner::RunOutcome) -> i32 {
    for_run(o.status, o.cleanup_failed)
}
