//! Run events and their subscribers.
//!
//! The runner emits `RunEvent`s (plain data, `runbook_record::event`) in order; subscribers
//! (`EventSink`) turn them into terminal output, JSON lines, the journal and the DR log.
//! Secrets are masked before any sink sees an event (see `redact`).

pub use runbook_record::event::RunEvent;

/// A subscriber to run events.
pub trait EventSink: Send {
    fn emit(&mut self, event: &RunEvent);

    /// Why this sink stopped recording, if it did (a journal on a full disk). A run will not
    /// start a failover it could not record.
    fn failure(&self) -> Option<String> {
        None
    }
}
