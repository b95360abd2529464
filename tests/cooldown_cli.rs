//! The failover cooldown's edges through the binary (README, "Failover cooldown"): files not
//! modified within the last day are passed over; a refusal after the run already failed the
//! hub over is exit 1, not 3; `--force-cooldown` works on `resume`; and forcing a check that
//! would not refuse changes nothing but the record; history files that cannot be read (a FIFO,
//! a directory, a dangling link, bytes that are not text) are passed over without a hang.
//!
//! Runs use the tests' time scale against an emulator in the test process, so "an hour" is
//! 36 s and "a day" 864 s; an earlier run is a DR log written beside this run's.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;
use std::time::{Duration, SystemTime};

use iothub_emulator::Emulator;
use serde_json::{Value, json};
use support::*;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

const HUB: &str = "hubs: [{ name: myIoTHub, location: westus2, secondary: westus }]";

/// A DR log of an earlier drill on the default hub whose failback (westus -> westus2)
/// completed `secs` seconds ago: inside the scaled hour for any `secs` below 36.
fn earlier_failback(secs: i64) -> Value {
    let at = (OffsetDateTime::now_utc() - time::Duration::seconds(secs))
        .replace_nanosecond(0)
        .unwrap()
        .format(&Rfc3339)
        .unwrap();
    json!({
        "schema_version": "1", "run_id": "earlier", "status": "succeeded",
        "subscription": "00000000-0000-0000-0000-000000000000",
        "resource_group": "myResourceGroup", "hub_name": "myIoTHub",
        "steps": [
            {"step": "initiate_failover", "kind": "failover", "status": "success", "inputs": {},
             "outputs": {"region": "westus2", "from_region": "westus", "status": "success"}},
            {"step": "monitor_failover", "kind": "await", "status": "success",
             "inputs": {"operation": "initiate_failover"},
             "outputs": {"completed_at": at, "status": "success"}},
        ]
    })
}

fn write_earlier(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("earlier.json");
    std::fs::write(&path, earlier_failback(5).to_string()).unwrap();
    path
}

fn exec(emu: &Emulator, dir: &Path, runbook: &str, log: &str) -> std::process::Command {
    let mut c = command(dir);
    c.arg("exec")
        .arg(repo(runbook))
        .args(against(emu))
        .args(["--yes", "--log", log]);
    c
}

fn read(dir: &Path, name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join(name)).unwrap()).unwrap()
}

fn shown(out: &std::process::Output) -> String {
    format!(
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_history_file_not_modified_within_the_last_day_is_passed_over() {
    let emu = emulator_yaml(HUB).await;
    let dir = tempfile::tempdir().unwrap();
    let earlier = write_earlier(dir.path());

    // Fresh, the earlier failback refuses the drill (the control).
    let out = output_of(exec(&emu, dir.path(), "runbooks/drill.yaml", "fresh.json")).await;
    assert_eq!(out.status.code(), Some(3), "{}", shown(&out));
    let cooldown = preflight_check(&read(dir.path(), "fresh.json"), "cooldown").clone();
    assert_eq!(cooldown["outcome"], "refused", "{cooldown}");
    assert_eq!(cooldown["source"], "local files", "{cooldown}");
    // The refused run's own log is history too, but records no failover; it goes as well.
    std::fs::remove_file(dir.path().join("fresh.json")).unwrap();
    let _ = std::fs::remove_file(dir.path().join("fresh.json.jsonl"));

    // The same file, last modified ten days ago (past any day, scaled or not): passed over.
    let ten_days_ago = SystemTime::now() - Duration::from_secs(10 * 24 * 3600);
    std::fs::File::options()
        .write(true)
        .open(&earlier)
        .unwrap()
        .set_modified(ten_days_ago)
        .unwrap();
    let out = output_of(exec(&emu, dir.path(), "runbooks/drill.yaml", "dr.json")).await;
    assert_eq!(out.status.code(), Some(0), "{}", shown(&out));
    assert_eq!(posts(&emu.requests()).len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusal_after_the_run_failed_the_hub_over_exits_1() {
    let emu = emulator_yaml(HUB).await;
    let dir = tempfile::tempdir().unwrap();
    // No earlier file: the run's own failover is what blocks its failback.
    let out = output_of(exec(
        &emu,
        dir.path(),
        "tests/fixtures/exec/failover-and-back.yaml",
        "dr.json",
    ))
    .await;
    assert_eq!(out.status.code(), Some(1), "{}", shown(&out));
    let log = read(dir.path(), "dr.json");
    assert_eq!(log["status"], "failed");
    assert_eq!(log["changed"], true);
    assert_eq!(step(&log, "go")["status"], "success");
    assert_eq!(step(&log, "back")["error"]["code"], "FailoverCooldown");
    assert_eq!(
        posts(&emu.requests()).len(),
        1,
        "the failback was not posted"
    );
}

/// A drill killed (at its first journal event, before any step) beside an earlier failback,
/// then resumed with `extra`.
async fn resumed_beside_a_recent_failback(extra: &[&str]) -> (Emulator, tempfile::TempDir, Value) {
    let emu = emulator_yaml(HUB).await;
    let dir = tempfile::tempdir().unwrap();
    write_earlier(dir.path());
    let cmd = exec(&emu, dir.path(), "runbooks/drill.yaml", "dr.json");
    tokio::task::spawn_blocking(move || kill_at_event(cmd, 1))
        .await
        .unwrap();
    assert!(posts(&emu.requests()).is_empty());
    let mut resume = command(dir.path());
    resume
        .arg("resume")
        .arg("dr.json.jsonl")
        .args(against(&emu))
        .arg("--yes")
        .args(extra);
    let out = output_of(resume).await;
    let log = read(dir.path(), "dr.json");
    let _ = shown(&out);
    (emu, dir, log)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_refuses_inside_the_cooldown_and_force_cooldown_overrides_it() {
    let (emu, _dir, log) = resumed_beside_a_recent_failback(&[]).await;
    assert_eq!(log["status"], "aborted", "{log}");
    assert_eq!(
        step(&log, "initiate_failover")["error"]["code"],
        "FailoverCooldown"
    );
    assert!(posts(&emu.requests()).is_empty());

    let (emu, _dir, log) = resumed_beside_a_recent_failback(&["--force-cooldown"]).await;
    assert_eq!(log["status"], "succeeded", "{log}");
    let s = step(&log, "initiate_failover");
    assert_eq!(s["status"], "warning");
    let details = s["details"].as_str().unwrap();
    assert!(details.contains("--force-cooldown"), "{details}");
    assert!(details.contains("would have refused"), "{details}");
    assert_eq!(posts(&emu.requests()).len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn force_cooldown_where_the_check_would_not_refuse_changes_nothing_but_the_record() {
    let emu = emulator_yaml(HUB).await;
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = exec(&emu, dir.path(), "runbooks/drill.yaml", "dr.json");
    cmd.arg("--force-cooldown");
    let out = output_of(cmd).await;
    assert_eq!(out.status.code(), Some(0), "{}", shown(&out));
    let log = read(dir.path(), "dr.json");
    assert_eq!(log["status"], "succeeded");
    let s = step(&log, "initiate_failover");
    assert_eq!(s["status"], "success", "nothing was overridden: {s}");
    let details = s["details"].as_str().unwrap_or_default();
    assert!(
        !details.contains("would have refused"),
        "claims an override that did not happen: {details}"
    );
    assert_eq!(posts(&emu.requests()).len(), 1);
}

/// `tests/fixtures/exec/secret-drill.yaml` (the hub's name is a secret parameter) on the
/// default hub of `emu`.
fn secret_drill(emu: &Emulator, dir: &Path, log: &str) -> std::process::Command {
    let mut c = exec(emu, dir, "tests/fixtures/exec/secret-drill.yaml", log);
    c.args([
        "--set",
        "hub=myIoTHub",
        "--set",
        "api_key=k3y-0f-the-ticket",
    ]);
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hub_named_by_a_secret_is_still_known_to_the_local_history_on_this_machine() {
    let dir = tempfile::tempdir().unwrap();
    // The first drill fails the hub over; its records cannot name the hub.
    let first = emulator_yaml(HUB).await;
    let out = output_of(secret_drill(&first, dir.path(), "first.json")).await;
    assert_eq!(out.status.code(), Some(0), "{}", shown(&out));
    let log = read(dir.path(), "first.json");
    assert_eq!(log["hub_name"], "***");
    let fingerprint = log["hub_fingerprint"].as_str().unwrap().to_string();
    assert!(
        fingerprint.starts_with("hmac-sha256:") && !fingerprint.contains("myIoTHub"),
        "{fingerprint}"
    );
    let journal = std::fs::read_to_string(dir.path().join("first.json.jsonl")).unwrap();
    assert!(journal.contains(&fingerprint), "the journal carries it too");

    // A second drill beside it, against a hub whose Activity Log is empty (a fresh emulator):
    // only the local record can refuse it, and does, before any change.
    let second = emulator_yaml(HUB).await;
    let out = output_of(secret_drill(&second, dir.path(), "second.json")).await;
    assert_eq!(out.status.code(), Some(3), "{}", shown(&out));
    let cooldown = preflight_check(&read(dir.path(), "second.json"), "cooldown").clone();
    assert_eq!(cooldown["outcome"], "refused", "{cooldown}");
    assert_eq!(cooldown["source"], "local files", "{cooldown}");
    assert!(posts(&second.requests()).is_empty());

    // The control: under another machine's key the record names no hub it knows.
    let third = emulator_yaml(HUB).await;
    let mut elsewhere = secret_drill(&third, dir.path(), "third.json");
    elsewhere.env("XDG_STATE_HOME", dir.path().join("another-machine"));
    let out = output_of(elsewhere).await;
    assert_eq!(out.status.code(), Some(0), "{}", shown(&out));
    assert_eq!(posts(&third.requests()).len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runbook_history_dir_points_the_check_at_another_directory() {
    // The earlier failback is in a shared history directory, not beside this run's log.
    let emu = emulator_yaml(HUB).await;
    let (dir, shared) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    write_earlier(shared.path());
    let mut c = exec(&emu, dir.path(), "runbooks/drill.yaml", "dr.json");
    c.env("RUNBOOK_HISTORY_DIR", shared.path());
    let out = output_of(c).await;
    assert_eq!(out.status.code(), Some(3), "{}", shown(&out));
    let cooldown = preflight_check(&read(dir.path(), "dr.json"), "cooldown").clone();
    assert_eq!(cooldown["outcome"], "refused", "{cooldown}");
    assert!(posts(&emu.requests()).is_empty());
}

/// Runs `cmd` to its end, failing the test (and killing the run) if it has not ended within
/// a minute: what this guards is a run that hangs on a history file.
async fn output_unless_hung(mut cmd: std::process::Command) -> std::process::Output {
    use std::process::Stdio;
    let mut run = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).start();
    tokio::task::spawn_blocking(move || {
        wait_until("the run to end (a history file read that hangs?)", || {
            run.try_wait().unwrap().is_some()
        });
        run.wait_with_output()
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_files_that_cannot_be_read_are_passed_over_and_never_fail_the_run() {
    // Beside the run's log: a FIFO (opened for reading, it would block for ever), a directory,
    // a dangling symlink and files that are not text or not whole, each named as history is.
    // The tests run as root, which reads any file whatever its mode, so these stand in for an
    // unreadable one.
    let emu = emulator_yaml(HUB).await;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let fifo = std::process::Command::new("mkfifo")
        .arg(d.join("pipe.json"))
        .status()
        .unwrap();
    assert!(fifo.success(), "mkfifo");
    std::fs::create_dir(d.join("folder.json")).unwrap();
    std::os::unix::fs::symlink("nowhere/gone.jsonl", d.join("gone.jsonl")).unwrap();
    std::fs::write(d.join("binary.json"), [0xff, 0xfe, 0x00, 0x7b, 0xc3]).unwrap();
    std::fs::write(
        d.join("torn.jsonl"),
        "{\"event\":\"run_started\",\"run_id\":\"torn\"}\n{\"event\":\"step_fin",
    )
    .unwrap();

    // With a recent failback among them (the control), the check still finds it.
    write_earlier(d);
    let out = output_unless_hung(exec(&emu, d, "runbooks/drill.yaml", "fresh.json")).await;
    assert_eq!(out.status.code(), Some(3), "{}", shown(&out));
    let cooldown = preflight_check(&read(d, "fresh.json"), "cooldown").clone();
    assert_eq!(cooldown["outcome"], "refused", "{cooldown}");
    assert_eq!(cooldown["source"], "local files", "{cooldown}");
    for name in ["earlier.json", "fresh.json", "fresh.json.jsonl"] {
        let _ = std::fs::remove_file(d.join(name));
    }

    // Without it, nothing left there blocks, fails or hangs the drill.
    let out = output_unless_hung(exec(&emu, d, "runbooks/drill.yaml", "dr.json")).await;
    assert_eq!(out.status.code(), Some(0), "{}", shown(&out));
    assert_eq!(posts(&emu.requests()).len(), 1);
    assert_eq!(read(d, "dr.json")["status"], "succeeded");
}
