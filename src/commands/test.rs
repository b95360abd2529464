//! `runbook test [PATH...]`: runs the test cases of runbooks (`*.test.yaml`) against
//! in-process emulators and reports each one.
//!
//! Flow: `--update` under CI refused (exit 2: CI only compares goldens) -> discover test files -> load each (located diagnostics, exit 2 on a broken file) ->
//! run every selected case in parallel on its own emulator (`runbook_test::run_suite`) ->
//! one line per case, failures with their reasons and golden diffs, a closing
//! `N passed, N failed` line -> JUnit / JSON if asked -> exit 0 (all passed) or 1.

use std::io::IsTerminal;
use std::path::PathBuf;

use runbook_test::{CaseResult, SuiteOptions, Verdict};
use serde_json::json;

use crate::exit_code;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TestOutput {
    Human,
    Json,
}

#[derive(Debug, clap::Args)]
#[command(after_help = "\
A test file `drill.test.yaml` beside `drill.yaml` lists cases:

  set: { target_region: westus }           # parameters for every case
  cases:
    - name: failover-fails
      scenario:                              # what the emulator serves
        hub: { failover: { outcome: failed } }
      expect:
        exit: 1
        status: failed
        steps: { monitor_failover: failed }
        log: { post_failover_location: westus2, failover_started: present }
        requests: { \"POST failover\": 1 }

Each case also keeps a golden DR log, redacted of times and ids, in
golden/<runbook>/<case>.json beside the test file: the first run writes it (review
and commit it), later runs diff against it, --update rewrites it. With CI=true a
missing golden fails instead, and --update is refused (exit 2): CI only compares.

Examples:
  runbook test runbooks/                       # every *.test.yaml under runbooks/
  runbook test runbooks/drill.test.yaml -k device-drop
  runbook test runbooks/ --update              # accept changed behaviour (review the diff)
  runbook test runbooks/ --junit results.xml
  runbook schema test > runbook-test.schema.json

Exit codes: 0 every case passed, 1 a case failed, 2 a test file is invalid or none found,
or --update under CI.")]
pub struct TestArgs {
    /// Test files, or directories to search for `*.test.yaml` (default: the current directory).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Run only the cases whose `FILE::CASE` name contains this text.
    #[arg(short = 'k', long = "filter", value_name = "TEXT")]
    pub filter: Option<String>,
    /// Cases run at once (default: the number of CPUs).
    #[arg(short = 'j', long, value_name = "N")]
    pub jobs: Option<usize>,
    /// List the cases (FILE::CASE) that would run, with -k applied, and run none.
    #[arg(long)]
    pub list: bool,
    /// Write goldens that differ or are missing (after reviewing the diff). Refused under CI.
    #[arg(long, visible_alias = "accept")]
    pub update: bool,
    /// Terminal output: human (a line per case) or json (one document).
    #[arg(long, value_enum, default_value_t = TestOutput::Human)]
    pub output: TestOutput,
    /// Also write a JUnit XML report (one test case per case).
    #[arg(long, value_name = "PATH")]
    pub junit: Option<PathBuf>,
    /// Real seconds per emulated second, for the emulator and the engine alike (every wait is
    /// multiplied by it): the default 0.001 runs a 2 h await timeout in 7.2 s and a 15 s poll in
    /// 15 ms.
    #[arg(long, value_name = "SCALE", default_value_t = 0.001)]
    pub time_scale: f64,
}

pub fn run(args: &TestArgs) -> i32 {
    if !(args.time_scale.is_finite() && args.time_scale > 0.0 && args.time_scale <= 1.0) {
        errln!("error: --time-scale must be above 0 and at most 1");
        return exit_code::INVALID;
    }
    let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    // CI judges a change against goldens someone reviewed; one it wrote itself would pass
    // whatever the runbook now does.
    if ci && args.update {
        errln!(
            "error: --update with CI={}: goldens are written by --update outside CI; CI only compares (run it locally, review the goldens and commit them)",
            std::env::var("CI").unwrap_or_default()
        );
        return exit_code::INVALID;
    }
    if let Some(path) = &args.junit
        && let Err(text) = crate::output_paths::check_not_a_record("--junit", path)
    {
        errln!("error: {text}");
        return exit_code::INVALID;
    }
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let files = match runbook_test::discover(&paths) {
        Ok(f) => f,
        Err(e) => {
            errln!("error: {e}");
            return exit_code::INVALID;
        }
    };
    if files.is_empty() {
        errln!(
            "error: no test files (*.test.yaml) under {}",
            paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
        return exit_code::INVALID;
    }
    let mut loaded = Vec::new();
    let mut broken = 0;
    for path in &files {
        match runbook_test::load_test_file(path) {
            Ok(f) => loaded.push(f),
            Err(fail) => {
                broken += 1;
                errln!("{}", fail.render());
            }
        }
    }
    if broken > 0 {
        errln!("error: {broken} test file(s) invalid; no case was run");
        return exit_code::INVALID;
    }
    let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let options = SuiteOptions {
        jobs: args.jobs.unwrap_or_else(|| {
            std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get)
        }),
        time_scale: args.time_scale,
        filter: args.filter.clone(),
        update: args.update,
        ci,
        color,
    };
    let selected: usize = loaded
        .iter()
        .map(|f| {
            f.cases
                .iter()
                .filter(|c| runbook_test::suite::selected(&options, &f.path, &c.name))
                .count()
        })
        .sum();
    if args.list {
        // What would run, without running it: one FILE::CASE per line, as results name them.
        for f in &loaded {
            for c in &f.cases {
                if runbook_test::suite::selected(&options, &f.path, &c.name) {
                    match &c.description {
                        Some(d) => outln!("{}::{}  ({d})", f.path.display(), c.name),
                        None => outln!("{}::{}", f.path.display(), c.name),
                    }
                }
            }
        }
        if selected == 0 {
            return exit_code::INVALID;
        }
        return exit_code::SUCCESS;
    }
    if selected == 0 {
        errln!(
            "error: no case matches -k {}",
            args.filter.as_deref().unwrap_or_default()
        );
        return exit_code::INVALID;
    }
    let Some(runtime) = crate::runtime::start() else {
        return exit_code::INVALID;
    };
    if args.output == TestOutput::Human {
        outln!(
            "running {selected} case(s) from {} file(s), {} at a time",
            loaded.len(),
            options.jobs
        );
    }
    let started = std::time::Instant::now();
    let results = runtime.block_on(runbook_test::run_suite(loaded, &options));
    let wall = started.elapsed();
    let failed = results.iter().filter(|r| !r.passed()).count();
    let passed = results.len() - failed;
    match args.output {
        TestOutput::Human => print_human(&results, color, passed, failed, wall),
        TestOutput::Json => print_json(&results, passed, failed),
    }
    if let Some(path) = &args.junit
        && let Err(e) = std::fs::write(path, crate::reporters::test_junit::render(&results))
    {
        errln!(
            "error: cannot write the JUnit report {}: {e}",
            path.display()
        );
        return exit_code::INVALID;
    }
    if failed > 0 {
        exit_code::DRILL_FAILED
    } else {
        exit_code::SUCCESS
    }
}

fn paint(color: bool, code: &str, text: &str) -> String {
    if color {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

fn print_human(
    results: &[CaseResult],
    color: bool,
    passed: usize,
    failed: usize,
    wall: std::time::Duration,
) {
    for r in results {
        let ms = r.elapsed.as_millis();
        match &r.verdict {
            Verdict::Passed => outln!("{} {} ({ms} ms)", paint(color, "32", "PASS"), r.id()),
            Verdict::NewGolden => outln!(
                "{} {} ({ms} ms): golden written to {}; review and commit it",
                paint(color, "33", "NEW "),
                r.id(),
                runbook_test::golden::path_for(&r.file, &r.case).display()
            ),
            Verdict::UpdatedGolden => outln!(
                "{} {} ({ms} ms): golden rewritten; review the change before committing it",
                paint(color, "33", "UPD "),
                r.id()
            ),
            Verdict::Failed(reasons) => {
                outln!(
                    "{} {} ({ms} ms, line {})",
                    paint(color, "31", "FAIL"),
                    r.id(),
                    r.line
                );
                for reason in reasons {
                    for (i, line) in reason.lines().enumerate() {
                        let lead = if i == 0 { "  - " } else { "    " };
                        outln!("{lead}{line}");
                    }
                }
            }
        }
    }
    outln!("finished in {:.2} s", wall.as_secs_f64());
    // The closing line CI log readers look for.
    outln!("{passed} passed, {failed} failed");
}

fn print_json(results: &[CaseResult], passed: usize, failed: usize) {
    let cases: Vec<_> = results
        .iter()
        .map(|r| {
            let (verdict, failures) = match &r.verdict {
                Verdict::Passed => ("passed", Vec::new()),
                Verdict::NewGolden => ("new_golden", Vec::new()),
                Verdict::UpdatedGolden => ("updated_golden", Vec::new()),
                Verdict::Failed(f) => ("failed", f.clone()),
            };
            json!({
                "file": r.file.display().to_string(),
                "case": r.case,
                "line": r.line,
                "verdict": verdict,
                "exit": r.exit,
                "elapsed_ms": r.elapsed.as_millis() as u64,
                "failures": failures,
            })
        })
        .collect();
    let doc = json!({ "passed": passed, "failed": failed, "cases": cases });
    outln!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
}
