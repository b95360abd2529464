//! What `runbook resume` accepts: the interrupted run's runbook, parameters and hub, and
//! nothing else. `--set` only gives again values the journal masks; the runbook is found where
//! the run recorded it (absolute path and SHA-256), or where `--runbook` says it moved.
//!
//! Each test interrupts a run right after ARM accepted its failover (the binary's crash-test
//! hook stops it at that journal event; the test kills it), then resumes it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;
use std::process::Command;

use iothub_emulator::{Emulator, EmulatorConfig, Scenario};
use support::*;

const NOTE_RUNBOOK: &str = "tests/fixtures/exec/resume-note.yaml";

async fn emulator_with(hubs: &[&str]) -> Emulator {
    let mut yaml = String::from("hubs:\n");
    for h in hubs {
        yaml.push_str(&format!("  - {{ name: {h} }}\n"));
    }
    let scenario = Scenario::from_yaml(&yaml, "test.yaml").unwrap();
    let config = EmulatorConfig {
        time_scale: 0.001,
        ..EmulatorConfig::default()
    };
    Emulator::start(scenario, config).await.unwrap()
}

fn connect(cmd: &mut Command, url: &str) {
    cmd.args([
        "--arm-endpoint",
        url,
        "--auth",
        "emulator",
        "--time-scale",
        "0.001",
    ]);
}

/// A reference run's journal, to find the event to stop at.
fn failover_event(url: &str, runbook: &Path, sets: &[&str]) -> usize {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = command(dir.path());
    cmd.arg("exec")
        .arg(runbook)
        .args(["--yes", "--log", "dr.json"]);
    for s in sets {
        cmd.args(["--set", s]);
    }
    connect(&mut cmd, url);
    let out = cmd.output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let journal = std::fs::read_to_string(dir.path().join("dr.json.jsonl")).unwrap();
    event_number(&journal, "\"event\":\"failover_started\"")
}

/// Runs `runbook` on `hub` in `dir` and kills it right after ARM accepted the failover.
fn interrupted_run(url: &str, dir: &Path, runbook: &Path, sets: &[&str], stop_at: usize) {
    let mut cmd = command(dir);
    cmd.arg("exec")
        .arg(runbook)
        .args(["--yes", "--log", "dr.json"]);
    for s in sets {
        cmd.args(["--set", s]);
    }
    connect(&mut cmd, url);
    kill_at_event(cmd, stop_at);
}

fn resume(url: &str, cwd: &Path, journal: &Path, extra: &[&str]) -> std::process::Output {
    let mut cmd = command(cwd);
    cmd.arg("resume").arg(journal).arg("--yes").args(extra);
    connect(&mut cmd, url);
    cmd.output().unwrap()
}

fn lines(path: &Path) -> usize {
    std::fs::read_to_string(path).unwrap().lines().count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_refuses_a_set_that_is_not_a_masked_secret_and_keeps_the_hub() {
    let emu = emulator_with(&["myIoTHub", "otherHub"]).await;
    let url = emu.base_url().to_string();
    let runbook = repo(NOTE_RUNBOOK);
    let dir = tempfile::tempdir().unwrap();
    let (d, u, r) = (dir.path().to_path_buf(), url.clone(), runbook.clone());
    let (refused, masks_none, resumed, before, after) = tokio::task::spawn_blocking(move || {
        let stop = failover_event(&u, &r, &["token=s3cret-token"]);
        interrupted_run(&u, &d, &r, &["token=s3cret-token"], stop);
        let journal = d.join("dr.json.jsonl");
        let before = lines(&journal);
        // Another hub, or any parameter the journal does not mask: refused before anything.
        let refused = resume(
            &u,
            &d,
            &journal,
            &["--set", "token=s3cret-token", "--set", "hub=otherHub"],
        );
        let masks_none = resume(
            &u,
            &d,
            &journal,
            &["--set", "token=s3cret-token", "--set", "note=changed"],
        );
        let after = lines(&journal);
        let resumed = resume(&u, &d, &journal, &["--set", "token=s3cret-token"]);
        (refused, masks_none, resumed, before, after)
    })
    .await
    .unwrap();
    for out in [&refused, &masks_none] {
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains("only gives again the secret values the journal masks (token)"),
            "{stderr}"
        );
    }
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--set hub="));
    assert_eq!(before, after, "a refused resume does not touch the journal");
    let stderr = String::from_utf8_lossy(&resumed.stderr);
    assert_eq!(resumed.status.code(), Some(0), "{stderr}");
    let posts: Vec<String> = posts(&emu.requests())
        .iter()
        .map(|r| r.path.clone())
        .collect();
    // The reference run and the interrupted one each failed myIoTHub over once (the second
    // failed it back); otherHub was never touched.
    assert_eq!(posts.len(), 2, "{posts:?}");
    assert!(posts.iter().all(|p| p.contains("/myIoTHub/")), "{posts:?}");
    let log: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("dr.json")).unwrap())
            .unwrap();
    assert_eq!(log["hub_name"], "myIoTHub");
    assert_eq!(log["changed"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ordinary_parameter_whose_value_is_the_mask_is_not_asked_for_again() {
    let emu = emulator_with(&["myIoTHub"]).await;
    let url = emu.base_url().to_string();
    let dir = tempfile::tempdir().unwrap();
    let (d, u, r) = (dir.path().to_path_buf(), url.clone(), repo(NOTE_RUNBOOK));
    let out = tokio::task::spawn_blocking(move || {
        let sets = ["token=s3cret-token", "note=***"];
        let stop = failover_event(&u, &r, &sets);
        interrupted_run(&u, &d, &r, &sets, stop);
        resume(
            &u,
            &d,
            &d.join("dr.json.jsonl"),
            &["--set", "token=s3cret-token"],
        )
    })
    .await
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(0),
        "`note` is not a secret: {stderr}"
    );
    let journal = std::fs::read_to_string(dir.path().join("dr.json.jsonl")).unwrap();
    let first: serde_json::Value = serde_json::from_str(journal.lines().next().unwrap()).unwrap();
    assert_eq!(first["masked_params"], serde_json::json!(["token"]));
    assert_eq!(first["params"]["note"], "***");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_finds_the_runbook_where_the_run_had_it_or_where_runbook_says() {
    let emu = emulator_with(&["myIoTHub"]).await;
    let url = emu.base_url().to_string();
    let root = tempfile::tempdir().unwrap();
    let (rt, u) = (root.path().to_path_buf(), url.clone());
    let outcome = tokio::task::spawn_blocking(move || {
        // The run uses `drill.yaml` by a relative path from its own directory.
        let run_dir = rt.join("run");
        let elsewhere = rt.join("elsewhere");
        std::fs::create_dir_all(&run_dir).unwrap();
        std::fs::create_dir_all(&elsewhere).unwrap();
        let text = std::fs::read_to_string(repo(NOTE_RUNBOOK)).unwrap();
        std::fs::write(run_dir.join("drill.yaml"), &text).unwrap();
        // A different file of the same name where the resume is run from.
        std::fs::write(
            elsewhere.join("drill.yaml"),
            text.replace("interval: 5s", "interval: 6s"),
        )
        .unwrap();
        let stop = failover_event(&u, &repo(NOTE_RUNBOOK), &["token=t0ken-value"]);
        interrupted_run(
            &u,
            &run_dir,
            Path::new("drill.yaml"),
            &["token=t0ken-value"],
            stop,
        );
        let journal = run_dir.join("dr.json.jsonl");
        let from_elsewhere = resume(&u, &elsewhere, &journal, &["--set", "token=t0ken-value"]);
        (from_elsewhere, run_dir)
    })
    .await
    .unwrap();
    let (from_elsewhere, run_dir) = outcome;
    let stderr = String::from_utf8_lossy(&from_elsewhere.stderr);
    assert_eq!(from_elsewhere.status.code(), Some(0), "{stderr}");
    let used = run_dir.join("drill.yaml");
    assert!(
        stderr.contains(&format!("resuming with the runbook {}", used.display())),
        "says which file it used: {stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_moved_runbook_is_named_and_found_again_with_runbook_only_if_unchanged() {
    let emu = emulator_with(&["myIoTHub"]).await;
    let url = emu.base_url().to_string();
    let root = tempfile::tempdir().unwrap();
    let (rt, u) = (root.path().to_path_buf(), url.clone());
    let (gone, changed, moved) = tokio::task::spawn_blocking(move || {
        let run_dir = rt.join("run");
        std::fs::create_dir_all(&run_dir).unwrap();
        let text = std::fs::read_to_string(repo(NOTE_RUNBOOK)).unwrap();
        let original = run_dir.join("drill.yaml");
        std::fs::write(&original, &text).unwrap();
        let stop = failover_event(&u, &repo(NOTE_RUNBOOK), &["token=t0ken-value"]);
        interrupted_run(&u, &run_dir, &original, &["token=t0ken-value"], stop);
        let journal = run_dir.join("dr.json.jsonl");
        let moved_to = rt.join("moved.yaml");
        std::fs::rename(&original, &moved_to).unwrap();
        let edited = rt.join("edited.yaml");
        std::fs::write(&edited, text.replace("interval: 5s", "interval: 6s")).unwrap();
        let set = ["--set", "token=t0ken-value"];
        let gone = resume(&u, &rt, &journal, &set);
        let changed = resume(
            &u,
            &rt,
            &journal,
            &[set[0], set[1], "--runbook", edited.to_str().unwrap()],
        );
        let moved = resume(
            &u,
            &rt,
            &journal,
            &[set[0], set[1], "--runbook", moved_to.to_str().unwrap()],
        );
        (gone, changed, moved)
    })
    .await
    .unwrap();
    let gone_err = String::from_utf8_lossy(&gone.stderr);
    assert_eq!(gone.status.code(), Some(2), "{gone_err}");
    assert!(
        gone_err.contains("is not there any more") && gone_err.contains("--runbook"),
        "{gone_err}"
    );
    let changed_err = String::from_utf8_lossy(&changed.stderr);
    assert_eq!(changed.status.code(), Some(2), "{changed_err}");
    assert!(changed_err.contains("sha256 differs"), "{changed_err}");
    let moved_err = String::from_utf8_lossy(&moved.stderr);
    assert_eq!(moved.status.code(), Some(0), "{moved_err}");
    assert_eq!(
        posts(&emu.requests()).len(),
        2,
        "the reference run's and this run's failover"
    );
}
