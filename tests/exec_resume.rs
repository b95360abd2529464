//! `runbook resume`: a drill killed mid-failover (the laptop slept, the shell died) continues
//! from its journal, re-attaches to the running failover, and never posts a second one.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::process::Stdio;
use std::time::{Duration, Instant};

use iothub_emulator::{Emulator, EmulatorConfig, Scenario};
use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_drill_resumes_without_a_second_failover() {
    let scenario = Scenario::load(&repo("tests/fixtures/scenarios/slow-failover.yaml")).unwrap();
    let emu = Emulator::start(
        scenario,
        EmulatorConfig {
            time_scale: 0.01,
            ..EmulatorConfig::default()
        },
    )
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let endpoint = emu.base_url().to_string();
    let common = [
        "--arm-endpoint",
        endpoint.as_str(),
        "--auth",
        "emulator",
        "--time-scale",
        "0.01",
        "--yes",
    ];

    let mut child = command(dir.path())
        .arg("exec")
        .arg(repo("runbooks/drill.yaml"))
        .args(common)
        .args(["--log", "dr.json"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let journal = dir.path().join("dr.json.jsonl");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !std::fs::read_to_string(&journal)
        .unwrap_or_default()
        .contains("\"event\":\"failover_started\"")
    {
        assert!(
            Instant::now() < deadline,
            "the drill never started its failover"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // SIGKILL: no handler runs, nothing is flushed but what the journal already fsync'd.
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        !dir.path().join("dr.json").exists(),
        "a killed run leaves no DR log, only its journal"
    );

    let mut resume = command(dir.path());
    resume.arg("resume").arg(&journal).args(common);
    let out = tokio::task::spawn_blocking(move || resume.output().unwrap())
        .await
        .unwrap();
    let e = collect(out, dir);
    assert_eq!(e.code, 0, "stdout:\n{}\nstderr:\n{}", e.stdout, e.stderr);
    let posts = emu
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST")
        .count();
    assert_eq!(
        posts, 1,
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
    let ids: Vec<&str> = log["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["step"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "pre_failover_validation",
            "pre",
            "initiate_failover",
            "monitor_failover",
            "stabilize",
            "post_failover_validation",
            "post",
            "data_integrity_check",
            "endpoint_health_check"
        ],
        "every step once, in order"
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
