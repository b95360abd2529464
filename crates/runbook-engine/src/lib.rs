//! The executor: a validated runbook and an ARM client in; run events and a DR log out.
//!
//! What a run records (events, step records, the DR log and its fold, the fleet log, exit
//! codes) is plain data in `runbook-record`; the engine re-exports what its callers used
//! (`RunEvent`, `StepRecord`, `DrLog`, `RunStatus`, ...) and adds the I/O and the subscribers.
//!
//! `Engine::run` walks the steps (`runner`), one kind per file under `steps/`, rendering
//! templates from the run's context (`context`). Everything it has to say is a `RunEvent`
//! (`event`; where the drill is going is announced early by `target_region`), masked for secrets (`redact`) and fanned out by the `Emitter` to subscribers: the
//! CLI's reporters, the fsync'd journal (`journal`) and the DR log builder (`dr_log`), whose
//! result `log_file` writes atomically. After the main steps the runbook's recovery objectives
//! are measured from the step records (`objectives`). `plan` describes a run without calling
//! anything. `hub_lock` keeps a second drill off a hub while one runs; `cooldown` and
//! `failover_history` hold a failover back when Azure's failover limits would refuse it.
//! `fleet` holds the fleet log's types; drilling many hubs is the `runbook-fleet` crate's.
//! The engine never prints.

// The public surface: a run goes through `session`; `plan` describes one; the prepare entry
// points, the run's inputs (`RunRequest`, `HubTarget`, ...) and the record types are
// re-exported below. `dr_log`, `fleet` and `exit_code` are thin re-exports of
// `runbook-record` kept for their callers. Everything else is the engine's own.
mod clock;
mod confirm;
mod context;
mod cooldown;
pub mod dr_log;
mod emitter;
mod event;
pub mod exit_code;
mod failover_history;
pub mod fleet;
mod hub_lock;
mod in_flight;
mod journal;
mod log_file;
mod objectives;
mod outcome;
pub mod plan;
mod prepare;
mod record;
mod redact;
mod region;
mod resume;
mod retry;
mod run_state;
mod runner;
pub mod session;
mod steps;
mod target;
mod target_region;

pub use clock::Clock;
pub use confirm::{AutoApprove, Confirmation, Confirmer, NoConfirmer};
pub use context::{RenderError, TemplateContext};
pub use cooldown::{CooldownPolicy, PastFailover};
pub use dr_log::{DrLog, DrLogBuilder, RunbookIdentity, StepRecord};
pub use event::{EventSink, RunEvent};
pub use in_flight::ChangesInFlight;
pub use prepare::{AnyPrepared, Prepared, PreparedFleet, prepare, prepare_any, prepare_loaded};
pub use redact::{MASK, Redactor};
pub use resume::PriorRun;
pub use runbook_record::ObjectiveResult;
pub use runbook_record::status;
pub use runbook_record::{ErrorCode, RunStatus, SectionName, StepError, StepKindName, StepStatus};
pub use runner::{RunOutcome, RunRequest};
pub use session::{
    HistoryPlan, JournalPlan, LockPlan, Session, SessionDeps, SessionError, SessionOutcome,
    SessionRequest,
};
pub use target::HubTarget;
pub use tokio_util::sync::CancellationToken;
