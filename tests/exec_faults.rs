//! Drills that go wrong, through the real binary against the emulator: each fault Azure can
//! throw at a drill, and what the run must do about it (exit code, step statuses, the DR log,
//! and, where it matters, exactly which requests reached ARM).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::process::Stdio;

use iothub_emulator::RecordedRequest;
use support::*;

/// One Active hub in westus2 whose paired region is westus.
const HUB_WEST2: &str = "hubs: [{ name: myIoTHub, location: westus2, secondary: westus }]";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hub_not_active_aborts_before_any_change() {
    let emu = emulator("hub-not-active").await;
    let e = exec_against(&emu, "runbooks/drill.yaml", &["--yes"]).await;
    assert_eq!(e.code, 3, "stdout:\n{}\nstderr:\n{}", e.stdout, e.stderr);
    assert!(
        posts(&emu.requests()).is_empty(),
        "a failover was posted: {:?}",
        emu.requests()
    );
    let log = check_log(&e);
    assert_eq!(log["status"], "aborted");
    assert_eq!(log["changed"], false);
    let pre = step(log, "pre_failover_validation");
    assert_eq!(pre["status"], "failed");
    assert_eq!(
        pre["attempts"], 3,
        "the precheck retries as the runbook says"
    );
    assert_eq!(pre["error"]["code"], "ExpectationNotMet");
    assert_eq!(step(log, "initiate_failover")["status"], "skipped");
    assert_eq!(
        log["target_region"], "westus",
        "an aborted drill's log still says where it was going"
    );
    insta::assert_snapshot!(normalise_human(&e.stdout));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn confirmation_missing_without_a_terminal_stops_before_the_first_step() {
    let emu = emulator("endpoint-unhealthy").await;
    let e = exec_against(&emu, "runbooks/drill.yaml", &[]).await;
    assert_eq!(e.code, 3, "stdout:\n{}\nstderr:\n{}", e.stdout, e.stderr);
    assert!(
        emu.requests().is_empty(),
        "nothing was asked of ARM: {:?}",
        emu.requests()
    );
    let log = check_log(&e);
    assert_eq!(log["status"], "aborted");
    let reason = log["status_reason"].as_str().unwrap();
    assert!(
        reason.contains("`initiate_failover` needs confirmation") && reason.contains("--yes"),
        "says how to proceed: {reason}"
    );
    assert!(
        log["steps"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["status"] == "skipped")
    );
    insta::assert_json_snapshot!(redacted_log(log));
}

#[test]
fn failover_that_ends_failed_runs_the_rollback() {
    let e = exec_scenario("runbooks/failover-test.yaml", "failover-fails");
    assert_eq!(e.code, 1, "stdout:\n{}", e.stdout);
    let log = check_log(&e);
    assert_eq!(log["status"], "failed");
    assert_eq!(log["changed"], true);
    let wait = step(log, "wait_test_failover");
    assert_eq!(wait["status"], "failed");
    assert_eq!(wait["error"]["code"], "FailoverFailed");
    assert!(
        wait["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Failover could not complete in region westus")
    );
    // Rollback ran: it looked at the hub, found it home, and did not fail it over again.
    assert_eq!(step(log, "rollback_snapshot")["status"], "success");
    assert_eq!(step(log, "rollback_failback")["status"], "skipped");
    assert_eq!(log["success"], false);
    insta::assert_snapshot!(normalise_human(&e.stdout));
}

#[test]
fn device_count_drop_fails_the_drill() {
    let e = exec_scenario("runbooks/drill.yaml", "devices-drop");
    assert_eq!(e.code, 1, "stdout:\n{}", e.stdout);
    let log = check_log(&e);
    let cmp = step(log, "data_integrity_check");
    assert_eq!(cmp["status"], "failed");
    assert_eq!(cmp["error"]["code"], "DeviceCountMismatch");
    assert_eq!(cmp["outputs"]["drift"], 100);
    assert_eq!(log["pre_failover_device_count"], 1200);
    assert_eq!(log["post_failover_device_count"], 1100);
    assert_eq!(
        log["success"], false,
        "a mismatch is a failed drill, not a logged error"
    );
    insta::assert_json_snapshot!(redacted_log(log));
}

#[test]
fn unhealthy_endpoint_after_failover_warns_and_succeeds() {
    let e = exec_scenario("runbooks/drill.yaml", "endpoint-unhealthy");
    assert_eq!(e.code, 0, "stdout:\n{}", e.stdout);
    let log = check_log(&e);
    let h = step(log, "endpoint_health_check");
    assert_eq!(h["status"], "warning");
    assert_eq!(h["error"]["code"], "EndpointsUnhealthy");
    assert_eq!(
        log["post_failover_endpoint_health"],
        serde_json::json!({"total": 2, "healthy": 1, "unhealthy": 1})
    );
    insta::assert_snapshot!(normalise_human(&e.stdout));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttled_snapshot_is_retried_after_retry_after() {
    let emu = emulator("throttled-snapshots").await;
    let e = exec_against(&emu, "runbooks/drill.yaml", &["--yes"]).await;
    assert_eq!(e.code, 0, "stdout:\n{}\nstderr:\n{}", e.stdout, e.stderr);
    let stats: Vec<RecordedRequest> = emu
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/IotHubStats"))
        .collect();
    let statuses: Vec<u16> = stats.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        vec![429, 429, 200, 200],
        "two throttled reads, then the pre and post snapshots"
    );
    let log = check_log(&e);
    assert_eq!(step(log, "pre")["status"], "success");
    assert_eq!(
        step(log, "pre")["http_retries"],
        2,
        "the retries show in the step's record"
    );
}

#[test]
fn await_that_times_out_fails_and_says_the_failover_goes_on() {
    let e = exec_scenario("tests/fixtures/exec/await-timeout.yaml", "stuck-failover");
    assert_eq!(e.code, 1, "stdout:\n{}", e.stdout);
    let log = check_log(&e);
    let w = step(log, "wait");
    assert_eq!(w["status"], "failed");
    assert_eq!(w["error"]["code"], "AwaitTimeout");
    assert!(
        // An emulated hub's failover never "goes on in Azure".
        w["details"]
            .as_str()
            .unwrap()
            .contains("goes on in the in-process emulator"),
        "{}",
        w["details"]
    );
    assert_eq!(log["changed"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn precheck_retries_then_aborts_and_finally_still_runs() {
    let emu = emulator("hub-not-active").await;
    let e = exec_against(
        &emu,
        "tests/fixtures/exec/retry-then-abort.yaml",
        &["--yes"],
    )
    .await;
    assert_eq!(e.code, 3, "stdout:\n{}", e.stdout);
    let log = check_log(&e);
    assert_eq!(step(log, "precheck")["attempts"], 3);
    assert_eq!(step(log, "go")["status"], "skipped");
    assert_eq!(
        step(log, "note")["status"],
        "success",
        "finally always runs"
    );
    let retries = e
        .journal
        .iter()
        .filter(|ev| ev["event"] == "step_retrying")
        .count();
    assert_eq!(retries, 2);
    assert!(posts(&emu.requests()).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lost_failover_answer_is_reconciled_without_a_second_post() {
    let emu = emulator("failover-connection-drop").await;
    let e = exec_against(&emu, "runbooks/drill.yaml", &["--yes"]).await;
    assert_eq!(e.code, 0, "stdout:\n{}\nstderr:\n{}", e.stdout, e.stderr);
    assert_eq!(
        posts(&emu.requests()).len(),
        1,
        "exactly one failover POST: {:?}",
        emu.requests()
    );
    let log = check_log(&e);
    let f = step(log, "initiate_failover");
    assert_eq!(f["status"], "warning");
    assert!(
        f["details"].as_str().unwrap().contains("answer was lost"),
        "{}",
        f["details"]
    );
    assert_eq!(log["post_failover_location"], "westus");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failover_post_answered_503_is_retried() {
    let emu = emulator("failover-503").await;
    let e = exec_against(&emu, "runbooks/drill.yaml", &["--yes"]).await;
    assert_eq!(e.code, 0, "stdout:\n{}\nstderr:\n{}", e.stdout, e.stderr);
    let statuses: Vec<u16> = posts(&emu.requests()).iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        vec![503, 202],
        "the server refused once, so a retry is safe"
    );
}

#[test]
fn secret_parameter_is_masked_everywhere() {
    let secret = "tkt-s3cr3t-9f8e7d";
    let dir = tempfile::tempdir().unwrap();
    let out = command(dir.path())
        .arg("exec")
        .arg(repo("tests/fixtures/exec/secret-param.yaml"))
        .args([
            "--emulator",
            "--time-scale",
            SCALE,
            "--log",
            "dr.json",
            "--yes",
            "--output",
            "json",
        ])
        .env("RUNBOOK_TEST_TICKET_TOKEN", secret)
        .output()
        .unwrap();
    let e = collect(out, dir);
    assert_eq!(e.code, 0, "stderr:\n{}", e.stderr);
    let log_text = std::fs::read_to_string(e.dir.path().join("dr.json")).unwrap();
    for (what, text) in [
        ("stdout", &e.stdout),
        ("stderr", &e.stderr),
        ("DR log", &log_text),
        ("journal", &e.journal_text),
    ] {
        assert!(!text.contains(secret), "the secret leaked into the {what}");
    }
    let log = check_log(&e);
    let check = step(log, "check");
    assert_eq!(check["inputs"]["state"], "***");
    assert!(
        check["error"]["message"]
            .as_str()
            .unwrap()
            .contains("expected ***"),
        "{}",
        check["error"]["message"]
    );
}

#[test]
fn sigint_during_await_cancels_writes_the_log_and_exits_130() {
    let dir = tempfile::tempdir().unwrap();
    let child = command(dir.path())
        .arg("exec")
        .arg(repo("runbooks/drill.yaml"))
        .args([
            "--emulator",
            "--time-scale",
            SCALE,
            "--log",
            "dr.json",
            "--yes",
        ])
        .arg("--scenario")
        .arg(repo("tests/fixtures/scenarios/stuck-failover.yaml"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .start();
    wait_for_journal(dir.path(), "\"step\":\"monitor_failover\"");
    interrupt(&child);
    let out = child.wait_with_output();
    let e = collect(out, dir);
    assert_eq!(e.code, 130, "stdout:\n{}\nstderr:\n{}", e.stdout, e.stderr);
    let log = check_log(&e);
    assert_eq!(log["status"], "cancelled");
    // A standalone emulator is, to the engine, another ARM endpoint: the failover it started
    // goes on there, and the reason says so.
    let reason = log["status_reason"].as_str().unwrap();
    assert!(
        reason.contains("interrupted") && reason.contains("goes on"),
        "{reason}"
    );
    assert_eq!(step(log, "monitor_failover")["status"], "cancelled");
    assert_eq!(step(log, "post")["status"], "skipped");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_posts_no_failover() {
    let emu = emulator("endpoint-unhealthy").await;
    let e = exec_against(&emu, "runbooks/drill.yaml", &["--dry-run"]).await;
    assert_eq!(e.code, 0, "stdout:\n{}\nstderr:\n{}", e.stdout, e.stderr);
    assert!(
        posts(&emu.requests()).is_empty(),
        "a dry run posted a failover"
    );
    let log = check_log(&e);
    assert_eq!(log["changed"], false);
    assert_eq!(step(log, "initiate_failover")["status"], "skipped");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_still_fails_a_hub_that_is_not_active() {
    // A dry run reads the hub for real: a precheck it fails stops it as it would a real run.
    // (Drift between two real readings under --dry-run: tests/dry_run_drift.rs.)
    let emu = emulator("hub-not-active").await;
    let e = exec_against(&emu, "runbooks/drill.yaml", &["--dry-run"]).await;
    assert_eq!(e.code, 3, "stdout:\n{}", e.stdout);
    let log = check_log(&e);
    assert_eq!(step(log, "pre_failover_validation")["status"], "failed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_post_answered_500_or_504_is_an_unknown_outcome_never_posted_again() {
    // Unlike a 503 or 429 (ARM did not take it), a 500 or 504 may hide a failover that ARM
    // started: the hub is read instead, and here it never shows one.
    for status in [500, 504] {
        let emu = emulator_yaml(&format!(
            "hubs: [{{ name: myIoTHub, location: westus2, secondary: westus }}]\n\
             faults: [{{ method: POST, path: failover, status: {status}, times: 1 }}]"
        ))
        .await;
        let e = exec_against(&emu, "runbooks/drill.yaml", &["--yes"]).await;
        assert_eq!(posts(&emu.requests()).len(), 1, "{status}: posted again");
        let log = check_log(&e);
        let fo = step(log, "initiate_failover");
        assert_eq!(
            fo["error"]["code"], "FailoverOutcomeUnknown",
            "{status}: {fo}"
        );
        assert_eq!(log["changed"], true, "{status}: possibly changed");
        assert_ne!(e.code, 0, "{status}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_posts_retry_after_counts_from_its_answer_not_from_the_request() {
    // ARM takes 300 ms to answer the POST (30 s scaled) and asks for 600 ms (60 s) before the
    // first look: the look comes 600 ms after the answer, 900 ms after the POST arrived. Counted
    // from when the request left, it would come at 600 ms.
    let emu = emulator_yaml(
        "hubs: [{ name: myIoTHub, location: westus2, secondary: westus, \
         failover: { duration: 150s, retry_after: 60s } }]\n\
         faults: [{ method: POST, path: failover, delay: 30s }]",
    )
    .await;
    let e = exec_against(&emu, "runbooks/drill.yaml", &["--yes"]).await;
    assert_eq!(e.code, 0, "stdout:\n{}\nstderr:\n{}", e.stdout, e.stderr);
    let reqs = emu.requests();
    let first_poll = reqs
        .iter()
        .find(|r| r.query.contains("asyncinfo"))
        .expect("the operation was polled");
    let gap = gap_ms(posts(&reqs)[0], first_poll);
    assert!(gap >= 895.0, "first poll came {gap} ms after the POST");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn await_waits_for_the_servers_retry_after_when_longer() {
    let emu = emulator("slow-poll").await;
    let e = exec_against(&emu, "runbooks/drill.yaml", &["--yes"]).await;
    assert_eq!(e.code, 0, "stdout:\n{}\nstderr:\n{}", e.stdout, e.stderr);
    check_log(&e);
    let reqs = emu.requests();
    let polls: Vec<_> = reqs
        .iter()
        .filter(|r| r.query.contains("asyncinfo"))
        .collect();
    assert!(polls.len() >= 2, "expected at least two polls: {polls:?}");
    let post = posts(&reqs)[0];
    // Retry-After 60 s at the 0.01 time scale is 600 ms; the runbook's 15 s interval is 150 ms.
    // The emulator stamps the POST when it arrives and the client waits from the answer, so a
    // millisecond of clock granularity either way is allowed; 150 ms would still fail.
    assert!(
        gap_ms(post, polls[0]) >= 595.0,
        "first poll came {} ms after the POST",
        gap_ms(post, polls[0])
    );
    for pair in polls.windows(2) {
        let gap = gap_ms(pair[0], pair[1]);
        assert!(
            gap >= 600.0,
            "polls {gap} ms apart, sooner than the server asked"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttled_read_waits_the_retry_after_before_retrying() {
    let emu = emulator("throttled-snapshots").await;
    let e = exec_against(&emu, "runbooks/verify.yaml", &[]).await;
    assert_eq!(e.code, 0, "stdout:\n{}", e.stdout);
    check_log(&e);
    let stats: Vec<_> = emu
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/IotHubStats"))
        .collect();
    assert_eq!(
        stats.iter().map(|r| r.status).collect::<Vec<_>>(),
        vec![429, 429, 200]
    );
    // Retry-After 1 s at the 0.01 time scale is 10 ms.
    for pair in stats.windows(2) {
        let gap = gap_ms(&pair[0], &pair[1]);
        assert!(
            gap >= 10.0,
            "retried {gap} ms after a 429 that asked for 10 ms"
        );
    }
    assert!(
        e.stdout.contains("2 ARM requests retried"),
        "the retries show on the step's line: {}",
        e.stdout
    );
}

#[test]
fn failed_finally_step_exits_4() {
    let e = exec_emulated("tests/fixtures/exec/finally-fails.yaml", &[]);
    assert_eq!(e.code, 4, "stdout:\n{}", e.stdout);
    let log = check_log(&e);
    assert_eq!(step(log, "check")["status"], "success");
    assert_eq!(step(log, "impossible_check")["status"], "failed");
    assert_eq!(log["status"], "failed");
}

#[test]
fn step_timeout_with_continue_goes_on_and_fails_the_run() {
    let e = exec_emulated("tests/fixtures/exec/continue-and-timeout.yaml", &[]);
    assert_eq!(e.code, 1, "stdout:\n{}", e.stdout);
    let log = check_log(&e);
    let slow = step(log, "too_slow");
    assert_eq!(slow["status"], "failed");
    assert_eq!(slow["error"]["code"], "StepTimeout");
    assert_eq!(
        step(log, "still_runs")["status"],
        "success",
        "continue goes on"
    );
    assert!(log["status_reason"].as_str().unwrap().contains("too_slow"));
}

#[test]
fn rollback_fails_the_hub_back_when_the_drill_fails_after_failover() {
    let e = exec_scenario("runbooks/failover-test.yaml", "devices-drop");
    assert_eq!(e.code, 1, "stdout:\n{}", e.stdout);
    let log = check_log(&e);
    assert_eq!(step(log, "devices_after_failover")["status"], "failed");
    assert_eq!(
        step(log, "failback")["status"],
        "skipped",
        "the main failback never ran"
    );
    assert_eq!(
        step(log, "rollback_snapshot")["outputs"]["location"],
        "westus"
    );
    assert_eq!(step(log, "rollback_failback")["status"], "success");
    assert_eq!(step(log, "rollback_wait")["status"], "success");
    assert_eq!(
        step(log, "rollback_wait")["outputs"]["location"],
        "westus2",
        "the hub is home again"
    );
    insta::assert_snapshot!(normalise_human(&e.stdout));
}

#[test]
fn secret_parameter_is_masked_in_human_output_too() {
    let secret = "tkt-s3cr3t-9f8e7d";
    let dir = tempfile::tempdir().unwrap();
    let out = command(dir.path())
        .arg("exec")
        .arg(repo("tests/fixtures/exec/secret-param.yaml"))
        .args([
            "--emulator",
            "--time-scale",
            SCALE,
            "--log",
            "dr.json",
            "--yes",
        ])
        .env("RUNBOOK_TEST_TICKET_TOKEN", secret)
        .output()
        .unwrap();
    let e = collect(out, dir);
    assert_eq!(e.code, 0, "stderr:\n{}", e.stderr);
    assert!(
        !e.stdout.contains(secret) && !e.stderr.contains(secret),
        "the secret leaked to the terminal"
    );
    assert!(
        e.stdout.contains("expected ***"),
        "the masked miss is shown: {}",
        e.stdout
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn await_until_a_condition_that_never_holds_times_out() {
    let emu = emulator_yaml(HUB_WEST2).await;
    let dir = tempfile::tempdir().unwrap();
    // Time scale 0.1: a one-minute await takes 6 s, so even a starved first read leaves time
    // for a second; how many reads fit is not asserted, only that every look is accounted for.
    let mut cmd = command(dir.path());
    cmd.arg("exec")
        .arg(repo("tests/fixtures/exec/await-until-timeout.yaml"))
        .args(["--arm-endpoint", emu.base_url(), "--auth", "emulator"])
        .args(["--time-scale", "0.1", "--log", "dr.json"]);
    let e = collect(output_of(cmd).await, dir);
    assert_eq!(e.code, 3, "nothing was changed: stdout:\n{}", e.stdout);
    let log = check_log(&e);
    let w = step(log, "in_west");
    assert_eq!(w["error"]["code"], "AwaitTimeout");
    assert_eq!(
        w["error"]["message"],
        "hub myIoTHub did not reach state Active and location westus within 1m: it is Active in westus2"
    );
    let progress = e
        .journal
        .iter()
        .filter(|ev| ev["event"] == "step_progress")
        .count();
    let reads = iothub_emulator::testing::count_requests(&emu, "GET", "/IotHubs/myIoTHub");
    assert!(
        reads >= 2,
        "re-read every 10 s for a minute, not once: {reads} reads"
    );
    assert_eq!(
        progress + 1,
        reads,
        "each read but the last is reported as progress"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_journal_that_cannot_be_written_stops_the_failover() {
    // A 1 KiB file-size limit (with SIGXFSZ ignored, so writes fail with EFBIG instead of
    // killing the process) fills the journal before the failover step: a failover that could
    // not be recorded must not start.
    let emu = emulator("endpoint-unhealthy").await;
    let dir = tempfile::tempdir().unwrap();
    let script = format!(
        "ulimit -f 1; trap '' XFSZ; exec '{}' exec '{}' --arm-endpoint {} --auth emulator --time-scale {SCALE} --yes --log dr.json",
        bin(),
        repo("runbooks/drill.yaml").display(),
        emu.base_url()
    );
    let out = output_of(shell(dir.path(), &script)).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    // Aborted before any change (3), but the same limit stops the DR log too, and a lost log
    // outranks 3 (README, Exit codes): the summary still says nothing was changed.
    assert_eq!(
        out.status.code(),
        Some(1),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert!(
        stdout.contains("DR LOG NOT WRITTEN") && stdout.contains("aborted before any change"),
        "{stdout}"
    );
    assert!(
        posts(&emu.requests()).is_empty(),
        "a failover started without a journal"
    );
    assert!(
        stderr.contains("writing the journal dr.json.jsonl failed"),
        "{stderr}"
    );
    assert!(
        stdout.contains("not failing over: the journal cannot be written"),
        "{stdout}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_ctrl_c_runs_finally_and_a_second_leaves_at_once() {
    let emu = emulator("stuck-failover").await;
    let dir = tempfile::tempdir().unwrap();
    let child = spawn_exec_against(&emu, dir.path(), "tests/fixtures/exec/long-finally.yaml");
    let d = dir.path().to_path_buf();
    tokio::task::spawn_blocking(move || wait_for_journal(&d, "\"step\":\"wait\""))
        .await
        .unwrap();
    interrupt(&child);
    // `finally` runs after the first Ctrl-C: its hour-long sleep starts.
    let d = dir.path().to_path_buf();
    tokio::task::spawn_blocking(move || wait_for_journal(&d, "\"step\":\"cool_down\""))
        .await
        .unwrap();
    interrupt(&child);
    let out = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(130));
    // It left at once: no DR log, but every journal line is whole and readable.
    assert!(!dir.path().join("dr.json").exists());
    let e = collect(out, dir);
    assert!(e.journal.iter().any(|ev| ev["event"] == "failover_started"));
    assert!(e.journal.iter().any(|ev| ev["event"] == "step_finished"
        && ev["record"]["step"] == "wait"
        && ev["record"]["status"] == "cancelled"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_during_the_rollback_is_an_interruption() {
    // Each failover completes only when the test says so: the first one (after which 100
    // devices are missing, so the drill rolls back) at once, the rollback's failback never,
    // so the Ctrl-C lands while the rollback waits, however loaded the machine.
    let emu = emulator("manual-devices-drop").await;
    let dir = tempfile::tempdir().unwrap();
    let child = command(dir.path())
        .arg("exec")
        .arg(repo("runbooks/failover-test.yaml"))
        .args(against(&emu))
        // The rollback's failback comes within the (scaled) hour of the failover; the local
        // cooldown check, off with --emulator, must not stop it here either.
        .args(["--log", "dr.json", "--yes", "--force-cooldown"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .start();
    let d = dir.path().to_path_buf();
    tokio::task::spawn_blocking(move || wait_for_journal(&d, "\"event\":\"failover_started\""))
        .await
        .unwrap();
    complete_failover(&emu, "myIoTHub").await;
    let d = dir.path().to_path_buf();
    tokio::task::spawn_blocking(move || {
        wait_for_journal(&d, "\"event\":\"step_started\",\"step\":\"rollback_wait\"")
    })
    .await
    .unwrap();
    interrupt(&child);
    let out = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap();
    let e = collect(out, dir);
    assert_eq!(e.code, 130, "stdout:\n{}", e.stdout);
    let log = check_log(&e);
    assert_eq!(log["status"], "cancelled");
    assert_eq!(step(log, "rollback_wait")["status"], "cancelled");
    // A standalone emulator is, to the engine, another ARM endpoint: the failover it started
    // goes on there, and the reason says so.
    let reason = log["status_reason"].as_str().unwrap();
    assert!(
        reason.contains("interrupted") && reason.contains("goes on"),
        "{reason}"
    );
}

#[test]
fn a_finally_step_nobody_can_confirm_is_left_out_not_failed() {
    let e = exec_emulated("tests/fixtures/exec/finally-confirm.yaml", &[]);
    assert_eq!(e.code, 0, "stdout:\n{}", e.stdout);
    let log = check_log(&e);
    assert_eq!(
        step(log, "check")["status"],
        "success",
        "the drill itself did not need confirming"
    );
    let note = step(log, "note");
    assert_eq!(note["status"], "skipped");
    assert_eq!(note["details"], "not run: no confirmation possible");
}

#[test]
fn a_finally_step_whose_input_never_existed_is_left_out() {
    let e = exec_emulated("tests/fixtures/exec/finally-uses-unrun-output.yaml", &[]);
    assert_eq!(
        e.code, 3,
        "aborted before any change, not a failed clean-up: {}",
        e.stdout
    );
    let log = check_log(&e);
    let s = step(log, "still_where_it_was");
    assert_eq!(s["status"], "skipped");
    assert_eq!(
        s["details"],
        "not run: it uses `steps.snap.location`, which step `snap` did not produce"
    );
    assert_eq!(
        step(log, "plain_note")["status"],
        "success",
        "the other finally steps still run"
    );
}
