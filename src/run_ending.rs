//! How a finished run ends, once it is known whether its DR log was written: the exit code,
//! the error line for stderr and the summary for the terminal.
//!
//! Whoever writes the DR log calls `conclude` with the run's own exit code and the write's
//! result, then prints what it returns. A log that could not be written is never reported as
//! a success: the summary leads with it and points at the journal, and the exit code says the
//! run needs looking at (see `exit_code`).

use std::path::Path;

use runbook_engine::DrLog;

/// Where the run's record went.
#[derive(Debug)]
pub struct LogWrite<'a> {
    /// The DR log's path.
    pub path: &'a Path,
    /// The journal beside it.
    pub journal: &'a Path,
    /// Why the DR log could not be written; `None` when it was.
    pub error: Option<String>,
    /// The journal stopped during the run (a write failed), so it is incomplete too.
    pub journal_failed: bool,
}

impl LogWrite<'_> {
    pub fn written(&self) -> bool {
        self.error.is_none()
    }
}

/// What to print and exit with.
#[derive(Debug)]
pub struct Ending {
    pub code: i32,
    /// For stderr, when the DR log was not written.
    pub error: Option<String>,
    /// The end-of-run summary (human output).
    pub summary: String,
}

pub fn conclude(log: &DrLog, run_code: i32, write: &LogWrite<'_>) -> Ending {
    let error = write.error.as_ref().map(|why| {
        let fallback = if write.journal_failed {
            "the journal stopped too, so the summary below is the only full account of this run"
                .to_string()
        } else {
            format!("the journal {} holds every event", write.journal.display())
        };
        format!(
            "error: cannot write the DR log {}: {why}; {fallback}",
            write.path.display()
        )
    });
    Ending {
        code: exit_code(run_code, write.written()),
        error,
        summary: crate::reporters::summary::render(log, write),
    }
}

/// The exit code of a run whose DR log was (not) written: a lost log follows the record's
/// rule (`runbook_record::exit_code::with_lost_log`), the same ranking as a fleet's worst hub.
pub fn exit_code(run_code: i32, log_written: bool) -> i32 {
    if log_written {
        run_code
    } else {
        runbook_record::exit_code::with_lost_log(run_code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lost_log_outranks_success_and_aborted_but_not_cleanup_or_interrupt() {
        for (run, lost) in [(0, 1), (1, 1), (3, 1), (4, 4), (130, 130)] {
            assert_eq!(exit_code(run, true), run, "written, {run}");
            assert_eq!(exit_code(run, false), lost, "lost, {run}");
        }
    }
}
