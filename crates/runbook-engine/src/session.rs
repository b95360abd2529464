//! A `Session` is one run of a runbook on one hub, from the lock to the DR log, the same for
//! every kind of run: `exec`, `resume`, each hub of a fleet and each `runbook test` case.
//!
//! `Session::open` does the blocking half off the runtime, in this order: take the hub lock
//! (refused if another drill holds it), load the hub's failover history from the history
//! directory while the lock is held, create the journal (or, on resume, open it for
//! appending), and, when a secret masks the hub's identity in the records, make its keyed
//! fingerprint for them (`hub_fingerprint`). The caller then connects (a failed connection `abandon`s the session, which
//! removes a journal it created). `run` builds the event fan-out (journal, reporters, secrets
//! masked), runs the `Engine`, writes the DR log atomically off the runtime (staged while the
//! journal syncs the run's end, named once that end is on disk), and releases the lock last (the engine's preflight runs inside `run`; a fleet lends every session the same
//! `preflight::SharedReads`, `with_preflight_reads`). What it returns (`SessionOutcome`) carries the run's outcome, whether the DR log
//! was written, and the exit code that follows from both.

use std::path::{Path, PathBuf};
use std::time::Duration;

use iothub_arm::ArmClient;
use tokio_util::sync::CancellationToken;

use crate::clock::Clock;
use crate::confirm::Confirmer;
use crate::cooldown::{self, PastFailover};
use crate::emitter::Emitter;
use crate::event::EventSink;
use crate::hub_lock::{HubLock, LockHolder};
use crate::in_flight::ChangesInFlight;
use crate::journal::{self, JournalHandle};
use crate::redact::Redactor;
use crate::resume::PriorRun;
use crate::runner::{Engine, EngineParts, RunOutcome, RunRequest};

// What callers (the CLI, the fleet) need of the files a session works with, without reaching
// into the modules that write them.
pub use crate::failover_history::HistoryIndex;
pub use crate::hub_lock::{HubKey, default_lock_dir};
pub use crate::journal::{JournalContents, JournalError, JournalService};
pub use crate::log_file::{default_log_name, journal_path, resumed_log_name};

/// Where a run's journal goes.
#[derive(Debug, Clone)]
pub enum JournalPlan {
    /// No journal: a `runbook test` case, whose hub dies with its emulator.
    None,
    /// A new journal at this path (never an existing file).
    Create(PathBuf),
    /// The journal of the interrupted run being resumed.
    Append(PathBuf),
}

/// Where the hub's failover history comes from.
#[derive(Debug, Clone)]
pub enum HistoryPlan {
    /// None applies: the hub lives in this process's own emulator.
    None,
    /// Scan this directory (and the fleet directories directly inside it).
    Dir(PathBuf),
    /// Already scanned (a fleet scans its history directory once for all its hubs).
    Known(Vec<PastFailover>),
}

/// The hub lock to take: where, under which key, and who we are.
#[derive(Debug, Clone)]
pub struct LockPlan {
    pub dir: PathBuf,
    pub key: HubKey,
    /// `exec` or `resume`, for the holder's details.
    pub command: String,
}

/// Everything a session needs before it connects.
#[derive(Debug, Clone)]
pub struct SessionRequest {
    pub run: RunRequest,
    /// Resume: the interrupted run's events.
    pub prior: Option<PriorRun>,
    pub journal: JournalPlan,
    /// Where the DR log is written; `None` keeps it in memory only (`runbook test`).
    pub log_file: Option<PathBuf>,
    pub lock: Option<LockPlan>,
    pub history: HistoryPlan,
    /// Values of parameters marked secret.
    pub secrets: Vec<String>,
}

/// Why a session could not open: the text to print (exit 2).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct SessionError(pub String);

/// What a session runs with, once connected.
pub struct SessionDeps {
    pub client: ArmClient,
    pub clock: Clock,
    pub cancel: CancellationToken,
    pub confirmer: Box<dyn Confirmer>,
    pub reporters: Vec<Box<dyn EventSink>>,
    pub in_flight: ChangesInFlight,
}

impl std::fmt::Debug for SessionDeps {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionDeps").finish_non_exhaustive()
    }
}

/// How a session ended.
#[derive(Debug)]
pub struct SessionOutcome {
    pub run: RunOutcome,
    /// The DR log's path, when one was to be written.
    pub log_path: Option<PathBuf>,
    /// Why the DR log could not be written, if it could not.
    pub log_error: Option<String>,
    /// The journal's path, when there is one.
    pub journal_path: Option<PathBuf>,
}

impl SessionOutcome {
    /// The exit code: the run's, raised to `DRILL_FAILED` when its record is incomplete (the
    /// journal stopped, or the DR log could not be written).
    pub fn exit_code(&self) -> i32 {
        use crate::exit_code::{DRILL_FAILED, SUCCESS};
        let code = crate::exit_code::for_outcome(&self.run);
        if self.log_error.is_some() {
            runbook_record::exit_code::with_lost_log(code)
        } else if code == SUCCESS && self.run.sink_failure.is_some() {
            // The journal stopped: the run's record is incomplete, so it is no success.
            DRILL_FAILED
        } else {
            code
        }
    }

    /// Whether the run's record is incomplete: the journal stopped or the DR log is missing.
    pub fn record_lost(&self) -> bool {
        self.run.sink_failure.is_some() || self.log_error.is_some()
    }
}

/// A session that holds its lock, its history and its journal, ready to run.
#[derive(Debug)]
pub struct Session {
    request: SessionRequest,
    lock: Option<HubLock>,
    history: Vec<PastFailover>,
    journal: Option<JournalHandle>,
    fresh_journal: Option<PathBuf>,
    /// Kept so the writer thread outlives the run's handle.
    _service: Option<JournalService>,
    /// The hub as a fleet's target listing returned it, and when.
    listed: Option<(iothub_arm::IotHub, std::time::Instant)>,
    /// Lock lists the preflight shares with other sessions (a fleet's hubs).
    preflight_reads: crate::preflight::SharedReads,
    /// The hub's keyed fingerprint, when a secret masks its identity in the record.
    hub_fingerprint: Option<String>,
}

impl Session {
    /// Takes the lock, loads the history, opens the journal (see the module doc). `service`
    /// is the journal writer to use (a fleet shares one); `None` starts one for this session.
    pub async fn open(
        request: SessionRequest,
        service: Option<JournalService>,
        clock_scale: f64,
    ) -> Result<Self, SessionError> {
        let service = match (&request.journal, service) {
            (JournalPlan::None, _) => None,
            (_, Some(s)) => Some(s),
            (_, None) => Some(JournalService::start().map_err(|e| {
                SessionError(format!("error: cannot start the journal writer: {e}"))
            })?),
        };
        // The blocking half needs the paths, the lock and the hub, not the runbook or the
        // interrupted run's events.
        let plan = OpenPlan {
            lock: request.lock.clone(),
            log_file: request.log_file.clone(),
            secrets: request.secrets.clone(),
            history: request.history.clone(),
            journal: request.journal.clone(),
            target: request.run.target.clone(),
            run_id: request.run.run_id.clone(),
        };
        let opened = tokio::task::spawn_blocking(move || open_blocking(&plan, clock_scale))
            .await
            .map_err(|e| SessionError(format!("error: opening the run failed: {e}")))??;
        let Opened {
            lock,
            history,
            journal: file,
            hub_fingerprint,
        } = opened;
        let (journal, fresh_journal) = match (&request.journal, file, &service) {
            (JournalPlan::Create(p), Some(f), Some(s)) => {
                (Some(s.attach_created(f, p)), Some(p.clone()))
            }
            (JournalPlan::Append(p), Some(f), Some(s)) => (Some(s.attach(f, p)), None),
            _ => (None, None),
        };
        Ok(Self {
            request,
            lock,
            history,
            journal,
            fresh_journal,
            _service: service,
            listed: None,
            preflight_reads: crate::preflight::SharedReads::new(),
            hub_fingerprint,
        })
    }

    /// The hub as the fleet's target listing returned it at `at`: the run's first reading of
    /// the hub may reuse it (under the engine's freshness rule) instead of reading it again.
    pub fn with_listed_hub(mut self, hub: iothub_arm::IotHub, at: std::time::Instant) -> Self {
        self.listed = Some((hub, at));
        self
    }

    /// The preflight reads the locks of a resource group or subscription once for every
    /// session given the same `reads` (a fleet's hubs).
    pub fn with_preflight_reads(mut self, reads: crate::preflight::SharedReads) -> Self {
        self.preflight_reads = reads;
        self
    }

    /// The session will not run (the connection failed): a journal it created holds
    /// nothing and is removed; a resumed one holds the only record of a failover and is kept.
    pub async fn abandon(self) {
        let Session {
            journal,
            fresh_journal,
            lock,
            ..
        } = self;
        drop(journal);
        if let Some(path) = fresh_journal {
            let _ = tokio::task::spawn_blocking(move || std::fs::remove_file(path)).await;
        }
        drop(lock);
    }

    /// Runs the engine and writes the DR log; the lock is released after the log is written.
    pub async fn run(self, deps: SessionDeps) -> SessionOutcome {
        let Session {
            request,
            lock,
            history,
            journal,
            listed,
            preflight_reads,
            hub_fingerprint,
            ..
        } = self;
        let history_source = match &request.history {
            HistoryPlan::None => "none: the hub lives in this process's emulator".to_string(),
            HistoryPlan::Dir(d) => format!("DR logs and journals in {}", d.display()),
            HistoryPlan::Known(_) => "the fleet's history directory".to_string(),
        };
        let journal_path = journal.as_ref().map(|j| j.path().to_path_buf());
        let emitter = Emitter::new(
            journal,
            deps.reporters,
            Redactor::new(request.secrets.clone()),
        );
        let mut engine = Engine::new(
            EngineParts {
                client: deps.client,
                clock: deps.clock,
                cancel: deps.cancel,
                confirmer: deps.confirmer,
                emitter,
                history,
                in_flight: deps.in_flight,
            },
            &request.run,
        );
        engine.set_preflight(preflight_reads, history_source);
        engine.set_hub_fingerprint(hub_fingerprint);
        if let Some((hub, at)) = listed {
            engine.seed_hub_reading(hub, at);
        }
        let ending = engine.run(request.run.clone(), request.prior.clone()).await;
        // The log's temporary file is written and synced while the journal syncs the run's
        // end; it gets its name only once the journal has that end on disk.
        let staging = match (&request.log_file, ending.log()) {
            (Some(path), Some(log)) => {
                let (path, log) = (path.clone(), log.clone());
                Some(tokio::task::spawn_blocking(move || {
                    crate::log_file::stage(&path, &log)
                }))
            }
            _ => None,
        };
        let run = ending.recorded().await;
        let log_error = match (&request.log_file, staging) {
            (Some(_), Some(staging)) => publish(staging).await.err(),
            (Some(_), None) => Some("the run produced no log".to_string()),
            (None, _) => None,
        };
        if let Some(lock) = lock {
            tracing::debug!(lock = %lock.path().display(), "hub lock released");
            lock.release();
        }
        SessionOutcome {
            run,
            log_path: request.log_file.clone(),
            log_error,
            journal_path,
        }
    }
}

/// Publishes a DR log staged while the journal synced the run's end; `Err` says why the log
/// could not be written.
async fn publish(
    staging: tokio::task::JoinHandle<std::io::Result<crate::log_file::Staged>>,
) -> Result<(), String> {
    let staged = staging
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
    tokio::task::spawn_blocking(move || staged.publish())
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())
}

/// What the blocking half of `open` made, in its order.
struct Opened {
    lock: Option<HubLock>,
    history: Vec<PastFailover>,
    journal: Option<std::fs::File>,
    hub_fingerprint: Option<String>,
}

/// What the blocking half of `open` works from.
struct OpenPlan {
    lock: Option<LockPlan>,
    log_file: Option<PathBuf>,
    secrets: Vec<String>,
    history: HistoryPlan,
    journal: JournalPlan,
    target: crate::target::HubTarget,
    run_id: String,
}

/// The blocking half of `open`, in its order: lock, history, journal.
fn open_blocking(req: &OpenPlan, clock_scale: f64) -> Result<Opened, SessionError> {
    let redactor = Redactor::new(req.secrets.clone());
    let lock = match &req.lock {
        Some(plan) => {
            let shown_log = req
                .log_file
                .as_deref()
                .map(|p| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf()))
                .map(|p| p.display().to_string())
                .unwrap_or_default();
            let holder = LockHolder::this_process(
                &plan.command,
                &redactor.structured(&shown_log),
                &plan.key,
            );
            Some(
                HubLock::acquire(&plan.dir, &plan.key, &holder)
                    .map_err(|e| SessionError(format!("error: {e}")))?,
            )
        }
        None => None,
    };
    let history = match &req.history {
        HistoryPlan::None => Vec::new(),
        HistoryPlan::Known(h) => h.clone(),
        HistoryPlan::Dir(dir) => {
            HistoryIndex::scan(dir, history_lookback(clock_scale)).for_hub(&req.target, &req.run_id)
        }
    };
    let file =
        match &req.journal {
            JournalPlan::None => None,
            JournalPlan::Create(p) => Some(journal::create_new(p).map_err(|e| {
                SessionError(format!(
                    "error: cannot create the journal {}: {e}",
                    p.display()
                ))
            })?),
            JournalPlan::Append(p) => Some(journal::prepare_for_append(p).map_err(|e| {
                SessionError(format!("error: cannot append to {}: {e}", p.display()))
            })?),
        };
    // Only where a history applies: a hub in this process's emulator is no later run's past.
    let masked = {
        let t = &req.target;
        [&t.subscription, &t.resource_group, &t.hub]
            .into_iter()
            .any(|part| redactor.structured(part) != *part)
    };
    let hub_fingerprint = (masked && !matches!(req.history, HistoryPlan::None))
        .then(crate::hub_fingerprint::machine_key)
        .flatten()
        .map(|key| key.fingerprint(&req.target));
    Ok(Opened {
        lock,
        history,
        journal: file,
        hub_fingerprint,
    })
}

/// How far back history files can matter: Azure's rolling window in the run's time, plus a
/// margin (a file is written after the failovers it records).
pub fn history_lookback(clock_scale: f64) -> Duration {
    Clock::scaled(clock_scale).wait_for(cooldown::WINDOW) + Duration::from_secs(60)
}

/// The history directory of a single run: where its DR log goes.
pub fn log_directory(log: &Path) -> PathBuf {
    match log.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Reads a journal back (resume): its events, tolerating a torn last line.
pub fn read_journal(path: &Path) -> Result<JournalContents, JournalError> {
    journal::read(path)
}

/// Writes a DR log atomically, never over an existing file (resume rebuilding the log of a
/// run that finished but died before writing it).
pub fn write_dr_log(path: &Path, log: &crate::dr_log::DrLog) -> std::io::Result<()> {
    crate::log_file::write_new(path, log)
}
