//! Crash safety, proved by killing: a drill is killed (SIGKILL) at every event boundary of
//! its journal, then resumed; every time, the emulator saw exactly one failover POST and the
//! DR log says the hub changed. The one run killed between the failover's intent and its POST
//! resumes with the failover step saying the request left no trace, and no other run does.
//!
//! The kill lands exactly at a boundary: the binary's crash-test hook
//! (`RUNBOOK_CRASH_TEST_STOP_AFTER_EVENT=N`) freezes the process with SIGSTOP right after the
//! journal writer has put event N on disk, before anything after it is written or sent, and
//! the test then sends SIGKILL. No timing is involved.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use iothub_emulator::{Emulator, EmulatorConfig, Scenario};
use support::*;

async fn fresh_emulator() -> Emulator {
    single_hub_emulator(0.001).await
}

fn connection(url: &str) -> Vec<String> {
    against_url(url, "0.001")
}

fn spawn_drill(url: &str, dir: &Path, stop_after: Option<usize>) -> Running {
    let mut cmd = command(dir);
    cmd.arg("exec")
        .arg(repo("runbooks/drill.yaml"))
        .args(connection(url))
        .args(["--yes", "--log", "dr.json", "--output", "json"])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if let Some(n) = stop_after {
        cmd.env(STOP_AFTER_EVENT, n.to_string());
    }
    cmd.start()
}

fn resume(url: &str, dir: &Path) -> std::process::Output {
    command(dir)
        .arg("resume")
        .arg("dr.json.jsonl")
        .args(connection(url))
        .args(["--yes"])
        .output()
        .unwrap()
}

fn journal_lines(dir: &Path) -> usize {
    std::fs::read_to_string(dir.join("dr.json.jsonl"))
        .unwrap_or_default()
        .lines()
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_at_every_event_boundary_the_resumed_drill_posts_one_failover() {
    // How many events a drill journals depends on timing (progress ticks of the sleep and the
    // await), so no count is fixed in advance: each run is killed at event n, for n = 1, 2, ...
    // until a run ends before its event n, which is then a whole unkilled drill. Every
    // boundary of every run that reached it is covered.
    let mut n = 0;
    // Runs killed with the failover's intent on disk and no POST sent: the request left no
    // trace, which the resumed failover step must say in its details.
    let mut no_trace_runs = 0;
    loop {
        n += 1;
        let emu = fresh_emulator().await;
        let dir = tempfile::tempdir().unwrap();
        let (url, d) = (emu.base_url().to_string(), dir.path().to_path_buf());
        let (stopped, status, on_disk, log_when_killed, journal) = {
            let d = d.clone();
            tokio::task::spawn_blocking(move || {
                let mut child = spawn_drill(&url, &d, Some(n));
                let stopped = stopped_at_hook(&mut child);
                child.kill().unwrap();
                let status = child.wait().unwrap();
                let journal = std::fs::read_to_string(d.join("dr.json.jsonl")).unwrap_or_default();
                (
                    stopped,
                    status,
                    journal_lines(&d),
                    d.join("dr.json").exists(),
                    journal,
                )
            })
            .await
            .unwrap()
        };
        let no_trace = stopped
            && journal.contains("\"event\":\"failover_intent\"")
            && posts(&emu.requests()).is_empty();
        let after = if stopped {
            let url = emu.base_url().to_string();
            Ok(tokio::task::spawn_blocking(move || resume(&url, &d))
                .await
                .unwrap())
        } else {
            Err(status)
        };
        let resumed = match after {
            Ok(resumed) => resumed,
            Err(status) => {
                // Fewer than n events: this run went to the end without being killed.
                assert_eq!(status.code(), Some(0), "the unkilled drill succeeds");
                assert!(n > 15, "a drill journals its steps: only {} events", n - 1);
                // Its own count, which may be below n - 1: the runs before it were killed
                // at their boundaries, this one ticked fewer times.
                assert!(
                    on_disk < n,
                    "{on_disk} events on disk, yet it never reached {n}"
                );
                assert_eq!(posts(&emu.requests()).len(), 1);
                assert_eq!(
                    no_trace_runs, 1,
                    "exactly one boundary lies between the intent and the POST"
                );
                emu.shutdown().await;
                break;
            }
        };
        assert!(stopped);
        assert_eq!(
            on_disk, n,
            "killed after event {n}: exactly {n} events on disk"
        );
        // The log is staged while the journal syncs the run's end but named only after: a
        // run killed at any boundary, the end's included, left no DR log for resume to trip on.
        assert!(
            !log_when_killed,
            "killed after event {n}: the killed run had published its DR log"
        );
        let stderr = String::from_utf8_lossy(&resumed.stderr).into_owned();
        assert_eq!(
            posts(&emu.requests()).len(),
            1,
            "killed after event {n}: exactly one failover POST; resume said:\n{stderr}"
        );
        let log: serde_json::Value = std::fs::read_to_string(dir.path().join("dr.json"))
            .map(|t| serde_json::from_str(&t).unwrap())
            .unwrap_or_else(|_| {
                panic!("killed after event {n}: no DR log; resume said:\n{stderr}")
            });
        assert_eq!(
            log["changed"], true,
            "killed after event {n}: the log says the hub changed"
        );
        assert_eq!(
            log["status"], "succeeded",
            "killed after event {n}: {stderr}"
        );
        assert_eq!(
            resumed.status.code(),
            Some(0),
            "killed after event {n}: {stderr}"
        );
        let details = step(&log, "initiate_failover")["details"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert_eq!(
            details.contains("left no trace"),
            no_trace,
            "killed after event {n}: the failover step's details: {details}"
        );
        no_trace_runs += usize::from(no_trace);
        emu.shutdown().await;
    }
}

/// A scenario whose failover POST is held at the emulator before it takes effect, and whose
/// failover then runs until the test completes it.
fn held_post_scenario() -> Scenario {
    Scenario::from_yaml(
        "hubs:\n  - { name: myIoTHub, failover: { complete: manual } }\nfaults:\n  - { method: POST, path: failover, hold: before, times: 1 }\n",
        "held-post.yaml",
    )
    .expect("scenario loads")
}

fn signal(pid: u32, sig: &str) {
    let ok = std::process::Command::new("kill")
        .args([sig, &pid.to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill {sig} failed");
}

/// Issue 18 item 1: the drill is frozen (SIGSTOP) while ARM takes its failover POST and
/// answers it, then killed (SIGKILL); the resume finds out from the hub what became of the
/// request. `while_failing_over`: resumed before the failover ends, or after.
async fn crash_while_arm_answers_the_post(runbook: &str, sets: &[&str], while_failing_over: bool) {
    let config = EmulatorConfig {
        time_scale: 0.001,
        ..EmulatorConfig::default()
    };
    let emu = Emulator::start(held_post_scenario(), config).await.unwrap();
    let url = emu.base_url().to_string();
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = command(dir.path());
    cmd.arg("exec")
        .arg(repo(runbook))
        .args(connection(&url))
        .args(["--yes", "--log", "dr.json"])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for s in sets {
        cmd.args(["--set", s]);
    }
    let mut child = cmd.start();
    // The POST reached ARM: freeze the drill, let ARM carry it out and answer, then kill.
    let held = emu
        .wait_for_hold(Duration::from_secs(60))
        .await
        .expect("the failover POST reached the emulator");
    signal(child.id(), "-STOP");
    assert!(emu.release(held.id));
    iothub_emulator::testing::eventually(Duration::from_secs(30), || {
        let answered = emu
            .requests()
            .iter()
            .any(|r| r.method == "POST" && r.path.ends_with("/failover") && r.status == 202);
        async move { answered }
    })
    .await
    .expect("ARM answered the POST");
    child.kill().unwrap();
    child.wait().unwrap();
    let journal = std::fs::read_to_string(dir.path().join("dr.json.jsonl")).unwrap();
    assert!(
        journal.contains("\"event\":\"failover_intent\""),
        "{journal}"
    );
    assert!(
        !journal.contains("\"event\":\"failover_started\""),
        "{journal}"
    );

    if !while_failing_over {
        emu.complete_failover("myIoTHub").unwrap();
    }
    let mut resume = command(dir.path());
    resume
        .arg("resume")
        .arg("dr.json.jsonl")
        .args(connection(&url))
        .arg("--yes")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for s in sets.iter().filter(|s| s.starts_with("token=")) {
        resume.args(["--set", s]);
    }
    let resumed = resume.start();
    if while_failing_over {
        // The resume has found the failover under way when it journals it as started.
        let d = dir.path().to_path_buf();
        iothub_emulator::testing::eventually(Duration::from_secs(60), || {
            let text = std::fs::read_to_string(d.join("dr.json.jsonl")).unwrap_or_default();
            async move { text.contains("\"event\":\"failover_started\"") }
        })
        .await
        .expect("the resume found the failover under way");
        emu.complete_failover("myIoTHub").unwrap();
    }
    let out = tokio::task::spawn_blocking(move || resumed.wait_with_output())
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(
        posts(&emu.requests()).len(),
        1,
        "one failover POST, never a second: {stdout}\n{stderr}"
    );
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    let log: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("dr.json")).unwrap())
            .unwrap();
    assert_eq!(log["changed"], true, "the DR log says the hub changed");
    assert_eq!(log["status"], "succeeded");
    let step = log["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["kind"] == "failover")
        .unwrap();
    assert!(
        step["details"]
            .as_str()
            .unwrap()
            .contains("recorded no answer"),
        "the failover step says what was found: {}",
        step["details"]
    );
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn frozen_during_the_post_explicit_region_resumed_while_failing_over() {
    crash_while_arm_answers_the_post("runbooks/drill.yaml", &[], true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn frozen_during_the_post_explicit_region_resumed_after_the_failover() {
    crash_while_arm_answers_the_post("runbooks/drill.yaml", &[], false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn frozen_during_the_post_paired_region_resumed_while_failing_over() {
    crash_while_arm_answers_the_post(
        "tests/fixtures/exec/resume-note.yaml",
        &["token=t0ken-value"],
        true,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn frozen_during_the_post_paired_region_resumed_after_the_failover() {
    crash_while_arm_answers_the_post(
        "tests/fixtures/exec/resume-note.yaml",
        &["token=t0ken-value"],
        false,
    )
    .await;
}
