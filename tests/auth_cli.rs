//! `--auth auto` on a machine with no credential source: the binary fails up front (exit 2)
//! with the list of sources it looked at and why each was skipped, without a token request.
//!
//! The environment is built from nothing: PATH is an empty directory (no `az`, no `azd`), no
//! `AZURE_*` variables, and the managed identity is an App Service endpoint on a 127.0.0.1 port
//! nobody listens on, so the only probe the survey makes is provably local.

mod support;

use std::process::Command;

use support::{bin, repo};

/// A loopback port that was free a moment ago: bound, read, released.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    listener.local_addr().expect("local address").port()
}

fn bare_command(dir: &std::path::Path, port: u16) -> Command {
    let empty_path = dir.join("empty-path");
    std::fs::create_dir_all(&empty_path).expect("empty PATH directory");
    let mut c = Command::new(bin());
    c.env_clear()
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .env("PATH", &empty_path)
        .env("HOME", dir)
        .env("NO_COLOR", "1")
        .env("RUNBOOK_LOCK_DIR", dir.join("locks"))
        .env(
            "IDENTITY_ENDPOINT",
            format!("http://127.0.0.1:{port}/msi/token"),
        )
        .env("IDENTITY_HEADER", "not-a-secret");
    c
}

#[test]
fn auto_auth_without_any_source_fails_up_front_naming_what_was_tried() {
    let dir = tempfile::tempdir().expect("tempdir");
    let port = closed_port();
    let started = std::time::Instant::now();
    let out = bare_command(dir.path(), port)
        .arg("exec")
        .arg(repo("runbooks/drill.yaml"))
        .args([
            "--set",
            "subscription=11111111-1111-1111-1111-111111111111",
            "--yes",
            "--log",
            "dr.json",
        ])
        .output()
        .expect("run runbook");
    let elapsed = started.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    for expected in [
        "no Azure credential source is available to --auth auto",
        "client secret (AZURE_CLIENT_SECRET): skipped, AZURE_CLIENT_SECRET is not set",
        "workload identity (AZURE_FEDERATED_TOKEN_FILE): skipped, AZURE_FEDERATED_TOKEN_FILE is not set",
        "Azure CLI (az login): skipped, `az` is not on PATH",
        "Azure Developer CLI (azd auth login): skipped, `azd` is not on PATH",
        &format!("managed identity: skipped, the endpoint 127.0.0.1:{port} refused a connection"),
        "az login",
        "--emulator",
    ] {
        assert!(
            stderr.contains(expected),
            "missing {expected:?} in:\n{stderr}"
        );
    }
    // The old path spent its 60 s bound on token requests; none is made now.
    assert!(!stderr.contains("took over 60 s"), "{stderr}");
    assert!(
        !dir.path().join("dr.json").exists(),
        "no run starts, so no DR log"
    );
    eprintln!("failed up front in {elapsed:?}");
}

#[test]
fn auto_auth_without_any_source_fails_a_fleet_up_front_too() {
    // A fleet connects once for all hubs through the same setup: the same up-front error.
    let dir = tempfile::tempdir().expect("tempdir");
    let port = closed_port();
    let out = bare_command(dir.path(), port)
        .arg("exec")
        .arg(repo("tests/fixtures/fleet/drill.yaml"))
        .args([
            "--set",
            "subscription=11111111-1111-1111-1111-111111111111",
            "--yes",
            "--fleet-dir",
        ])
        .arg(dir.path().join("fleet"))
        .output()
        .expect("run runbook");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    assert!(
        stderr.contains("no Azure credential source is available to --auth auto"),
        "{stderr}"
    );
    assert!(stderr.contains("`az` is not on PATH"), "{stderr}");
}
