//! Fan-out of run events.
//!
//! The runner hands every event to the `Emitter`, which masks secrets (`Redactor`), folds the
//! masked event into the DR log (`DrLogBuilder`), queues it to the journal (`JournalHandle`,
//! written by the journal thread) and passes it to each reporter in order. `emit_durable`
//! also waits until the journal has the event on disk, for the events `resume` relies on
//! (see `RunEvent::is_durable`); the runner calls it for those. It also answers whether the
//! journal stopped recording, which the runner checks before starting a change.

use crate::dr_log::{DrLog, DrLogBuilder};
use crate::event::{EventSink, RunEvent};
use crate::journal::JournalHandle;
use crate::redact::Redactor;

pub struct Emitter {
    journal: Option<JournalHandle>,
    reporters: Vec<Box<dyn EventSink>>,
    redactor: Redactor,
    log: DrLogBuilder,
}

impl std::fmt::Debug for Emitter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emitter")
            .field("journal", &self.journal)
            .field("reporters", &self.reporters.len())
            .finish_non_exhaustive()
    }
}

impl Emitter {
    pub fn new(
        journal: Option<JournalHandle>,
        reporters: Vec<Box<dyn EventSink>>,
        redactor: Redactor,
    ) -> Self {
        Self {
            journal,
            reporters,
            redactor,
            log: DrLogBuilder::new(),
        }
    }

    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    /// Masks, folds, queues and reports `event`; returns the journal's acknowledgement to
    /// await when the event is durable.
    fn fan_out(&mut self, event: &RunEvent) -> Option<crate::journal::Ack> {
        let event = self.redactor.event(event);
        self.log.emit(&event);
        let ack = self
            .journal
            .as_ref()
            .and_then(|j| j.append(&event, event.is_durable()));
        for s in &mut self.reporters {
            s.emit(&event);
        }
        ack
    }

    /// Emits an event without waiting for the journal. A durable event's acknowledgement is
    /// not awaited: use `emit_durable` where the run must not go on before it is on disk.
    pub fn emit(&mut self, event: RunEvent) {
        let _ = self.fan_out(&event);
    }

    /// Emits an event and, if it is durable, waits until the journal has it on disk. `Err`
    /// says why it could not be recorded; the event was still reported and folded.
    pub async fn emit_durable(&mut self, event: RunEvent) -> Result<(), String> {
        match self.emit_queued(event) {
            Some(ack) => self.acknowledged(ack).await,
            None => Ok(()),
        }
    }

    /// Emits an event and hands back the journal's acknowledgement (for a durable event, with
    /// a journal) to await later with `acknowledged`: the run's end, whose sync the session
    /// overlaps with staging the DR log.
    pub fn emit_queued(&mut self, event: RunEvent) -> Option<crate::journal::Ack> {
        self.fan_out(&event)
    }

    /// Waits for an acknowledgement from `emit_queued`; `Err` says why the event could not
    /// be recorded. (`&mut`: a shared borrow held across the wait would need every reporter
    /// to be `Sync` for a fleet's hub tasks to be `Send`.)
    pub async fn acknowledged(&mut self, ack: crate::journal::Ack) -> Result<(), String> {
        match ack.await {
            Ok(result) => result.map_err(|e| {
                self.journal_failure()
                    .unwrap_or_else(|| format!("writing the journal failed: {e}"))
            }),
            Err(_) => Err("the journal writer stopped".to_string()),
        }
    }

    /// Feeds events of an earlier, interrupted run to the DR log only (resume): the journal
    /// and the terminal already saw them.
    pub fn replay(&mut self, event: &RunEvent) {
        self.log.emit(event);
    }

    /// Why the journal stopped recording, if it did.
    pub fn journal_failure(&self) -> Option<String> {
        self.journal.as_ref().and_then(JournalHandle::failure)
    }

    pub fn dr_log(&self) -> Option<DrLog> {
        self.log.snapshot()
    }
}
