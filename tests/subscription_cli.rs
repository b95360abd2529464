//! The shipped runbooks have no subscription default: against Azure a missing subscription is
//! an up-front exit 2 naming how to give it; under `--emulator` the emulator's subscription
//! applies; `plan` shows a placeholder.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use support::*;

fn without_subscription(dir: &std::path::Path) -> std::process::Command {
    let mut c = command(dir);
    c.env_remove("AZURE_SUBSCRIPTION_ID");
    c
}

#[test]
fn against_azure_a_missing_subscription_is_refused_before_anything_runs() {
    for runbook in ["drill", "failover-test", "planned-failover", "verify"] {
        let dir = tempfile::tempdir().unwrap();
        let out = without_subscription(dir.path())
            .arg("exec")
            .arg(repo(&format!("runbooks/{runbook}.yaml")))
            .args(["--yes", "--log", "dr.json"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{runbook}: {stderr}");
        assert!(
            stderr.contains("parameter `subscription`")
                && stderr.contains("--set subscription=VALUE or set $AZURE_SUBSCRIPTION_ID"),
            "{runbook}: {stderr}"
        );
        // Refused while preparing: no credential was looked for, no log written.
        assert!(!stderr.contains("credential"), "{stderr}");
        assert!(!dir.path().join("dr.json").exists());
    }
}

#[test]
fn under_the_emulator_the_emulators_subscription_applies() {
    let dir = tempfile::tempdir().unwrap();
    let out = without_subscription(dir.path())
        .arg("exec")
        .arg(repo("runbooks/drill.yaml"))
        .args([
            "--emulator",
            "--time-scale",
            SCALE,
            "--yes",
            "--log",
            "dr.json",
        ])
        .output()
        .unwrap();
    let e = collect(out, dir);
    assert_eq!(e.code, 0, "{}\n{}", e.stdout, e.stderr);
    let log = e.log.as_ref().unwrap();
    assert_eq!(log["subscription"], EMULATED_SUBSCRIPTION);
}

#[test]
fn a_given_subscription_wins_under_the_emulator_too() {
    let dir = tempfile::tempdir().unwrap();
    let out = without_subscription(dir.path())
        .arg("exec")
        .arg(repo("runbooks/verify.yaml"))
        .args(["--emulator", "--time-scale", SCALE, "--log", "dr.json"])
        .args(["--set", "subscription=22222222-2222-2222-2222-222222222222"])
        .output()
        .unwrap();
    let e = collect(out, dir);
    assert_eq!(e.code, 0, "{}\n{}", e.stdout, e.stderr);
    assert_eq!(
        e.log.as_ref().unwrap()["subscription"],
        "22222222-2222-2222-2222-222222222222"
    );
}

#[test]
fn plan_shows_a_placeholder_for_a_subscription_not_given_yet() {
    let dir = tempfile::tempdir().unwrap();
    let out = without_subscription(dir.path())
        .arg("plan")
        .arg(repo("runbooks/drill.yaml"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("subscription (subscription)"), "{stdout}");
    assert!(!stdout.contains("00000000-0000"), "{stdout}");
}
