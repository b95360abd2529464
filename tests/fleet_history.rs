//! A fleet's failover cooldown sees the fleets run beside it: the history directory of a
//! fleet is its directory's parent, so `drills/day2/` refuses to fail a hub over again
//! within the hour of `drills/day1/` failing it over, naming that failover (exit 3), and
//! `--history-dir` points elsewhere. The preflight also reads the hubs' Activity Log, which
//! knows the day-1 failovers whatever the history directory says.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;

use iothub_emulator::{Emulator, EmulatorConfig, Scenario};
use serde_json::Value;
use support::*;

/// Emulated time runs 10x real time: the hour of cooldown is 6 real minutes, far longer than
/// the test, and a 2 s failover takes 0.2 s.
const SCALE: &str = "0.1";

async fn emulator() -> Emulator {
    let scenario = Scenario::from_yaml(
        "generate: { count: 3, tags: { dr-drill: enabled }, failover: { duration: 2s } }",
        "test.yaml",
    )
    .unwrap();
    let config = EmulatorConfig {
        time_scale: 0.1,
        ..EmulatorConfig::default()
    };
    Emulator::start(scenario, config).await.unwrap()
}

fn fleet(url: &str, cwd: &Path, fleet_dir: &str, extra: &[&str]) -> std::process::Output {
    command(cwd)
        .arg("exec")
        .arg(repo("tests/fixtures/fleet/drill.yaml"))
        .args([
            "--arm-endpoint",
            url,
            "--auth",
            "emulator",
            "--time-scale",
            SCALE,
        ])
        .args(["--yes", "--fleet-dir", fleet_dir])
        .args(extra)
        .output()
        .unwrap()
}

fn fleet_log(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("fleet.json")).unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fleet_in_a_new_directory_sees_the_failovers_of_the_one_beside_it() {
    let emu = emulator().await;
    let url = emu.base_url().to_string();
    let root = tempfile::tempdir().unwrap();
    let (r, u) = (root.path().to_path_buf(), url.clone());
    let (day1, day2, elsewhere) = tokio::task::spawn_blocking(move || {
        let drills = r.join("drills");
        std::fs::create_dir_all(&drills).unwrap();
        let day1 = fleet(&u, &drills, "day1", &[]);
        let day2 = fleet(&u, &drills, "day2", &[]);
        // With another (empty) history directory the local check has nothing to go on.
        std::fs::create_dir_all(r.join("empty")).unwrap();
        let empty = r.join("empty");
        let elsewhere = fleet(
            &u,
            &drills,
            "day3",
            &["--history-dir", empty.to_str().unwrap(), "--dry-run"],
        );
        (day1, day2, elsewhere)
    })
    .await
    .unwrap();
    let drills = root.path().join("drills");
    assert_eq!(
        day1.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&day1.stderr)
    );
    let posts_after_day1 = 3;
    assert_eq!(
        day2.status.code(),
        Some(3),
        "stopped before any change: {}",
        String::from_utf8_lossy(&day2.stdout)
    );
    assert_eq!(
        posts(&emu.requests()).len(),
        posts_after_day1,
        "day 2 posted no failover"
    );
    let log = fleet_log(&drills.join("day2"));
    for hub in log["hubs"].as_array().unwrap() {
        assert_eq!(hub["status"], "aborted", "{hub}");
        let reason = hub["reason"].as_str().unwrap_or_default();
        assert!(
            reason.contains("preflight") && reason.contains("completed at"),
            "the blocking failover is named: {reason}"
        );
        // Both sources know the day-1 failover: the local file (by its path) and the
        // emulator's Activity Log; the preflight's evidence names each.
        let hub_log = read_json(&drills.join("day2").join(hub["log"].as_str().unwrap()));
        let cooldown = preflight_check(&hub_log, "cooldown");
        assert_eq!(cooldown["outcome"], "refused", "{cooldown}");
        let evidence = cooldown["evidence"].to_string();
        assert!(
            evidence.contains("day1") && evidence.contains("Activity Log: `"),
            "{evidence}"
        );
    }
    // With an empty history directory the local files know nothing, but the Activity Log
    // still holds the day-1 failovers: the dry run is refused before any step, by it.
    let out = String::from_utf8_lossy(&elsewhere.stdout).into_owned();
    assert_eq!(elsewhere.status.code(), Some(3), "{out}");
    let log = fleet_log(&drills.join("day3"));
    for hub in log["hubs"].as_array().unwrap() {
        let hub_log = read_json(&drills.join("day3").join(hub["log"].as_str().unwrap()));
        let cooldown = preflight_check(&hub_log, "cooldown");
        assert_eq!(cooldown["source"], "Activity Log", "{cooldown}");
        assert!(
            cooldown["evidence"]
                .to_string()
                .contains("local files: no failover"),
            "{cooldown}"
        );
    }
    assert_eq!(posts(&emu.requests()).len(), posts_after_day1);
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fleet_resume_refuses_a_set_that_is_not_a_masked_secret() {
    let emu = emulator().await;
    let url = emu.base_url().to_string();
    let root = tempfile::tempdir().unwrap();
    let (r, u) = (root.path().to_path_buf(), url.clone());
    let (ran, resumed) = tokio::task::spawn_blocking(move || {
        let ran = fleet(&u, &r, "fleet", &["--dry-run"]);
        let resumed = command(&r)
            .arg("resume")
            .arg("fleet")
            .args([
                "--arm-endpoint",
                &u,
                "--auth",
                "emulator",
                "--time-scale",
                SCALE,
            ])
            .args(["--set", "subscription=11111111-1111-1111-1111-111111111111"])
            .output()
            .unwrap();
        (ran, resumed)
    })
    .await
    .unwrap();
    assert_eq!(
        ran.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ran.stderr)
    );
    let stderr = String::from_utf8_lossy(&resumed.stderr);
    assert_eq!(resumed.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--set subscription=… is refused") && stderr.contains("masks none"),
        "{stderr}"
    );
}
