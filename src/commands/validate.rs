//! `runbook validate FILE...`: loads each runbook (or test file, `*.test.yaml`) and prints
//! every problem found.
//!
//! Human output is `FILE:LINE:COL: error: message` with the source line, a caret and a hint;
//! `--format json` prints one JSON document with every file's diagnostics, for editors and CI.

use std::io::Write;
use std::path::PathBuf;

use serde::Serialize;

use crate::exit_code;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// Runbook files to check.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Output format: `human` (with source excerpts) or `json`.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
}

#[derive(Serialize)]
struct FileReport<'a> {
    file: String,
    valid: bool,
    diagnostics: &'a [runbook_spec::Diagnostic],
}

pub fn run(args: &ValidateArgs) -> i32 {
    let mut any_invalid = false;
    let mut json_reports = Vec::new();
    let mut human = String::new();
    for path in &args.files {
        let name = path.to_string_lossy();
        let is_test_file = name.ends_with(".test.yaml") || name.ends_with(".test.yml");
        let (valid, diagnostics, rendered) = if is_test_file {
            // A test file is checked as `runbook test` loads it, runbook under test included.
            match runbook_test::load_test_file(path) {
                Ok(_) => (true, Vec::new(), String::new()),
                Err(fail) => (false, fail.diagnostics.clone(), fail.render()),
            }
        } else {
            match runbook_spec::load_file(path) {
                Ok(loaded) => {
                    let text: String = loaded
                        .warnings
                        .iter()
                        .map(|d| d.render(Some(&loaded.source)))
                        .collect::<Vec<_>>()
                        .join("\n");
                    (true, loaded.warnings, text)
                }
                Err(fail) => (false, fail.diagnostics.clone(), fail.render()),
            }
        };
        any_invalid |= !valid;
        match args.format {
            Format::Human => {
                if !rendered.is_empty() {
                    human.push_str(&rendered);
                    human.push('\n');
                }
                human.push_str(&file_status(path, valid, &diagnostics));
            }
            Format::Json => json_reports.push((path.display().to_string(), valid, diagnostics)),
        }
    }
    let mut stdout = std::io::stdout().lock();
    let written = match args.format {
        Format::Human => stdout.write_all(human.as_bytes()),
        Format::Json => {
            let reports: Vec<FileReport> = json_reports
                .iter()
                .map(|(file, valid, diagnostics)| FileReport {
                    file: file.clone(),
                    valid: *valid,
                    diagnostics,
                })
                .collect();
            let text = serde_json::to_string_pretty(&serde_json::json!({ "files": reports }))
                .unwrap_or_default();
            writeln!(stdout, "{text}")
        }
    };
    if written.is_err() {
        return exit_code::INVALID;
    }
    if any_invalid {
        exit_code::INVALID
    } else {
        exit_code::SUCCESS
    }
}

/// `FILE: valid` or `FILE: invalid (N errors)`, with the warning count.
fn file_status(
    path: &std::path::Path,
    valid: bool,
    diagnostics: &[runbook_spec::Diagnostic],
) -> String {
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = diagnostics.len() - errors;
    let mut status = if valid {
        format!("{}: valid", path.display())
    } else {
        format!(
            "{}: invalid ({} error{})",
            path.display(),
            errors,
            if errors == 1 { "" } else { "s" }
        )
    };
    if warnings > 0 {
        status.push_str(&format!(
            ", {warnings} warning{}",
            if warnings == 1 { "" } else { "s" }
        ));
    }
    status.push('\n');
    status
}
