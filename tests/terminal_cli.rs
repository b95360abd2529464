//! A drill at a real terminal: the confirmation prompt on a pseudo-terminal (util-linux
//! `script` gives the binary one, and feeds it what the test types). "Confirmation declined"
//! exits 3 with nothing changed, and a secret in the question is masked on the screen.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::io::Write as _;
use std::path::Path;
use std::process::{Output, Stdio};

use iothub_emulator::Emulator;
use support::*;

/// Runs `runbook ARGS` on a pseudo-terminal in `dir`, typing `answer` at it.
async fn at_a_terminal(dir: &Path, args: &[String], answer: &str) -> Output {
    let quoted: Vec<String> = std::iter::once(bin().to_string())
        .chain(args.iter().cloned())
        .map(|a| format!("'{}'", a.replace('\'', r"'\''")))
        .collect();
    let mut cmd = wrapper(dir, "script");
    cmd.args(["-q", "-e", "-c", &quoted.join(" "), "/dev/null"])
        .env("SHELL", "/bin/sh")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.start();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(answer.as_bytes())
        .unwrap();
    tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap()
}

fn drill_args(emu: &Emulator, runbook: &str, extra: &[&str]) -> Vec<String> {
    let mut args = vec!["exec".to_string(), repo(runbook).display().to_string()];
    args.extend(against(emu));
    args.extend(["--log", "dr.json"].map(str::to_string));
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn confirmation_declined_at_a_terminal_exits_3_and_changes_nothing() {
    let emu = emulator_yaml("hubs: [{ name: myIoTHub }]").await;
    let dir = tempfile::tempdir().unwrap();
    let out = at_a_terminal(
        dir.path(),
        &drill_args(&emu, "runbooks/drill.yaml", &[]),
        "no\n",
    )
    .await;
    let screen = String::from_utf8_lossy(&out.stdout);
    assert!(
        screen.contains("Fail myIoTHub over from westus2 to westus?")
            && screen.contains("Type 'yes' to proceed"),
        "the question was not asked on the terminal:\n{screen}"
    );
    assert_eq!(out.status.code(), Some(3), "{screen}");
    assert!(posts(&emu.requests()).is_empty(), "a declined drill posted");
    let log: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("dr.json")).unwrap())
            .unwrap();
    assert_eq!(log["status"], "aborted");
    assert_eq!(log["changed"], false);
    let s = step(&log, "initiate_failover");
    assert_eq!(s["status"], "failed");
    assert!(
        s["error"]["message"].as_str().unwrap().contains("declined"),
        "{s}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secret_in_the_confirmation_question_is_masked_on_the_terminal() {
    let emu = emulator_yaml("hubs: [{ name: myIoTHub }]").await;
    let dir = tempfile::tempdir().unwrap();
    let args = drill_args(
        &emu,
        "tests/fixtures/exec/secret-drill.yaml",
        &["--set", "hub=myIoTHub", "--set", "api_key=k3y-s3cr3t"],
    );
    let out = at_a_terminal(dir.path(), &args, "no\n").await;
    let screen = String::from_utf8_lossy(&out.stdout);
    assert!(
        screen.contains("Fail *** over from westus2 to westus?"),
        "{screen}"
    );
    assert_eq!(out.status.code(), Some(3), "{screen}");
    assert!(!screen.contains("myIoTHub"), "{screen}");
    assert!(!screen.contains("k3y-s3cr3t"), "{screen}");
}
