//! The fleet runner: each hub drilled as `runbook exec` drills one, many at once.
//!
//! Hubs start while fewer than `max_concurrency` run (a semaphore permit per running hub); which
//! hub takes a free permit is the scheduler's choice (`schedule`: `rollout.order` first, then
//! the subscription whose ARM budget answers soonest), so every subscription's budget is spent
//! at once. Before each start the runner checks the stop conditions: Ctrl-C (the shared
//! cancellation token) or `max_errors` hubs failed; once one holds, no hub starts and the rest
//! are recorded `not_started`, while hubs in flight run to their end (Ctrl-C cancels them as it
//! cancels a single run: polling stops, a failover request in flight is never abandoned, each
//! hub's journal records where it stood). A hub's task takes its hub lock, creates (or, on
//! resume, reopens) its journal, runs its own `Engine` with a client of its subscription, and
//! writes its DR log; a failed hub counts toward `max_errors` before its permit is released, so
//! the next start sees it.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use runbook_engine::fleet::{FleetHubRecord, FleetHubStatus};
use runbook_engine::session::{HubKey, journal_path};
use runbook_engine::{
    AutoApprove, CancellationToken, ChangesInFlight, Clock, Confirmer, CooldownPolicy, EventSink,
    HubTarget, NoConfirmer, PriorRun, Redactor, RunEvent, RunRequest, RunbookIdentity, StepStatus,
};
use runbook_spec::Runbook;
use serde_json::{Map, Value};
use tokio::sync::Semaphore;

use crate::glob;
use crate::resolve::ClientSource;
use crate::schedule::{Pending, Scheduler};
use runbook_engine::session::{
    HistoryIndex, HistoryPlan, JournalPlan, JournalService, LockPlan, Session, SessionDeps,
    SessionRequest, history_lookback,
};

/// Where per-hub locks go, and the ARM endpoint that identifies the hubs.
#[derive(Debug, Clone)]
pub struct LockSpec {
    pub dir: PathBuf,
    pub authority: String,
}

/// One hub of the fleet as the runner gets it.
#[derive(Debug, Clone)]
pub struct FleetHub {
    pub target: HubTarget,
    /// The hub's DR log (its journal goes beside it).
    pub log_path: PathBuf,
    /// Resume: the interrupted run's journal events and run id.
    pub prior: Option<(PriorRun, String)>,
    /// Resume: the hub already ended in an earlier run; carried over as it was.
    pub done: Option<FleetHubRecord>,
    /// The hub as the target listing returned it (its run may reuse it as its first reading).
    pub listed: Option<crate::resolve::ListedHub>,
}

/// Everything a fleet run needs besides clients and an observer.
#[derive(Debug, Clone)]
pub struct FleetRequest {
    pub runbook: Runbook,
    pub identity: RunbookIdentity,
    pub params: Map<String, Value>,
    pub secrets: Vec<String>,
    pub dry_run: bool,
    /// Approve every `confirm:` (a fleet never prompts: without it, hubs that ask stop before
    /// any change).
    pub yes: bool,
    pub hubs: Vec<FleetHub>,
    pub max_concurrency: usize,
    pub max_errors: usize,
    pub cooldown: CooldownPolicy,
    pub lock: Option<LockSpec>,
    pub time_scale: f64,
    /// Where the hubs' failover history is read from (the fleet directory's parent, or
    /// `--history-dir`); `None` for a private emulator.
    pub history_dir: Option<PathBuf>,
    /// Shared with the CLI's signal handler: a failover request in flight on any hub.
    pub in_flight: ChangesInFlight,
}

/// Hubs done / running / failed / waiting, as progress shows them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    pub done: usize,
    pub running: usize,
    pub failed: usize,
    pub waiting: usize,
}

/// Told about the fleet as it goes (the CLI prints it).
pub trait FleetObserver: Send + Sync {
    fn hub_started(&self, hub: &HubTarget, progress: Progress);
    /// Notable events of a running hub: a failover accepted, a step failed.
    fn hub_event(&self, hub: &HubTarget, event: &RunEvent);
    fn hub_finished(&self, record: &FleetHubRecord, progress: Progress);
    /// max_errors reached or Ctrl-C: no hub starts any more.
    fn stopping(&self, why: &str, progress: Progress);
}

/// What `run_fleet` returns: every hub's record, in request order.
#[derive(Debug)]
pub struct FleetResult {
    pub hubs: Vec<FleetHubRecord>,
    pub stopped_by_max_errors: bool,
    pub interrupted: bool,
}

#[derive(Debug, Default)]
struct Tally {
    done: usize,
    running: usize,
    failed: usize,
    total: usize,
}

impl Tally {
    fn progress(&self) -> Progress {
        Progress {
            done: self.done,
            running: self.running,
            failed: self.failed,
            waiting: self.total.saturating_sub(self.done + self.running),
        }
    }
}

/// Runs the fleet. `cancel` is Ctrl-C.
pub async fn run_fleet(
    req: FleetRequest,
    clients: Arc<dyn ClientSource>,
    observer: Arc<dyn FleetObserver>,
    cancel: CancellationToken,
) -> FleetResult {
    let req = Arc::new(req);
    let shared = Arc::new(FleetShared::open(&req).await);
    let total = req.hubs.len();
    let tally = Arc::new(Mutex::new(Tally {
        total,
        ..Tally::default()
    }));
    let failed = Arc::new(AtomicUsize::new(0));
    let mut records: Vec<Option<FleetHubRecord>> = vec![None; total];
    // Hubs an earlier run finished count as they ended.
    for (i, hub) in req.hubs.iter().enumerate() {
        if let Some(done) = &hub.done {
            if done.status.is_error() {
                failed.fetch_add(1, Ordering::SeqCst);
            }
            records[i] = Some(done.clone());
            if let Ok(mut t) = tally.lock() {
                t.done += 1;
                t.failed += usize::from(done.status.is_error());
            }
        }
    }
    let permits = Arc::new(Semaphore::new(req.max_concurrency.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    let mut stopped_by_max_errors = false;
    let mut stop_reason: Option<String> = None;
    let order = req
        .runbook
        .rollout
        .as_ref()
        .map(|r| r.order.clone())
        .unwrap_or_default();
    let scheduler = Arc::new(Mutex::new(Scheduler::new(
        (0..total).filter(|i| records[*i].is_none()).map(|i| {
            let name = &req.hubs[i].target.hub;
            Pending {
                index: i,
                subscription: &req.hubs[i].target.subscription,
                rank: order
                    .iter()
                    .position(|p| glob::matches(p, name))
                    .unwrap_or(order.len()),
            }
        }),
    )));
    loop {
        let permit = tokio::select! {
            biased;
            _ = cancel.cancelled() => None,
            p = permits.clone().acquire_owned() => p.ok(),
        };
        let errors = failed.load(Ordering::SeqCst);
        let why = if cancel.is_cancelled() || permit.is_none() {
            Some("interrupted: no further hub starts".to_string())
        } else if errors >= req.max_errors {
            stopped_by_max_errors = true;
            Some(format!(
                "max_errors reached ({errors} of {} hubs failed, limit {}): no further hub starts; hubs in flight finish",
                total, req.max_errors
            ))
        } else {
            None
        };
        if let Some(why) = why {
            let progress = tally.lock().map(|t| t.progress()).unwrap_or_default();
            observer.stopping(&why, progress);
            stop_reason = Some(why);
            break;
        }
        let Some(permit) = permit else { break };
        let next = match scheduler.lock() {
            Ok(mut s) => s.next(|sub| clients.budget_wait(sub)),
            Err(_) => None,
        };
        let Some(index) = next else { break };
        if let Ok(mut t) = tally.lock() {
            t.running += 1;
            observer.hub_started(&req.hubs[index].target, t.progress());
        }
        let (req, shared, clients, observer, cancel, failed, tally, scheduler) = (
            req.clone(),
            shared.clone(),
            clients.clone(),
            observer.clone(),
            cancel.clone(),
            failed.clone(),
            tally.clone(),
            scheduler.clone(),
        );
        tasks.spawn(async move {
            let record = run_hub(&req, &shared, index, &*clients, observer.clone(), cancel).await;
            let is_error = record.status.is_error();
            if is_error {
                failed.fetch_add(1, Ordering::SeqCst);
            }
            // Reported under the lock, so the lines come out in the order of the counts.
            if let Ok(mut t) = tally.lock() {
                t.running -= 1;
                t.done += 1;
                t.failed += usize::from(is_error);
                observer.hub_finished(&record, t.progress());
            }
            if let Ok(mut s) = scheduler.lock() {
                s.finished(&req.hubs[index].target.subscription);
            }
            // Released only now, so the next start sees this hub's failure.
            drop(permit);
            (index, record)
        });
    }
    while let Some(joined) = tasks.join_next().await {
        if let Ok((index, record)) = joined {
            records[index] = Some(record);
        }
    }
    let hubs = records
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            r.unwrap_or_else(|| {
                let mut rec = blank_record(&req.hubs[i]);
                rec.status = FleetHubStatus::NotStarted;
                rec.reason = Some(
                    stop_reason
                        .clone()
                        .unwrap_or_else(|| "the hub's task ended without a record".to_string()),
                );
                rec
            })
        })
        .collect();
    FleetResult {
        hubs,
        stopped_by_max_errors,
        interrupted: cancel.is_cancelled(),
    }
}

/// A record naming the hub and its files, with no outcome yet.
pub fn blank_record(hub: &FleetHub) -> FleetHubRecord {
    let name = |p: &Path| {
        p.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    FleetHubRecord {
        subscription: hub.target.subscription.clone(),
        resource_group: hub.target.resource_group.clone(),
        hub: hub.target.hub.clone(),
        status: FleetHubStatus::NotStarted,
        exit_code: None,
        reason: None,
        changed: false,
        log: name(&hub.log_path),
        journal: name(&journal_path(&hub.log_path)),
        run_id: None,
        started_at: None,
        ended_at: None,
        failover_duration_seconds: None,
        pre_failover_device_count: None,
        post_failover_device_count: None,
        device_recovery_seconds: None,
    }
}

/// What every hub of a fleet shares: one journal writer (so the hubs' fsyncs are group
/// commits), one scan of the history directory, and the preflight's reads of resource-group
/// and subscription locks (once each, not per hub).
struct FleetShared {
    journal: Option<JournalService>,
    history: Option<HistoryIndex>,
    in_flight: ChangesInFlight,
    preflight_reads: runbook_engine::preflight::SharedReads,
}

impl FleetShared {
    async fn open(req: &FleetRequest) -> Self {
        let history = match (&req.history_dir, req.cooldown) {
            (_, CooldownPolicy::PrivateEmulator) | (None, _) => None,
            (Some(dir), _) => {
                let (dir, lookback) = (dir.clone(), history_lookback(req.time_scale));
                tokio::task::spawn_blocking(move || HistoryIndex::scan(&dir, lookback))
                    .await
                    .ok()
            }
        };
        // Without a shared writer each hub's session tries to start its own, and reports it.
        let journal = JournalService::start().ok();
        Self {
            journal,
            history,
            in_flight: req.in_flight.clone(),
            preflight_reads: runbook_engine::preflight::SharedReads::for_fleet(),
        }
    }
}

async fn run_hub(
    req: &FleetRequest,
    shared: &FleetShared,
    index: usize,
    clients: &dyn ClientSource,
    observer: Arc<dyn FleetObserver>,
    cancel: CancellationToken,
) -> FleetHubRecord {
    let hub = &req.hubs[index];
    let mut record = blank_record(hub);
    let error = |mut record: FleetHubRecord, why: String| {
        record.status = FleetHubStatus::Error;
        record.exit_code = Some(runbook_engine::exit_code::INVALID);
        record.reason = Some(why);
        record
    };
    // Resumed hubs write beside their journal, never over a log a cancelled run wrote.
    let log_path = if hub.prior.is_some() && hub.log_path.exists() {
        runbook_engine::session::resumed_log_name(&hub.log_path)
    } else {
        hub.log_path.clone()
    };
    if hub.prior.is_none() && log_path.exists() {
        return error(
            record,
            format!("the DR log {} already exists", log_path.display()),
        );
    }
    let run_id = match &hub.prior {
        Some((_, id)) => id.clone(),
        None => uuid::Uuid::new_v4().to_string(),
    };
    let run = RunRequest {
        runbook: req.runbook.clone(),
        identity: req.identity.clone(),
        params: req.params.clone(),
        target: hub.target.clone(),
        dry_run: req.dry_run,
        log_path: log_path.display().to_string(),
        run_id: run_id.clone(),
        cooldown: req.cooldown,
    };
    let redactor = Redactor::new(req.secrets.clone());
    let journal_file = journal_path(&hub.log_path);
    let session = SessionRequest {
        run,
        prior: hub.prior.as_ref().map(|(p, _)| p.clone()),
        journal: match &hub.prior {
            Some(_) => JournalPlan::Append(journal_file),
            None => JournalPlan::Create(journal_file),
        },
        log_file: Some(log_path.clone()),
        lock: req.lock.as_ref().map(|spec| LockPlan {
            dir: spec.dir.clone(),
            key: HubKey::with_secrets(&spec.authority, &hub.target, &redactor),
            command: "exec".to_string(),
        }),
        history: match shared.history.as_ref() {
            // A resumed hub's own journal is in the index: its failovers come from memory.
            Some(index) => HistoryPlan::Known(index.for_hub(&hub.target, &run_id)),
            None => HistoryPlan::None,
        },
        secrets: req.secrets.clone(),
    };
    // Held until the DR log is written.
    let session = match Session::open(session, shared.journal.clone(), req.time_scale).await {
        Ok(s) => {
            let s = s.with_preflight_reads(shared.preflight_reads.clone());
            match &hub.listed {
                Some(l) => s.with_listed_hub(l.hub.clone(), l.at),
                None => s,
            }
        }
        Err(e) => return error(record, e.0.trim_start_matches("error: ").to_string()),
    };
    let client = match clients.client(&hub.target.subscription) {
        Ok(c) => c,
        Err(e) => {
            session.abandon().await;
            return error(record, e);
        }
    };
    let sink = HubSink {
        hub: hub.target.clone(),
        observer,
    };
    let confirmer: Box<dyn Confirmer> = if req.yes {
        Box::new(AutoApprove)
    } else {
        Box::new(NoConfirmer)
    };
    let outcome = session
        .run(SessionDeps {
            client,
            clock: Clock::scaled(req.time_scale),
            cancel,
            confirmer,
            reporters: vec![Box::new(sink)],
            in_flight: shared.in_flight.clone(),
        })
        .await;
    let exit = outcome.exit_code();
    match &outcome.run.log {
        Some(log) => record.apply_log(log),
        None => {
            record.status = FleetHubStatus::Failed;
            record.reason = Some("the run produced no log".into());
        }
    }
    if let Some(e) = &outcome.log_error {
        record.reason = Some(format!(
            "cannot write the DR log {}: {e}; the journal holds every event",
            log_path.display()
        ));
    }
    if let Some(why) = &outcome.run.sink_failure {
        record.reason = Some(format!("{why}; the run's record may be incomplete"));
    }
    record.log = log_path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    record.exit_code = Some(exit);
    record
}

/// Forwards a hub's notable events to the observer.
struct HubSink {
    hub: HubTarget,
    observer: Arc<dyn FleetObserver>,
}

impl EventSink for HubSink {
    fn emit(&mut self, event: &RunEvent) {
        let notable = match event {
            RunEvent::FailoverStarted { .. } => true,
            RunEvent::StepFinished { record } => record.status == StepStatus::Failed,
            _ => false,
        };
        if notable {
            self.observer.hub_event(&self.hub, event);
        }
    }
}
