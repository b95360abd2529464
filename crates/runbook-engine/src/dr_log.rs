//! The DR log in the engine: the record's types and its pure fold live in `runbook_record`;
//! here the fold becomes an `EventSink`, so the emitter feeds it every event it emits.
//! `log_file` writes the result.

pub use runbook_record::dr_log::{
    DrLog, EndpointHealthSummary, QuotaValue, RunbookIdentity, SCHEMA_VERSION, dr_log_schema_text,
};
pub use runbook_record::fold::DrLogFold;
pub use runbook_record::step::{StepError, StepRecord};

use crate::event::{EventSink, RunEvent};

/// The fold under the name the engine has always used.
pub type DrLogBuilder = DrLogFold;

impl EventSink for DrLogFold {
    fn emit(&mut self, event: &RunEvent) {
        self.apply(event);
    }
}
