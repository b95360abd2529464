//! "A failover request is never abandoned mid-flight" (README, Safety), through the binary.
//!
//! The failover POST is held at the emulator (`hold: before`) so "while the POST is in flight"
//! is a state the test creates and ends, not a moment it races: the test sends its signals
//! while the request is parked, waits until the binary has said it saw them, and only then
//! releases the request. Whatever the signals (one Ctrl-C, one SIGTERM, two of either), the run
//! must record ARM's answer before it leaves: the journal holds the accepted operation, the DR
//! log says the hub changed, and a resume finishes with that one POST. (kill -9 at the same
//! moment is `exec_crash.rs`'s `*_frozen_while_arm_answers_*` tests.)

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use iothub_emulator::Emulator;
use support::*;

const SCENARIO: &str = "hubs: [{ name: myIoTHub, location: westus2, secondary: westus, failover: { complete: manual } }]\n\
                        faults: [{ method: POST, path: failover, hold: before, times: 1 }]\n";

fn signal(pid: u32, sig: &str) {
    let ok = std::process::Command::new("kill")
        .args([sig, &pid.to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill {sig} failed");
}

fn stderr_of(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("stderr.txt")).unwrap_or_default()
}

/// Runs the drill until its failover POST is parked at the emulator, sends `signals` (each
/// acknowledged by the binary before the next), releases the POST, and returns the exit code.
async fn signalled_while_posting(emu: &Emulator, dir: &Path, signals: &[&str]) -> Option<i32> {
    let child = command(dir)
        .arg("exec")
        .arg(repo("runbooks/drill.yaml"))
        .args(against(emu))
        .args(["--yes", "--log", "dr.json"])
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.join("stderr.txt")).unwrap())
        .start();
    let held = emu
        .wait_for_hold(Duration::from_secs(60))
        .await
        .expect("the failover POST reached the emulator");
    let acks = [
        "interrupted: stopping after recording the current step",
        "a failover request is in flight: waiting for ARM's answer",
    ];
    for (sig, ack) in signals.iter().zip(acks) {
        signal(child.id(), sig);
        until(&format!("the run to acknowledge {sig}"), || {
            stderr_of(dir).contains(ack)
        })
        .await;
    }
    let mut child = child;
    assert!(
        child.try_wait().unwrap().is_none(),
        "the run left while its failover POST was unanswered:\n{}",
        stderr_of(dir)
    );
    assert!(emu.release(held.id));
    code_of(child).await
}

async fn check_recorded_then_resume(emu: &Emulator, dir: &Path, code: Option<i32>) {
    assert_eq!(code, Some(130), "{}", stderr_of(dir));
    let journal = std::fs::read_to_string(dir.join("dr.json.jsonl")).unwrap();
    assert!(
        journal.contains("\"event\":\"failover_started\""),
        "ARM's answer was not journaled before the run left:\n{journal}"
    );
    assert_eq!(posts(&emu.requests()).len(), 1);

    // Whatever the run wrote, a resume re-attaches to that failover and posts nothing.
    complete_failover(emu, "myIoTHub").await;
    let mut cmd = command(dir);
    cmd.arg("resume")
        .arg("dr.json.jsonl")
        .args(against(emu))
        .arg("--yes");
    let out = output_of(cmd).await;
    assert_eq!(
        posts(&emu.requests()).len(),
        1,
        "a second failover POST on resume:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// One signal: the run stops after recording the step in flight, so the DR log it writes
/// says the hub changed.
async fn one_signal(sig: &str) {
    let emu = emulator_yaml(SCENARIO).await;
    let dir = tempfile::tempdir().unwrap();
    let code = signalled_while_posting(&emu, dir.path(), &[sig]).await;
    let log: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("dr.json")).unwrap())
            .unwrap();
    assert_log_matches_schema(&log);
    assert_eq!(log["status"], "cancelled");
    assert_eq!(log["changed"], true, "the hub is failing over: {log}");
    assert_eq!(step(&log, "initiate_failover")["status"], "success");
    check_recorded_then_resume(&emu, dir.path(), code).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_while_the_failover_post_is_in_flight_records_the_answer() {
    one_signal("-INT").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_while_the_failover_post_is_in_flight_records_the_answer() {
    one_signal("-TERM").await;
}

/// Two signals: the second would end the process at once, but not before ARM's answer to
/// the POST in flight is journaled.
async fn two_signals(first: &str, second: &str) {
    let emu = emulator_yaml(SCENARIO).await;
    let dir = tempfile::tempdir().unwrap();
    let code = signalled_while_posting(&emu, dir.path(), &[first, second]).await;
    check_recorded_then_resume(&emu, dir.path(), code).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_ctrl_c_while_the_failover_post_is_in_flight_waits_for_the_answer() {
    two_signals("-INT", "-INT").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_then_ctrl_c_while_the_failover_post_is_in_flight_waits_for_the_answer() {
    two_signals("-TERM", "-INT").await;
}
