//! `runbook resume`: a drill killed mid-failover (the laptop slept, the shell died) continues
//! from its journal, re-attaches to the running failover, and never posts a second one.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::process::Stdio;

use support::*;

/// Starts `runbook exec drill.yaml` against `emu` (a `complete: manual` failover, so the hub
/// is still failing over whatever the machine's load) and kills it (SIGKILL: no handler runs)
/// once the journal shows the failover started. Returns the run's directory.
async fn kill_mid_failover(emu: &iothub_emulator::Emulator) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut child = spawn_exec_against(emu, dir.path(), "runbooks/drill.yaml");
    let d = dir.path().to_path_buf();
    tokio::task::spawn_blocking(move || wait_for_journal(&d, "\"event\":\"failover_started\""))
        .await
        .unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(
        emu.complete_failover("myIoTHub").err(),
        None,
        "the failover was still in progress when the run was killed"
    );
    dir
}

/// `runbook resume` without `--yes` and without a terminal: the steps left have no `confirm:`
/// (the failover that had one is done), so nothing needs approving.
async fn resume(emu: &iothub_emulator::Emulator, dir: tempfile::TempDir, journal: &str) -> Exec {
    let mut cmd = command(dir.path());
    cmd.arg("resume").arg(journal).args([
        "--arm-endpoint",
        emu.base_url(),
        "--auth",
        "emulator",
        "--time-scale",
        SCALE,
    ]);
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    collect(out, dir)
}

const DRILL_STEPS: [&str; 10] = [
    "pre_failover_validation",
    "pre",
    "initiate_failover",
    "monitor_failover",
    "stabilize",
    "post_failover_validation",
    "post",
    "data_integrity_check",
    "endpoint_health_check",
    "device_recovery",
];

fn step_ids(log: &serde_json::Value) -> Vec<&str> {
    log["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["step"].as_str().unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_drill_resumes_without_a_second_failover() {
    let emu = emulator("manual-failover").await;
    let dir = kill_mid_failover(&emu).await;
    assert!(
        !dir.path().join("dr.json").exists(),
        "a killed run leaves no DR log, only its journal"
    );
    let e = resume(&emu, dir, "dr.json.jsonl").await;
    assert_eq!(e.code, 0, "stdout:\n{}\nstderr:\n{}", e.stdout, e.stderr);
    assert_eq!(
        posts(&emu.requests()).len(),
        1,
        "resume must re-attach to the failover, not start another"
    );
    let log = e.log.as_ref().unwrap();
    assert_log_matches_schema(log);
    assert_eq!(log["status"], "succeeded");
    assert_eq!(log["post_failover_location"], "westus");
    assert_eq!(
        log["pre_failover_device_count"], 1200,
        "the pre snapshot from before the kill is kept"
    );
    assert_eq!(step_ids(log), DRILL_STEPS, "every step once, in order");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_repairs_a_torn_last_line() {
    let emu = emulator("manual-failover").await;
    let dir = kill_mid_failover(&emu).await;
    // The process died mid-write: half an event and no newline.
    let journal = dir.path().join("dr.json.jsonl");
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&journal)
        .unwrap();
    std::io::Write::write_all(&mut f, b"{\"event\":\"step_progress\",\"step\":\"moni").unwrap();
    drop(f);
    let e = resume(&emu, dir, "dr.json.jsonl").await;
    assert_eq!(e.code, 0, "stdout:\n{}\nstderr:\n{}", e.stdout, e.stderr);
    assert!(
        !e.journal_text.contains("\"moni{"),
        "the torn line was cut off, not glued to the next event"
    );
    assert_journal_complete(&e);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interrupted_drill_resumes_and_writes_a_second_log() {
    let emu = emulator("stuck-failover").await;
    let dir = tempfile::tempdir().unwrap();
    // The first run's clock is real time (its await would give up after 2 real minutes), so
    // the Ctrl-C lands during the await on any machine; the resume runs at the tests' scale.
    let child = command(dir.path())
        .arg("exec")
        .arg(repo("tests/fixtures/exec/await-timeout.yaml"))
        .args(["--arm-endpoint", emu.base_url(), "--auth", "emulator"])
        .args(["--time-scale", "1", "--yes", "--log", "dr.json"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .start();
    let d = dir.path().to_path_buf();
    tokio::task::spawn_blocking(move || wait_for_journal(&d, "\"step\":\"wait\""))
        .await
        .unwrap();
    interrupt(&child);
    assert_eq!(code_of(child).await, Some(130));
    assert!(dir.path().join("dr.json").exists(), "Ctrl-C writes the log");

    // The stuck failover cannot finish, so the resumed await times out (2 min: 1.2 s here); what matters is that it
    // re-attached (one POST), ran the remaining steps, and wrote beside the first log.
    let e = resume(&emu, dir, "dr.json.jsonl").await;
    assert_eq!(posts(&emu.requests()).len(), 1);
    let resumed = e.dir.path().join("dr.resumed.json");
    let text = std::fs::read_to_string(&resumed)
        .unwrap_or_else(|_| panic!("no dr.resumed.json; stdout:\n{}", e.stdout));
    let log: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_log_matches_schema(&log);
    assert_eq!(
        step_ids(&log),
        ["check", "go", "wait"],
        "each step once: the resumed records replace the interrupted ones"
    );
    assert_eq!(log["steps"][2]["status"], "failed");
    assert_eq!(log["steps"][2]["error"]["code"], "AwaitTimeout");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_that_cannot_connect_keeps_the_journal() {
    let emu = emulator("manual-failover").await;
    let dir = kill_mid_failover(&emu).await;
    let before = std::fs::read(dir.path().join("dr.json.jsonl")).unwrap();
    let out = command(dir.path())
        .args(["resume", "dr.json.jsonl", "--auth", "azure-cli"])
        .env("PATH", "/nonexistent")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    // Exit 2 for the reason at hand (no credential), not for any other setup error.
    assert!(
        stderr.contains("no Azure credential (azure-cli auth)") && stderr.contains("az login"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read(dir.path().join("dr.json.jsonl")).unwrap(),
        before,
        "the journal is the only record of the failover"
    );
}

#[test]
fn resume_refuses_a_finished_run() {
    let e = exec_emulated("runbooks/verify.yaml", &[]);
    assert_eq!(e.code, 0);
    let out = command(e.dir.path())
        .arg("resume")
        .arg("dr.json.jsonl")
        .args(["--emulator"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("already finished"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_interrupted_twice_resumes_twice_with_one_failover() {
    // The failover stays in progress until the test completes it: both Ctrl-Cs land during
    // it however slowly the processes start.
    let emu = emulator("manual-devices-drop").await;
    let dir = tempfile::tempdir().unwrap();
    let await_started = "\"event\":\"step_started\",\"step\":\"monitor_failover\"";

    // Ctrl-C during the await, then again during the resumed await.
    let child = spawn_exec_against(&emu, dir.path(), "runbooks/drill.yaml");
    let d = dir.path().to_path_buf();
    tokio::task::spawn_blocking(move || wait_for_journal_count(&d, await_started, 1))
        .await
        .unwrap();
    interrupt(&child);
    assert_eq!(code_of(child).await, Some(130));

    let resumed = command(dir.path())
        .args(["resume", "dr.json.jsonl"])
        .args(against(&emu))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .start();
    let d = dir.path().to_path_buf();
    tokio::task::spawn_blocking(move || wait_for_journal_count(&d, await_started, 2))
        .await
        .unwrap();
    interrupt(&resumed);
    assert_eq!(code_of(resumed).await, Some(130));
    assert_eq!(
        emu.complete_failover("myIoTHub").err(),
        None,
        "the failover outlived both processes"
    );

    let e = resume(&emu, dir, "dr.json.jsonl").await;
    assert_eq!(
        posts(&emu.requests()).len(),
        1,
        "three processes, one failover"
    );
    let text =
        std::fs::read_to_string(e.dir.path().join("dr.resumed-2.json")).unwrap_or_else(|_| {
            panic!(
                "no dr.resumed-2.json; stdout:\n{}\nstderr:\n{}",
                e.stdout, e.stderr
            )
        });
    let log: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_log_matches_schema(&log);
    assert_eq!(step_ids(&log), DRILL_STEPS, "each step once");
    assert_eq!(
        log["steps"][3]["status"], "success",
        "the third process saw the failover finish"
    );
    assert_eq!(log["steps"][7]["error"]["code"], "DeviceCountMismatch");
    assert_eq!(e.code, 1);
}
