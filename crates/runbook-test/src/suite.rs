//! A test run: find the test files, run every selected case in parallel, judge each one.
//!
//! paths -> `discover` (`*.test.yaml`, directories walked in name order) -> `load` (the CLI
//! does this, to print diagnostics) -> `run_suite`: each case is a task on the caller's tokio
//! runtime, at most `jobs` at once, each on its own emulator -> expectations (`expect`) and the
//! golden (`golden`) -> one `CaseResult` per case, in file and case order.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;

use crate::load::{Case, TestFile};

/// How to run a suite.
#[derive(Debug, Clone)]
pub struct SuiteOptions {
    /// Cases run at once.
    pub jobs: usize,
    /// Emulated seconds per real second, applied to the emulator and the engine alike.
    pub time_scale: f64,
    /// Only cases whose `file::case` name contains this text.
    pub filter: Option<String>,
    /// Rewrite goldens that differ or are missing (never with `ci`).
    pub update: bool,
    /// CI: goldens are only compared, never written; a missing one fails. Wins over `update`
    /// (the CLI refuses the pair before running).
    pub ci: bool,
    /// ANSI colours in golden diffs.
    pub color: bool,
}

/// How a case came out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Passed,
    /// Passed; its golden did not exist and was written.
    NewGolden,
    /// Passed its expectations; its golden differed and was rewritten (`--update`).
    UpdatedGolden,
    /// Each expectation that did not hold; a golden difference is one entry with its diff.
    Failed(Vec<String>),
}

#[derive(Debug, Clone)]
pub struct CaseResult {
    pub file: PathBuf,
    pub case: String,
    pub description: Option<String>,
    pub line: u32,
    pub verdict: Verdict,
    /// The exit code the run gave (none when it could not run).
    pub exit: Option<i32>,
    pub elapsed: Duration,
}

impl CaseResult {
    pub fn passed(&self) -> bool {
        !matches!(self.verdict, Verdict::Failed(_))
    }

    /// `runbooks/drill.test.yaml::happy-path`.
    pub fn id(&self) -> String {
        format!("{}::{}", self.file.display(), self.case)
    }
}

/// The test files under `paths`: files as given, directories walked for `*.test.yaml` and
/// `*.test.yml`, sorted so runs are in a stable order.
pub fn discover(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut found = Vec::new();
    for p in paths {
        if p.is_dir() {
            walk(p, &mut found).map_err(|e| format!("{}: {e}", p.display()))?;
        } else if p.is_file() {
            found.push(p.clone());
        } else {
            return Err(format!("{}: no such file or directory", p.display()));
        }
    }
    found.dedup();
    Ok(found)
}

fn walk(dir: &Path, found: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in entries {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if name.starts_with('.') || name == "target" || name == "golden" {
            continue;
        }
        if path.is_dir() {
            walk(&path, found)?;
        } else if name.ends_with(".test.yaml") || name.ends_with(".test.yml") {
            found.push(path);
        }
    }
    Ok(())
}

/// Whether `options.filter` selects `case` of `file`.
pub fn selected(options: &SuiteOptions, file: &Path, case: &str) -> bool {
    options
        .filter
        .as_deref()
        .is_none_or(|f| format!("{}::{case}", file.display()).contains(f))
}

/// Runs the selected cases of `files`; call from inside a tokio runtime.
pub async fn run_suite(files: Vec<TestFile>, options: &SuiteOptions) -> Vec<CaseResult> {
    let permits = Arc::new(Semaphore::new(options.jobs.max(1)));
    let options = Arc::new(options.clone());
    let mut tasks = Vec::new();
    for file in files {
        let path = Arc::new(file.path);
        for case in file.cases {
            if !selected(&options, &path, &case.name) {
                continue;
            }
            let (permits, options, path) = (permits.clone(), options.clone(), path.clone());
            tasks.push(tokio::spawn(async move {
                let _permit = permits.acquire_owned().await;
                one_case(&path, &case, &options).await
            }));
        }
    }
    let mut results = Vec::with_capacity(tasks.len());
    for task in tasks {
        match task.await {
            Ok(r) => results.push(r),
            // A case's task only ends abnormally if it panicked; say so rather than lose it.
            Err(e) => results.push(CaseResult {
                file: PathBuf::new(),
                case: "?".into(),
                description: None,
                line: 0,
                verdict: Verdict::Failed(vec![format!("the case's task ended abnormally: {e}")]),
                exit: None,
                elapsed: Duration::ZERO,
            }),
        }
    }
    results
}

async fn one_case(file: &Path, case: &Case, options: &SuiteOptions) -> CaseResult {
    let mut result = CaseResult {
        file: file.to_path_buf(),
        case: case.name.clone(),
        description: case.description.clone(),
        line: case.line,
        verdict: Verdict::Passed,
        exit: None,
        elapsed: Duration::ZERO,
    };
    let run = match crate::run::run_case(case, case.time_scale.unwrap_or(options.time_scale)).await
    {
        Ok(r) => r,
        Err(why) => {
            result.verdict = Verdict::Failed(vec![format!("could not run: {why}")]);
            return result;
        }
    };
    result.exit = Some(run.exit);
    result.elapsed = run.elapsed;
    let mut failures = crate::expect::judge(case, &run);
    if case.golden {
        match compare_golden(file, case, &run.log, options, failures.is_empty()) {
            Ok(GoldenOutcome::Same) => {}
            Ok(GoldenOutcome::Written) => result.verdict = Verdict::NewGolden,
            Ok(GoldenOutcome::Updated) => result.verdict = Verdict::UpdatedGolden,
            Err(why) => failures.push(why),
        }
    }
    if !failures.is_empty() {
        result.verdict = Verdict::Failed(failures);
    }
    result
}

enum GoldenOutcome {
    Same,
    Written,
    Updated,
}

fn compare_golden(
    file: &Path,
    case: &Case,
    log: &serde_json::Value,
    options: &SuiteOptions,
    expectations_hold: bool,
) -> Result<GoldenOutcome, String> {
    let path = crate::golden::path_for(file, &case.name);
    let keep_met: Vec<&str> = case.expect.objectives.keys().map(String::as_str).collect();
    let actual = crate::golden::render(log, &keep_met);
    let write = |path: &Path| -> Result<(), String> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        std::fs::write(path, &actual).map_err(|e| format!("{}: {e}", path.display()))
    };
    match std::fs::read_to_string(&path) {
        Ok(expected) if expected == actual => Ok(GoldenOutcome::Same),
        // A run that breaks its own expectations is never written as the new truth.
        Ok(_) if options.update && !options.ci && expectations_hold => {
            write(&path)?;
            Ok(GoldenOutcome::Updated)
        }
        Ok(expected) => Err(format!(
            "the DR log differs from its golden {} (- golden, + this run; {}):\n{}",
            path.display(),
            if expectations_hold {
                "`runbook test --update` accepts it"
            } else {
                "`--update` will not accept it while the case's expectations fail"
            },
            crate::golden::diff(&expected, &actual, options.color)
        )),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if options.ci {
                Err(format!(
                    "no golden {} (CI=true: a missing golden fails; run `runbook test --update` locally, review it and commit it)",
                    path.display()
                ))
            } else if !expectations_hold {
                Err(format!(
                    "no golden {} was written: the run does not meet its expectations",
                    path.display()
                ))
            } else {
                write(&path)?;
                Ok(GoldenOutcome::Written)
            }
        }
        Err(e) => Err(format!("cannot read the golden {}: {e}", path.display())),
    }
}
