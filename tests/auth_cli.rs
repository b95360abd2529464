//! `--auth auto` on a machine with no credential source: the binary fails up front (exit 2)
//! with the list of sources it looked at and why each was skipped, without a token request.
//! And `--auth azure-cli` in a drill longer than its token's life: the token is renewed when
//! under 2 minutes of it are left, not sooner and not per request, and ARM (the emulator,
//! which refuses an expired JWT as ARM does) never refuses one.
//!
//! The environment is built from nothing: PATH is an empty directory (no `az`, no `azd`), no
//! `AZURE_*` variables, and the managed identity is an App Service endpoint on a 127.0.0.1 port
//! nobody listens on, so the only probe the survey makes is provably local.
#![allow(clippy::unwrap_used)]

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

/// A fake `az` in `dir/bin` whose every call hands out a new JWT that expires 125 s later,
/// just over the client's 2-minute refresh margin (as `az account get-access-token` prints
/// it), and notes when each was fetched and when it expires in `dir/az-fetches`.
fn az_with_tokens_of_125_s(dir: &std::path::Path) -> String {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let script = format!(
        r#"#!/bin/sh
now=$(date +%s.%N)
exp=$(( ${{now%.*}} + 125 ))
echo "$now $exp" >> '{log}'
b64() {{ printf '%s' "$1" | base64 -w0 | tr '+/' '-_' | tr -d '='; }}
token="$(b64 '{{"alg":"none","typ":"JWT"}}').$(b64 "{{\"exp\":$exp}}").sig"
on=$(date -u -d "@$exp" '+%Y-%m-%d %H:%M:%S.000000')
echo "{{\"accessToken\":\"$token\",\"expiresOn\":\"$on\",\"expires_on\":$exp,\"tokenType\":\"Bearer\"}}"
"#,
        log = dir.join("az-fetches").display()
    );
    let az = bin.join("az");
    std::fs::write(&az, script).unwrap();
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(&az, std::fs::Permissions::from_mode(0o755)).unwrap();
    format!("{}:/usr/bin:/bin", bin.display())
}

/// When each token was fetched (Unix seconds), in order.
fn token_fetches(dir: &std::path::Path) -> Vec<f64> {
    std::fs::read_to_string(dir.join("az-fetches"))
        .unwrap_or_default()
        .lines()
        .map(|l| l.split(' ').next().unwrap().parse().unwrap())
        .collect()
}

fn now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_drill_longer_than_its_tokens_life_renews_it_before_it_runs_out_and_not_before() {
    use support::Start as _;
    let emu =
        support::emulator_yaml("hubs: [{ name: myIoTHub, failover: { complete: manual } }]").await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("drill.yaml"),
        "version: 1\nname: outlives-its-token\n\
         target: { subscription: 00000000-0000-0000-0000-000000000000, resource_group: myResourceGroup, hub: myIoTHub }\n\
         steps:\n  - { id: before, validate: { state: Active } }\n  - { id: go, failover: {} }\n  - { id: wait, await: { operation: go, timeout: 10m, interval: 1s } }\n  - { id: after, validate: { state: Active } }\n",
    )
    .unwrap();
    let path = az_with_tokens_of_125_s(dir.path());
    // A real credential means real time (no --time-scale): the await polls every real second.
    let drill = support::command(dir.path())
        .args(["exec", "drill.yaml", "--yes", "--log", "dr.json"])
        .args(["--arm-endpoint", emu.base_url(), "--auth", "azure-cli"])
        .env("PATH", path)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .start();
    let journal_dir = dir.path().to_path_buf();
    tokio::task::spawn_blocking(move || {
        support::wait_for_journal(&journal_dir, "failover_started")
    })
    .await
    .unwrap();
    // The POST went out with a token the client holds; any token fetched from now on is a
    // renewal. The failover is held until one comes: about 5 s after the held token was
    // fetched, when under 2 minutes of it are left.
    let posted = now();
    support::until("the client to renew its token", || {
        token_fetches(dir.path()).iter().any(|&at| at > posted)
    })
    .await;
    support::complete_failover(&emu, "myIoTHub").await;
    let out = tokio::task::spawn_blocking(move || drill.wait_with_output())
        .await
        .unwrap();
    support::assert_exit(&out, 0);
    let refused: Vec<_> = emu
        .requests()
        .into_iter()
        .filter(|r| r.status == 401)
        .collect();
    assert!(refused.is_empty(), "requests refused: {refused:?}");
    let fetches = token_fetches(dir.path());
    let (held, renewed): (Vec<f64>, Vec<f64>) = fetches.iter().partition(|&&at| at <= posted);
    // Renewed when due, not per request: the await polled every second meanwhile.
    let held_since = held.last().expect("a token before the POST");
    assert!(
        renewed[0] - held_since >= 4.0,
        "renewed {:.1} s after the held token was fetched, before it was due: {fetches:?}",
        renewed[0] - held_since
    );
    assert!(renewed.len() <= 2, "a token per request: {fetches:?}");
}
