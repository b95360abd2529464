//! What a run writes besides its record, and what it prints, through the real binary: side
//! outputs (`--junit`, `--report`) never replace the run's DR log or journal, nor any other
//! run's; a `--log` that is a symlink is refused before anything runs; a DR log that could not
//! be written never reads as a success; ARM text reaches the terminal with its control
//! characters escaped; `runbook report` over a fleet directory passes over `fleet.json`; and
//! CI never writes goldens.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;
use std::process::Output;

use support::*;

/// What one command left: exit code and both streams.
struct Ran {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Ran {
    fn from(out: Output) -> Ran {
        Ran {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    fn show(&self) -> String {
        format!("stdout:\n{}\nstderr:\n{}", self.stdout, self.stderr)
    }
}

/// `runbook ARGS...` in `dir`.
fn runbook(dir: &Path, args: &[&str]) -> Ran {
    Ran::from(command(dir).args(args).output().unwrap())
}

/// `runbook exec runbooks/verify.yaml --emulator --yes ARGS...` in `dir`: a quick read-only
/// drill that succeeds.
fn verify_in(dir: &Path, args: &[&str]) -> Ran {
    let file = repo("runbooks/verify.yaml");
    let mut all = vec![
        "exec",
        file.to_str().unwrap(),
        "--emulator",
        "--time-scale",
        SCALE,
        "--yes",
    ];
    all.extend_from_slice(args);
    runbook(dir, &all)
}

/// Asserts a refusal came up front: exit 2, the message on stderr, and no run (no journal,
/// no step line).
fn assert_refused_before_running(r: &Ran, dir: &Path, needle: &str) {
    assert_eq!(r.code, 2, "{}", r.show());
    assert!(
        r.stderr.contains(needle),
        "expected {needle:?}; {}",
        r.show()
    );
    assert!(
        !r.stdout.contains('✓'),
        "a step ran before the refusal; {}",
        r.show()
    );
    let journals: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".jsonl"))
        .collect();
    assert!(journals.is_empty(), "a journal was created: {journals:?}");
}

// ---- 1. side outputs never overwrite a run's record -------------------------------------

#[test]
fn junit_naming_the_log_is_refused_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    let r = verify_in(dir.path(), &["--log", "v.json", "--junit", "v.json"]);
    assert_refused_before_running(&r, dir.path(), "--junit v.json");
    assert!(r.stderr.contains("DR log"), "{}", r.show());
    assert!(!dir.path().join("v.json").exists());
}

#[test]
fn junit_naming_the_journal_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let r = verify_in(dir.path(), &["--log", "b.json", "--junit", "b.json.jsonl"]);
    assert_refused_before_running(&r, dir.path(), "--junit b.json.jsonl");
    assert!(r.stderr.contains("journal"), "{}", r.show());
}

#[test]
fn report_naming_the_log_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let r = verify_in(dir.path(), &["--report", "x.md", "--log", "x.md"]);
    assert_refused_before_running(&r, dir.path(), "--report x.md");
    assert!(!dir.path().join("x.md").exists());
}

#[test]
fn junit_and_report_naming_one_file_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let r = verify_in(
        dir.path(),
        &[
            "--log", "dr.json", "--junit", "out.md", "--report", "./out.md",
        ],
    );
    assert_refused_before_running(&r, dir.path(), "out.md");
}

#[test]
fn side_outputs_never_replace_an_earlier_runs_log_or_journal() {
    let dir = tempfile::tempdir().unwrap();
    let first = verify_in(dir.path(), &["--log", "old.json"]);
    assert_eq!(first.code, 0, "{}", first.show());
    let old_log = std::fs::read(dir.path().join("old.json")).unwrap();
    let old_journal = std::fs::read(dir.path().join("old.json.jsonl")).unwrap();
    // A copy of the old log under a report's name is still a DR log: content decides.
    std::fs::write(dir.path().join("kept.md"), &old_log).unwrap();

    for (flag, path) in [
        ("--junit", "old.json"),
        ("--junit", "old.json.jsonl"),
        ("--report", "kept.md"),
    ] {
        let r = verify_in(dir.path(), &["--log", "new.json", flag, path]);
        assert_eq!(r.code, 2, "{flag} {path}: {}", r.show());
        assert!(
            r.stderr.contains(&format!("{flag} {path}")),
            "{flag} {path}: {}",
            r.show()
        );
        assert!(!dir.path().join("new.json.jsonl").exists(), "it ran");
    }
    // `runbook report -o` is a side output too.
    for target in ["old.json", "kept.md"] {
        let r = runbook(
            dir.path(),
            &["report", "old.json", "-o", target, "--format", "md"],
        );
        assert_eq!(r.code, 2, "report -o {target}: {}", r.show());
        assert!(
            r.stderr
                .contains(&format!("-o {target} is an existing DR log")),
            "{}",
            r.show()
        );
    }
    assert_eq!(std::fs::read(dir.path().join("old.json")).unwrap(), old_log);
    assert_eq!(
        std::fs::read(dir.path().join("old.json.jsonl")).unwrap(),
        old_journal
    );
    assert_eq!(std::fs::read(dir.path().join("kept.md")).unwrap(), old_log);
}

#[test]
fn a_side_output_over_an_ordinary_file_is_still_written() {
    // Last run's JUnit file is not a record: replacing it is what --junit is for.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("junit.xml"), "<old/>").unwrap();
    std::fs::write(dir.path().join("notes.jsonl"), "not a journal\n").unwrap();
    let r = verify_in(
        dir.path(),
        &[
            "--log",
            "dr.json",
            "--junit",
            "junit.xml",
            "--report",
            "r.md",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.show());
    let junit = std::fs::read_to_string(dir.path().join("junit.xml")).unwrap();
    assert!(junit.starts_with("<?xml"), "{junit}");
    let r = verify_in(dir.path(), &["--log", "dr2.json", "--junit", "notes.jsonl"]);
    assert_eq!(r.code, 0, "{}", r.show());
}

/// Kills a drill mid-failover (against `emu`), leaving `dr.json.jsonl` to resume.
async fn killed_run(emu: &iothub_emulator::Emulator) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut child = spawn_exec_against(emu, dir.path(), "runbooks/drill.yaml");
    let d = dir.path().to_path_buf();
    tokio::task::spawn_blocking(move || wait_for_journal(&d, "\"event\":\"failover_started\""))
        .await
        .unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    dir
}

async fn resume_with(emu: &iothub_emulator::Emulator, dir: &Path, extra: &[&str]) -> Ran {
    let mut cmd = command(dir);
    cmd.arg("resume").arg("dr.json.jsonl").args([
        "--arm-endpoint",
        emu.base_url(),
        "--auth",
        "emulator",
        "--time-scale",
        SCALE,
    ]);
    cmd.args(extra);
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    Ran::from(out)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_refuses_side_outputs_over_its_journal_or_an_earlier_log() {
    let emu = emulator("slow-failover").await;
    let dir = killed_run(&emu).await;
    let journal = std::fs::read(dir.path().join("dr.json.jsonl")).unwrap();
    // Some earlier drill's log in the same directory.
    let other = verify_in(dir.path(), &["--log", "earlier.json"]);
    assert_eq!(other.code, 0, "{}", other.show());
    let earlier = std::fs::read(dir.path().join("earlier.json")).unwrap();

    for (flag, path) in [("--junit", "dr.json.jsonl"), ("--junit", "earlier.json")] {
        let r = resume_with(&emu, dir.path(), &[flag, path]).await;
        assert_eq!(r.code, 2, "{flag} {path}: {}", r.show());
        assert!(
            r.stderr.contains(&format!("{flag} {path}")),
            "{flag} {path}: {}",
            r.show()
        );
    }
    assert_eq!(
        std::fs::read(dir.path().join("dr.json.jsonl")).unwrap(),
        journal,
        "the refused resume touched the journal"
    );
    assert_eq!(
        std::fs::read(dir.path().join("earlier.json")).unwrap(),
        earlier
    );
    assert!(!dir.path().join("dr.json").exists());

    // With a free name it resumes, writes the JUnit file, and the journal stays a journal.
    let r = resume_with(&emu, dir.path(), &["--junit", "resumed.xml"]).await;
    assert_eq!(r.code, 0, "{}", r.show());
    assert!(dir.path().join("resumed.xml").exists());
    assert_eq!(posts(&emu.requests()).len(), 1);
}

#[test]
fn test_junit_over_a_dr_log_is_refused_before_any_case_runs() {
    let dir = tempfile::tempdir().unwrap();
    let first = verify_in(dir.path(), &["--log", "dr.json"]);
    assert_eq!(first.code, 0, "{}", first.show());
    let log = std::fs::read(dir.path().join("dr.json")).unwrap();
    let runbooks = dir.path().join("runbooks");
    std::fs::create_dir_all(&runbooks).unwrap();
    for f in ["verify.yaml", "verify.test.yaml"] {
        std::fs::copy(repo(&format!("runbooks/{f}")), runbooks.join(f)).unwrap();
    }
    let out = command(dir.path())
        .env_remove("CI")
        .args(["test", "runbooks", "--junit", "dr.json"])
        .output()
        .unwrap();
    let r = Ran::from(out);
    assert_eq!(r.code, 2, "{}", r.show());
    assert!(
        r.stderr.contains("--junit dr.json is an existing DR log"),
        "{}",
        r.show()
    );
    assert!(!r.stdout.contains("running"), "cases ran: {}", r.show());
    assert_eq!(std::fs::read(dir.path().join("dr.json")).unwrap(), log);
}

// ---- 2. a symlinked --log, and a DR log that could not be written ------------------------

#[test]
fn a_dangling_symlink_as_log_is_refused_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink("nowhere/dl.json", dir.path().join("dl.json")).unwrap();
    let r = verify_in(dir.path(), &["--log", "dl.json"]);
    assert_refused_before_running(&r, dir.path(), "symlink");
    assert!(r.stderr.contains("dl.json"), "{}", r.show());
    assert!(!r.stdout.contains("SUCCEEDED"), "{}", r.show());
}

#[test]
fn a_symlink_to_a_free_name_as_log_is_refused_too() {
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink("target.json", dir.path().join("link.json")).unwrap();
    let r = verify_in(dir.path(), &["--log", "link.json"]);
    assert_refused_before_running(&r, dir.path(), "symlink");
    assert!(!dir.path().join("target.json").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_writes_its_log_beside_a_dangling_symlink_not_through_it() {
    let emu = emulator("slow-failover").await;
    let dir = killed_run(&emu).await;
    std::os::unix::fs::symlink("nowhere/dr.json", dir.path().join("dr.json")).unwrap();
    let r = resume_with(&emu, dir.path(), &[]).await;
    assert_eq!(r.code, 0, "{}", r.show());
    assert!(
        r.stdout.contains("DR log:    dr.resumed.json"),
        "{}",
        r.show()
    );
    let log: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("dr.resumed.json")).unwrap())
            .unwrap();
    assert_eq!(log["status"], "succeeded");
    assert!(
        std::fs::symlink_metadata(dir.path().join("dr.json"))
            .unwrap()
            .file_type()
            .is_symlink(),
        "the link is left as it was"
    );
    assert_eq!(posts(&emu.requests()).len(), 1);
}

/// A drill that reads the hub, naps 500 s (5 s at the tests' time scale: the window in which
/// the test takes the log's name), then ends as `last` says.
fn napping_runbook(dir: &Path, last: &str) -> std::path::PathBuf {
    let path = dir.join("nap.yaml");
    std::fs::write(
        &path,
        format!(
            "version: 1
name: nap
target:
  subscription: 00000000-0000-0000-0000-000000000000
  resource_group: myResourceGroup
  hub: myIoTHub
steps:
  - id: check
    validate: {{ state: Active }}
  - id: nap
    sleep: 500s
{last}"
        ),
    )
    .unwrap();
    path
}

/// Runs `runbook` (exec with `--emulator`, log `dr.json`), and once the journal shows the nap
/// started, puts a file at `dr.json`: the DR log write at the end then fails.
fn run_with_log_taken(runbook: &Path, dir: &Path) -> Ran {
    run_with_log_taken_then(runbook, dir, false)
}

/// As `run_with_log_taken`; with `interrupt`, Ctrl-C (SIGINT) follows once the file is there.
fn run_with_log_taken_then(runbook: &Path, dir: &Path, interrupt: bool) -> Ran {
    let child = command(dir)
        .arg("exec")
        .arg(runbook)
        .args([
            "--emulator",
            "--time-scale",
            SCALE,
            "--yes",
            "--log",
            "dr.json",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .start();
    wait_for_journal(dir, "\"step\":\"nap\"");
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(dir.join("dr.json"))
        .expect("the run was still napping")
        .write_all(b"someone else's file\n")
        .unwrap();
    if interrupt {
        let sent = std::process::Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
    }
    Ran::from(child.wait_with_output())
}

use std::io::Write as _;

#[test]
fn a_successful_drill_whose_log_was_not_written_never_reads_succeeded() {
    let dir = tempfile::tempdir().unwrap();
    let rb = napping_runbook(dir.path(), "");
    let r = run_with_log_taken(&rb, dir.path());
    assert_eq!(r.code, 1, "{}", r.show());
    assert!(!r.stdout.contains("SUCCEEDED"), "{}", r.show());
    assert!(r.stdout.contains("NOT WRITTEN"), "{}", r.show());
    assert!(r.stdout.contains("dr.json.jsonl"), "{}", r.show());
    assert!(
        r.stderr.contains("cannot write the DR log dr.json"),
        "{}",
        r.show()
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("dr.json")).unwrap(),
        "someone else's file\n",
        "the file in the way is never replaced"
    );
    let journal = std::fs::read_to_string(dir.path().join("dr.json.jsonl")).unwrap();
    assert!(journal.contains("\"event\":\"run_finished\""), "{journal}");
}

#[test]
fn an_aborted_drill_whose_log_was_not_written_exits_1_not_3() {
    let dir = tempfile::tempdir().unwrap();
    let rb = napping_runbook(
        dir.path(),
        "  - id: wrong_state\n    validate: { state: FailingOver }\n",
    );
    let r = run_with_log_taken(&rb, dir.path());
    assert_eq!(r.code, 1, "a lost log outranks `aborted` (3): {}", r.show());
    assert!(r.stdout.contains("NOT WRITTEN"), "{}", r.show());
    assert!(r.stdout.contains("aborted"), "{}", r.show());
    assert!(r.stdout.contains("dr.json.jsonl"), "{}", r.show());
}

#[test]
fn a_drill_whose_cleanup_failed_keeps_exit_4_when_its_log_was_not_written_too() {
    // A failed `finally` step (4) says more than a lost log (1): the hub may need a hand.
    let dir = tempfile::tempdir().unwrap();
    let rb = napping_runbook(
        dir.path(),
        "finally:\n  - id: cleanup\n    validate: { state: FailingOver }\n",
    );
    let r = run_with_log_taken(&rb, dir.path());
    assert_eq!(r.code, 4, "{}", r.show());
    assert!(r.stdout.contains("NOT WRITTEN"), "{}", r.show());
    assert!(r.stdout.contains("dr.json.jsonl"), "{}", r.show());
}

#[test]
fn an_interrupted_drill_keeps_exit_130_when_its_log_was_not_written_too() {
    let dir = tempfile::tempdir().unwrap();
    let rb = napping_runbook(dir.path(), "");
    let r = run_with_log_taken_then(&rb, dir.path(), true);
    assert_eq!(r.code, 130, "{}", r.show());
    assert!(r.stdout.contains("NOT WRITTEN"), "{}", r.show());
    assert!(r.stdout.contains("dr.json.jsonl"), "{}", r.show());
}

// ---- 3. control characters from ARM are escaped on the terminal --------------------------

/// Characters that act on a terminal: OSC title change, BEL, clear screen, CR, bidi overrides
/// and isolates.
const HOSTILE: [char; 8] = [
    '\u{1b}', '\u{7}', '\r', '\u{202a}', '\u{202e}', '\u{2066}', '\u{2069}', '\u{8}',
];

#[test]
fn arm_error_text_reaches_the_terminal_escaped() {
    let dir = tempfile::tempdir().unwrap();
    // YAML double-quoted escapes put the raw characters into the emulator's error message.
    let message = r#"Failover failed\x1b]0;pwned\x07\x1b[2J\rSUCCEEDED \u202Edlrow\u202C \u2066iso\u2069 \u202Aemb\x08!"#;
    let scenario = dir.path().join("hostile.yaml");
    std::fs::write(
        &scenario,
        format!(
            "hubs:
  - name: myIoTHub
    resource_group: myResourceGroup
    subscription: 00000000-0000-0000-0000-000000000000
    location: westus2
    secondary: westus
    failover:
      duration: 2s
      outcome: failed
      error: {{ code: FailoverFailed, message: \"{message}\" }}
"
        ),
    )
    .unwrap();
    let file = repo("runbooks/failover-test.yaml");
    let r = runbook(
        dir.path(),
        &[
            "exec",
            file.to_str().unwrap(),
            "--emulator",
            "--scenario",
            scenario.to_str().unwrap(),
            "--time-scale",
            SCALE,
            "--yes",
            "--log",
            "dr.json",
        ],
    );
    assert_eq!(r.code, 1, "{}", r.show());
    for c in HOSTILE {
        assert!(
            !r.stdout.contains(c),
            "{c:?} reached the terminal raw:\n{:?}",
            r.stdout
        );
    }
    let escaped = r"Failover failed\u{1b}]0;pwned\u{7}\u{1b}[2J\u{d}SUCCEEDED \u{202e}dlrow";
    let step_line = r
        .stdout
        .lines()
        .find(|l| l.starts_with('✗') && l.contains("wait_test_failover"))
        .unwrap_or_else(|| panic!("no failed step line:\n{}", r.stdout));
    assert!(step_line.contains(escaped), "{step_line}");
    assert!(step_line.contains(r"\u{2066}iso\u{2069}"), "{step_line}");
    let reason = r
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("reason:"))
        .unwrap_or_else(|| panic!("no reason line:\n{}", r.stdout));
    assert!(reason.contains(escaped), "{reason}");
    // Only the terminal is escaped: the DR log keeps ARM's text as it was.
    let log: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("dr.json")).unwrap())
            .unwrap();
    let logged = step(&log, "wait_test_failover")["error"]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(logged.contains("\u{1b}]0;pwned\u{7}"), "{logged:?}");
}

// ---- 4. `runbook report` over a fleet directory -------------------------------------------

#[test]
fn report_over_a_fleet_directory_passes_over_fleet_json() {
    let dir = tempfile::tempdir().unwrap();
    let fleet_runbook = repo("tests/fixtures/fleet/drill.yaml");
    let scenario = repo("tests/fixtures/fleet/twenty.yaml");
    let r = runbook(
        dir.path(),
        &[
            "exec",
            fleet_runbook.to_str().unwrap(),
            "--emulator",
            "--scenario",
            scenario.to_str().unwrap(),
            "--time-scale",
            SCALE,
            "--yes",
            "--fleet-dir",
            "fleet",
            "--limit",
            "3",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.show());
    // What the shell makes of `fleet/*.json`: sorted, fleet.json among the hub logs.
    let mut inputs: Vec<String> = std::fs::read_dir(dir.path().join("fleet"))
        .unwrap()
        .flatten()
        .map(|e| format!("fleet/{}", e.file_name().to_string_lossy()))
        .filter(|n| n.ends_with(".json"))
        .collect();
    inputs.sort();
    assert_eq!(inputs.len(), 4, "{inputs:?}");
    assert!(inputs.contains(&"fleet/fleet.json".to_string()));

    let mut args = vec!["report"];
    args.extend(inputs.iter().map(String::as_str));
    let r = runbook(dir.path(), &args);
    assert_eq!(r.code, 0, "{}", r.show());
    assert!(
        r.stderr.contains(
            "fleet/fleet.json is a fleet log, passed over: rendering the hub logs (for the fleet's page give its directory: runbook report fleet)"
        ),
        "{}",
        r.show()
    );
    for hub in inputs.iter().filter(|n| !n.ends_with("fleet.json")) {
        let name = hub.trim_start_matches("fleet/").trim_end_matches(".json");
        assert!(r.stdout.contains(name), "{name} missing: {}", r.show());
    }

    let r = runbook(dir.path(), &["report", "fleet/fleet.json"]);
    assert_eq!(r.code, 2, "{}", r.show());
    assert!(
        r.stderr
            .contains("fleet/fleet.json is a fleet log; for the fleet's page give its directory (runbook report fleet)"),
        "{}",
        r.show()
    );
    assert!(r.stdout.is_empty(), "{}", r.show());
}

// ---- 5. CI never writes goldens ------------------------------------------------------------

#[test]
fn update_under_ci_is_refused_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let runbooks = dir.path().join("runbooks");
    std::fs::create_dir_all(runbooks.join("golden/verify")).unwrap();
    for f in ["verify.yaml", "verify.test.yaml"] {
        std::fs::copy(repo(&format!("runbooks/{f}")), runbooks.join(f)).unwrap();
    }
    // Every golden missing: without the refusal, --update would write them all.
    for ci in ["true", "1"] {
        let out = command(dir.path())
            .env("CI", ci)
            .args(["test", "runbooks", "--update"])
            .output()
            .unwrap();
        let r = Ran::from(out);
        assert_eq!(r.code, 2, "CI={ci}: {}", r.show());
        assert!(
            r.stderr
                .contains("goldens are written by --update outside CI; CI only compares"),
            "{}",
            r.show()
        );
        assert!(!r.stdout.contains("running"), "cases ran: {}", r.show());
        let written: Vec<_> = std::fs::read_dir(runbooks.join("golden/verify"))
            .unwrap()
            .collect();
        assert!(written.is_empty(), "CI wrote goldens: {written:?}");
    }
    // Outside CI, --update writes them.
    let out = command(dir.path())
        .env_remove("CI")
        .args(["test", "runbooks", "--update"])
        .output()
        .unwrap();
    let r = Ran::from(out);
    assert_eq!(r.code, 0, "{}", r.show());
    assert!(
        std::fs::read_dir(runbooks.join("golden/verify"))
            .unwrap()
            .next()
            .is_some()
    );
}
