//! Safety rails through the real binary against an emulator on 127.0.0.1: one drill per hub
//! at a time (the hub lock), and Azure's failover limits checked against the hub's history
//! before any change (the failover cooldown).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use iothub_emulator::{Emulator, EmulatorConfig, Scenario};
use serde_json::{Value, json};
use support::*;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// `runbook exec RUNBOOK` in `dir` against `emu`, with its own lock dir and DR log name.
fn exec_cmd(emu: &Emulator, dir: &Path, locks: &Path, runbook: &str, log: &str) -> Command {
    let mut c = command(dir);
    c.arg("exec")
        .arg(repo(runbook))
        .args([
            "--arm-endpoint",
            emu.base_url(),
            "--auth",
            "emulator",
            "--yes",
            "--log",
            log,
        ])
        .env("RUNBOOK_LOCK_DIR", locks);
    c
}

/// `runbook exec runbooks/drill.yaml` at the tests' time scale, with `extra` arguments.
async fn run_drill(emu: &Emulator, dir: &Path, locks: &Path, log: &str, extra: &[&str]) -> Output {
    let mut cmd = exec_cmd(emu, dir, locks, "runbooks/drill.yaml", log);
    cmd.args(["--time-scale", SCALE]).args(extra);
    output_of(cmd).await
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

async fn start(yaml: &str, config: EmulatorConfig) -> Emulator {
    let s = Scenario::from_yaml(yaml, "test.yaml").expect("scenario parses");
    Emulator::start(s, config).await.expect("emulator starts")
}

fn scaled() -> EmulatorConfig {
    EmulatorConfig {
        time_scale: 0.01,
        ..EmulatorConfig::default()
    }
}

const HUB: &str = "hubs:\n  - name: myIoTHub\n    location: westus2\n    secondary: westus\n";

/// Waits (bounded) until the one lock file in `locks` names `pid` as its holder.
async fn wait_for_holder(locks: PathBuf, pid: u32) -> PathBuf {
    tokio::task::spawn_blocking(move || {
        let needle = format!("\"pid\":{pid},");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let found = std::fs::read_dir(&locks).ok().and_then(|entries| {
                entries
                    .flatten()
                    .map(|e| e.path())
                    .find(|p| std::fs::read_to_string(p).is_ok_and(|t| t.contains(&needle)))
            });
            if let Some(path) = found {
                return path;
            }
            assert!(
                Instant::now() < deadline,
                "process {pid} never wrote itself into a lock file in {}",
                locks.display()
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    })
    .await
    .unwrap()
}

fn wait_child(mut child: Running) -> Output {
    child.stdin.take();
    child.wait_with_output()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_drill_on_the_same_hub_is_refused_naming_the_holder() {
    // The first drill's failover stays in progress until the test completes it, so the first
    // drill holds the hub while the second and the resume try, however slow the machine.
    let emu = start(
        &format!("{HUB}    failover: {{ complete: manual }}\n"),
        scaled(),
    )
    .await;
    let (first_dir, second_dir, locks) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    let mut first = exec_cmd(
        &emu,
        first_dir.path(),
        locks.path(),
        "runbooks/drill.yaml",
        "dr.json",
    );
    first
        .args(["--time-scale", SCALE])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let first = first.start();
    let pid = first.id();
    wait_for_holder(locks.path().to_path_buf(), pid).await;
    // The lock is taken before the journal is made: wait until the first drill is failing over
    // (its intent journaled), so its journal is there to compare against below.
    until("the first drill's failover POST", || {
        posts(&emu.requests()).len() == 1
    })
    .await;

    let mut second = exec_cmd(
        &emu,
        second_dir.path(),
        locks.path(),
        "runbooks/drill.yaml",
        "dr.json",
    );
    second.args(["--time-scale", SCALE]);
    let refused = output_of(second).await;
    let err = text(&refused.stderr);
    assert_eq!(refused.status.code(), Some(2), "stderr:\n{err}");
    assert!(
        err.contains(&format!("pid {pid}")),
        "names the holder's pid: {err}"
    );
    let first_log = std::path::absolute(first_dir.path().join("dr.json")).unwrap();
    assert!(
        err.contains(&first_log.display().to_string()),
        "names the holder's DR log {}: {err}",
        first_log.display()
    );
    assert!(
        err.contains("started 20"),
        "names when the holder started: {err}"
    );
    assert!(
        !second_dir.path().join("dr.json.jsonl").exists(),
        "the refused run created no journal"
    );

    // `resume` is held off the same way, and leaves the running drill's journal alone.
    let journal = first_dir.path().join("dr.json.jsonl");
    let before = std::fs::read_to_string(&journal).unwrap();
    let mut resume = command(second_dir.path());
    resume
        .arg("resume")
        .arg(&journal)
        .args(["--arm-endpoint", emu.base_url(), "--auth", "emulator"])
        .args(["--time-scale", SCALE])
        .env("RUNBOOK_LOCK_DIR", locks.path());
    let resumed = output_of(resume).await;
    assert_eq!(resumed.status.code(), Some(2), "{}", text(&resumed.stderr));
    assert!(text(&resumed.stderr).contains(&format!("pid {pid}")));
    assert!(
        std::fs::read_to_string(&journal)
            .unwrap()
            .starts_with(&before)
    );

    complete_failover(&emu, "myIoTHub").await;
    let done = tokio::task::spawn_blocking(move || wait_child(first))
        .await
        .unwrap();
    assert_eq!(
        done.status.code(),
        Some(0),
        "the first drill succeeds:\n{}\n{}",
        text(&done.stdout),
        text(&done.stderr)
    );
    assert_eq!(
        posts(&emu.requests()).len(),
        1,
        "one failover, by the first drill"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_holder_killed_with_sigkill_does_not_block_the_next_drill() {
    let emu = start(HUB, scaled()).await;
    let (dir, locks) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    // Holds the lock for an hour of runbook time (36 s), changing nothing.
    let mut holder = exec_cmd(
        &emu,
        dir.path(),
        locks.path(),
        "tests/fixtures/exec/long-sleep.yaml",
        "sleep.json",
    );
    holder
        .args(["--time-scale", SCALE])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut holder = holder.start();
    let lock_file = wait_for_holder(locks.path().to_path_buf(), holder.id()).await;
    holder.kill().unwrap(); // SIGKILL: no handler, no clean-up
    holder.wait().unwrap();
    // Its details are still in the file; nobody cleaned up, and nobody needs to.
    assert!(
        std::fs::read_to_string(&lock_file)
            .unwrap()
            .contains(&format!("\"pid\":{},", holder.id()))
    );

    let out = run_drill(&emu, dir.path(), locks.path(), "dr.json", &[]).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout:\n{}\nstderr:\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let now_held_by = std::fs::read_to_string(&lock_file).unwrap();
    assert!(
        !now_held_by.contains(&format!("\"pid\":{},", holder.id())),
        "the new run wrote itself in: {now_held_by}"
    );
}

/// A DR log of an earlier run of drill.yaml on the default hub, whose failover `from` -> `to`
/// completed at `completed`.
fn earlier_log(run_id: &str, from: &str, to: &str, completed: OffsetDateTime) -> Value {
    let at = completed.format(&Rfc3339).unwrap();
    json!({
        "schema_version": "1", "run_id": run_id, "status": "succeeded",
        "subscription": "00000000-0000-0000-0000-000000000000",
        "resource_group": "myresourcegroup", "hub_name": "MyIoTHub",
        "steps": [
            {"step": "initiate_failover", "kind": "failover", "status": "success", "inputs": {},
             "outputs": {"region": to, "from_region": from, "status": "success"}},
            {"step": "monitor_failover", "kind": "await", "status": "success",
             "inputs": {"operation": "initiate_failover"},
             "outputs": {"completed_at": at, "status": "success"}},
        ]
    })
}

fn whole_seconds_ago(secs: i64) -> OffsetDateTime {
    let t = OffsetDateTime::now_utc() - time::Duration::seconds(secs);
    t.replace_nanosecond(0).unwrap()
}

fn write(dir: &Path, name: &str, v: &Value) {
    std::fs::write(dir.join(name), serde_json::to_string_pretty(v).unwrap()).unwrap();
}

fn read_log(dir: &Path, name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join(name)).unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failover_ten_minutes_after_the_last_is_refused_before_any_change() {
    let emu = start(HUB, scaled()).await;
    let (dir, locks) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    // The hub failed back (westus -> westus2) ten minutes ago.
    let completed = whole_seconds_ago(600);
    write(
        dir.path(),
        "dr_failover_earlier.json",
        &earlier_log("earlier", "westus", "westus2", completed),
    );
    let next_allowed = (completed + time::Duration::hours(1))
        .format(&Rfc3339)
        .unwrap();

    // Real time (no --time-scale): the rule is an hour. --dry-run reports it too.
    for (log, extra) in [("dry.json", Some("--dry-run")), ("dr.json", None)] {
        let mut cmd = exec_cmd(&emu, dir.path(), locks.path(), "runbooks/drill.yaml", log);
        cmd.args(extra);
        let out = output_of(cmd).await;
        let stdout = text(&out.stdout);
        assert_eq!(
            out.status.code(),
            Some(3),
            "{log}:\n{stdout}\n{}",
            text(&out.stderr)
        );
        let run = read_log(dir.path(), log);
        assert_eq!(run["status"], "aborted");
        assert_eq!(run["changed"], false);
        // The preflight refuses before the first step, the local files deciding.
        assert_eq!(step(&run, "initiate_failover")["status"], "skipped");
        let check = preflight_check(&run, "cooldown");
        assert_eq!(check["outcome"], "refused", "{check}");
        assert_eq!(check["source"], "local files", "{check}");
        assert_eq!(check["next_allowed"], next_allowed.as_str(), "{check}");
        let message = check["summary"].as_str().unwrap();
        assert!(
            message.contains(&next_allowed),
            "names {next_allowed}: {message}"
        );
        assert!(
            message.contains("westus -> westus2"),
            "names the direction: {message}"
        );
        assert!(
            message.contains("dr_failover_earlier.json"),
            "names the log: {message}"
        );
        assert!(
            message.contains("--force-cooldown"),
            "says how to override: {message}"
        );
        assert!(
            stdout.contains(&next_allowed),
            "the summary says when: {stdout}"
        );
    }
    assert!(posts(&emu.requests()).is_empty(), "no failover was posted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn force_cooldown_goes_ahead_and_records_the_override() {
    let emu = start(HUB, scaled()).await;
    let (dir, locks) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    // At the tests' time scale an hour is 36 s: a failback 5 s ago is well inside it.
    write(
        dir.path(),
        "earlier.json",
        &earlier_log("earlier", "westus", "westus2", whole_seconds_ago(5)),
    );

    let out = run_drill(&emu, dir.path(), locks.path(), "refused.json", &[]).await;
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stdout));
    assert!(posts(&emu.requests()).is_empty());

    let out = run_drill(
        &emu,
        dir.path(),
        locks.path(),
        "forced.json",
        &["--force-cooldown"],
    )
    .await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert_eq!(posts(&emu.requests()).len(), 1, "exactly one failover");
    let run = read_log(dir.path(), "forced.json");
    let step = step(&run, "initiate_failover");
    assert_eq!(step["status"], "warning");
    let details = step["details"].as_str().unwrap();
    assert!(details.contains("--force-cooldown"), "{details}");
    assert!(details.contains("would have refused"), "{details}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_failovers_in_the_same_direction_within_a_day_are_refused() {
    let emu = start(HUB, scaled()).await;
    let (dir, locks) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    // westus2 -> westus twice, 2 h and 5 h ago in runbook time (72 s and 180 s at 0.01): past
    // the hour, inside the day (864 s). One is in a DR log, the other in a journal.
    let older = whole_seconds_ago(180);
    write(
        dir.path(),
        "one.json",
        &earlier_log("one", "westus2", "westus", older),
    );
    let two = earlier_log("two", "westus2", "westus", whole_seconds_ago(72));
    let journal = [
        json!({"event": "run_started", "run_id": "two", "time": "x", "dry_run": false,
               "runbook": {"name": "n", "path": "p", "sha256": "s"}, "params": {}, "log_path": "two.json",
               "target": {"subscription": "00000000-0000-0000-0000-000000000000",
                          "resource_group": "myResourceGroup", "hub": "myIoTHub"}}),
        json!({"event": "step_finished", "record": two["steps"][0]}),
        json!({"event": "step_finished", "record": two["steps"][1]}),
    ];
    let lines: Vec<String> = journal.iter().map(Value::to_string).collect();
    std::fs::write(dir.path().join("two.json.jsonl"), lines.join("\n") + "\n").unwrap();
    // Unreadable junk beside them never fails the run.
    std::fs::write(dir.path().join("junk.json"), "{ not json").unwrap();
    std::fs::write(dir.path().join("junk.jsonl"), "\u{0}\u{1}").unwrap();

    let out = run_drill(&emu, dir.path(), locks.path(), "dr.json", &[]).await;
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(posts(&emu.requests()).is_empty(), "no failover was posted");
    let run = read_log(dir.path(), "dr.json");
    let check = preflight_check(&run, "cooldown");
    assert_eq!(check["outcome"], "refused", "{check}");
    assert_eq!(check["source"], "local files", "{check}");
    let message = check["summary"].as_str().unwrap();
    assert!(
        message.contains("2 times in the last 24 hours"),
        "{message}"
    );
    // The older of the two leaves the (scaled) day first.
    let next = (older + time::Duration::seconds(864))
        .format(&Rfc3339)
        .unwrap();
    assert!(message.contains(&next), "names {next}: {message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn azures_own_refusal_stops_the_drill_before_any_change() {
    // The emulator enforces Azure's hour itself; no local history tells the second drill.
    let config = EmulatorConfig {
        failover_cooldown: Duration::from_secs(3600),
        ..scaled()
    };
    let emu = start(HUB, config).await;
    let locks = tempfile::tempdir().unwrap();
    let first_dir = tempfile::tempdir().unwrap();
    let mut first = exec_cmd(
        &emu,
        first_dir.path(),
        locks.path(),
        "runbooks/drill.yaml",
        "dr.json",
    );
    first.args(["--time-scale", SCALE]);
    assert_eq!(output_of(first).await.status.code(), Some(0));

    // The preflight sees the first drill's failover in the emulator's Activity Log; forcing
    // the cooldown turns that into a warning, so the POST goes out and Azure's own answer is
    // what stops the drill.
    let dir = tempfile::tempdir().unwrap();
    let out = run_drill(
        &emu,
        dir.path(),
        locks.path(),
        "dr.json",
        &["--set", "target_region=westus2", "--force-cooldown"],
    )
    .await;
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let run = read_log(dir.path(), "dr.json");
    assert_eq!(run["status"], "aborted");
    assert_eq!(run["changed"], false);
    let check = preflight_check(&run, "cooldown");
    assert_eq!(check["outcome"], "warning", "{check}");
    assert_eq!(check["source"], "Activity Log", "{check}");
    let step = step(&run, "initiate_failover");
    assert_eq!(step["error"]["code"], "FailoverNotAllowed");
    assert!(
        step["error"]["message"]
            .as_str()
            .unwrap()
            .contains("next failover is allowed"),
        "{step}"
    );
    let posted: Vec<u16> = posts(&emu.requests()).iter().map(|r| r.status).collect();
    assert_eq!(posted, vec![202, 400]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failover_test_on_a_shared_hub_refuses_its_failback_within_the_hour() {
    // Against Azure (or a standalone emulator) the failback of failover-test.yaml comes within
    // the hour: refused before it is posted; the rollback's failback is refused alike.
    let emu = start(HUB, scaled()).await;
    let (dir, locks) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut cmd = exec_cmd(
        &emu,
        dir.path(),
        locks.path(),
        "runbooks/failover-test.yaml",
        "dr.json",
    );
    cmd.args(["--time-scale", SCALE]);
    let out = output_of(cmd).await;
    assert_eq!(
        out.status.code(),
        Some(4),
        "{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let run = read_log(dir.path(), "dr.json");
    let failback = step(&run, "failback");
    assert_eq!(failback["error"]["code"], "FailoverCooldown");
    assert!(
        failback["error"]["message"]
            .as_str()
            .unwrap()
            .contains("(recorded in this run)"),
        "{failback}"
    );
    assert_eq!(
        step(&run, "rollback_failback")["error"]["code"],
        "FailoverCooldown"
    );
    assert_eq!(
        posts(&emu.requests()).len(),
        1,
        "only the test failover was posted"
    );
}
