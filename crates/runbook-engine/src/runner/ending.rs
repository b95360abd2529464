//! The end of a run, between queuing `run_finished` and having it on disk.
//!
//! `Engine::run` returns an `EndingRun`: the outcome and the DR log are known, the end is
//! queued to the journal, its sync may still be under way. The session stages the DR log in
//! that time and publishes it after `recorded` (the end on disk, or the journal failed), so
//! the two fsyncs overlap while the log still never gets its name before its end is durable.

use crate::dr_log::DrLog;
use crate::emitter::Emitter;
use crate::journal::Ack;

use super::RunOutcome;

pub struct EndingRun {
    pub(super) outcome: RunOutcome,
    /// The journal's acknowledgement of `run_finished`, when there is a journal.
    pub(super) finished: Option<Ack>,
    /// Why the run's start could not be recorded, if it could not.
    pub(super) started_unrecorded: Option<String>,
    /// Kept for the journal's failure reason, known only once the end is acknowledged.
    pub(super) emitter: Emitter,
}

impl std::fmt::Debug for EndingRun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EndingRun")
            .field("outcome", &self.outcome)
            .finish_non_exhaustive()
    }
}

impl EndingRun {
    /// The DR log, its end included.
    pub fn log(&self) -> Option<&DrLog> {
        self.outcome.log.as_ref()
    }

    /// Waits until the journal has the run's end on disk, or has failed, and says how the
    /// run came out, a journal that stopped recording included.
    pub async fn recorded(mut self) -> RunOutcome {
        let finished = match self.finished.take() {
            Some(ack) => self.emitter.acknowledged(ack).await,
            None => Ok(()),
        };
        self.outcome.sink_failure = self
            .emitter
            .journal_failure()
            .or(self.started_unrecorded)
            .or(finished.err());
        self.outcome
    }
}
