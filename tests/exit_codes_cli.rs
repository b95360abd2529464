//! Exit codes the README promises that no other test pins: a report or JUnit file that cannot
//! be written leaves the drill's own code alone; a missing subscription and an `--auth auto`
//! chain that finds no credential are setup errors (2) before any run starts.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use support::*;

#[test]
fn an_unwritable_report_or_junit_file_leaves_the_drills_code_alone() {
    // (scenario, the drill's own code): succeeded, failed after a change, aborted before one.
    for (scenario, code) in [
        (None, 0),
        (Some("devices-drop"), 1),
        (Some("hub-not-active"), 3),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let mut cmd = command(dir.path());
        cmd.arg("exec")
            .arg(repo("runbooks/drill.yaml"))
            .args([
                "--emulator",
                "--time-scale",
                SCALE,
                "--yes",
                "--log",
                "dr.json",
            ])
            // The directory does not exist: both writes fail after the run.
            .args([
                "--junit",
                "missing/junit.xml",
                "--report",
                "missing/report.md",
            ]);
        if let Some(s) = scenario {
            cmd.arg("--scenario")
                .arg(repo(&format!("tests/fixtures/scenarios/{s}.yaml")));
        }
        let e = collect(cmd.output().unwrap(), dir);
        assert_eq!(
            e.code, code,
            "{scenario:?}: stdout:\n{}\nstderr:\n{}",
            e.stdout, e.stderr
        );
        assert!(
            e.stderr
                .contains("cannot write the JUnit report missing/junit.xml")
                && e.stderr
                    .contains("cannot write the report missing/report.md"),
            "{scenario:?}: the failures are still reported: {}",
            e.stderr
        );
        check_log(&e);
    }
}

#[test]
fn a_missing_subscription_is_a_setup_error() {
    let dir = tempfile::tempdir().unwrap();
    // Against Azure (no --emulator, whose own subscription would apply) with
    // AZURE_SUBSCRIPTION_ID unset, the runbook's only source for it: refused before any call.
    let out = command(dir.path())
        .env_remove("AZURE_SUBSCRIPTION_ID")
        .arg("exec")
        .arg(repo("tests/fixtures/exec/subscription-from-env.yaml"))
        .args(["--log", "dr.json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("parameter `subscription` has no value")
            && stderr.contains("AZURE_SUBSCRIPTION_ID"),
        "{stderr}"
    );
    assert_eq!(
        entries_besides_tmp(dir.path()),
        Vec::<String>::new(),
        "nothing was started"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_auth_auto_chain_that_finds_no_credential_is_a_setup_error() {
    let emu = emulator_yaml("hubs: [{ name: myIoTHub }]").await;
    let dir = tempfile::tempdir().unwrap();
    // Every source of the chain fails, on this machine and quickly: no `az` or `azd` on PATH,
    // no AZURE_* variables (cleared by `command`), and the managed identity endpoint (App
    // Service style, so no IMDS call leaves the machine) is the emulator, which refuses it.
    let mut cmd = command(dir.path());
    cmd.arg("exec")
        .arg(repo("runbooks/verify.yaml"))
        .args(["--arm-endpoint", emu.base_url(), "--auth", "auto"])
        .args(["--log", "dr.json"])
        .env("PATH", "/nonexistent")
        .env("IDENTITY_ENDPOINT", format!("{}/msi/token", emu.base_url()))
        .env("IDENTITY_HEADER", "test");
    let out = output_of(cmd).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("no Azure credential (auto auth) could get a token"),
        "{stderr}"
    );
    assert!(
        emu.requests()
            .iter()
            .all(|r| r.path.starts_with("/msi/token")),
        "an ARM call without a credential: {:?}",
        emu.requests()
    );
    assert!(
        !dir.path().join("dr.json.jsonl").exists(),
        "a journal for a run that never started"
    );
}
