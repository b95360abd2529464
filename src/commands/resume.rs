//! `runbook resume JOURNAL`: continues an interrupted run from its journal.
//!
//! The journal's first event names the runbook (its absolute path and SHA-256; `--runbook`
//! points elsewhere, and a file whose SHA-256 differs is refused) and the parameters. A
//! resumed run keeps them: `--set` may only give again the values the journal masks
//! (secrets), and a target that renders differently is refused. Steps that finished are not
//! run again, and a failover the journal shows as started is re-attached to, never started
//! twice; one whose request was in flight when the process died is found out from the hub.
//! A run that was killed, or stopped with Ctrl-C, can be resumed; one that ended any other
//! way cannot, nor one whose hub lived in an in-process emulator (`--emulator`: it died with
//! the run), which is refused up front with exit 2. The DR log goes beside the journal (`<log>.jsonl` -> `<log>`), or to
//! `<log>.resumed.json` when a cancelled run already wrote one. The run then goes through the
//! engine's `Session` like `exec`.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use runbook_engine::session::{read_journal, resumed_log_name, write_dr_log};
use runbook_engine::{
    JournalPlan, MASK, PriorRun, Redactor, RunEvent, RunRequest, RunStatus, SessionRequest,
};
use runbook_record::DrLogFold;
use serde_json::Value;

use crate::azure_args::TargetArgs;
use crate::commands::exec::{Output, Settings, execute};
use crate::confirm_prompt::TerminalPrompt;
use crate::exit_code;
use crate::hub_guard::SafetyArgs;
use runbook_engine::prepare;

#[derive(Debug, clap::Args)]
#[command(after_help = "\
A resumed run keeps the runbook, parameters and hub it started with: --set only gives again
the secret values the journal masks, and --runbook only says where the same file (same
SHA-256) is now.")]
pub struct ResumeArgs {
    /// The journal (`<log>.jsonl`) of the interrupted run, or a fleet's directory (or its
    /// fleet.json) to resume the whole fleet.
    #[arg(value_name = "JOURNAL")]
    pub journal: PathBuf,
    /// Values for secret parameters (they are masked in the journal, so give them again).
    /// Nothing else can be set on resume.
    #[arg(long = "set", value_name = "NAME=VALUE")]
    pub sets: Vec<String>,
    /// Where the run's runbook is now, if it moved (it must be the same file: same SHA-256).
    /// Default: the absolute path the journal recorded.
    #[arg(long, value_name = "PATH")]
    pub runbook: Option<PathBuf>,
    /// Approve every `confirm:` question still to come.
    #[arg(long)]
    pub yes: bool,
    #[arg(long, value_enum, default_value_t = Output::Human)]
    pub output: Output,
    /// Also write a JUnit XML report.
    #[arg(long, value_name = "PATH")]
    pub junit: Option<PathBuf>,
    /// Also write a report people can read (.html or .md), as `exec --report` does.
    #[arg(long, value_name = "PATH")]
    pub report: Option<PathBuf>,
    #[command(flatten)]
    pub safety: SafetyArgs,
    #[command(flatten)]
    pub target: TargetArgs,
}

/// What the journal's first event says about the run.
struct Started {
    run_id: String,
    runbook: runbook_engine::RunbookIdentity,
    runbook_file: Option<String>,
    params: serde_json::Map<String, Value>,
    masked: Vec<String>,
    target: Value,
    log_path: String,
    dry_run: bool,
    in_process_emulator: bool,
}

pub fn run(args: &ResumeArgs) -> i32 {
    if crate::commands::fleet::is_fleet_path(&args.journal) {
        return crate::commands::fleet::resume(
            &args.journal,
            &args.sets,
            &args.target,
            &args.safety,
            args.yes,
        );
    }
    match plan(args) {
        Ok(code) => code,
        Err(text) => {
            errln!("{text}");
            exit_code::INVALID
        }
    }
}

fn plan(args: &ResumeArgs) -> Result<i32, String> {
    let report = args
        .report
        .as_deref()
        .map(crate::commands::report::format_for)
        .transpose()
        .map_err(|why| format!("error: {why}"))?;
    let report = args.report.as_deref().zip(report);
    let contents = read_journal(&args.journal).map_err(|e| format!("error: {e}"))?;
    let started = started(&args.journal, contents.events.first())?;
    let finished = contents.events.iter().rev().find_map(|e| match e {
        RunEvent::RunFinished { status, .. } => Some(*status),
        _ => None,
    });
    if let Some(status) = finished
        && status != RunStatus::Cancelled
    {
        // The run ended, but the process died before its DR log was written: the journal
        // holds every event, so the log is rebuilt from it; nothing runs again.
        let log_path = beside_journal(&args.journal, &started.log_path);
        if !crate::output_paths::is_taken(&log_path) {
            return Ok(rebuild_log(
                &contents.events,
                &log_path,
                &args.journal,
                args.output,
            ));
        }
        return Err(format!(
            "error: the run in {} already finished ({}); nothing to resume",
            args.journal.display(),
            serde_json::to_value(status)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default()
        ));
    }
    if started.in_process_emulator {
        return Err(format!(
            "error: {} is the journal of an --emulator run: its hub lived in an emulator inside that run's process, which ended with it, so there is nothing to resume. Run the drill again (runbook exec {} --emulator)",
            args.journal.display(),
            started.runbook.path
        ));
    }
    let path = runbook_path(args, &started)?;
    let sets = resume_sets(args, &started)?;
    let p = prepare(&path, &sets)?;
    if p.identity.sha256 != started.runbook.sha256 {
        return Err(format!(
            "error: {} changed since the run started (sha256 differs); resuming would run a different drill{}",
            path.display(),
            if args.runbook.is_some() {
                ""
            } else {
                " (if the runbook moved, point --runbook at the same file)"
            }
        ));
    }
    errln!("resuming with the runbook {}", path.display());
    let secrets = p.params.secret_values();
    let redactor = Redactor::new(secrets.clone());
    // The hub is the one the journal names, whatever was given on resume.
    let mut rendered = p.target.to_value();
    redactor.structured_value(&mut rendered);
    if rendered != started.target {
        return Err(format!(
            "error: the target renders differently from the interrupted run's ({} vs {}); a resumed run drills the hub it started on",
            rendered, started.target
        ));
    }
    let mut log_path = beside_journal(&args.journal, &started.log_path);
    if crate::output_paths::is_taken(&log_path) {
        log_path = resumed_log_name(&log_path);
    }
    crate::output_paths::check_side_outputs(
        &log_path,
        &args.journal,
        args.junit.as_deref(),
        args.report.as_deref(),
    )
    .map_err(|text| format!("error: {text}"))?;
    let lock = args
        .safety
        .lock_plan(&args.target, &p.target, "resume", &redactor)?;
    let confirmer: Box<dyn runbook_engine::Confirmer> = if args.yes {
        Box::new(runbook_engine::AutoApprove)
    } else if std::io::stdin().is_terminal() {
        Box::new(TerminalPrompt)
    } else {
        Box::new(runbook_engine::NoConfirmer)
    };
    let session = SessionRequest {
        run: RunRequest {
            runbook: p.loaded.runbook.clone(),
            identity: p.identity.clone(),
            params: p.params.values.clone(),
            target: p.target.clone(),
            dry_run: started.dry_run,
            log_path: log_path.display().to_string(),
            run_id: started.run_id,
            cooldown: args.safety.cooldown(&args.target),
        },
        prior: Some(PriorRun {
            events: contents.events,
        }),
        journal: JournalPlan::Append(args.journal.clone()),
        history: args.safety.history_plan(&args.target, &log_path),
        log_file: Some(log_path.clone()),
        lock,
        secrets,
    };
    let Some(runtime) = crate::runtime::start_single() else {
        return Ok(exit_code::INVALID);
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
    Ok(code)
}

/// The DR log belongs beside its journal (`<log>.jsonl` -> `<log>`), wherever the resume is
/// run from.
fn beside_journal(journal: &Path, recorded: &str) -> PathBuf {
    let text = journal.display().to_string();
    match text.strip_suffix(".jsonl") {
        Some(stem) => PathBuf::from(stem),
        None => PathBuf::from(recorded),
    }
}

/// Writes the DR log of a run whose journal ends with its `run_finished`, and returns the exit
/// code that run would have given.
fn rebuild_log(events: &[RunEvent], log_path: &Path, journal: &Path, output: Output) -> i32 {
    let mut fold = DrLogFold::new();
    for e in events {
        fold.apply(e);
    }
    let Some(log) = fold.snapshot() else {
        errln!("error: the journal holds no run to rebuild a DR log from");
        return exit_code::INVALID;
    };
    errln!(
        "the run had finished but its DR log was never written (the process died first); rebuilding it from the journal"
    );
    let cleanup_failed = events.iter().rev().find_map(|e| match e {
        RunEvent::RunFinished { cleanup_failed, .. } => Some(*cleanup_failed),
        _ => None,
    });
    let run_code = exit_code::for_run(log.status, cleanup_failed.unwrap_or(false));
    let ending = crate::run_ending::conclude(
        &log,
        run_code,
        &crate::run_ending::LogWrite {
            path: log_path,
            journal,
            error: write_dr_log(log_path, &log).err().map(|e| e.to_string()),
            journal_failed: false,
        },
    );
    if let Some(text) = &ending.error {
        errln!("{text}");
    }
    if output == Output::Human {
        out!("{}", ending.summary);
    }
    ending.code
}

fn started(journal: &Path, first: Option<&RunEvent>) -> Result<Started, String> {
    let Some(RunEvent::RunStarted {
        run_id,
        runbook,
        runbook_file,
        params,
        masked_params,
        target,
        log_path,
        dry_run,
        in_process_emulator,
        ..
    }) = first.cloned()
    else {
        return Err(format!(
            "error: {} does not start with a run_started event (an empty journal: the run stopped before it began, and nothing was changed)",
            journal.display()
        ));
    };
    let params = params.as_object().cloned().unwrap_or_default();
    // Journals written before `masked_params` existed: a masked value is one that reads `***`.
    let masked = if masked_params.is_empty() {
        params
            .iter()
            .filter(|(_, v)| v.as_str() == Some(MASK))
            .map(|(k, _)| k.clone())
            .collect()
    } else {
        masked_params
    };
    Ok(Started {
        run_id,
        runbook,
        runbook_file,
        params,
        masked,
        target,
        log_path,
        dry_run,
        in_process_emulator,
    })
}

/// The runbook the run used: `--runbook`, else the absolute path the journal recorded, else
/// (older journals) the path as the run gave it.
fn runbook_path(args: &ResumeArgs, started: &Started) -> Result<PathBuf, String> {
    let path = match (&args.runbook, &started.runbook_file) {
        (Some(p), _) => p.clone(),
        (None, Some(abs)) => PathBuf::from(abs),
        (None, None) => PathBuf::from(&started.runbook.path),
    };
    if !path.is_file() {
        return Err(format!(
            "error: the run's runbook {} is not there any more; if it moved, give its new place with --runbook PATH (it must be the same file)",
            path.display()
        ));
    }
    Ok(path)
}

/// The journal's parameters with the masked ones given again by `--set`; any other `--set` is
/// refused (a resumed run keeps the parameters it started with).
fn resume_sets(args: &ResumeArgs, started: &Started) -> Result<Vec<String>, String> {
    let mut given: Vec<(String, String)> = Vec::new();
    for s in &args.sets {
        let (name, value) =
            runbook_spec::params::parse_set(s).map_err(|e| format!("error: {e}"))?;
        if !started.masked.contains(&name) {
            return Err(format!(
                "error: --set {name}=… is refused: on resume, --set only gives again the secret values the journal masks ({}); a resumed run keeps the parameters it started with",
                if started.masked.is_empty() {
                    "this journal masks none".to_string()
                } else {
                    started.masked.join(", ")
                }
            ));
        }
        given.push((name, value));
    }
    let missing: Vec<String> = started
        .masked
        .iter()
        .filter(|k| !given.iter().any(|(n, _)| n == *k))
        .map(|k| format!("--set {k}=…"))
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "error: the journal masks secret parameters; give them again: {}",
            missing.join(" ")
        ));
    }
    let mut sets: Vec<String> = started
        .params
        .iter()
        .filter(|(k, _)| !started.masked.contains(k))
        .map(|(k, v)| {
            format!(
                "{k}={}",
                v.as_str().map_or_else(|| v.to_string(), str::to_string)
            )
        })
        .collect();
    sets.extend(given.into_iter().map(|(k, v)| format!("{k}={v}")));
    Ok(sets)
}
