//! Fleet mode of `exec` and `resume`: one runbook with `targets:` over many hubs.
//!
//! exec: prepared fleet runbook -> connect (one client per subscription, each with its own ARM
//! budget, shared by that subscription's hubs; or the in-process emulator, seeded by
//! `--scenario` or the listed hubs) -> resolve `targets:` -> order and narrow (`rollout.order`,
//! `--target`, `--limit`) -> fleet directory with a `fleet.json` listing every hub as not
//! started -> the engine's fleet runner (each hub its own DR log `<dir>/<hub>.json`, journal and
//! hub lock) printing a line per hub event and a periodic summary -> `fleet.json` rewritten
//! with every hub's outcome -> the fleet's exit code. resume: `fleet.json` (or its directory)
//! -> the same runbook (unchanged), hubs that ended carried over, interrupted hubs resumed from
//! their journals (re-attaching to a failover in flight, never posting it again), hubs never
//! started run now.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use iothub_arm::{ArmBudget, ArmClient, ClientOptions, StaticTokenCredential, TokenCredential};
use iothub_emulator::{Emulator, EmulatorConfig, HubSeed, Scenario};
use runbook_engine::fleet::log::{self as fleet_log, FLEET_LOG_NAME};
use runbook_engine::fleet::run::{FleetResult, Progress, blank_record};
use runbook_engine::fleet::select::{limits, select};
use runbook_engine::fleet::{
    ClientSource, FleetCounts, FleetHub, FleetHubRecord, FleetHubStatus, FleetLog, FleetObserver,
    FleetRequest, LockSpec, fleet_exit_code, resolve, run_fleet,
};
use runbook_engine::prepare::PreparedFleet;
use runbook_engine::{CancellationToken, Clock, HubTarget, PriorRun, Redactor, RunEvent};

use crate::azure_args::{SetupError, TargetArgs};
use crate::exit_code;
use crate::hub_guard::SafetyArgs;

/// The fleet-only options of `exec`.
#[derive(Debug, Clone, clap::Args)]
pub struct FleetArgs {
    /// Fleet runbooks: run only the hubs whose name (or RESOURCE_GROUP/NAME) matches; globs
    /// allowed (repeatable).
    #[arg(long = "target", value_name = "NAME")]
    pub only: Vec<String>,
    /// Fleet runbooks: run at most the first N hubs (after `rollout.order`).
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    /// Fleet runbooks: the directory for the fleet log and every hub's DR log and journal
    /// (default: fleet_<runbook>_<YYYYmmdd_HHMMSS>; created; must be empty if it exists).
    #[arg(long, value_name = "DIR")]
    pub fleet_dir: Option<PathBuf>,
    /// Fleet runbooks: the client-side ARM read budget per subscription, BURST/PER_SECOND
    /// (default 250/25, ARM's; lower it when other tools share the principal).
    #[arg(long, value_name = "BURST/RATE", value_parser = parse_budget, default_value = "250/25")]
    pub arm_reads: (u32, f64),
    /// Fleet runbooks: the client-side ARM write budget per subscription (default 200/10).
    #[arg(long, value_name = "BURST/RATE", value_parser = parse_budget, default_value = "200/10")]
    pub arm_writes: (u32, f64),
}

/// `250/25`: a bucket of 250 refilled 25 a second.
fn parse_budget(text: &str) -> Result<(u32, f64), String> {
    let (burst, rate) = text
        .split_once('/')
        .ok_or_else(|| format!("{text:?}: expected BURST/PER_SECOND, e.g. 250/25"))?;
    let burst: u32 = burst
        .trim()
        .parse()
        .map_err(|_| format!("{text:?}: the burst must be a whole number"))?;
    let rate: f64 = rate
        .trim()
        .parse()
        .map_err(|_| format!("{text:?}: the rate must be a number"))?;
    if burst == 0 || !(rate.is_finite() && rate > 0.0) {
        return Err(format!("{text:?}: burst and rate must be positive"));
    }
    Ok((burst, rate))
}

impl FleetArgs {
    pub fn is_set(&self) -> bool {
        !self.only.is_empty() || self.limit.is_some() || self.fleet_dir.is_some()
    }

    /// ARM's defaults, for commands without these options (resume, plan).
    fn arm_defaults() -> Budgets {
        Budgets {
            reads: (250, 25.0),
            writes: (200, 10.0),
        }
    }

    fn budgets(&self) -> Budgets {
        Budgets {
            reads: self.arm_reads,
            writes: self.arm_writes,
        }
    }
}

/// Sizes of the client-side ARM buckets (burst, per second).
#[derive(Debug, Clone, Copy)]
struct Budgets {
    reads: (u32, f64),
    writes: (u32, f64),
}

/// Makes a subscription's client, with the ARM budget it draws from.
type MakeClient = dyn Fn(&str) -> Result<(ArmClient, Arc<ArmBudget>), String> + Send + Sync;

/// One client per subscription, made on first use and shared by that subscription's hubs.
struct Clients {
    make: Box<MakeClient>,
    cache: Mutex<HashMap<String, ArmClient>>,
    budgets: Mutex<Vec<Arc<ArmBudget>>>,
}

impl ClientSource for Clients {
    fn client(&self, subscription: &str) -> Result<ArmClient, String> {
        let key = subscription.to_ascii_lowercase();
        let mut cache = self
            .cache
            .lock()
            .map_err(|_| "client cache poisoned".to_string())?;
        if let Some(c) = cache.get(&key) {
            return Ok(c.clone());
        }
        let (client, budget) = (self.make)(subscription)?;
        if let Ok(mut budgets) = self.budgets.lock() {
            budgets.push(budget);
        }
        cache.insert(key, client.clone());
        Ok(client)
    }
}

impl Clients {
    fn throttled(&self) -> u64 {
        self.budgets
            .lock()
            .map(|b| b.iter().map(|b| b.throttled()).sum())
            .unwrap_or(0)
    }
}

struct Connected {
    clients: Arc<Clients>,
    emulator: Option<Emulator>,
    time_scale: f64,
}

/// Connects for a fleet; `listed` seeds an in-process emulator when no `--scenario` is given.
async fn connect(
    target: &TargetArgs,
    listed: &[HubTarget],
    sizes: Budgets,
) -> Result<Connected, SetupError> {
    let (options, credential, time_scale, emulator) = if target.emulator {
        let time_scale = target.emulator_time_scale()?;
        let scenario = match &target.scenario {
            Some(path) => Scenario::load(path).map_err(|e| SetupError(e.to_string()))?,
            None if !listed.is_empty() => Scenario {
                hubs: listed
                    .iter()
                    .map(|h| HubSeed::new(&h.subscription, &h.resource_group, &h.hub))
                    .collect(),
                ..Scenario::default()
            },
            None => {
                return Err(SetupError(
                    "a fleet selector needs hubs to select from: with --emulator, give --scenario (e.g. with `generate:`)".into(),
                ));
            }
        };
        let emulator = Emulator::start(
            scenario,
            EmulatorConfig {
                time_scale,
                ..EmulatorConfig::default()
            },
        )
        .await
        .map_err(|e| SetupError(format!("cannot start the emulator: {e}")))?;
        let endpoint =
            url::Url::parse(emulator.base_url()).map_err(|e| SetupError(e.to_string()))?;
        let credential: Arc<dyn TokenCredential> = Arc::new(StaticTokenCredential::new("emulator"));
        (
            ClientOptions::for_emulator(endpoint, time_scale),
            credential,
            time_scale,
            Some(emulator),
        )
    } else {
        let (options, credential, time_scale) = target.azure_setup().await?;
        (options, credential, time_scale, None)
    };
    let clients = Arc::new(Clients {
        make: Box::new(move |subscription: &str| {
            // Each subscription has its own budget at ARM, so its own buckets here, shared by
            // every hub of the subscription through this one client.
            let budget = Arc::new(ArmBudget::scaled(sizes.reads, sizes.writes, time_scale));
            let options = ClientOptions {
                budget: Some(budget.clone()),
                ..options.clone()
            };
            let client = ArmClient::new(credential.clone(), subscription.to_string(), options)
                .map_err(|e| e.to_string())?;
            Ok((client, budget))
        }),
        cache: Mutex::new(HashMap::new()),
        budgets: Mutex::new(Vec::new()),
    });
    Ok(Connected {
        clients,
        emulator,
        time_scale,
    })
}

/// A client source for resolving an explicit list, which needs no ARM call.
struct NoClients;

impl ClientSource for NoClients {
    fn client(&self, _: &str) -> Result<ArmClient, String> {
        Err("no connection yet".into())
    }
}

/// `runbook exec` of a fleet runbook.
pub fn exec(
    p: &PreparedFleet,
    target: &TargetArgs,
    safety: &SafetyArgs,
    fleet: &FleetArgs,
    dry_run: bool,
    yes: bool,
) -> i32 {
    for w in &p.loaded.warnings {
        err!("{}", w.render(Some(&p.loaded.source)));
    }
    let Some(runtime) = fleet_runtime() else {
        return exit_code::INVALID;
    };
    let code = runtime.block_on(async {
        let Some(targets) = p.loaded.runbook.targets.as_ref() else {
            errln!("error: the runbook has no targets");
            return exit_code::INVALID;
        };
        // An explicit list resolves without ARM; it also seeds an emulator with no scenario.
        let listed = if targets.is_selector() {
            Vec::new()
        } else {
            match resolve(targets, &p.params.values, &NoClients).await {
                Ok(h) => h,
                Err(e) => {
                    errln!("{}: error: {e}", p.identity.path);
                    return exit_code::INVALID;
                }
            }
        };
        let conn = match connect(target, &listed, fleet.budgets()).await {
            Ok(c) => c,
            Err(e) => {
                errln!("error: {}", e.0);
                return exit_code::INVALID;
            }
        };
        let resolved = match resolve(targets, &p.params.values, &*conn.clients).await {
            Ok(h) => h,
            Err(e) => {
                errln!("error: {e}");
                return exit_code::INVALID;
            }
        };
        let rollout = p.loaded.runbook.rollout.as_ref();
        let hubs = select(resolved, rollout, &fleet.only, fleet.limit);
        if hubs.is_empty() {
            errln!("error: the fleet's targets (with --target/--limit) select no hub");
            return exit_code::INVALID;
        }
        let dir = fleet.fleet_dir.clone().unwrap_or_else(|| {
            let stamp = Clock::now()
                .format(time::macros::format_description!(
                    "[year][month][day]_[hour][minute][second]"
                ))
                .unwrap_or_default();
            PathBuf::from(format!(
                "fleet_{}_{stamp}",
                file_safe(&p.loaded.runbook.name)
            ))
        });
        if let Err(e) = prepare_dir(&dir) {
            errln!("error: {e}");
            return exit_code::INVALID;
        }
        let names = log_names(&hubs);
        let fleet_hubs: Vec<FleetHub> = hubs
            .into_iter()
            .zip(names)
            .map(|(target, name)| FleetHub {
                target,
                log_path: dir.join(name),
                prior: None,
                done: None,
            })
            .collect();
        let (max_concurrency, max_errors) = limits(rollout, fleet_hubs.len());
        let mut params = serde_json::Value::Object(p.params.values.clone());
        Redactor::new(p.params.secret_values()).value(&mut params);
        let header = Header {
            fleet_run_id: uuid::Uuid::new_v4().to_string(),
            started_at: Clock::now_text(),
            params,
        };
        let req = FleetRequest {
            runbook: p.loaded.runbook.clone(),
            identity: p.identity.clone(),
            params: p.params.values.clone(),
            secrets: p.params.secret_values(),
            dry_run,
            yes,
            hubs: fleet_hubs,
            max_concurrency,
            max_errors,
            cooldown: safety.cooldown(target),
            lock: None,
            time_scale: conn.time_scale,
        };
        drive(req, conn, target, safety, &dir, header).await
    });
    runtime.shutdown_background();
    code
}

/// What the fleet log keeps across exec and resume.
struct Header {
    fleet_run_id: String,
    started_at: String,
    params: serde_json::Value,
}

/// Runs a prepared fleet, with its log before and after, and returns the exit code.
async fn drive(
    mut req: FleetRequest,
    conn: Connected,
    target: &TargetArgs,
    safety: &SafetyArgs,
    dir: &Path,
    header: Header,
) -> i32 {
    req.lock = match target.lock_authority() {
        Ok(Some(authority)) => Some(LockSpec {
            dir: safety
                .lock_dir
                .clone()
                .unwrap_or_else(runbook_engine::hub_lock::default_lock_dir),
            authority,
        }),
        Ok(None) => None,
        Err(e) => {
            errln!("error: {}", e.0);
            return exit_code::INVALID;
        }
    };
    let log_path = dir.join(FLEET_LOG_NAME);
    let initial: Vec<FleetHubRecord> = req
        .hubs
        .iter()
        .map(|h| h.done.clone().unwrap_or_else(|| blank_record(h)))
        .collect();
    let make_log = |hubs: Vec<FleetHubRecord>, result: Option<&FleetResult>, throttled: u64| {
        let interrupted = result.is_some_and(|r| r.interrupted);
        FleetLog {
            schema_version: "1".into(),
            fleet_run_id: header.fleet_run_id.clone(),
            runbook: req.identity.clone(),
            dry_run: req.dry_run,
            started_at: header.started_at.clone(),
            ended_at: Clock::now_text(),
            exit_code: fleet_exit_code(&hubs, interrupted),
            max_concurrency: req.max_concurrency,
            max_errors: req.max_errors,
            stopped_by_max_errors: result.is_some_and(|r| r.stopped_by_max_errors),
            interrupted,
            throttled_429s: throttled,
            params: header.params.clone(),
            counts: FleetCounts::of(&hubs),
            hubs,
        }
    };
    // Written first, so a fleet killed outright still names its hubs for `resume`.
    if let Err(e) = fleet_log::write(&log_path, &make_log(initial, None, 0)) {
        errln!(
            "error: cannot write the fleet log {}: {e}",
            log_path.display()
        );
        return exit_code::INVALID;
    }
    outln!(
        "fleet: {} hubs, at most {} at once, stopping new hubs after {} failed; logs in {}",
        req.hubs.len(),
        req.max_concurrency,
        req.max_errors,
        dir.display()
    );
    let cancel = CancellationToken::new();
    crate::interrupt::spawn_handler(cancel.clone());
    let printer = Arc::new(Printer {
        started: Instant::now(),
        total: req.hubs.len(),
        last: Mutex::new(Progress::default()),
    });
    let ticker = tokio::spawn({
        let printer = printer.clone();
        async move {
            let mut every = tokio::time::interval(Duration::from_secs(5));
            every.tick().await;
            loop {
                every.tick().await;
                printer.summary();
            }
        }
    });
    let clients = conn.clients.clone();
    let result = run_fleet(req.clone(), clients.clone(), printer.clone(), cancel).await;
    ticker.abort();
    let throttled = clients.throttled();
    let log = make_log(result.hubs.clone(), Some(&result), throttled);
    if let Some(emu) = conn.emulator {
        emu.shutdown().await;
    }
    let mut code = log.exit_code;
    if let Err(e) = fleet_log::write(&log_path, &log) {
        errln!(
            "error: cannot write the fleet log {}: {e}",
            log_path.display()
        );
        code = code.max(exit_code::DRILL_FAILED);
    }
    let c = log.counts;
    outln!(
        "fleet {}: {} succeeded, {} failed, {} aborted, {} cancelled, {} not started, {} could not start; {} throttled (429) answers; fleet log {}",
        match code {
            0 => "succeeded",
            130 => "interrupted",
            _ => "did not succeed",
        },
        c.succeeded,
        c.failed,
        c.aborted,
        c.cancelled,
        c.not_started,
        c.error,
        throttled,
        log_path.display()
    );
    if log.interrupted {
        outln!(
            "resume with: runbook resume {} (add the same connection options)",
            dir.display()
        );
    }
    code
}

/// Prints a line per hub event and, every few seconds, where the fleet stands.
struct Printer {
    started: Instant,
    total: usize,
    last: Mutex<Progress>,
}

impl Printer {
    fn tag(&self, p: Progress) -> String {
        format!(
            "[{:>w$}/{} done, {} running, {} failed, {} waiting]",
            p.done,
            self.total,
            p.running,
            p.failed,
            p.waiting,
            w = self.total.to_string().len()
        )
    }

    fn remember(&self, p: Progress) {
        if let Ok(mut last) = self.last.lock() {
            *last = p;
        }
    }

    fn summary(&self) {
        let p = self.last.lock().map(|p| *p).unwrap_or_default();
        outln!(
            "{} after {:.0}s",
            self.tag(p),
            self.started.elapsed().as_secs_f64()
        );
    }
}

impl FleetObserver for Printer {
    fn hub_started(&self, hub: &HubTarget, progress: Progress) {
        self.remember(progress);
        outln!("{} {}: started", self.tag(progress), hub.hub);
    }

    fn hub_event(&self, hub: &HubTarget, event: &RunEvent) {
        match event {
            RunEvent::FailoverStarted { region, .. } => {
                outln!("  {}: failover to {region} accepted", hub.hub)
            }
            RunEvent::StepFinished { record } => {
                outln!(
                    "  {}: step {} failed: {}",
                    hub.hub,
                    record.step,
                    record.details
                )
            }
            _ => {}
        }
    }

    fn hub_finished(&self, r: &FleetHubRecord, progress: Progress) {
        self.remember(progress);
        let status = serde_json::to_value(r.status)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let failover = r
            .failover_duration_seconds
            .map(|s| format!(", failover {s:.1}s"))
            .unwrap_or_default();
        let reason = match (&r.reason, r.status) {
            (Some(why), s) if s != FleetHubStatus::Succeeded => format!(": {why}"),
            _ => String::new(),
        };
        outln!(
            "{} {}: {status}{failover}{reason}",
            self.tag(progress),
            r.hub
        );
    }

    fn stopping(&self, why: &str, progress: Progress) {
        self.remember(progress);
        outln!("{} {why}", self.tag(progress));
    }
}

/// `<hub>.json`, or `<hub>__<rg>__<sub prefix>.json` when two hubs share a name.
fn log_names(hubs: &[HubTarget]) -> Vec<String> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    for h in hubs {
        *seen.entry(h.hub.to_lowercase()).or_default() += 1;
    }
    hubs.iter()
        .map(|h| {
            if seen.get(&h.hub.to_lowercase()).copied().unwrap_or(0) > 1 {
                let sub: String = h.subscription.chars().take(8).collect();
                format!(
                    "{}__{}__{}.json",
                    file_safe(&h.hub),
                    file_safe(&h.resource_group),
                    file_safe(&sub)
                )
            } else {
                format!("{}.json", file_safe(&h.hub))
            }
        })
        .collect()
}

fn file_safe(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Creates the fleet directory, refusing one that already holds files (logs are never
/// overwritten, and a fleet's files belong together).
fn prepare_dir(dir: &Path) -> Result<(), String> {
    if dir.exists() {
        let mut entries =
            std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
        if entries.next().is_some() {
            return Err(format!(
                "the fleet directory {} is not empty; choose another --fleet-dir (or `runbook resume {}` to continue that fleet)",
                dir.display(),
                dir.display()
            ));
        }
        return Ok(());
    }
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))
}

/// True when `path` names a fleet (its directory or its `fleet.json`) rather than a journal.
pub fn is_fleet_path(path: &Path) -> bool {
    path.is_dir() || path.file_name().is_some_and(|n| n == FLEET_LOG_NAME)
}

/// `runbook resume DIR|DIR/fleet.json`.
pub fn resume(
    path: &Path,
    sets: &[String],
    target: &TargetArgs,
    safety: &SafetyArgs,
    yes: bool,
) -> i32 {
    let log_path = if path.is_dir() {
        path.join(FLEET_LOG_NAME)
    } else {
        path.to_path_buf()
    };
    let dir = log_path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let old = match fleet_log::read(&log_path) {
        Ok(l) => l,
        Err(e) => {
            errln!("error: {e}");
            return exit_code::INVALID;
        }
    };
    // Journal parameters first (secrets are masked there), then --set on top.
    let mut all_sets: Vec<String> = old
        .params
        .as_object()
        .map(|m| {
            m.iter()
                .filter(|(_, v)| v.as_str() != Some(runbook_engine::redact::MASK))
                .map(|(k, v)| {
                    format!(
                        "{k}={}",
                        v.as_str().map_or_else(|| v.to_string(), str::to_string)
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    all_sets.extend(sets.iter().cloned());
    let prepared =
        match runbook_engine::prepare::prepare_any(Path::new(&old.runbook.path), &all_sets) {
            Ok(runbook_engine::prepare::AnyPrepared::Fleet(p)) => p,
            Ok(_) => {
                errln!("error: {} is no longer a fleet runbook", old.runbook.path);
                return exit_code::INVALID;
            }
            Err(text) => {
                errln!("{text}");
                return exit_code::INVALID;
            }
        };
    if prepared.identity.sha256 != old.runbook.sha256 {
        errln!(
            "error: {} changed since the fleet started (sha256 differs); resuming would run a different drill",
            old.runbook.path
        );
        return exit_code::INVALID;
    }
    let mut hubs = Vec::with_capacity(old.hubs.len());
    for r in &old.hubs {
        let target = HubTarget {
            subscription: r.subscription.clone(),
            resource_group: r.resource_group.clone(),
            hub: r.hub.clone(),
        };
        let mut hub = FleetHub {
            target,
            log_path: dir.join(&r.log),
            prior: None,
            done: None,
        };
        let finished = matches!(
            r.status,
            FleetHubStatus::Succeeded | FleetHubStatus::Failed | FleetHubStatus::Aborted
        );
        let journal = dir.join(&r.journal);
        if finished {
            hub.done = Some(r.clone());
        } else if journal.exists() {
            match runbook_engine::journal::read(&journal) {
                Ok(contents) => {
                    let run_id = contents.events.iter().find_map(|e| match e {
                        RunEvent::RunStarted { run_id, .. } => Some(run_id.clone()),
                        _ => None,
                    });
                    let ended = contents.events.iter().rev().find_map(|e| match e {
                        RunEvent::RunFinished { status, .. } => Some(*status),
                        _ => None,
                    });
                    match (run_id, ended) {
                        (Some(id), None | Some(runbook_engine::RunStatus::Cancelled)) => {
                            hub.log_path = dir.join(r.journal.trim_end_matches(".jsonl"));
                            hub.prior = Some((
                                PriorRun {
                                    events: contents.events,
                                },
                                id,
                            ));
                        }
                        (Some(_), Some(status)) => {
                            let mut done = r.clone();
                            done.status = FleetHubStatus::from_run(status);
                            hub.done = Some(done);
                        }
                        // A journal with no start holds nothing: start the hub afresh.
                        (None, _) => {
                            let _ = std::fs::remove_file(&journal);
                        }
                    }
                }
                Err(e) => {
                    errln!("error: {}: {e}", journal.display());
                    return exit_code::INVALID;
                }
            }
        }
        hubs.push(hub);
    }
    let Some(runtime) = fleet_runtime() else {
        return exit_code::INVALID;
    };
    let code = runtime.block_on(async {
        let conn = match connect(target, &[], FleetArgs::arm_defaults()).await {
            Ok(c) => c,
            Err(e) => {
                errln!("error: {}", e.0);
                return exit_code::INVALID;
            }
        };
        let req = FleetRequest {
            runbook: prepared.loaded.runbook.clone(),
            identity: prepared.identity.clone(),
            params: prepared.params.values.clone(),
            secrets: prepared.params.secret_values(),
            dry_run: old.dry_run,
            yes,
            hubs,
            max_concurrency: old.max_concurrency,
            max_errors: old.max_errors,
            cooldown: safety.cooldown(target),
            lock: None,
            time_scale: conn.time_scale,
        };
        let header = Header {
            fleet_run_id: old.fleet_run_id.clone(),
            started_at: old.started_at.clone(),
            params: old.params.clone(),
        };
        drive(req, conn, target, safety, &dir, header).await
    });
    runtime.shutdown_background();
    code
}

/// `runbook plan` of a fleet runbook: the rollout, the hubs (listed when they can be without
/// ARM, or with --resolve / --scenario), then the steps as they would run on the first hub.
pub fn plan(p: &PreparedFleet, args: &crate::commands::plan::PlanArgs) -> i32 {
    let Some(targets) = p.loaded.runbook.targets.as_ref() else {
        return exit_code::INVALID;
    };
    let Some(runtime) = crate::runtime::start() else {
        return exit_code::INVALID;
    };
    let resolved = runtime.block_on(async {
        if !targets.is_selector() {
            return resolve(targets, &p.params.values, &NoClients)
                .await
                .map(Some);
        }
        if !args.resolve && args.scenario.is_none() {
            return Ok(None);
        }
        let target = TargetArgs {
            emulator: args.scenario.is_some(),
            scenario: args.scenario.clone(),
            time_scale: None,
            auth: args.auth.clone(),
            cloud: args.cloud.clone(),
            arm_endpoint: args.arm_endpoint.clone(),
        };
        let conn = connect(&target, &[], FleetArgs::arm_defaults())
            .await
            .map_err(|e| e.0)?;
        let hubs = resolve(targets, &p.params.values, &*conn.clients).await;
        if let Some(emu) = conn.emulator {
            emu.shutdown().await;
        }
        hubs.map(Some)
    });
    runtime.shutdown_background();
    let hubs = match resolved {
        Ok(h) => h.map(|h| select(h, p.loaded.runbook.rollout.as_ref(), &args.only, args.limit)),
        Err(e) => {
            errln!("error: {e}");
            return exit_code::INVALID;
        }
    };
    let redactor = Redactor::new(p.params.secret_values());
    let mut out = format!("plan for fleet {}\n", p.loaded.runbook.name);
    match &hubs {
        Some(hubs) => {
            let (conc, errors) = limits(p.loaded.runbook.rollout.as_ref(), hubs.len());
            out.push_str(&format!(
                "{} hubs, at most {conc} at once; no new hub starts once {errors} failed\n",
                hubs.len()
            ));
            for (i, h) in hubs.iter().enumerate() {
                out.push_str(&format!(
                    "{:>4}. {} (resource group {}, subscription {})\n",
                    i + 1,
                    h.hub,
                    h.resource_group,
                    h.subscription
                ));
            }
        }
        None => out.push_str(
            "hubs: chosen at run time by listing the subscription's hubs (add --resolve to list them through ARM now, or --scenario FILE against the emulator)\n",
        ),
    }
    let first = hubs
        .as_ref()
        .and_then(|h| h.first().cloned())
        .unwrap_or(HubTarget {
            subscription: "(subscription)".into(),
            resource_group: "(resource group)".into(),
            hub: "(hub)".into(),
        });
    let credential: Arc<dyn TokenCredential> = Arc::new(StaticTokenCredential::new("plan"));
    let options = ClientOptions {
        cloud: iothub_arm::Cloud::parse(&args.cloud).unwrap_or_default(),
        endpoint: args.arm_endpoint.clone(),
        ..ClientOptions::default()
    };
    let Ok(client) = ArmClient::new(credential, first.subscription.clone(), options) else {
        return exit_code::INVALID;
    };
    let plan =
        runbook_engine::plan::plan(&p.loaded.runbook, &first, p.params.values.clone(), &client);
    out.push_str(&format!("\nsteps, as on hub {}:\n", first.hub));
    for (i, s) in plan.steps.iter().enumerate() {
        out.push_str(&format!("{:>2}. {} ({})\n", i + 1, s.id, s.kind));
        for c in &s.calls {
            out.push_str(&format!("    {} {}\n", c.method, c.url));
        }
    }
    out!("{}", redactor.text(&out));
    exit_code::SUCCESS
}

/// Worker threads of a fleet's runtime. Each hub's journal syncs every event to disk from the
/// hub's task (the crash-safety contract of a single run), which blocks its worker thread for
/// the disk's sync latency; with one worker per core, 50 hubs would take turns at 2 syncs at
/// a time. More workers let the hubs' syncs overlap, and the file system commits them together.
const FLEET_WORKERS: usize = 64;

fn fleet_runtime() -> Option<tokio::runtime::Runtime> {
    match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(FLEET_WORKERS)
        .enable_all()
        .build()
    {
        Ok(r) => Some(r),
        Err(e) => {
            errln!("error: cannot start the async runtime: {e}");
            None
        }
    }
}
