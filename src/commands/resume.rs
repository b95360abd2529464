//! `runbook resume JOURNAL`: continues an interrupted run from its journal.
//!
//! The journal's first event names the runbook (path and SHA-256: a changed file is refused),
//! the parameters and the log path. Steps that finished are not run again, and a failover the
//! journal shows as started is re-attached to by its operation handle, never started twice.

use std::path::PathBuf;

use runbook_engine::journal::{self, JournalWriter};
use runbook_engine::{PriorRun, Redactor, RunEvent, RunRequest};

use crate::azure_args::TargetArgs;
use crate::commands::exec::{Output, Settings, execute};
use crate::exit_code;
use crate::prepare::prepare;

#[derive(Debug, clap::Args)]
pub struct ResumeArgs {
    /// The journal (`<log>.jsonl`) of the interrupted run.
    #[arg(value_name = "JOURNAL")]
    pub journal: PathBuf,
    /// Values for secret parameters (they are masked in the journal, so give them again).
    #[arg(long = "set", value_name = "NAME=VALUE")]
    pub sets: Vec<String>,
    #[arg(long)]
    pub yes: bool,
    #[arg(long, value_enum, default_value_t = Output::Human)]
    pub output: Output,
    #[command(flatten)]
    pub target: TargetArgs,
}

pub fn run(args: &ResumeArgs) -> i32 {
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
    if contents
        .events
        .iter()
        .any(|e| matches!(e, RunEvent::RunFinished { .. }))
    {
        errln!(
            "error: the run in {} already finished; nothing to resume",
            args.journal.display()
        );
        return exit_code::INVALID;
    }
    // Journal parameters first (secrets show as *** there), then --set on top.
    let mut sets: Vec<String> = params
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
    let journal_writer = match JournalWriter::open(&args.journal, true) {
        Ok(j) => j,
        Err(e) => {
            errln!("error: cannot append to {}: {e}", args.journal.display());
            return exit_code::INVALID;
        }
    };
    let log_path = PathBuf::from(&log_path);
    let confirmer: Box<dyn runbook_engine::Confirmer> = if args.yes {
        Box::new(runbook_engine::AutoApprove)
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
    };
    let redactor = Redactor::new(p.params.secret_values());
    let Some(runtime) = crate::runtime::start() else {
        return exit_code::INVALID;
    };
    runtime.block_on(execute(
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
            log_path: &log_path,
            junit: None,
        },
    ))
}
