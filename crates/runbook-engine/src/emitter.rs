//! Fan-out of run events.
//!
//! The runner hands every event to the `Emitter`, which masks secrets (`Redactor`), folds the
//! masked event into the DR log (`DrLogBuilder`) and passes it to each subscriber in order (the
//! journal first, then the reporter). It also answers whether a subscriber stopped recording,
//! which the runner checks before starting a failover.

use crate::dr_log::{DrLog, DrLogBuilder};
use crate::event::{EventSink, RunEvent};
use crate::redact::Redactor;

pub struct Emitter {
    sinks: Vec<Box<dyn EventSink>>,
    redactor: Redactor,
    log: DrLogBuilder,
}

impl std::fmt::Debug for Emitter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emitter")
            .field("sinks", &self.sinks.len())
            .finish_non_exhaustive()
    }
}

impl Emitter {
    pub fn new(sinks: Vec<Box<dyn EventSink>>, redactor: Redactor) -> Self {
        Self {
            sinks,
            redactor,
            log: DrLogBuilder::new(),
        }
    }

    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    pub fn emit(&mut self, event: RunEvent) {
        let event = self.redactor.event(&event);
        self.log.emit(&event);
        for s in &mut self.sinks {
            s.emit(&event);
        }
    }

    /// Feeds events of an earlier, interrupted run to the DR log only (resume): the journal
    /// and the terminal already saw them.
    pub fn replay(&mut self, event: &RunEvent) {
        self.log.emit(event);
    }

    /// The first subscriber that stopped recording, and why.
    pub fn sink_failure(&self) -> Option<String> {
        self.sinks.iter().find_map(|s| s.failure())
    }

    pub fn dr_log(&self) -> Option<DrLog> {
        self.log.snapshot()
    }
}
