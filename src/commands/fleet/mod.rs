//! Fleet mode of `exec` and `resume`: one runbook with `targets:` over many hubs.
//!
//! exec: prepared fleet runbook -> connect (one client per subscription, each with its own ARM
//! budget, shared by that subscription's hubs; or the in-process emulator, seeded by
//! `--scenario` or the listed hubs) -> resolve `targets:` -> order and narrow (`rollout.order`,
//! `--target`, `--limit`) -> fleet directory with a `fleet.json` listing every hub as not
//! started -> the fleet runner (each hub its own DR log `<dir>/<hub>.json`, journal and
//! hub lock) printing a line per hub event and a periodic summary -> `fleet.json` rewritten
//! with every hub's outcome -> the fleet's exit code. resume: `fleet.json` (or its directory)
//! -> the same runbook (unchanged), hubs that ended carried over, interrupted hubs resumed from
//! their journals (re-attaching to a failover in flight, never posting it again), hubs never
//! started run now.

//!
//! The work is the `runbook-fleet` crate's (resolution, selection, scheduling, the fleet log and
//! directory, the resume plan, the per-subscription clients); this module holds the arguments,
//! the printing and the exit codes. `connect` (Azure or the in-process emulator), `progress`
//! (the terminal lines), `resume` and `plan` live beside this file.

mod connect;
mod plan;
pub mod preflight;
mod progress;
mod resume;

pub use plan::plan;
pub use resume::resume;
pub use runbook_fleet::is_fleet_path;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use runbook_engine::PreparedFleet;
use runbook_engine::fleet::FleetShard;
use runbook_engine::{CancellationToken, Redactor};
use runbook_fleet::layout::{default_dir, fresh_hubs, prepare_dir};
use runbook_fleet::{
    Budgets, Duplicate, FleetHeader, FleetLogFile, FleetRequest, LockSpec, Progress, limits,
    resolve, run_fleet, select, shard_of,
};

use crate::azure_args::TargetArgs;
use crate::exit_code;
use crate::hub_guard::SafetyArgs;
use connect::{Connected, connect};
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
    /// Fleet runbooks: drill shard I (0 to N-1) of N, for N processes (CI matrix jobs, a
    /// Kubernetes indexed Job: --shard $(JOB_COMPLETION_INDEX)/N) that never share a hub or a
    /// subscription's ARM budget; each writes its own --fleet-dir. `plan --shards N` shows
    /// the partition.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<runbook_fleet::ShardSpec>,
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
        !self.only.is_empty()
            || self.limit.is_some()
            || self.fleet_dir.is_some()
            || self.shard.is_some()
    }

    fn budgets(&self) -> Budgets {
        Budgets {
            reads: self.arm_reads,
            writes: self.arm_writes,
        }
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
            match resolve(targets, &p.params.values, &runbook_fleet::NoClients).await {
                Ok(r) => r.hubs,
                Err(e) => {
                    errln!("{}: error: {e}", p.identity.path);
                    return exit_code::INVALID;
                }
            }
        };
        let mut conn = match connect(target, &listed, fleet.budgets()).await {
            Ok(c) => c,
            Err(e) => {
                errln!("error: {}", e.0);
                return exit_code::INVALID;
            }
        };
        let resolved = match resolve(targets, &p.params.values, &*conn.clients).await {
            Ok(r) => r,
            Err(e) => {
                errln!("error: {e}");
                return exit_code::INVALID;
            }
        };
        print_duplicates(&resolved.duplicates, &p.params.secret_values());
        let rollout = p.loaded.runbook.rollout.as_ref();
        let hubs = select(resolved.hubs, rollout, &fleet.only, fleet.limit);
        if hubs.is_empty() {
            errln!("error: the fleet's targets (with --target/--limit) select no hub");
            return exit_code::INVALID;
        }
        let (hubs, shard) = match fleet.shard {
            None => (hubs, None),
            Some(spec) => {
                let total = hubs.len();
                let shard = shard_of(&hubs, spec);
                if shard.hubs.is_empty() {
                    // An indexed Job or a matrix may have more shards than the fleet needs.
                    outln!(
                        "shard {spec}: no hub falls to this shard ({total} hubs over {} shards); nothing to do",
                        spec.count
                    );
                    return exit_code::SUCCESS;
                }
                if shard.budget_divisor > 1 {
                    // This shard shares its subscription with others: 1/k of its budget each.
                    conn.clients = Arc::new(
                        conn.clients
                            .with_budgets(fleet.budgets().divided(shard.budget_divisor)),
                    );
                }
                let record = FleetShard {
                    index: spec.index,
                    count: spec.count,
                    budget_divisor: shard.budget_divisor,
                };
                (shard.hubs, Some(record))
            }
        };
        let dir = fleet
            .fleet_dir
            .clone()
            .unwrap_or_else(|| default_dir(&p.loaded.runbook.name));
        if let Err(e) = prepare_dir(&dir) {
            errln!("error: {e}");
            return exit_code::INVALID;
        }
        let mut fleet_hubs = fresh_hubs(&dir, hubs);
        // Each hub's run may start from what the listing returned moments ago.
        let mut listed = resolved.listed;
        for hub in &mut fleet_hubs {
            hub.listed = listed.remove(&runbook_fleet::listing_key(&hub.target));
        }
        let (max_concurrency, max_errors) = limits(rollout, fleet_hubs.len());
        let mut header = FleetHeader::new(&p.params.values, p.params.secret_values());
        header.shard = shard;
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

/// One note per `targets:` entry left out as a repeat (a hub is drilled once).
fn print_duplicates(duplicates: &[Duplicate], secrets: &[String]) {
    let redactor = Redactor::new(secrets.to_vec());
    for d in duplicates {
        errln!("note: {}", redactor.text(&d.to_string()));
    }
}

/// Runs a prepared fleet, with its log before and after, and returns the exit code.
async fn drive(
    mut req: FleetRequest,
    conn: Connected,
    target: &TargetArgs,
    safety: &SafetyArgs,
    dir: &Path,
    header: FleetHeader,
) -> i32 {
    req.lock = match target.lock_authority() {
        Ok(Some(authority)) => Some(LockSpec {
            dir: safety
                .lock_dir
                .clone()
                .unwrap_or_else(runbook_engine::session::default_lock_dir),
            authority,
        }),
        Ok(None) => None,
        Err(e) => {
            errln!("error: {}", e.0);
            return exit_code::INVALID;
        }
    };
    // Written first, so a fleet killed outright still names its hubs for `resume`.
    req.history_dir = safety.fleet_history_dir(target, dir);
    let shard = header
        .shard
        .map(|s| {
            let budget = if s.budget_divisor > 1 {
                format!(", 1/{} of its subscription's ARM budget", s.budget_divisor)
            } else {
                String::new()
            };
            format!(" (shard {}/{}{budget})", s.index, s.count)
        })
        .unwrap_or_default();
    let log_file = match FleetLogFile::start(dir, header, &req) {
        Ok(f) => f,
        Err(e) => {
            errln!("error: {e}");
            return exit_code::INVALID;
        }
    };
    outln!(
        "fleet{shard}: {} hubs, at most {} at once, stopping new hubs after {} failed; logs in {}",
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
    let log = log_file.finished(&req, &result, throttled);
    if let Some(emu) = conn.emulator {
        emu.shutdown().await;
    }
    let mut code = log.exit_code;
    if let Err(e) = log_file.write(&log) {
        errln!("error: {e}");
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
        log_file.path().display()
    );
    if log.interrupted && log.in_process_emulator {
        outln!(
            "the hubs lived in the in-process emulator, which stopped with this run: nothing goes on and there is nothing to resume"
        );
    } else if log.interrupted {
        outln!(
            "resume with: runbook resume {} (add the same connection options)",
            dir.display()
        );
    }
    code
}
