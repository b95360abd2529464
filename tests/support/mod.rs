//! Shared helpers for the end-to-end tests: run the real `runbook` binary, read what it left
//! (DR log, journal), normalise the parts that change from run to run (times, ids, poll
//! counts), and check logs against the checked-in DR-log schema.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod browser;
pub mod fleets;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use iothub_emulator::{Emulator, Scenario};
use serde_json::Value;

/// The time scale every test runs at: a 2 s failover takes 20 ms, a 15 s poll interval 150 ms.
pub const SCALE: &str = "0.01";

/// The subscription the tests' emulators serve hubs under.
pub const EMULATED_SUBSCRIPTION: &str = "00000000-0000-0000-0000-000000000000";

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_runbook")
}

pub fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// What one `runbook exec` left behind.
#[derive(Debug)]
pub struct Exec {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub log: Option<Value>,
    pub journal: Vec<Value>,
    pub journal_text: String,
    pub dir: tempfile::TempDir,
}

/// The one way tests start the binary: in `dir`, stdin closed, no colour, and none of the
/// caller's `AZURE_*`, `RUNBOOK_*`, `CI` or `RUST_LOG` settings (an inherited
/// `AZURE_SUBSCRIPTION_ID` would move the target hub, an inherited `RUNBOOK_LOCK_DIR` would
/// share locks between tests). A test that needs one sets it on the returned command.
///
/// Each run gets private state: `TMPDIR` is `dir/.tmp`, and `RUNBOOK_LOCK_DIR` and
/// `XDG_STATE_HOME` directories in it (tests of the lock itself point two processes at one directory explicitly; tests of the
/// default directory remove the variable, and the default, `<temp>/runbook-locks`, is then
/// `dir/.tmp/runbook-locks`, still the test's own).
pub fn command(dir: &Path) -> Command {
    command_with_tmp(dir, &private_tmp(dir))
}

/// `command` for a run whose working directory is the repository itself (`validate` and
/// `schema` over the checked-in files, whose paths the snapshots show relative to it): its
/// temp dir is under the build's scratch directory, never in the repository.
pub fn command_in_repo() -> Command {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR")).join("runbook-repo-runs");
    std::fs::create_dir_all(&tmp).unwrap();
    command_with_tmp(&repo(""), &tmp)
}

fn command_with_tmp(dir: &Path, tmp: &Path) -> Command {
    let mut c = Command::new(bin());
    c.current_dir(dir).stdin(Stdio::null()).env("NO_COLOR", "1");
    for (key, _) in std::env::vars_os() {
        let Some(key) = key.to_str() else { continue };
        if key.starts_with("AZURE_")
            || key.starts_with("RUNBOOK_")
            || key == "CI"
            || key == "RUST_LOG"
        {
            c.env_remove(key);
        }
    }
    // The shipped runbooks require a subscription (from here or --set); the emulators the
    // tests start serve the all-zero one. Never the developer's own subscription.
    // The state directory holds the key of hub fingerprints: the test's own, never the user's.
    c.env("TMPDIR", tmp)
        .env("AZURE_SUBSCRIPTION_ID", EMULATED_SUBSCRIPTION)
        .env("RUNBOOK_LOCK_DIR", tmp.join("runbook-locks-set"))
        .env("XDG_STATE_HOME", tmp.join("state"));
    c
}

/// `bash -c SCRIPT` in `dir` with exactly the environment `command(dir)` gives the binary,
/// for the few tests that must set a shell limit (`ulimit`) before `exec`ing it.
pub fn shell(dir: &Path, script: &str) -> Command {
    let mut c = wrapper(dir, "bash");
    c.arg("-c").arg(script);
    c
}

/// `program` (a wrapper such as `bash` or `script` that will start the binary) in `dir`, with
/// exactly the environment `command(dir)` gives the binary.
pub fn wrapper(dir: &Path, program: &str) -> Command {
    let base = command(dir);
    let mut c = Command::new(program);
    c.current_dir(dir).stdin(Stdio::null());
    for (key, value) in base.get_envs() {
        match value {
            Some(v) => c.env(key, v),
            None => c.env_remove(key),
        };
    }
    c
}

/// `name` on `PATH`, if it is there.
pub fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// A system tool a test needs, or `None` after a note that `part` of `test` was skipped; under
/// `CI=true` (where `.ci/run` installs the tool) a missing tool fails the test instead.
pub fn tool_or_note(
    test: &str,
    part: &str,
    found: Option<PathBuf>,
    needs: &str,
) -> Option<PathBuf> {
    if found.is_none() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{test}: CI=true but {part} cannot run: it needs {needs}"
        );
        // Past the harness's capture: a skip must be seen on a pass too.
        use std::io::Write as _;
        let _ = writeln!(
            std::io::stderr(),
            "note: {test}: {part} was SKIPPED: it needs {needs}"
        );
    }
    found
}

/// Asserts a finished process exited with `code`, showing what it printed if not.
pub fn assert_exit(out: &Output, code: i32) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `dir/.tmp`, created: the `TMPDIR` of every process `command(dir)` starts.
pub fn private_tmp(dir: &Path) -> PathBuf {
    let tmp = dir.join(".tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    tmp
}

/// The entries a run left in `dir`, other than the private temp dir `command` gives it.
pub fn entries_besides_tmp(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != ".tmp")
        .collect();
    names.sort();
    names
}

/// A spawned process that is killed (SIGKILL) and reaped when dropped, so a failing test
/// leaves no drill or emulator behind. Derefs to the `Child`.
#[derive(Debug)]
pub struct Running(Option<std::process::Child>);

impl Running {
    /// Waits for the process and collects what it printed (piped streams only).
    pub fn wait_with_output(mut self) -> Output {
        self.0.take().unwrap().wait_with_output().unwrap()
    }

    /// Waits for the process to end and returns its exit code (`None`: ended by a signal).
    pub fn wait_code(&mut self) -> Option<i32> {
        self.0.as_mut().unwrap().wait().unwrap().code()
    }
}

impl std::ops::Deref for Running {
    type Target = std::process::Child;
    fn deref(&self) -> &std::process::Child {
        self.0.as_ref().unwrap()
    }
}

impl std::ops::DerefMut for Running {
    fn deref_mut(&mut self) -> &mut std::process::Child {
        self.0.as_mut().unwrap()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.take() {
            // Already ended: kill fails harmlessly and wait returns the status.
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// `Command::spawn` that hands back a `Running` guard.
pub trait Start {
    fn start(&mut self) -> Running;
}

impl Start for Command {
    fn start(&mut self) -> Running {
        Running(Some(self.spawn().unwrap()))
    }
}

/// Runs `cmd` to its end off the async runtime (a blocking wait on a tokio worker would starve
/// the in-process emulator on a 2-worker test runtime).
pub async fn output_of(mut cmd: Command) -> Output {
    tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap()
}

/// Waits for `child` off the async runtime and returns its exit code.
pub async fn code_of(mut child: Running) -> Option<i32> {
    tokio::task::spawn_blocking(move || child.wait_code())
        .await
        .unwrap()
}

/// The arguments that point a run at `emu`: `--arm-endpoint URL --auth emulator
/// --time-scale SCALE`.
pub fn against(emu: &Emulator) -> Vec<String> {
    against_url(emu.base_url(), SCALE)
}

/// `against` for an emulator known by its URL, at `scale`.
pub fn against_url(url: &str, scale: &str) -> Vec<String> {
    [
        "--arm-endpoint",
        url,
        "--auth",
        "emulator",
        "--time-scale",
        scale,
    ]
    .map(str::to_string)
    .to_vec()
}

/// An emulator in the test process from scenario YAML, at the tests' time scale.
pub async fn emulator_yaml(yaml: &str) -> Emulator {
    iothub_emulator::testing::start_yaml(yaml, 0.01)
        .await
        .expect("emulator starts")
}

/// Polls `check` until it holds, at most 60 s (a bound for a hung test, not a timing claim).
pub fn wait_until(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !check() {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
}

/// `wait_until` for async tests: the same bound, without blocking a runtime worker.
pub async fn until(what: &str, check: impl FnMut() -> bool) {
    let mut check = check;
    iothub_emulator::testing::eventually(std::time::Duration::from_secs(60), || {
        std::future::ready(check())
    })
    .await
    .unwrap_or_else(|_| panic!("timed out waiting for {what}"));
}

/// Ends a `complete: manual` failover of `hub` once it is in progress (bounded wait).
pub async fn complete_failover(emu: &Emulator, hub: &str) {
    let done = iothub_emulator::testing::eventually(std::time::Duration::from_secs(60), || {
        std::future::ready(emu.complete_failover(hub).is_ok())
    })
    .await;
    assert!(done.is_ok(), "no failover of {hub} to complete");
}

/// Completes every `complete: manual` failover of `hubs` as soon as it is in progress, until
/// `run` (a fleet on a blocking thread) ends; returns its output.
pub async fn completing_failovers<S: AsRef<str>>(
    emu: &Emulator,
    hubs: &[S],
    run: tokio::task::JoinHandle<Output>,
) -> Output {
    while !run.is_finished() {
        for hub in hubs {
            let _ = emu.complete_failover(hub.as_ref());
        }
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    run.await.unwrap()
}

pub fn collect(out: Output, dir: tempfile::TempDir) -> Exec {
    let log_path = dir.path().join("dr.json");
    let log = std::fs::read_to_string(&log_path)
        .ok()
        .map(|t| serde_json::from_str(&t).expect("DR log is JSON"));
    let journal_text =
        std::fs::read_to_string(dir.path().join("dr.json.jsonl")).unwrap_or_default();
    let journal = journal_text
        .lines()
        .map(|l| serde_json::from_str(l).expect("every journal line is JSON"))
        .collect();
    Exec {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        log,
        journal,
        journal_text,
        dir,
    }
}

/// `runbook exec RUNBOOK --emulator --time-scale 0.01 --log dr.json ARGS...` in a fresh dir.
pub fn exec_emulated(runbook: &str, args: &[&str]) -> Exec {
    let dir = tempfile::tempdir().unwrap();
    let out = command(dir.path())
        .arg("exec")
        .arg(repo(runbook))
        .args(["--emulator", "--time-scale", "0.01", "--log", "dr.json"])
        .args(args)
        .output()
        .unwrap();
    collect(out, dir)
}

/// Human output with run-to-run noise replaced: durations, poll counts, progress lines.
pub fn normalise_human(text: &str) -> String {
    let progress = regex::Regex::new(r"(?m)^  … .*\n").unwrap();
    let dur = regex::Regex::new(r"\((\d+(\.\d+)?(ms|s)|\d+m\d+s|\d+h\d+m)").unwrap();
    let polls = regex::Regex::new(r"after \d+ polls?").unwrap();
    let failover = regex::Regex::new(r"failover:  \d+\.\ds").unwrap();
    let retry_in = regex::Regex::new(r"retrying in \d+(\.\d+)?(ms|s)").unwrap();
    // Every shape `seconds_text` writes: `4.213s`, `12m3s`, and whole minutes or hours
    // without seconds (`3m`, `1h`, `1h2m`), which a minute-grain measure often is.
    let measured =
        regex::Regex::new(r"measured (\d+h(\d+m)?(\d+s)?|\d+m(\d+s)?|\d+(\.\d+)?s)\b").unwrap();
    let t = progress.replace_all(text, "");
    let t = measured.replace_all(&t, "measured [t]");
    let t = dur.replace_all(&t, "([t]");
    let t = polls.replace_all(&t, "after [n] polls");
    let t = failover.replace_all(&t, "failover:  [t]");
    retry_in.replace_all(&t, "retrying in [t]").into_owned()
}

/// The DR log with run-to-run values redacted, for snapshots: the same redaction
/// `runbook test` applies to its goldens.
pub fn redacted_log(log: &Value) -> Value {
    let sha = log["runbook"]["sha256"].as_str().unwrap_or_default();
    assert!(
        sha.len() == 64 && sha.bytes().all(|b| b.is_ascii_hexdigit()),
        "runbook.sha256 is not a SHA-256: {sha}"
    );
    runbook_test::golden::redact(log)
}

/// Asserts `log` satisfies `schemas/dr-log.schema.json`.
pub fn assert_log_matches_schema(log: &Value) {
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(repo("schemas/dr-log.schema.json")).unwrap())
            .unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the DR-log schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(log)
        .map(|e| format!("{} at {}", e, e.instance_path().as_str()))
        .collect();
    assert!(
        errors.is_empty(),
        "DR log does not match its schema:\n{}",
        errors.join("\n")
    );
}

/// The journal must be a complete record: run_started first, run_finished last, and every
/// finished step also in the log.
pub fn assert_journal_complete(e: &Exec) {
    assert!(!e.journal.is_empty(), "journal is empty");
    assert_eq!(e.journal[0]["event"], "run_started");
    assert_eq!(e.journal.last().unwrap()["event"], "run_finished");
    let finished: Vec<&str> = e
        .journal
        .iter()
        .filter(|ev| ev["event"] == "step_finished")
        .map(|ev| ev["record"]["step"].as_str().unwrap())
        .collect();
    let logged: Vec<&str> = e.log.as_ref().unwrap()["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["step"].as_str().unwrap())
        .collect();
    assert_eq!(finished, logged, "journal and DR log disagree on the steps");
}

pub fn step<'a>(log: &'a Value, id: &str) -> &'a Value {
    log["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["step"] == id)
        .unwrap_or_else(|| panic!("no step {id} in the log"))
}

/// Starts an emulator in the test process so the test can read its request log.
pub async fn emulator(scenario: &str) -> Emulator {
    let s = Scenario::load(&repo(&format!("tests/fixtures/scenarios/{scenario}.yaml")))
        .expect("scenario loads");
    iothub_emulator::testing::start(s, 0.01)
        .await
        .expect("emulator starts")
}

/// An emulator serving only the default hub (`myIoTHub` in `myResourceGroup`, subscription
/// 0000...), at `time_scale`.
pub async fn single_hub_emulator(time_scale: f64) -> Emulator {
    let s = Scenario::single_hub(
        "00000000-0000-0000-0000-000000000000",
        "myResourceGroup",
        "myIoTHub",
    );
    iothub_emulator::testing::start(s, time_scale)
        .await
        .expect("emulator starts")
}

/// Runs `runbook exec` against a running emulator (as one would a standalone `runbook emulator`).
pub async fn exec_against(emu: &Emulator, runbook: &str, args: &[&str]) -> Exec {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = command(dir.path());
    cmd.arg("exec")
        .arg(repo(runbook))
        .args(against(emu))
        .args(["--log", "dr.json"])
        .args(args);
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    collect(out, dir)
}

pub fn posts(reqs: &[iothub_emulator::RecordedRequest]) -> Vec<&iothub_emulator::RecordedRequest> {
    reqs.iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/failover"))
        .collect()
}

/// Milliseconds between two recorded requests, from the emulator's own clock.
pub fn gap_ms(a: &iothub_emulator::RecordedRequest, b: &iothub_emulator::RecordedRequest) -> f64 {
    let parse = |s: &str| {
        time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
            .expect("RFC 3339 request time")
    };
    (parse(&b.time) - parse(&a.time)).as_seconds_f64() * 1000.0
}

/// The run left a DR log that matches its schema and a journal that agrees with it.
pub fn check_log(e: &Exec) -> &serde_json::Value {
    let log = e
        .log
        .as_ref()
        .unwrap_or_else(|| panic!("no DR log; stdout:\n{}\nstderr:\n{}", e.stdout, e.stderr));
    assert_log_matches_schema(log);
    assert_journal_complete(e);
    log
}

/// Starts `runbook exec RUNBOOK` in `dir` against a running emulator, without waiting.
pub fn spawn_exec_against(emu: &Emulator, dir: &Path, runbook: &str) -> Running {
    command(dir)
        .arg("exec")
        .arg(repo(runbook))
        .args(against(emu))
        .args(["--yes", "--log", "dr.json"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .start()
}

/// Waits (bounded, 30 s) until the run's journal in `dir` contains `needle`: the way tests
/// learn a run reached a point, instead of sleeping and hoping.
pub fn wait_for_journal(dir: &Path, needle: &str) {
    wait_for_journal_count(dir, needle, 1);
}

/// Waits (bounded, 30 s) until `needle` appears at least `times` times in the run's journal.
pub fn wait_for_journal_count(dir: &Path, needle: &str, times: usize) {
    let journal = dir.join("dr.json.jsonl");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let text = std::fs::read_to_string(&journal).unwrap_or_default();
        if text.matches(needle).count() >= times {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the run never wrote {needle} {times} times:\n{text}"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

/// Sends SIGINT (Ctrl-C) to a child process.
pub fn interrupt(child: &std::process::Child) {
    let ok = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill -INT failed");
}

/// `exec_emulated` with a scenario from `tests/fixtures/scenarios/` and `--yes`.
pub fn exec_scenario(runbook: &str, scenario: &str) -> Exec {
    let path = repo(&format!("tests/fixtures/scenarios/{scenario}.yaml"));
    exec_emulated(runbook, &["--yes", "--scenario", path.to_str().unwrap()])
}

/// The crash-test hook of the binary: it freezes itself (SIGSTOP) right after its journal
/// writer has put this many events on disk.
pub const STOP_AFTER_EVENT: &str = "RUNBOOK_CRASH_TEST_STOP_AFTER_EVENT";

/// Spawns `cmd` with the crash-test hook at event `n`, waits (bounded) until the process has
/// stopped itself there, and kills it with SIGKILL. Panics if it ended without stopping.
pub fn kill_at_event(mut cmd: Command, n: usize) {
    let mut child = cmd
        .env(STOP_AFTER_EVENT, n.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .start();
    assert!(
        stopped_at_hook(&mut child),
        "the run ended before its event {n}"
    );
    child.kill().unwrap();
    child.wait().unwrap();
}

/// Waits (bounded, blocking) until `child` has stopped itself at the crash-test hook
/// (`STOP_AFTER_EVENT`): `true`, or `false` if it ended first.
pub fn stopped_at_hook(child: &mut std::process::Child) -> bool {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        let stat =
            std::fs::read_to_string(format!("/proc/{}/stat", child.id())).unwrap_or_default();
        // The state letter follows the command name, which is in parentheses.
        if stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('T'))
        {
            return true;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the run neither stopped nor ended"
        );
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
}

/// The 1-based position of the first journal line containing `needle`.
pub fn event_number(journal: &str, needle: &str) -> usize {
    journal
        .lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no {needle} in the journal:\n{journal}"))
        + 1
}

/// The preflight check `name` (`cooldown`, `locks`, ...) of a DR log.
pub fn preflight_check<'a>(log: &'a Value, name: &str) -> &'a Value {
    log["preflight"]["checks"]
        .as_array()
        .unwrap_or_else(|| panic!("no preflight in the log: {log}"))
        .iter()
        .find(|c| c["check"] == name)
        .unwrap_or_else(|| panic!("no preflight check {name} in the log"))
}
