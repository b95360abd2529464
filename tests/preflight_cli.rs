//! Preflight through the binary (README "Preflight", issue 17's acceptance): `runbook exec`
//! stops before its first step, exit 3, when the hub's Activity Log holds a failover 20
//! minutes ago that no local file knows, naming that failover and when the next is allowed;
//! the same for a ReadOnly lock at the subscription. `runbook preflight` is read-only: a clean
//! hub passes in one line per check (exit 0), a refusal exits 3, bad input 2, and a fleet gets
//! a per-check summary and a per-hub table within a stated number of reads per hub.
//!
//! The emulator runs in the test process in real time (`--time-scale 1`), so Azure's hour is
//! an hour; no test waits on it: every refused run stops before its first step.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;

use iothub_emulator::Emulator;
use serde_json::Value;
use support::*;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// A failover that completed `minutes` ago, as an RFC 3339 time in whole seconds.
fn minutes_ago(minutes: i64) -> OffsetDateTime {
    (OffsetDateTime::now_utc() - time::Duration::minutes(minutes))
        .replace_nanosecond(0)
        .unwrap()
}

fn rfc(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap()
}

async fn real_time_emulator(yaml: &str) -> Emulator {
    iothub_emulator::testing::start_yaml(yaml, 1.0)
        .await
        .expect("emulator starts")
}

fn exec_drill(emu: &Emulator, dir: &Path) -> std::process::Command {
    let mut c = command(dir);
    c.arg("exec")
        .arg(repo("runbooks/drill.yaml"))
        .args(against_url(emu.base_url(), "1"))
        .args(["--yes", "--log", "dr.json", "--lock-dir", "locks"]);
    c
}

fn preflight(emu: &Emulator, dir: &Path, runbook: &str, extra: &[&str]) -> std::process::Command {
    let mut c = command(dir);
    c.arg("preflight")
        .arg(repo(runbook))
        .args(against_url(emu.base_url(), "1"))
        .args(extra);
    c
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn read_log(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("dr.json")).unwrap()).unwrap()
}

/// Runs the drill in `dir` with `extra` arguments, which the preflight must stop: exit 3,
/// every main step left out, nothing but reads. Returns what it printed and its DR log.
async fn exec_stopped_by_the_preflight(
    emu: &Emulator,
    dir: &Path,
    extra: &[&str],
) -> (String, Value) {
    let mut exec = exec_drill(emu, dir);
    exec.args(extra);
    let out = output_of(exec).await;
    let stdout = text(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(3),
        "{extra:?}: {stdout}\n{}",
        text(&out.stderr)
    );
    let log = read_log(dir);
    assert_stopped_before_the_first_step(emu, &log);
    (stdout, log)
}

/// Every main step of the drill was left out, and nothing but reads reached the emulator.
fn assert_stopped_before_the_first_step(emu: &Emulator, log: &Value) {
    assert_eq!(log["status"], "aborted", "{log}");
    assert_eq!(log["changed"], false);
    for s in log["steps"].as_array().unwrap() {
        assert_eq!(s["status"], "skipped", "{s}");
        assert_eq!(s["attempts"], 0, "{s}");
    }
    let writes: Vec<_> = emu
        .requests()
        .into_iter()
        .filter(|r| r.method != "GET")
        .collect();
    assert!(writes.is_empty(), "only reads: {writes:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failover_from_elsewhere_20_minutes_ago_stops_exec_before_its_first_step() {
    let ended = minutes_ago(20);
    let started = ended - time::Duration::minutes(2);
    let emu = real_time_emulator(&format!(
        "hubs:
  - name: myIoTHub
    location: westus2
    secondary: westus
    activity_log:
      - {{ operation: Microsoft.Devices/IotHubs/failover/action, status: Started, time: \"{}\", correlation_id: portal-7, caller: oncall@example.com }}
      - {{ operation: MICROSOFT.DEVICES/IOTHUBS/FAILOVER/ACTION, status: Succeeded, time: \"{}\", correlation_id: portal-7, caller: oncall@example.com }}
      - {{ operation: Microsoft.Devices/IotHubs/write, status: Succeeded, time: \"{}\" }}
",
        rfc(started),
        rfc(ended),
        rfc(minutes_ago(5)),
    ))
    .await;
    let dir = tempfile::tempdir().unwrap();
    let (stdout, log) = exec_stopped_by_the_preflight(&emu, dir.path(), &[]).await;
    let next = rfc(ended + time::Duration::hours(1));
    // Named on the terminal: the failover (operation as Azure spelled it, its correlation)
    // and the time the next one is allowed.
    assert!(stdout.contains("correlation portal-7"), "{stdout}");
    assert!(
        stdout.contains(&format!("next failover allowed at {next}")),
        "{stdout}"
    );

    let reason = log["status_reason"].as_str().unwrap();
    assert!(
        reason.contains("preflight") && reason.contains(&next),
        "{reason}"
    );
    let cooldown = preflight_check(&log, "cooldown");
    assert_eq!(cooldown["outcome"], "refused");
    assert_eq!(cooldown["source"], "Activity Log");
    assert_eq!(cooldown["next_allowed"], next.as_str());
    let summary = cooldown["summary"].as_str().unwrap();
    // The matched operation name, recorded as Azure wrote it (the first event's case).
    assert!(
        summary.contains("`Microsoft.Devices/IotHubs/failover/action`"),
        "{summary}"
    );
    assert!(summary.contains(&rfc(ended)), "{summary}");
    assert!(
        summary.contains("does not record its direction"),
        "{summary}"
    );
    let evidence = cooldown["evidence"].to_string();
    assert!(evidence.contains("local files: no failover"), "{evidence}");
    // The write is no failover: one operation only.
    assert_eq!(evidence.matches("Activity Log: `").count(), 1, "{evidence}");
    assert_log_matches_schema(&log);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_lock_at_the_subscription_stops_exec_before_its_first_step() {
    let emu = real_time_emulator(
        "hubs: [{ name: myIoTHub, location: westus2, secondary: westus }]
locks:
  - { name: quarter-end-freeze, level: ReadOnly, notes: change freeze }
  - { name: keep-the-group, level: CanNotDelete, resource_group: myResourceGroup }
",
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let (stdout, log) = exec_stopped_by_the_preflight(&emu, dir.path(), &[]).await;
    assert!(stdout.contains("quarter-end-freeze"), "{stdout}");
    let locks = preflight_check(&log, "locks");
    assert_eq!(locks["outcome"], "refused", "{locks}");
    let summary = locks["summary"].as_str().unwrap();
    assert!(
        summary.starts_with("ReadOnly lock `quarter-end-freeze` on the subscription"),
        "{summary}"
    );
    // The CanNotDelete lock is listed, and does not block.
    assert!(
        locks["evidence"]
            .to_string()
            .contains("CanNotDelete lock `keep-the-group` on the resource group")
    );
    assert_eq!(preflight_check(&log, "cooldown")["outcome"], "passed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preflight_of_a_clean_hub_passes_in_one_line_per_check_and_reads_six_times() {
    let emu =
        real_time_emulator("hubs: [{ name: myIoTHub, location: westus2, secondary: westus }]")
            .await;
    let dir = tempfile::tempdir().unwrap();
    let out = output_of(preflight(&emu, dir.path(), "runbooks/drill.yaml", &[])).await;
    let stdout = text(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        text(&out.stderr)
    );
    let checks: Vec<&str> = stdout.lines().filter(|l| l.starts_with("  ")).collect();
    assert_eq!(checks.len(), 4, "one line per check:\n{stdout}");
    for (line, name) in checks
        .iter()
        .zip(["cooldown", "locks", "data_residency", "permissions"])
    {
        assert!(line.starts_with(&format!("  ✓ passed {name}: ")), "{line}");
    }
    assert!(stdout.ends_with("all clear\n"), "{stdout}");
    // Read-only, and 6 reads: hub, Activity Log, locks at 3 scopes, permissions.
    let reqs = emu.requests();
    assert!(reqs.iter().all(|r| r.method == "GET"), "{reqs:?}");
    assert_eq!(reqs.len(), 6, "{reqs:?}");
    assert!(stdout.contains("(6 ARM reads)"), "{stdout}");
    // Nothing is written beside it.
    assert!(entries_besides_tmp(dir.path()).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preflight_json_exits_3_on_data_residency_and_2_on_bad_input() {
    let emu = real_time_emulator(
        "hubs: [{ name: myIoTHub, location: brazilsouth, secondary: southcentralus, enable_data_residency: true, permissions: [] }]",
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let out = output_of(preflight(
        &emu,
        dir.path(),
        "runbooks/drill.yaml",
        &["--output", "json"],
    ))
    .await;
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["target"]["hub"], "myIoTHub");
    let record = &json["preflight"];
    assert_eq!(
        preflight_check(&json, "data_residency")["outcome"],
        "refused",
        "{record}"
    );
    // No permission entry at all: a warning naming the action, never a refusal.
    let perms = preflight_check(&json, "permissions");
    assert_eq!(perms["outcome"], "warning", "{perms}");
    assert!(
        perms["summary"]
            .as_str()
            .unwrap()
            .contains("Microsoft.Devices/IotHubs/failover/action")
    );

    let out = output_of(preflight(&emu, dir.path(), "runbooks/no-such.yaml", &[])).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("no-such.yaml"),
        "{}",
        text(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fleet_preflight_summarises_each_check_and_reads_each_hub_twice() {
    let emu = real_time_emulator(
        "generate: { count: 6, tags: { dr-drill: enabled } }
locks:
  - { name: hub-freeze, level: ReadOnly, resource_group: myResourceGroup, hub: hub-0003 }
",
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let out = output_of(preflight(
        &emu,
        dir.path(),
        "tests/fixtures/fleet/drill.yaml",
        &[],
    ))
    .await;
    let stdout = text(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(3),
        "{stdout}\n{}",
        text(&out.stderr)
    );
    assert!(stdout.starts_with("preflight of 6 hubs\n"), "{stdout}");
    assert!(
        stdout.contains("  locks           5 passed, 0 warning, 1 refused"),
        "{stdout}"
    );
    assert!(
        stdout.contains("  cooldown        6 passed, 0 warning, 0 refused"),
        "{stdout}"
    );
    let row = stdout
        .lines()
        .find(|l| l.starts_with("myResourceGroup/hub-0003"))
        .unwrap();
    assert!(row.contains("refused"), "{row}");
    assert!(
        stdout.contains("✗ locks: ReadOnly lock `hub-freeze` on the hub"),
        "{stdout}"
    );

    // Reads per hub: the Activity Log and the permissions; the hubs come from the listing
    // and the locks from one subscription-wide list.
    let reqs = emu.requests();
    assert!(reqs.iter().all(|r| r.method == "GET"));
    for i in 1..=6 {
        let hub = format!("/IotHubs/hub-000{i}");
        let mine = reqs
            .iter()
            .filter(|r| {
                r.path.contains(&format!("{hub}/"))
                    || r.path.ends_with(&hub)
                    || r.query.contains(&format!("hub-000{i}%27"))
            })
            .count();
        assert_eq!(mine, 2, "{hub}");
    }
    let lock_lists = reqs.iter().filter(|r| r.path.ends_with("/locks")).count();
    assert_eq!(lock_lists, 1, "one subscription-wide lock list");
    assert!(
        stdout.contains("ARM reads by the preflights: 13; 429 answers: 0"),
        "{stdout}"
    );

    let out = output_of(preflight(
        &emu,
        dir.path(),
        "tests/fixtures/fleet/drill.yaml",
        &["--output", "json"],
    ))
    .await;
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["summary"]["hubs"], 6);
    assert_eq!(json["summary"]["checks"]["locks"]["refused"], 1);
    assert_eq!(json["hubs"].as_array().unwrap().len(), 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreadable_activity_log_leaves_the_local_files_to_decide_and_says_so() {
    // The Activity Log answers 403; an earlier drill's DR log beside this run's shows a
    // failback that completed 5 minutes ago.
    let emu = real_time_emulator(
        "hubs: [{ name: myIoTHub, location: westus2, secondary: westus }]
faults:
  - { method: GET, path: eventtypes/management/values, status: 403, code: AuthorizationFailed }
",
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let ended = minutes_ago(5);
    let earlier = serde_json::json!({
        "schema_version": "1", "run_id": "earlier", "status": "succeeded",
        "subscription": EMULATED_SUBSCRIPTION, "resource_group": "myResourceGroup",
        "hub_name": "myIoTHub",
        "steps": [
            {"step": "f", "kind": "failover", "status": "success", "inputs": {},
             "outputs": {"region": "westus2", "from_region": "westus", "status": "success"}},
            {"step": "w", "kind": "await", "status": "success", "inputs": {"operation": "f"},
             "outputs": {"completed_at": rfc(ended), "status": "success"}},
        ]
    });
    std::fs::write(dir.path().join("earlier.json"), earlier.to_string()).unwrap();
    let (_, log) = exec_stopped_by_the_preflight(&emu, dir.path(), &[]).await;
    let cooldown = preflight_check(&log, "cooldown");
    assert_eq!(cooldown["outcome"], "refused", "{cooldown}");
    assert_eq!(cooldown["source"], "local files", "{cooldown}");
    assert_eq!(
        cooldown["next_allowed"],
        rfc(ended + time::Duration::hours(1)).as_str()
    );
    let evidence = cooldown["evidence"].to_string();
    assert!(
        evidence.contains("Activity Log: could not be read") && evidence.contains("earlier.json"),
        "{evidence}"
    );

    // Without the local file there is nothing to refuse on: a warning that says only the
    // local files were checked, and `runbook preflight` exits 0.
    std::fs::remove_file(dir.path().join("earlier.json")).unwrap();
    let out = output_of(preflight(
        &emu,
        dir.path(),
        "runbooks/drill.yaml",
        &["--history-dir", "."],
    ))
    .await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("⚠ warning cooldown: the Activity Log could not be read"),
        "{stdout}"
    );
    assert!(
        stdout.contains("[local files (Activity Log unreadable)]"),
        "{stdout}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn force_cooldown_forces_the_cooldown_only_a_lock_or_data_residency_still_stops_exec() {
    for (scenario, check) in [
        (
            "hubs: [{ name: myIoTHub, location: westus2, secondary: westus }]\n\
             locks: [{ name: quarter-end-freeze, level: ReadOnly }]",
            "locks",
        ),
        (
            "hubs: [{ name: myIoTHub, location: westus2, secondary: westus, \
             enable_data_residency: true }]",
            "data_residency",
        ),
    ] {
        let emu = real_time_emulator(scenario).await;
        let dir = tempfile::tempdir().unwrap();
        let (_, log) = exec_stopped_by_the_preflight(&emu, dir.path(), &["--force-cooldown"]).await;
        assert_eq!(
            preflight_check(&log, check)["outcome"],
            "refused",
            "{check}"
        );
    }
}
