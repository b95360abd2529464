//! Secrets never corrupt a record and never leak from one.
//!
//! `tests/fixtures/exec/secret-drill.yaml` is the shipped drill with its hub name and an API
//! key as secrets. Run with the key equal to each word a record is built from (event types,
//! statuses, kinds, sections) and to short values (`a`, `1`, `fail`), the journal and the DR
//! log keep exactly the structure of a run with an ordinary key, a resumed run stays intact,
//! the hub's name appears in no file, file name or output, and where the key was used (the
//! ticket check's input and message) it is masked.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use iothub_emulator::Emulator;
use serde_json::Value;
use support::*;

const HUB: &str = "myIoTHub";
const RUNBOOK: &str = "tests/fixtures/exec/secret-drill.yaml";

/// Values a careless masker would corrupt the record with.
const HOSTILE: &[&str] = &[
    "run_started",
    "step_started",
    "step_progress",
    "step_finished",
    "failover_intent",
    "failover_started",
    "objectives_measured",
    "run_finished",
    "event",
    "record",
    "status",
    "kind",
    "success",
    "warning",
    "failed",
    "skipped",
    "cancelled",
    "succeeded",
    "aborted",
    "validate",
    "snapshot-metrics",
    "failover",
    "await",
    "compare-devices",
    "health-check",
    "sleep",
    "steps",
    "rollback",
    "finally",
    "true",
    "null",
    "a",
    "1",
    "fail",
];

async fn emulator() -> Emulator {
    single_hub_emulator(0.001).await
}

fn connection(url: &str) -> Vec<String> {
    against_url(url, "0.001")
}

fn drill(url: &str, dir: &Path, key: &str, stop_after: Option<usize>) -> Running {
    let mut cmd = command(dir);
    cmd.arg("exec")
        .arg(repo(RUNBOOK))
        .args(connection(url))
        .args(["--yes", "--log", "dr.json"])
        .args([
            "--set",
            &format!("hub={HUB}"),
            "--set",
            &format!("api_key={key}"),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(n) = stop_after {
        cmd.env("RUNBOOK_CRASH_TEST_STOP_AFTER_EVENT", n.to_string());
    }
    cmd.start()
}

/// The journal's shape: each event's type and step, progress ticks left out (their number
/// depends on timing), and each step record's kind, section and status.
fn shape(journal: &str) -> Vec<String> {
    journal
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("every journal line is JSON"))
        .filter(|e| e["event"] != "step_progress")
        .map(|e| {
            let r = &e["record"];
            format!(
                "{} {} {} {} {}",
                e["event"], e["step"], r["step"], r["kind"], r["status"]
            )
        })
        .collect()
}

/// The DR log's shape: its status and each step's id, kind, section and status.
fn log_shape(log: &Value) -> Vec<String> {
    let mut out = vec![format!("{} {}", log["status"], log["changed"])];
    for s in log["steps"].as_array().unwrap() {
        out.push(format!(
            "{} {} {} {}",
            s["step"], s["kind"], s["section"], s["status"]
        ));
    }
    out
}

/// Everything the run left (files, their names) and said, as one text.
fn everything(dir: &Path, out: &std::process::Output) -> String {
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    for entry in walk(dir) {
        text.push_str(&entry.display().to_string());
        text.push_str(&std::fs::read_to_string(&entry).unwrap_or_default());
    }
    text
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

struct Ran {
    out: std::process::Output,
    journal: String,
    log: Value,
    dir: tempfile::TempDir,
}

async fn run(key: &str) -> Ran {
    let emu = emulator().await;
    let dir = tempfile::tempdir().unwrap();
    let (url, d, k) = (
        emu.base_url().to_string(),
        dir.path().to_path_buf(),
        key.to_string(),
    );
    let out = tokio::task::spawn_blocking(move || drill(&url, &d, &k, None).wait_with_output())
        .await
        .unwrap();
    emu.shutdown().await;
    let journal = std::fs::read_to_string(dir.path().join("dr.json.jsonl")).unwrap();
    let log = std::fs::read_to_string(dir.path().join("dr.json"))
        .map(|t| serde_json::from_str(&t).unwrap())
        .unwrap_or_else(|_| {
            panic!(
                "key {key:?}: no DR log\n{}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
    Ran {
        out,
        journal,
        log,
        dir,
    }
}

fn ticket_record(journal: &str) -> Value {
    journal
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|e| e["event"] == "step_finished" && e["record"]["step"] == "ticket")
        .map(|e| e["record"].clone())
        .expect("the ticket check is recorded")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secret_equal_to_any_record_word_masks_free_text_and_leaves_the_record_intact() {
    let reference = run("an-ordinary-key-value").await;
    assert_eq!(reference.out.status.code(), Some(0));
    let want_journal = shape(&reference.journal);
    let want_log = log_shape(&reference.log);
    assert_log_matches_schema(&reference.log);

    for key in HOSTILE {
        let r = run(key).await;
        let stderr = String::from_utf8_lossy(&r.out.stderr).into_owned();
        assert_eq!(r.out.status.code(), Some(0), "key {key:?}: {stderr}");
        assert_eq!(
            shape(&r.journal),
            want_journal,
            "key {key:?}: the journal's events, steps, kinds and statuses are untouched"
        );
        assert_eq!(
            log_shape(&r.log),
            want_log,
            "key {key:?}: the DR log's structure"
        );
        assert_log_matches_schema(&r.log);
        // Where the key was used, it is masked.
        let ticket = ticket_record(&r.journal);
        assert_eq!(
            ticket["inputs"]["state"], "***",
            "key {key:?}: the rendered input"
        );
        assert!(
            ticket["details"].as_str().unwrap().contains("***"),
            "key {key:?}: the ticket check's message names the masked key: {}",
            ticket["details"]
        );
        // The secret hub name is nowhere: not in a file, a file name, or the output.
        let all = everything(r.dir.path(), &r.out);
        assert!(
            !all.contains(HUB),
            "key {key:?}: the hub's name leaked:\n{all}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_with_hostile_secrets_killed_mid_failover_resumes_intact() {
    let reference = run("an-ordinary-key-value").await;
    let want = log_shape(&reference.log);
    // Killed right after ARM accepted the failover: the event after `failover_started`.
    let stop_after = reference
        .journal
        .lines()
        .position(|l| l.contains("\"event\":\"failover_started\""))
        .expect("the reference run failed over")
        + 1;
    for key in ["failover_started", "success", "a", "1", "fail", "failover"] {
        let emu = emulator().await;
        let dir = tempfile::tempdir().unwrap();
        let (url, d, k) = (
            emu.base_url().to_string(),
            dir.path().to_path_buf(),
            key.to_string(),
        );
        let resumed = tokio::task::spawn_blocking(move || {
            let mut child = drill(&url, &d, &k, Some(stop_after));
            let deadline = Instant::now() + Duration::from_secs(60);
            loop {
                let stat = std::fs::read_to_string(format!("/proc/{}/stat", child.id()))
                    .unwrap_or_default();
                let state = stat
                    .rsplit_once(')')
                    .map(|(_, s)| s.trim_start().to_string());
                if state.is_some_and(|s| s.starts_with('T')) {
                    break;
                }
                assert!(
                    child.try_wait().unwrap().is_none(),
                    "the drill ended unkilled"
                );
                assert!(Instant::now() < deadline, "the drill never stopped");
                std::thread::sleep(Duration::from_millis(2));
            }
            child.kill().unwrap();
            child.wait().unwrap();
            command(&d)
                .arg("resume")
                .arg("dr.json.jsonl")
                .args(connection(&url))
                .args([
                    "--yes",
                    "--set",
                    &format!("hub={HUB}"),
                    "--set",
                    &format!("api_key={k}"),
                ])
                .output()
                .unwrap()
        })
        .await
        .unwrap();
        let stderr = String::from_utf8_lossy(&resumed.stderr).into_owned();
        assert_eq!(resumed.status.code(), Some(0), "key {key:?}: {stderr}");
        assert_eq!(
            posts(&emu.requests()).len(),
            1,
            "key {key:?}: one failover POST"
        );
        let log: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.path().join("dr.json")).unwrap())
                .unwrap();
        assert_eq!(
            log_shape(&log),
            want,
            "key {key:?}: the resumed run's DR log"
        );
        emu.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secret_hub_stays_out_of_lock_files_log_names_and_the_busy_message() {
    let emu = emulator().await;
    let dir = tempfile::tempdir().unwrap();
    let locks = dir.path().join("locks");
    let url = emu.base_url().to_string();
    let (d, l) = (dir.path().to_path_buf(), locks.clone());
    // The first drill stops itself after its first event, holding the lock; the second is
    // refused, and its message must not name the hub.
    let (second, names, lock_text) = tokio::task::spawn_blocking(move || {
        let first_dir = d.join("first");
        std::fs::create_dir_all(&first_dir).unwrap();
        let mut first = command(&first_dir);
        first
            .arg("exec")
            .arg(repo(RUNBOOK))
            .args(connection(&url))
            .args([
                "--yes",
                "--set",
                &format!("hub={HUB}"),
                "--set",
                "api_key=k",
            ])
            .env("RUNBOOK_LOCK_DIR", &l)
            .env("RUNBOOK_CRASH_TEST_STOP_AFTER_EVENT", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let mut first = first.start();
        let deadline = Instant::now() + Duration::from_secs(60);
        while !std::fs::read_dir(&first_dir)
            .unwrap()
            .flatten()
            .any(|e| e.file_name().to_string_lossy().ends_with(".jsonl"))
        {
            assert!(Instant::now() < deadline, "the first drill never started");
            std::thread::sleep(Duration::from_millis(2));
        }
        let second_dir = d.join("second");
        std::fs::create_dir_all(&second_dir).unwrap();
        let second = command(&second_dir)
            .arg("exec")
            .arg(repo(RUNBOOK))
            .args(connection(&url))
            .args([
                "--yes",
                "--set",
                &format!("hub={HUB}"),
                "--set",
                "api_key=k",
            ])
            .env("RUNBOOK_LOCK_DIR", &l)
            .output()
            .unwrap();
        let names: Vec<String> = walk(&d).iter().map(|p| p.display().to_string()).collect();
        let lock_text: String = walk(&l)
            .iter()
            .map(|p| std::fs::read_to_string(p).unwrap_or_default())
            .collect();
        first.kill().unwrap();
        first.wait().unwrap();
        (second, names, lock_text)
    })
    .await
    .unwrap();
    let stderr = String::from_utf8_lossy(&second.stderr).into_owned();
    assert_eq!(
        second.status.code(),
        Some(2),
        "the second drill is refused: {stderr}"
    );
    assert!(
        stderr.contains("another drill is already running"),
        "{stderr}"
    );
    assert!(
        !stderr.contains(HUB),
        "the busy message names the secret hub: {stderr}"
    );
    assert!(
        !lock_text.to_lowercase().contains(&HUB.to_lowercase()),
        "the lock file holds the secret hub: {lock_text}"
    );
    assert!(
        names
            .iter()
            .all(|n| !n.to_lowercase().contains(&HUB.to_lowercase())),
        "a file name holds the secret hub: {names:?}"
    );
    // The default DR log name stands in a hash for the hub.
    assert!(
        names
            .iter()
            .any(|n| n.contains("dr_failover_hub-") && n.ends_with(".jsonl")),
        "{names:?}"
    );
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secret_hub_name_that_arm_echoes_in_an_error_is_masked_there_too() {
    // No such hub: ARM's 404 names it, and that text reaches the run's error, the DR log, the
    // journal and the terminal, each of which must show `***` in its place.
    const MISSING: &str = "secretHubThatIsNotThere";
    let emu = emulator().await;
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = command(dir.path());
    cmd.arg("exec")
        .arg(repo(RUNBOOK))
        .args(connection(emu.base_url()))
        .args(["--yes", "--log", "dr.json"])
        .args(["--set", &format!("hub={MISSING}"), "--set", "api_key=k3y"]);
    let out = output_of(cmd).await;
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        everything(dir.path(), &out)
    );
    let all = everything(dir.path(), &out);
    assert!(!all.contains(MISSING), "the hub's name leaked:\n{all}");
    let log: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("dr.json")).unwrap())
            .unwrap();
    let said = log.to_string();
    assert!(
        said.contains("The Resource 'Microsoft.Devices/IotHubs/***' under resource group"),
        "ARM's answer, with the name masked: {said}"
    );
}
