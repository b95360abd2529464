//! Secrets stay out of every output a run can make, not only its DR log and journal
//! (`exec_secrets.rs`): secrets given with `--set` in `plan`, in `--junit` and `--report`
//! files; the terminal's confirmation prompt (on a real pseudo-terminal); and the bearer token
//! the run authenticates with, which must reach neither the DR log, nor the journal, nor the
//! terminal.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;

use support::*;

const RUNBOOK: &str = "tests/fixtures/exec/secret-drill.yaml";
/// The secret hub name: the emulator's hub, so the drill really runs on it.
const HUB: &str = "myIoTHub";
const KEY: &str = "k3y-s3cr3t-7a6b5c";

fn sets() -> [String; 4] {
    [
        "--set".into(),
        format!("hub={HUB}"),
        "--set".into(),
        format!("api_key={KEY}"),
    ]
}

fn assert_no_secret(what: &str, text: &str) {
    for secret in [HUB, KEY] {
        assert!(!text.contains(secret), "{what} shows {secret}:\n{text}");
    }
}

#[test]
fn secrets_given_with_set_stay_out_of_plan() {
    let dir = tempfile::tempdir().unwrap();
    let out = command(dir.path())
        .arg("plan")
        .arg(repo(RUNBOOK))
        .args(sets())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    // The plan still says what it will call, with the hub masked.
    assert!(stdout.contains("/IotHubs/***/failover"), "{stdout}");
    assert_no_secret("plan's output", &stdout);
    assert_no_secret("plan's errors", &String::from_utf8_lossy(&out.stderr));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_given_with_set_stay_out_of_junit_and_reports() {
    for (i, report) in ["report.md", "report.html"].into_iter().enumerate() {
        // A hub and a directory each: one drill's failover is no other's history.
        let emu = emulator_yaml("hubs: [{ name: myIoTHub }]").await;
        let dir = tempfile::tempdir().unwrap();
        let mut cmd = command(dir.path());
        cmd.arg("exec")
            .arg(repo(RUNBOOK))
            .args(against(&emu))
            .args(sets())
            .args(["--yes", "--log"])
            .arg(format!("dr{i}.json"))
            .arg("--junit")
            .arg(format!("junit{i}.xml"))
            .args(["--report", report]);
        let out = output_of(cmd).await;
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{stdout}");
        assert_no_secret("the terminal", &stdout);
        for file in [format!("junit{i}.xml"), report.to_string()] {
            let text = std::fs::read_to_string(dir.path().join(&file))
                .unwrap_or_else(|e| panic!("{file}: {e}"));
            // Markdown escapes the mask's asterisks.
            let mask = if file.ends_with(".md") {
                r"\*\*\*"
            } else {
                "***"
            };
            assert!(text.contains(mask), "{file} shows no masked value:\n{text}");
            assert_no_secret(&file, &text);
        }
    }
}

/// A fake `az` in `dir/bin` that hands out `token`, as `az account get-access-token` does.
fn fake_az(dir: &Path, token: &str) -> String {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let az = bin.join("az");
    std::fs::write(
        &az,
        format!(
            "#!/bin/sh\necho '{{\"accessToken\":\"{token}\",\"expiresOn\":\"2099-01-02 03:04:05.000000\",\"expires_on\":4070908800,\"tokenType\":\"Bearer\"}}'\n"
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(&az, std::fs::Permissions::from_mode(0o755)).unwrap();
    format!("{}:/usr/bin:/bin", bin.display())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bearer_token_never_reaches_the_record_or_the_terminal() {
    let emu = emulator_yaml("hubs: [{ name: myIoTHub }]").await;
    let dir = tempfile::tempdir().unwrap();
    let token = "eyJ0eXAiOiJKV1Qi.fake-bearer-token-5f4e3d2c1b";
    let path = fake_az(dir.path(), token);
    // A real credential means real time (no --time-scale): verify.yaml, which only reads,
    // finishes at once.
    let mut cmd = command(dir.path());
    cmd.arg("exec")
        .arg(repo("runbooks/verify.yaml"))
        .args(["--arm-endpoint", emu.base_url(), "--auth", "azure-cli"])
        .args(["--log", "dr.json"])
        .env("PATH", path);
    let e = collect(output_of(cmd).await, dir);
    assert_eq!(e.code, 0, "stdout:\n{}\nstderr:\n{}", e.stdout, e.stderr);
    assert!(
        !emu.requests().is_empty(),
        "the run reached ARM with the token"
    );
    let log = serde_json::to_string(e.log.as_ref().unwrap()).unwrap();
    for (what, text) in [
        ("the DR log", log.as_str()),
        ("the journal", e.journal_text.as_str()),
        ("stdout", e.stdout.as_str()),
        ("stderr", e.stderr.as_str()),
    ] {
        assert!(!text.contains(token), "{what} holds the bearer token");
        assert!(
            !text.contains("fake-bearer-token"),
            "{what} holds part of the bearer token"
        );
    }
}
