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

pub mod clock;
pub mod confirm;
pub mod context;
pub mod cooldown;
pub mod dr_log;
pub mod emitter;
pub mod event;
pub mod exit_code;
pub mod failover_history;
pub mod fleet;
pub mod hub_lock;
pub mod in_flight;
pub mod journal;
pub mod log_file;
pub mod objectives;
mod outcome;
pub mod plan;
pub mod prepare;
mod record;
pub mod redact;
pub mod resume;
mod retry;
pub mod runner;
pub mod session;
mod steps;
pub mod target;
mod target_region;

pub use clock::Clock;
pub use confirm::{AutoApprove, Confirmation, Confirmer, NoConfirmer};
pub use cooldown::CooldownPolicy;
pub use dr_log::{DrLog, DrLogBuilder, RunbookIdentity, StepRecord};
pub use emitter::Emitter;
pub use event::{EventSink, RunEvent};
pub use in_flight::ChangesInFlight;
pub use redact::Redactor;
pub use resume::PriorRun;
pub use runbook_record::ObjectiveResult;
pub use runbook_record::status;
pub use runbook_record::writer::writer;
pub use runbook_record::{ErrorCode, RunStatus, SectionName, StepError, StepKindName, StepStatus};
pub use runner::{Engine, EngineParts, RunOutcome, RunRequest};
pub use session::{
    HistoryPlan, JournalPlan, LockPlan, Session, SessionDeps, SessionError, SessionOutcome,
    SessionRequest,
};
pub use target::HubTarget;
pub use tokio_util::sync::CancellationToken;
