//! `runbook report LOG... [--format md|html] [-o FILE]`: DR logs in, a report people can read
//! out. `runbook report DIR...`: fleet directories (one fleet, or its shards) in, one fleet
//! page out (`runbook_report::render_fleet`); a directory is a fleet directory when it holds
//! `fleet.json`, and fleet directories and DR logs cannot be mixed in one report (exit 2).
//!
//! Each LOG is read (one DR log, or a JSON array of them), all of them rendered into one
//! report by `runbook_report`, and the report written to FILE or printed. The format is
//! `--format`, else FILE's extension, else Markdown. A log that cannot be read is an error
//! (exit 2) and nothing is written; a fleet log (`fleet.json`) among DR logs is passed over
//! with a note (given alone, it is an error). An -o FILE that holds a run's record (a DR log,
//! journal or fleet log) is refused. The drills' own verdicts do not change the exit code.
//! `exec --report` renders through `write` below, from the log it just wrote.

use std::io::Write;
use std::path::{Path, PathBuf};

use runbook_report::{Drill, Format};

use crate::exit_code;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// GitHub-flavoured Markdown (e.g. for $GITHUB_STEP_SUMMARY).
    Md,
    /// One self-contained HTML page with an SVG timeline (works offline, no scripts).
    Html,
}

#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  runbook report dr_failover_myIoTHub_20261126_031500.json -o drill.html
  runbook report dr_*.json --format md >> \"$GITHUB_STEP_SUMMARY\"   # several drills: overview and RTO trend
  runbook report fleet_dir -o fleet.html          # one page for the whole fleet
  runbook report shard-0 shard-1 shard-2 --format md >> \"$GITHUB_STEP_SUMMARY\"   # a sharded fleet's directories
  runbook report fleet_dir/*.json -o hubs.html    # each hub's full report (fleet.json is passed over)

Exit codes: 0 report written, 2 a log could not be read, fleet directories and DR logs were mixed,
or the report not written. The drills' verdicts do not change it.")]
pub struct ReportArgs {
    /// DR logs (`runbook exec`'s JSON), one or more; a file may hold a JSON array of logs. A
    /// fleet log (`fleet.json`) among them is passed over with a note. Or fleet directories
    /// (`--fleet-dir`, holding fleet.json): one page for the fleet, its shards combined.
    #[arg(value_name = "LOG|DIR", required = true)]
    pub logs: Vec<PathBuf>,
    /// md or html. Default: from the -o file's extension, else md.
    #[arg(long, value_enum)]
    pub format: Option<ReportFormat>,
    /// Write the report here instead of printing it.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

pub fn run(args: &ReportArgs) -> i32 {
    let format = match (args.format, &args.output) {
        (Some(ReportFormat::Md), _) => Format::Markdown,
        (Some(ReportFormat::Html), _) => Format::Html,
        (None, Some(path)) => match Format::from_path(path) {
            Some(f) => f,
            None => {
                errln!(
                    "error: cannot tell the format from {}: give --format md or --format html (or name it .md / .html)",
                    path.display()
                );
                return exit_code::INVALID;
            }
        },
        (None, None) => Format::Markdown,
    };
    // `runbook report dr.json -o dr.json` would replace the very log it reports on.
    if let Some(path) = &args.output
        && let Err(text) = crate::output_paths::check_not_a_record("-o", path)
    {
        errln!("error: {text}");
        return exit_code::INVALID;
    }
    if args.logs.iter().any(|p| p.is_dir()) {
        return match fleet_page(&args.logs, format) {
            Ok(text) => emit(args.output.as_deref(), &text),
            Err(e) => {
                errln!("error: {e}");
                exit_code::INVALID
            }
        };
    }
    let mut drills: Vec<Drill> = Vec::new();
    let mut fleet_logs: Vec<&Path> = Vec::new();
    let mut failed = false;
    for path in &args.logs {
        match runbook_report::read_file(path) {
            Ok(mut d) => drills.append(&mut d),
            // `DIR/*.json` over a fleet directory brings its fleet log along with the hubs'.
            Err(_) if runbook_engine::fleet::log::read(path).is_ok() => fleet_logs.push(path),
            Err(e) => {
                errln!("error: {e}");
                failed = true;
            }
        }
    }
    if failed {
        return exit_code::INVALID;
    }
    if drills.is_empty() {
        for path in &fleet_logs {
            errln!(
                "error: {} is a fleet log; for the fleet's page give its directory (runbook report {}), or its hubs' DR logs (DIR/*.json)",
                path.display(),
                fleet_dir_of(path)
            );
        }
        return exit_code::INVALID;
    }
    for path in &fleet_logs {
        errln!(
            "note: {} is a fleet log, passed over: rendering the hub logs (for the fleet's page give its directory: runbook report {})",
            path.display(),
            fleet_dir_of(path)
        );
    }
    let text = runbook_report::render(&drills, format);
    emit(args.output.as_deref(), &text)
}

/// The directory a fleet log is in, as the user would type it.
fn fleet_dir_of(log: &Path) -> String {
    match log.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.display().to_string(),
        _ => ".".to_string(),
    }
}

/// The fleet page of `paths`, every one a fleet directory.
fn fleet_page(paths: &[PathBuf], format: Format) -> Result<String, String> {
    if let Some(p) = paths.iter().find(|p| !p.is_dir()) {
        return Err(format!(
            "{} is not a fleet directory: a fleet report takes fleet directories only (each holding fleet.json); report DR logs separately",
            p.display()
        ));
    }
    if let Some(p) = paths.iter().find(|p| !runbook_report::is_fleet_dir(p)) {
        return Err(format!(
            "{} is a directory without fleet.json: not a fleet directory (`runbook exec --fleet-dir` writes one)",
            p.display()
        ));
    }
    let dirs: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
    runbook_report::render_fleet(&dirs, format)
}

/// Writes `text` to `output`, or prints it.
fn emit(output: Option<&Path>, text: &str) -> i32 {
    match output {
        Some(path) => match std::fs::write(path, text) {
            Ok(()) => exit_code::SUCCESS,
            Err(e) => {
                errln!("error: cannot write the report {}: {e}", path.display());
                exit_code::INVALID
            }
        },
        None => match std::io::stdout().lock().write_all(text.as_bytes()) {
            Ok(()) => exit_code::SUCCESS,
            Err(_) => exit_code::INVALID,
        },
    }
}

/// The format `exec --report PATH` writes, from PATH's extension.
pub fn format_for(path: &Path) -> Result<Format, String> {
    Format::from_path(path).ok_or_else(|| {
        format!(
            "--report {}: name the report .html or .md so its format is known",
            path.display()
        )
    })
}

/// Renders one finished run's DR log into `path` (`exec --report`).
pub fn write(log: &runbook_record::DrLog, path: &Path, format: Format) -> Result<(), String> {
    let text = runbook_report::render(std::slice::from_ref(log), format);
    std::fs::write(path, text).map_err(|e| e.to_string())
}
