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

//!
//! `connect` (clients per subscription, the emulator), `progress` (the terminal lines),
//! `files` (the fleet directory and file names), `resume` and `plan` live beside this file.

mod connect;
mod files;
mod plan;
mod progress;
mod resume;

pub use files::is_fleet_path;
pub use plan::plan;
pub use resume::resume;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use runbook_engine::fleet::log::{self as fleet_log, FLEET_LOG_NAME};
use runbook_engine::fleet::run::{FleetResult, Progress, blank_record};
use runbook_engine::fleet::select::{limits, select};
use runbook_engine::fleet::{
    FleetCounts, FleetHub, FleetHubRecord, FleetLog, FleetRequest, LockSpec, fleet_exit_code,
    resolve, run_fleet,
};
use runbook_engine::prepare::PreparedFleet;
use runbook_engine::{CancellationToken, Clock, Redactor};

use crate::azure_args::TargetArgs;
use crate::exit_code;
use crate::hub_guard::SafetyArgs;
use connect::{Connected, NoClients, connect};
use files::{file_safe, log_names, prepare_dir};
use progress::Printer;

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
    let Some(runtime) = crate::runtime::start() else {
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
        Redactor::new(p.params.secret_values()).structured_value(&mut params);
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
            history_dir: None,
            in_flight: runbook_engine::ChangesInFlight::new(),
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
    req.history_dir = safety.fleet_history_dir(target, dir);
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
    crate::interrupt::spawn_handler(cancel.clone(), req.in_flight.clone());
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

