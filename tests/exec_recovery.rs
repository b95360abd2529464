//! Recovery measured where devices live, from the command line against the built-in emulator:
//! the shipped drill fails when a tenth of the devices never come back, naming how many are
//! missing, and a fleet log carries each hub's device recovery time.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use serde_json::Value;
use support::*;

#[test]
fn a_drill_whose_devices_do_not_all_come_back_fails_naming_how_many_are_missing() {
    // At 0.001 the hour the drill waits for its devices is 3.6 s.
    let dir = tempfile::tempdir().unwrap();
    let out = command(dir.path())
        .arg("exec")
        .arg(repo("runbooks/drill.yaml"))
        .args([
            "--emulator",
            "--time-scale",
            "0.001",
            "--log",
            "dr.json",
            "--yes",
        ])
        .arg("--scenario")
        .arg(repo("tests/fixtures/recovery/never.yaml"))
        .output()
        .unwrap();
    let run = collect(out, dir);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains(
            "1,062 of 1,180 devices back (90%), telemetry at 90% of its baseline; 118 devices missing"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("objective device_recovery: MISSED"),
        "{}",
        run.stdout
    );
    let log = run.log.expect("a DR log");
    assert_log_matches_schema(&log);
    let recovery = &log["recovery"];
    assert_eq!(recovery["devices_missing"], 118.0);
    assert_eq!(recovery["device_recovery_seconds"], Value::Null);
    assert_eq!(recovery["baseline_connected_devices"], 1180.0);
    // The minutes it was measured from: one a minute, the drop and the plateau at 90%.
    let series = recovery["series"].as_array().unwrap();
    assert!(series.len() > 50, "an hour of minutes: {}", series.len());
    assert!(series.iter().any(|m| m["connected_min"] == 0.0));
    // The newest minutes may not be published yet when the wait times out (absent, as Azure
    // Monitor leaves them): the last minute with data is the plateau.
    let last_seen = series
        .iter()
        .rev()
        .find(|m| !m["connected"].is_null())
        .expect("a minute with data");
    assert_eq!(last_seen["connected"], 1062.0);
}

#[test]
fn the_fleet_log_carries_each_hubs_device_recovery_time() {
    let dir = tempfile::tempdir().unwrap();
    let out = command(dir.path())
        .arg("exec")
        .arg(repo("tests/fixtures/recovery/fleet-drill.yaml"))
        .args(["--emulator", "--scenario"])
        .arg(repo("tests/fixtures/recovery/fleet.yaml"))
        .args(["--time-scale", "0.001", "--yes", "--fleet-dir", "fleet"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    let text = std::fs::read_to_string(dir.path().join("fleet/fleet.json")).unwrap();
    let fleet: Value = serde_json::from_str(&text).unwrap();
    let hubs = fleet["hubs"].as_array().unwrap();
    assert_eq!(hubs.len(), 3);
    for hub in hubs {
        let secs = hub["device_recovery_seconds"]
            .as_f64()
            .unwrap_or_else(|| panic!("no device recovery time: {hub}"));
        // Devices back within about two minutes, counted to the end of a minute.
        assert!((60.0..=300.0).contains(&secs), "{hub}");
    }
}
