//! `runbook plan` (what a run would call, calling nothing) and `runbook emulator` (a standalone
//! ARM emulator that another `runbook` process drives over loopback).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use support::*;

#[test]
fn plan_lists_each_step_and_its_arm_calls() {
    let dir = tempfile::tempdir().unwrap();
    let out = command(dir.path())
        .arg("plan")
        .arg(repo("runbooks/drill.yaml"))
        .args(["--set", "hub=contoso-hub"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("POST https://management.azure.com/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/myResourceGroup/providers/Microsoft.Devices/IotHubs/contoso-hub/failover?api-version=2023-06-30"), "{text}");
    insta::assert_snapshot!(text);
    assert_eq!(
        entries_besides_tmp(dir.path()),
        Vec::<String>::new(),
        "plan writes nothing"
    );
    assert_eq!(
        entries_besides_tmp(&dir.path().join(".tmp")),
        Vec::<String>::new()
    );
}

#[test]
fn plan_rejects_an_unknown_parameter() {
    let dir = tempfile::tempdir().unwrap();
    let out = command(dir.path())
        .arg("plan")
        .arg(repo("runbooks/drill.yaml"))
        .args(["--set", "target_regoin=westus"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("did you mean `target_region`?"), "{err}");
}

#[test]
fn standalone_emulator_serves_another_runbook_process() {
    let dir = tempfile::tempdir().unwrap();
    let mut emu = command(dir.path())
        .args(["emulator", "--addr", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .start();
    let mut lines = BufReader::new(emu.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let url = first.rsplit(' ').next().unwrap().to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{first}");
    assert_eq!(lines.next().unwrap().unwrap(), "  hub myIoTHub");

    let out = command(dir.path())
        .arg("exec")
        .arg(repo("runbooks/verify.yaml"))
        .args([
            "--arm-endpoint",
            &url,
            "--auth",
            "emulator",
            "--log",
            "dr.json",
        ])
        .output()
        .unwrap();
    let status = std::process::Command::new("kill")
        .args(["-INT", &emu.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(
        emu.wait().unwrap().code(),
        Some(0),
        "the emulator stops cleanly on Ctrl-C"
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn emulator_auth_is_refused_for_a_non_loopback_endpoint() {
    let dir = tempfile::tempdir().unwrap();
    let out = command(dir.path())
        .arg("exec")
        .arg(repo("runbooks/verify.yaml"))
        .args([
            "--arm-endpoint",
            "https://management.azure.com",
            "--auth",
            "emulator",
            "--log",
            "dr.json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("loopback"));
}
