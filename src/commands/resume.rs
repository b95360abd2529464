//! `runbook resume JOURNAL`: continues an interrupted run from its journal.
//!
//! The journal's first event names the runbook (path and SHA-256: a changed file is refused)
//! and the parameters. Steps that finished are not run again, and a failover the journal shows
//! as started is re-attached to by its operation handle, never started twice. A run that was
//! killed, or stopped with Ctrl-C, can be resumed; one that ended any other way cannot. The DR
//! log goes beside the journal (`<log>.jsonl` -> `<log>`), or to `<log>.resumed.json` when a
//! cancelled run already wrote one.

use std::io::IsTerminal;
use std::path::PathBuf;

use runbook_engine::journal::{self, JournalWriter};
use runbook_engine::log_file::resumed_log_name;
use runbook_engine::{PriorRun, Redactor, RunEvent, RunRequest, RunStatus};

use crate::azure_args::TargetArgs;
use crate::commands::exec::{Output, Settings, execute};
use crate::confirm_prompt::TerminalPrompt;
use crate::exit_code;
use crate::hub_guard::SafetyArgs;
use runbook_engine::prepare::prepare;

#[derive(Debug, clap::Args)]
pub struct ResumeArgs {
    /// The journal (`<log>.jsonl`) of the interrupted run, or a fleet's directory (or its
    /// fleet.json) to resume the whole fleet.
    #[arg(value_name = "JOURNAL")]
    pub journal: PathBuf,
    /// Values for secret parameters (they are masked in the journal, so give them again).
    #[arg(long = "set", value_name = "NAME=VALUE")]
    pub sets: Vec<String>,
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
    let report = match args
        .report
        .as_deref()
        .map(crate::commands::report::format_for)
        .transpose()
    {
        Ok(format) => args.report.as_deref().zip(format),
        Err(why) => {
            errln!("error: {why}");
            return exit_code::INVALID;
        }
    };
    let contents = match journal::read(&args.journal) {
        Ok(c) => c,
        Err(e) => {
            errln!("error: {e}");
            return exit_code::INVALID;
        }
    };
    let Some(RunEvent::RunStarted {
        run_id,
        runbook,
        params,
        log_path,
        dry_run,
        ..
    }) = contents.events.first().cloned()
    else {
        errln!(
            "error: {} does not start with a run_started event",
            args.journal.display()
        );
        return exit_code::INVALID;
    };
    let finished = contents.events.iter().rev().find_map(|e| match e {
        RunEvent::RunFinished { status, .. } => Some(*status),
        _ => None,
    });
    if let Some(status) = finished
        && status != RunStatus::Cancelled
    {
        errln!(
            "error: the run in {} already finished ({}); nothing to resume",
            args.journal.display(),
            serde_json::to_value(status)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default()
        );
        return exit_code::INVALID;
    }
    let masked: Vec<&str> = params
        .as_object()
        .map(|m| {
            m.iter()
                .filter(|(_, v)| v.as_str() == Some(runbook_engine::redact::MASK))
                .map(|(k, _)| k.as_str())
                .collect()
        })
        .unwrap_or_default();
    let missing: Vec<&&str> = masked
        .iter()
        .filter(|k| {
            !args
                .sets
                .iter()
                .any(|s| s.split_once('=').is_some_and(|(n, _)| n.trim() == **k))
        })
        .collect();
    if !missing.is_empty() {
        let names: Vec<String> = missing.iter().map(|k| format!("--set {k}=…")).collect();
        errln!(
            "error: the journal masks secret parameters; give them again: {}",
            names.join(" ")
        );
        return exit_code::INVALID;
    }
    // Journal parameters first (secrets are masked there), then --set on top.
    let mut sets: Vec<String> = params
        .as_object()
        .map(|m| {
            m.iter()
                .filter(|(k, _)| !masked.contains(&k.as_str()))
                .map(|(k, v)| {
                    format!(
                        "{k}={}",
                        v.as_str().map_or_else(|| v.to_string(), str::to_string)
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    sets.extend(args.sets.iter().cloned());
    let path = PathBuf::from(&runbook.path);
    let p = match prepare(&path, &sets) {
        Ok(p) => p,
        Err(text) => {
            errln!("{text}");
            return exit_code::INVALID;
        }
    };
    if p.identity.sha256 != runbook.sha256 {
        errln!(
            "error: {} changed since the run started (sha256 differs); resuming would run a different drill",
            runbook.path
        );
        return exit_code::INVALID;
    }
    // The log belongs beside its journal, wherever the resume is run from.
    let journal_text = args.journal.display().to_string();
    let mut log_path = match journal_text.strip_suffix(".jsonl") {
        Some(stem) => PathBuf::from(stem),
        None => PathBuf::from(&log_path),
    };
    if crate::output_paths::is_taken(&log_path) {
        log_path = resumed_log_name(&log_path);
    }
    if let Err(text) = crate::output_paths::check_side_outputs(
        &log_path,
        &args.journal,
        args.junit.as_deref(),
        args.report.as_deref(),
    ) {
        errln!("error: {text}");
        return exit_code::INVALID;
    }
    // Before the journal is touched: a resume racing the run it resumes must not append to it.
    let _hub_lock = match args
        .safety
        .take(&args.target, &p.target, "resume", &log_path)
    {
        Ok(lock) => lock,
        Err(text) => {
            errln!("{text}");
            return exit_code::INVALID;
        }
    };
    let journal_writer = match JournalWriter::open_for_resume(&args.journal) {
        Ok(j) => j,
        Err(e) => {
            errln!("error: cannot append to {}: {e}", args.journal.display());
            return exit_code::INVALID;
        }
    };
    let confirmer: Box<dyn runbook_engine::Confirmer> = if args.yes {
        Box::new(runbook_engine::AutoApprove)
    } else if std::io::stdin().is_terminal() {
        Box::new(TerminalPrompt)
    } else {
        Box::new(runbook_engine::NoConfirmer)
    };
    let req = RunRequest {
        runbook: p.loaded.runbook.clone(),
        identity: p.identity.clone(),
        params: p.params.values.clone(),
        target: p.target.clone(),
        dry_run,
        log_path: log_path.display().to_string(),
        run_id,
        cooldown: args.safety.cooldown(&args.target),
    };
    let redactor = Redactor::new(p.params.secret_values());
    let Some(runtime) = crate::runtime::start() else {
        return exit_code::INVALID;
    };
    let code = runtime.block_on(execute(
        &args.target,
        req,
        Some(PriorRun {
            events: contents.events,
        }),
        journal_writer,
        confirmer,
        redactor,
        &Settings {
            output: args.output,
            fresh_journal: false,
            log_path: &log_path,
            junit: args.junit.as_deref(),
            report,
        },
    ));
    // A confirmation prompt interrupted by Ctrl-C still blocks a thread on stdin; waiting for
    // it would hang the exit, so the runtime is left to the process's end.
    runtime.shutdown_background();
    code
}
