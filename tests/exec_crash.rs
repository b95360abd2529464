//! Crash safety, proved by killing: a drill is killed (SIGKILL) at every event boundary of
//! its journal, then resumed; every time, the emulator saw exactly one failover POST and the
//! DR log says the hub changed.
//!
//! The kill lands exactly at a boundary: the binary's crash-test hook
//! (`RUNBOOK_CRASH_TEST_STOP_AFTER_EVENT=N`) freezes the process with SIGSTOP right after the
//! journal writer has put event N on disk, before anything after it is written or sent, and
//! the test then sends SIGKILL. No timing is involved.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use iothub_emulator::{Emulator, EmulatorConfig, Scenario};
use support::*;

const HOOK: &str = "RUNBOOK_CRASH_TEST_STOP_AFTER_EVENT";

async fn fresh_emulator() -> Emulator {
    let scenario = Scenario::single_hub(
        "00000000-0000-0000-0000-000000000000",
        "myResourceGroup",
        "myIoTHub",
    );
    let config = EmulatorConfig {
        time_scale: 0.001,
        ..EmulatorConfig::default()
    };
    Emulator::start(scenario, config)
        .await
        .expect("emulator starts")
}

fn connection(url: &str) -> [String; 6] {
    [
        "--arm-endpoint".into(),
        url.to_string(),
        "--auth".into(),
        "emulator".into(),
        "--time-scale".into(),
        "0.001".into(),
    ]
}

fn spawn_drill(url: &str, dir: &Path, stop_after: Option<usize>) -> Child {
    let mut cmd = command(dir);
    cmd.arg("exec")
        .arg(repo("runbooks/drill.yaml"))
        .args(connection(url))
        .args(["--yes", "--log", "dr.json", "--output", "json"])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if let Some(n) = stop_after {
        cmd.env(HOOK, n.to_string());
    }
    cmd.spawn().unwrap()
}

/// The process's state letter from /proc (`T` when stopped).
fn state(pid: u32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The state follows the command name, which is in parentheses.
    stat.rsplit_once(')')?.1.trim_start().chars().next()
}

/// Waits (bounded) until the child stops itself at the hook, or exits. True if it stopped.
fn stopped_at_hook(child: &mut Child) -> bool {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        if state(child.id()) == Some('T') {
            return true;
        }
        assert!(
            Instant::now() < deadline,
            "the drill neither stopped nor ended"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
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
    // A run to the end, unkilled: how many events a drill journals.
    let emu = fresh_emulator().await;
    let dir = tempfile::tempdir().unwrap();
    let (url, d) = (emu.base_url().to_string(), dir.path().to_path_buf());
    let status = tokio::task::spawn_blocking(move || spawn_drill(&url, &d, None).wait().unwrap())
        .await
        .unwrap();
    assert_eq!(status.code(), Some(0), "the unkilled drill succeeds");
    let total = journal_lines(dir.path());
    assert!(total >= 15, "a drill journals its steps: {total} events");
    emu.shutdown().await;

    for n in 1..=total {
        let emu = fresh_emulator().await;
        let dir = tempfile::tempdir().unwrap();
        let (url, d) = (emu.base_url().to_string(), dir.path().to_path_buf());
        let (stopped, on_disk, resumed) = tokio::task::spawn_blocking(move || {
            let mut child = spawn_drill(&url, &d, Some(n));
            let stopped = stopped_at_hook(&mut child);
            child.kill().unwrap();
            child.wait().unwrap();
            let on_disk = journal_lines(&d);
            (stopped, on_disk, resume(&url, &d))
        })
        .await
        .unwrap();
        assert!(stopped, "event {n} of {total}: the drill never reached it");
        assert_eq!(
            on_disk, n,
            "killed after event {n}: exactly {n} events on disk"
        );
        let stderr = String::from_utf8_lossy(&resumed.stderr).into_owned();
        assert_eq!(
            posts(&emu.requests()).len(),
            1,
            "killed after event {n} of {total}: exactly one failover POST; resume said:\n{stderr}"
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
        emu.shutdown().await;
    }
}
