//! `runbook exec FILE`: runs a drill and writes its DR log and journal.
//!
//! Flow: prepare (load, params, target; exit 2 on bad input) -> a `SessionRequest` (the
//! journal and DR log paths, the hub lock to take, where the failover history is read) ->
//! the engine's `Session` opens (lock, history, journal; exit 2 if another drill holds the
//! hub) -> connect (Azure or the in-process emulator) -> the session runs with the chosen
//! reporter, racing Ctrl-C, and writes the DR log -> JUnit, report (`--report`), summary ->
//! exit code from the session's outcome.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use runbook_engine::session::{default_log_name, journal_path};
use runbook_engine::{
    AutoApprove, CancellationToken, ChangesInFlight, Clock, Confirmer, EventSink, JournalPlan,
    NoConfirmer, Redactor, RunRequest, Session, SessionDeps, SessionOutcome, SessionRequest,
};

use crate::azure_args::TargetArgs;
use crate::commands::report;
use crate::confirm_prompt::TerminalPrompt;
use crate::exit_code;
use crate::hub_guard::SafetyArgs;
use crate::reporters::{human::Human, json_lines::JsonLines, junit};
use runbook_engine::AnyPrepared;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Output {
    Human,
    Json,
}

#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  runbook exec runbooks/drill.yaml --emulator --yes          # try it: no Azure needed
  runbook exec runbooks/drill.yaml --dry-run                 # against Azure, change nothing
  runbook exec runbooks/drill.yaml --set hub=contoso-hub --log drill.json --junit drill.xml
  runbook exec runbooks/drill.yaml --emulator --yes --report drill.html   # a report to read

One drill per hub: against Azure or --arm-endpoint, exec and resume take a per-hub lock
(--lock-dir); a second run on the same hub exits 2 naming the holder. Not with --emulator.

Failover cooldown: a failover is refused before any change (exit 3) when the DR logs and
journals beside the log show the hub failed over less than an hour ago, or twice in the
same direction within 24 h (--force-cooldown overrides). Not with --emulator.

Preflight: before the first step of a drill that fails over, the hub's Activity Log (with the
local files), its locks, data residency and permissions are read; when Azure would refuse the
failover, the run stops there (exit 3, nothing changed) naming why (`runbook preflight` runs
the same checks alone). --dry-run shows them too.

Exit codes: 0 succeeded, 1 failed after a change or missed an objective, 2 invalid input or
setup (or the hub is locked by another drill), 3 stopped before any change, 4 a
rollback/finally step failed, 130 interrupted.

Fleet runbooks (`targets:`): every hub is drilled as above, each with its own DR log and
journal in --fleet-dir plus a fleet log (fleet.json); --target NAME and --limit N narrow the
hubs. A fleet never prompts: `confirm:` needs --yes. Fleet exit codes (the worst hub wins): 0
all succeeded, 1 a hub failed after a change, 2 a hub could not start (or invalid input), 3
hubs stopped before any change, 4 a hub's rollback/finally step failed, 130 interrupted
(resume with `runbook resume <fleet dir>`; not with --emulator, whose hubs end with the run).
--log, --junit and --output json apply to one hub and are refused for a fleet.")]
pub struct ExecArgs {
    /// The runbook to run.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Set a parameter: --set target_region=westus (repeatable).
    #[arg(long = "set", value_name = "NAME=VALUE")]
    pub sets: Vec<String>,
    /// Approve every `confirm:` question (needed when there is no terminal).
    #[arg(long)]
    pub yes: bool,
    /// Read for real, but change nothing: each failover is checked (paired region, Active hub)
    /// and recorded as skipped instead of posted.
    #[arg(long)]
    pub dry_run: bool,
    /// Where to write the DR log (never over an existing file). Default:
    /// dr_failover_<hub>_<YYYYmmdd_HHMMSS>.json; the journal goes beside it as <log>.jsonl.
    #[arg(long, value_name = "PATH")]
    pub log: Option<PathBuf>,
    /// Terminal output: human (progress and a summary) or json (one event per line).
    #[arg(long, value_enum, default_value_t = Output::Human)]
    pub output: Output,
    /// Also write a JUnit XML report (one test case per step).
    #[arg(long, value_name = "PATH")]
    pub junit: Option<PathBuf>,
    /// Also write a report people can read, after the DR log, whatever the outcome: .html (one
    /// self-contained page) or .md (Markdown); the extension picks the format.
    #[arg(long, value_name = "PATH")]
    pub report: Option<PathBuf>,
    #[command(flatten)]
    pub safety: SafetyArgs,
    #[command(flatten)]
    pub target: TargetArgs,
    #[command(flatten)]
    pub fleet: crate::commands::fleet::FleetArgs,
}

pub fn run(args: &ExecArgs) -> i32 {
    let prepared = match args.target.prepare(&args.file, &args.sets) {
        Ok(AnyPrepared::Single(p)) => *p,
        // A runbook with `targets:` drills a fleet (see commands::fleet).
        Ok(AnyPrepared::Fleet(p)) => {
            if args.log.is_some() || args.junit.is_some() || args.output == Output::Json {
                errln!(
                    "error: --log, --junit and --output json apply to one hub; a fleet writes every hub's DR log and its fleet log into --fleet-dir"
                );
                return exit_code::INVALID;
            }
            return crate::commands::fleet::exec(
                &p,
                &args.target,
                &args.safety,
                &args.fleet,
                args.dry_run,
                args.yes,
            );
        }
        Err(text) => {
            errln!("{text}");
            return exit_code::INVALID;
        }
    };
    if args.fleet.is_set() {
        errln!("error: --target, --limit and --fleet-dir apply to fleet runbooks (`targets:`)");
        return exit_code::INVALID;
    }
    for w in &prepared.loaded.warnings {
        err!("{}", w.render(Some(&prepared.loaded.source)));
    }
    let report = match args.report.as_deref().map(report::format_for).transpose() {
        Ok(format) => args.report.as_deref().zip(format),
        Err(why) => {
            errln!("error: {why}");
            return exit_code::INVALID;
        }
    };
    let secrets = prepared.params.secret_values();
    let redactor = Redactor::new(secrets.clone());
    let log_path = args
        .log
        .clone()
        .unwrap_or_else(|| default_log_name(&prepared.target.hub, Clock::now(), &redactor));
    if let Err(text) =
        crate::output_paths::check_exec(&log_path, args.junit.as_deref(), args.report.as_deref())
    {
        errln!("error: {text}");
        return exit_code::INVALID;
    }
    let lock = match args
        .safety
        .lock_plan(&args.target, &prepared.target, "exec", &redactor)
    {
        Ok(lock) => lock,
        Err(text) => {
            errln!("{text}");
            return exit_code::INVALID;
        }
    };
    let confirmer: Box<dyn Confirmer> = if args.yes {
        Box::new(AutoApprove)
    } else if std::io::stdin().is_terminal() {
        Box::new(TerminalPrompt)
    } else {
        Box::new(NoConfirmer)
    };
    let session = SessionRequest {
        run: RunRequest {
            runbook: prepared.loaded.runbook.clone(),
            identity: prepared.identity.clone(),
            params: prepared.params.values.clone(),
            target: prepared.target.clone(),
            dry_run: args.dry_run,
            log_path: log_path.display().to_string(),
            run_id: uuid::Uuid::new_v4().to_string(),
            cooldown: args.safety.cooldown(&args.target),
        },
        prior: None,
        journal: JournalPlan::Create(journal_path(&log_path)),
        log_file: Some(log_path.clone()),
        lock,
        history: args.safety.history_plan(&args.target, &log_path),
        secrets,
    };
    let Some(runtime) = crate::runtime::start_single() else {
        return exit_code::INVALID;
    };
    let code = runtime.block_on(execute(
        &args.target,
        session,
        confirmer,
        &Settings {
            output: args.output,
            junit: args.junit.as_deref(),
            report,
        },
    ));
    // A confirmation prompt interrupted by Ctrl-C still blocks a thread on stdin; waiting for
    // it would hang the exit, so the runtime is left to the process's end.
    runtime.shutdown_background();
    code
}

pub struct Settings<'a> {
    pub output: Output,
    pub junit: Option<&'a Path>,
    /// Where `--report` goes, and in which format.
    pub report: Option<(&'a Path, runbook_report::Format)>,
}

/// The async half shared with `resume`: open the session (lock, history, journal), connect,
/// run with the chosen reporter racing Ctrl-C, then JUnit, report and summary.
pub async fn execute(
    target_args: &TargetArgs,
    session: SessionRequest,
    confirmer: Box<dyn Confirmer>,
    settings: &Settings<'_>,
) -> i32 {
    let target = session.run.target.clone();
    let redactor = Redactor::new(session.secrets.clone());
    // Connecting (starting the in-process emulator, or the up-front token request) overlaps
    // the session's file work (lock, history, journal); a session that cannot open still
    // wins, at once, as if it had gone first.
    let opening = Session::open(session, None, target_args.history_scale());
    let connecting = target_args.connect(&target);
    tokio::pin!(opening, connecting);
    let mut connected = None;
    let opened = loop {
        tokio::select! {
            biased;
            opened = &mut opening => break opened,
            conn = &mut connecting, if connected.is_none() => connected = Some(conn),
        }
    };
    let session = match opened {
        Ok(s) => s,
        Err(e) => {
            errln!("{}", redactor.text(&e.0));
            return exit_code::INVALID;
        }
    };
    let conn = match connected {
        Some(conn) => conn,
        None => connecting.await,
    };
    let conn = match conn {
        Ok(c) => c,
        Err(e) => {
            errln!("error: {}", redactor.text(&e.0));
            session.abandon().await;
            return exit_code::INVALID;
        }
    };
    let reporter: Box<dyn EventSink> = match settings.output {
        Output::Human => Box::new(Human::new()),
        Output::Json => Box::new(JsonLines),
    };
    let cancel = CancellationToken::new();
    let in_flight = ChangesInFlight::new();
    crate::interrupt::spawn_handler(cancel.clone(), in_flight.clone());
    let outcome = session
        .run(SessionDeps {
            client: conn.client.clone(),
            clock: Clock::scaled(conn.time_scale),
            cancel,
            confirmer,
            reporters: vec![reporter],
            in_flight,
        })
        .await;
    if let Some(emu) = conn.emulator {
        emu.shutdown().await;
    }
    finish(&outcome, settings)
}

fn finish(outcome: &SessionOutcome, settings: &Settings<'_>) -> i32 {
    let Some(log) = &outcome.run.log else {
        errln!("error: the run produced no log");
        return exit_code::DRILL_FAILED;
    };
    let log_path = outcome.log_path.as_deref().unwrap_or(Path::new("-"));
    if let Some(why) = &outcome.run.sink_failure {
        errln!("error: {why}; the run's record may be incomplete");
    }
    let journal = outcome.journal_path.as_deref().unwrap_or(Path::new("-"));
    let ending = crate::run_ending::conclude(
        log,
        outcome.exit_code(),
        &crate::run_ending::LogWrite {
            path: log_path,
            journal,
            error: outcome.log_error.clone(),
            journal_failed: outcome.run.sink_failure.is_some(),
        },
    );
    if let Some(text) = &ending.error {
        errln!("{text}");
    }
    if let Some(path) = settings.junit
        && let Err(e) = std::fs::write(path, junit::render(log))
    {
        errln!(
            "error: cannot write the JUnit report {}: {e}",
            path.display()
        );
    }
    if let Some((path, format)) = settings.report
        && let Err(e) = report::write(log, path, format)
    {
        errln!("error: cannot write the report {}: {e}", path.display());
    }
    if settings.output == Output::Human {
        out!("{}", ending.summary);
    }
    ending.code
}
