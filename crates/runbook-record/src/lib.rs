//! The run record as plain data: what the engine writes and every reader reads.
//!
//! A run is a sequence of `RunEvent`s (`event`); each finished step is a `StepRecord` (`step`)
//! naming its kind (`kind`), section (`section`), status (`status`) and, when it failed, an
//! `ErrorCode` (`code`). Folding the events in order (`fold`, a pure function, no I/O) gives
//! the `DrLog` (`dr_log`), with the measured recovery objectives (`objective`). A fleet run
//! lists its hubs in a `FleetLog` (`fleet`). `exit_code` is the documented table of exit codes.
//!
//! Writers and readers: `runbook-engine` emits events, journals them (one per line), folds and
//! writes the DR log and the fleet log, and reads them back to resume; `runbook-report`
//! renders DR logs (read leniently, `lenient`, so older logs still render); `runbook-test`
//! judges them; the CLI prints them. Only serde, serde_json and schemars: no runtime, no HTTP,
//! no files. The JSON written from these types is the wire format (schemas under `schemas/`
//! are generated from them); kinds, sections, statuses and codes are enums whose JSON names
//! are the strings logs and journals have always carried.

pub mod code;
pub mod dr_log;
pub mod event;
pub mod exit_code;
pub mod fleet;
pub mod fold;
pub mod kind;
pub mod lenient;
pub mod objective;
pub mod preflight;
pub mod recovery;
pub mod section;
pub mod status;
pub mod step;
pub mod writer;

pub use code::ErrorCode;
pub use dr_log::{
    DrLog, EndpointHealthSummary, QuotaValue, RunbookIdentity, SCHEMA_VERSION, dr_log_schema_text,
};
pub use event::RunEvent;
pub use fleet::{
    FLEET_LOG_NAME, FleetCounts, FleetHubRecord, FleetHubStatus, FleetLog, FleetShard,
    fleet_exit_code, fleet_log_schema_text,
};
pub use fold::DrLogFold;
pub use kind::StepKindName;
pub use objective::ObjectiveResult;
pub use preflight::{PreflightCheck, PreflightCheckName, PreflightOutcome, PreflightRecord};
pub use recovery::{DeviceRecovery, MinutePoint};
pub use section::SectionName;
pub use status::{RunStatus, StepStatus};
pub use step::{ReusedReading, StepError, StepIdentity, StepRecord};
