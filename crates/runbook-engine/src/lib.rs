//! The executor: a validated runbook and an ARM client in; run events and a DR log out.
//!
//! What a run records (events, step records, the DR log and its fold, the fleet log, exit
//! codes) is plain data in `runbook-record`; the engine re-exports what its callers use and
//! adds the I/O and the subscribers.
//!
//! Callers go through a small surface: `prepare` / `prepare_any` / `prepare_loaded` (a loaded
//! runbook and parameter values -> the run's inputs), `plan` (what a run would call, calling
//! nothing) and `session::Session`, which every run goes through (`exec`, `resume`, each hub
//! of a fleet, each `runbook test` case): `open` takes the hub lock (`hub_lock`), loads the
//! hub's failover history from typed records (`failover_history`) and creates the journal
//! (`journal`: a writer thread, durable events acknowledged after fsync); `run` runs the
//! `Engine` and writes the DR log atomically (`log_file`).
//!
//! Inside a run, data flows one way. The runner (`runner`) owns a `RunState` (`run_state`;
//! a resume fills it from the journal first, `resume`) and takes each step through `when`,
//! `confirm`, retries, timeout and Ctrl-C (`runner::step`); the step's kind is a function of
//! a `StepContext` lent for the attempt (`steps`: client, clock, target, template context
//! (`context`), event fan-out, run state). Everything a run says is a `RunEvent`, masked for
//! secrets (`redact`) and fanned out by the `Emitter` (`emitter`) to the DR-log fold, the
//! journal and the CLI's reporters. Where the drill is going is announced early
//! (`target_region`). After the main steps the objectives are measured by a pure function
//! over the step records (`objectives`). `cooldown` holds a failover back when Azure's
//! limits would refuse it; `preflight` asks Azure's own records (Activity Log, locks, data
//! residency, permissions) before the first step. No module imports one that imports it back. The engine never
//! prints.

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
mod hub_fingerprint;
mod hub_lock;
mod in_flight;
mod journal;
mod log_file;
mod objectives;
mod outcome;
pub mod plan;
pub mod preflight;
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
pub use prepare::{
    AnyPrepared, EMULATOR_SUBSCRIPTION, Prepared, PreparedFleet, prepare, prepare_any,
    prepare_any_emulated, prepare_any_with_subscription, prepare_loaded, unset_subscription_param,
};
pub use redact::{MASK, Redactor};
pub use resume::PriorRun;
pub use runbook_record::ObjectiveResult;
pub use runbook_record::status;
pub use runbook_record::writer::writer;
pub use runbook_record::{ErrorCode, RunStatus, SectionName, StepError, StepKindName, StepStatus};
pub use runbook_record::{PreflightCheck, PreflightCheckName, PreflightOutcome, PreflightRecord};
pub use runner::{RunOutcome, RunRequest};
pub use session::{
    HistoryPlan, JournalPlan, LockPlan, Session, SessionDeps, SessionError, SessionOutcome,
    SessionRequest,
};
pub use target::HubTarget;
pub use tokio_util::sync::CancellationToken;
