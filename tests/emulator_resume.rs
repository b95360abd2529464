//! A run against the in-process emulator (`--emulator`) cannot be resumed: its hubs lived in
//! the process that ran it. The journal (and a fleet's log) says so, `resume` refuses up front
//! with exit 2 and the reason, no resume hint is printed, and nothing says the failover goes on
//! "in Azure".

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::process::Stdio;

use support::*;

/// Runs `child` to its end and returns (exit code, stdout + stderr).
fn finish(child: std::process::Child) -> (Option<i32>, String) {
    let out = child.wait_with_output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code(), text)
}

#[test]
fn an_interrupted_emulator_run_is_not_resumable_and_never_blames_azure() {
    let dir = tempfile::tempdir().unwrap();
    let child = command(dir.path())
        .arg("exec")
        .arg(repo("tests/fixtures/exec/await-timeout.yaml"))
        .args(["--emulator", "--scenario"])
        .arg(repo("tests/fixtures/scenarios/stuck-failover.yaml"))
        .args(["--time-scale", SCALE, "--yes", "--log", "dr.json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_journal(dir.path(), "\"step\":\"wait\"");
    interrupt(&child);
    let (code, text) = finish(child);
    assert_eq!(code, Some(130), "{text}");
    assert!(!text.contains("in Azure"), "{text}");
    assert!(!text.contains("runbook resume"), "no resume hint: {text}");

    let journal = std::fs::read_to_string(dir.path().join("dr.json.jsonl")).unwrap();
    let first: serde_json::Value = serde_json::from_str(journal.lines().next().unwrap()).unwrap();
    assert_eq!(first["event"], "run_started", "{first}");
    assert_eq!(first["in_process_emulator"], true, "{first}");
    let log: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("dr.json")).unwrap())
            .unwrap();
    let reason = log["status_reason"].as_str().unwrap();
    assert!(reason.contains("in-process emulator"), "{reason}");
    assert!(!log.to_string().contains("in Azure"), "{log}");

    let out = command(dir.path())
        .args(["resume", "dr.json.jsonl"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("is the journal of an --emulator run")
            && stderr.contains("nothing to resume"),
        "{stderr}"
    );
    // Refused before connecting: no token, no host, no DR log.
    assert!(!stderr.contains("token"), "{stderr}");
    assert!(!dir.path().join("dr.resumed.json").exists());
}

#[test]
fn an_interrupted_emulator_fleet_prints_no_resume_hint_and_resume_refuses_it() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("fleet-scenario.yaml");
    // Failovers of 5 emulated minutes (3 s real): the interrupt lands while they run.
    std::fs::write(
        &scenario,
        "generate: { count: 8, tags: { dr-drill: enabled }, failover: { duration: 300s } }\n",
    )
    .unwrap();
    let child = command(dir.path())
        .arg("exec")
        .arg(repo("tests/fixtures/fleet/drill.yaml"))
        .args(["--emulator", "--scenario"])
        .arg(&scenario)
        .args(["--time-scale", SCALE, "--yes", "--fleet-dir", "fleet"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let fleet = dir.path().join("fleet");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !std::fs::read_to_string(fleet.join("hub-0001.json.jsonl"))
        .unwrap_or_default()
        .contains("failover_started")
    {
        assert!(std::time::Instant::now() < deadline, "no failover started");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    interrupt(&child);
    let (code, text) = finish(child);
    assert_eq!(code, Some(130), "{text}");
    assert!(!text.contains("resume with"), "{text}");
    assert!(text.contains("nothing to resume"), "{text}");
    assert!(!text.contains("in Azure"), "{text}");
    let log: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fleet.join("fleet.json")).unwrap()).unwrap();
    assert_eq!(log["in_process_emulator"], true);

    let out = command(dir.path())
        .args(["resume", "fleet"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("fleet log of an --emulator run") && stderr.contains("nothing to resume"),
        "{stderr}"
    );
}
