//! Fleet drills through the real binary: a runbook with `targets:` over generated emulator
//! hubs. The happy path, max_errors stopping new hubs (and staying stopped on resume, which
//! refuses a runbook changed since), Ctrl-C mid-fleet and a resume that finishes it without a
//! second failover, ARM's budget kept (no 429) under throttling, and a fleet whose hubs'
//! cleanup fails exiting 4.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;
use std::process::Stdio;

use iothub_emulator::Emulator;
use serde_json::Value;
use support::*;

const DRILL: &str = "tests/fixtures/fleet/drill.yaml";

fn fleet_log(dir: &Path) -> Value {
    let text = std::fs::read_to_string(dir.join("fleet.json")).expect("fleet.json written");
    let log: Value = serde_json::from_str(&text).unwrap();
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(repo("schemas/fleet-log.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(&log).map(|e| e.to_string()).collect();
    assert!(
        errors.is_empty(),
        "fleet log against its schema: {errors:?}"
    );
    log
}

fn statuses(log: &Value) -> Vec<(String, String)> {
    log["hubs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["hub"].as_str().unwrap().to_string(),
                h["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn count(log: &Value, status: &str) -> usize {
    statuses(log).iter().filter(|(_, s)| s == status).count()
}

fn run_emulated(scenario: &str, extra: &[&str]) -> (std::process::Output, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let out = command(dir.path())
        .arg("exec")
        .arg(repo(DRILL))
        .args(["--emulator", "--scenario"])
        .arg(repo(&format!("tests/fixtures/fleet/{scenario}.yaml")))
        .args(["--time-scale", SCALE, "--yes", "--fleet-dir", "fleet"])
        .args(extra)
        .output()
        .unwrap();
    (out, dir)
}

#[test]
fn fleet_happy_path_drills_every_selected_hub() {
    let (out, dir) = run_emulated("twenty", &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let fleet = dir.path().join("fleet");
    let log = fleet_log(&fleet);
    assert_eq!(
        log["hubs"].as_array().unwrap().len(),
        20,
        "untagged hubs left out"
    );
    assert_eq!(count(&log, "succeeded"), 20);
    assert_eq!(log["exit_code"], 0);
    assert_eq!(log["max_concurrency"], 5);
    assert!(
        !statuses(&log)
            .iter()
            .any(|(h, _)| h == "hub-0011" || h == "hub-0022")
    );
    for hub in log["hubs"].as_array().unwrap() {
        // Every hub's DR log is today's format, beside its journal.
        let dr: Value = serde_json::from_str(
            &std::fs::read_to_string(fleet.join(hub["log"].as_str().unwrap())).unwrap(),
        )
        .unwrap();
        assert_log_matches_schema(&dr);
        assert_eq!(dr["hub_name"], hub["hub"]);
        assert_eq!(dr["status"], "succeeded");
        assert!(fleet.join(hub["journal"].as_str().unwrap()).exists());
        assert_eq!(hub["pre_failover_device_count"], 1200);
        assert!(hub["failover_duration_seconds"].as_f64().is_some());
    }
    assert!(stdout.contains("hub-0020: succeeded"), "{stdout}");
    assert!(stdout.contains("20 succeeded"), "{stdout}");
}

#[test]
fn target_and_limit_narrow_the_fleet() {
    let (out, dir) = run_emulated("twenty", &["--target", "hub-000*", "--limit", "3"]);
    assert_eq!(out.status.code(), Some(0));
    let log = fleet_log(&dir.path().join("fleet"));
    let hubs: Vec<String> = statuses(&log).into_iter().map(|(h, _)| h).collect();
    assert_eq!(hubs, ["hub-0001", "hub-0002", "hub-0003"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_errors_stops_new_hubs_and_in_flight_ones_finish() {
    // Every failover completes only when the test says so, which fixes the order of events:
    // hubs 1-5 start; hub-0001 fails, so hub-0006 takes its place; hub-0002 fails, so no new
    // hub starts; then the four in flight finish.
    let emu = emulator_yaml(
        "generate: { count: 20, tags: { dr-drill: enabled }, failing: [hub-0001, hub-0002], failover: { complete: manual } }",
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    // A copy of the runbook, so the test can change it before a resume.
    let runbook = dir.path().join("drill.yaml");
    std::fs::copy(repo(DRILL), &runbook).unwrap();
    let mut cmd = fleet_command(&emu, dir.path(), "exec", &runbook);
    let printed = dir.path().join("stdout.txt");
    cmd.args(["--fleet-dir", "fleet"])
        .stdout(std::fs::File::create(&printed).unwrap());
    let run = output_in_background(cmd);
    let posted = |hub: &str| {
        let hub = format!("/{hub}/");
        posts(&emu.requests()).iter().any(|r| r.path.contains(&hub))
    };
    until("five failover POSTs", || posts(&emu.requests()).len() == 5).await;
    complete_failover(&emu, "hub-0001").await;
    until("hub-0006 to start in hub-0001's place", || {
        posted("hub-0006")
    })
    .await;
    complete_failover(&emu, "hub-0002").await;
    // Only once the fleet has stopped starting hubs may the four in flight finish (a slot
    // they free earlier would start hub-0007).
    until("max_errors to stop the fleet", || {
        std::fs::read_to_string(&printed)
            .unwrap_or_default()
            .contains("max_errors reached")
    })
    .await;
    let out = drive_to_the_end(&emu, run, 20).await;
    let stdout = std::fs::read_to_string(&printed).unwrap();
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let log = fleet_log(&dir.path().join("fleet"));
    assert_eq!(log["hubs"].as_array().unwrap().len(), 20);
    assert_eq!(count(&log, "failed"), 2, "{:?}", statuses(&log));
    assert!(log["stopped_by_max_errors"].as_bool().unwrap());
    assert_eq!(count(&log, "succeeded"), 4, "{:?}", statuses(&log));
    assert_eq!(count(&log, "not_started"), 14, "{:?}", statuses(&log));
    assert_eq!(
        posts(&emu.requests()).len(),
        6,
        "no hub started after the second failure"
    );
    // Nothing was left half-done: every hub that started has a finished DR log.
    for (hub, status) in statuses(&log) {
        let dr = dir.path().join("fleet").join(format!("{hub}.json"));
        assert_eq!(dr.exists(), status != "not_started", "{hub} {status}");
    }
    assert!(stdout.contains("max_errors reached"), "{stdout}");

    // Resumed, a fleet that max_errors stopped stays stopped: no hub starts.
    let fleet = dir.path().join("fleet");
    let out = output_of(fleet_command(&emu, dir.path(), "resume", &fleet)).await;
    let said = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(1), "{said}");
    let log = fleet_log(&fleet);
    assert!(log["stopped_by_max_errors"].as_bool().unwrap());
    assert_eq!(count(&log, "not_started"), 14, "{:?}", statuses(&log));
    assert_eq!(posts(&emu.requests()).len(), 6, "the resume started no hub");

    // A runbook changed since the fleet started is refused before anything runs.
    let text = std::fs::read_to_string(&runbook).unwrap();
    std::fs::write(&runbook, text.replace("max_errors: 2", "max_errors: 20")).unwrap();
    let requests = emu.requests().len();
    let out = output_of(fleet_command(&emu, dir.path(), "resume", &fleet)).await;
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("changed since the fleet started"),
        "{stderr}"
    );
    assert_eq!(
        emu.requests().len(),
        requests,
        "the refused resume called ARM"
    );
}

/// Completes every `complete: manual` failover of hubs `hub-0001`..`hub-{count}` as soon as
/// it is in progress, until `run` ends; returns what it printed.
async fn drive_to_the_end(
    emu: &Emulator,
    run: tokio::task::JoinHandle<std::process::Output>,
    count: usize,
) -> std::process::Output {
    let hubs: Vec<String> = (1..=count).map(|i| format!("hub-{i:04}")).collect();
    completing_failovers(emu, &hubs, run).await
}

#[test]
fn single_hub_options_are_refused_for_a_fleet_and_fleet_options_for_one_hub() {
    let dir = tempfile::tempdir().unwrap();
    let out = command(dir.path())
        .arg("exec")
        .arg(repo(DRILL))
        .args(["--emulator", "--log", "x.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = command(dir.path())
        .arg("exec")
        .arg(repo("runbooks/drill.yaml"))
        .args(["--emulator", "--limit", "2"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("fleet runbooks"));
}

/// Runs `cmd` to its end on a blocking thread.
fn output_in_background(
    mut cmd: std::process::Command,
) -> tokio::task::JoinHandle<std::process::Output> {
    tokio::task::spawn_blocking(move || cmd.output().unwrap())
}

fn fleet_command(emu: &Emulator, dir: &Path, verb: &str, what: &Path) -> std::process::Command {
    let mut c = command(dir);
    c.arg(verb).arg(what).args([
        "--arm-endpoint",
        emu.base_url(),
        "--auth",
        "emulator",
        "--time-scale",
        SCALE,
        "--yes",
    ]);
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_mid_fleet_records_every_failover_and_resume_finishes_without_a_second_post() {
    // Failovers that complete only when the test says so: Ctrl-C lands while five are in
    // flight, however slowly the processes run.
    let emu = emulator_yaml(
        "generate: { count: 8, tags: { dr-drill: enabled }, failover: { complete: manual } }",
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let child = fleet_command(&emu, dir.path(), "exec", &repo(DRILL))
        .args(["--fleet-dir", "fleet"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .start();
    until("five failover POSTs", || posts(&emu.requests()).len() >= 5).await;
    let fleet = dir.path().join("fleet");
    // Each accepted POST is journalled before the hub does anything else.
    until("five journalled failovers", || {
        (1..=5).all(|i| {
            std::fs::read_to_string(fleet.join(format!("hub-000{i}.json.jsonl")))
                .unwrap_or_default()
                .contains("failover_started")
        })
    })
    .await;
    interrupt(&child);
    assert_eq!(code_of(child).await, Some(130));
    let log = fleet_log(&fleet);
    assert_eq!(count(&log, "cancelled"), 5, "{:?}", statuses(&log));
    assert_eq!(count(&log, "not_started"), 3);
    assert!(log["interrupted"].as_bool().unwrap());
    assert_eq!(posts(&emu.requests()).len(), 5);

    let resume = fleet_command(&emu, dir.path(), "resume", &fleet);
    let out = drive_to_the_end(&emu, output_in_background(resume), 8).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let log = fleet_log(&fleet);
    assert_eq!(count(&log, "succeeded"), 8, "{:?}", statuses(&log));
    // One POST per hub: the five interrupted ones were re-attached to, not posted again.
    let reqs = emu.requests();
    let posts = posts(&reqs);
    assert_eq!(posts.len(), 8);
    for i in 1..=8 {
        let hub = format!("/hub-000{i}/");
        assert_eq!(
            posts.iter().filter(|r| r.path.contains(&hub)).count(),
            1,
            "{hub}"
        );
    }
    // The interrupted hubs' resumed DR logs are written beside the cancelled ones, and the
    // fleet log points at them.
    for hub in log["hubs"].as_array().unwrap().iter().take(5) {
        assert!(
            hub["log"].as_str().unwrap().ends_with(".resumed.json"),
            "{hub}"
        );
        assert!(fleet.join(hub["log"].as_str().unwrap()).exists());
    }
    let cancelled: Value =
        serde_json::from_str(&std::fs::read_to_string(fleet.join("hub-0001.json")).unwrap())
            .unwrap();
    assert_eq!(cancelled["status"], "cancelled");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fleet_stays_within_arms_budget_under_throttling() {
    // ARM's default buckets in the emulator; 40 hubs read far more than the 250-read burst.
    let emu = emulator_yaml(
        "generate: { count: 40, tags: { dr-drill: enabled }, failover: { duration: 0s } }\nthrottling: {}",
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let runbook = dir.path().join("wide.yaml");
    std::fs::write(
        &runbook,
        std::fs::read_to_string(repo(DRILL))
            .unwrap()
            .replace("max_concurrency: 5", "max_concurrency: 20"),
    )
    .unwrap();
    let mut cmd = fleet_command(&emu, dir.path(), "exec", &runbook);
    cmd.args(["--fleet-dir", "fleet"]);
    let out = output_of(cmd).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    let reqs = emu.requests();
    let reads = reqs.iter().filter(|r| r.method == "GET").count();
    assert!(reads > 300, "the budget never bound: {reads} reads");
    let throttled = reqs.iter().filter(|r| r.status == 429).count();
    assert_eq!(throttled, 0, "the emulator answered 429");
    let log = fleet_log(&dir.path().join("fleet"));
    assert_eq!(log["throttled_429s"], 0);
    assert_eq!(count(&log, "succeeded"), 40);
}

#[test]
fn plan_lists_the_resolved_hubs_in_run_order() {
    let dir = tempfile::tempdir().unwrap();
    let out = command(dir.path())
        .arg("plan")
        .arg(repo(DRILL))
        .arg("--scenario")
        .arg(repo("tests/fixtures/fleet/twenty.yaml"))
        .args(["--target", "hub-001*"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    // hub-0011 carries no tag: the selector leaves it out.
    assert!(
        text.contains("9 hubs, at most 5 at once; no new hub starts once 2 failed"),
        "{text}"
    );
    assert!(
        text.contains("1. hub-0010 (resource group myResourceGroup"),
        "{text}"
    );
    assert!(!text.contains("hub-0011"), "{text}");
    assert!(text.contains("POST https://management.azure.com/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/myResourceGroup/providers/Microsoft.Devices/IotHubs/hub-0010/failover"), "{text}");
    // Without a way to list, plan says so and calls nothing.
    let out = command(dir.path())
        .arg("plan")
        .arg(repo(DRILL))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("add --resolve"));
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
fn without_yes_a_fleets_confirm_steps_stop_its_hubs_before_any_change() {
    // The fleet drill with a question before its failover, run without --yes: a fleet never
    // prompts, so each hub that starts stops there; max_errors (2) then stops the rollout.
    let dir = tempfile::tempdir().unwrap();
    let runbook = dir.path().join("confirm.yaml");
    let text = std::fs::read_to_string(repo(DRILL)).unwrap().replace(
        "    failover: {}",
        "    failover: {}\n    confirm: \"Fail {{target.hub}} over?\"",
    );
    assert!(text.contains("confirm:"), "the fixture changed shape");
    std::fs::write(&runbook, text).unwrap();
    let out = command(dir.path())
        .arg("exec")
        .arg(&runbook)
        .args(["--emulator", "--scenario"])
        .arg(repo("tests/fixtures/fleet/twenty.yaml"))
        .args(["--time-scale", SCALE, "--fleet-dir", "fleet"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{stdout}");
    let log = fleet_log(&dir.path().join("fleet"));
    let aborted = count(&log, "aborted");
    // At least max_errors (2) of them; at most the five started at once and the one the first
    // abort's slot started before the second was counted.
    assert!((2..=6).contains(&aborted), "{:?}", statuses(&log));
    assert_eq!(
        aborted + count(&log, "not_started"),
        20,
        "{:?}",
        statuses(&log)
    );
    for (hub, status) in statuses(&log) {
        if status == "aborted" {
            let dr: Value = serde_json::from_str(
                &std::fs::read_to_string(dir.path().join("fleet").join(format!("{hub}.json")))
                    .unwrap(),
            )
            .unwrap();
            assert_eq!(dr["changed"], false, "{hub}");
            assert!(dr["failover_started"].is_null(), "{hub}");
        }
    }
}

#[test]
fn a_fleet_whose_finally_step_fails_exits_4() {
    // The fleet drill with a finally step no hub can pass: every hub's drill succeeds, then
    // its cleanup fails, which is exit 4 for the hub and so for the fleet.
    let dir = tempfile::tempdir().unwrap();
    let runbook = dir.path().join("cleanup-fails.yaml");
    let text = format!(
        "{}finally:\n  - id: impossible_check\n    validate: {{ state: Deleting }}\n",
        std::fs::read_to_string(repo(DRILL)).unwrap()
    );
    std::fs::write(&runbook, text).unwrap();
    let out = command(dir.path())
        .arg("exec")
        .arg(&runbook)
        .args(["--emulator", "--scenario"])
        .arg(repo("tests/fixtures/fleet/twenty.yaml"))
        .args(["--time-scale", SCALE, "--yes", "--fleet-dir", "fleet"])
        .args(["--limit", "2"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(4),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let fleet = dir.path().join("fleet");
    let log = fleet_log(&fleet);
    assert_eq!(log["exit_code"], 4);
    let hubs = log["hubs"].as_array().unwrap();
    assert_eq!(hubs.len(), 2);
    for hub in hubs {
        assert_eq!(hub["exit_code"], 4, "{hub}");
        let dr: Value = serde_json::from_str(
            &std::fs::read_to_string(fleet.join(hub["log"].as_str().unwrap())).unwrap(),
        )
        .unwrap();
        assert_eq!(
            dr["changed"], true,
            "the hub failed over before its cleanup"
        );
        assert_eq!(dr["status"], "failed");
        assert_eq!(step(&dr, "devices")["status"], "success");
        assert_eq!(step(&dr, "impossible_check")["status"], "failed");
    }
}
