//! Resume after a crash during a failover's POST: the journal holds the failover's intent and
//! no answer. The session reads the hub before anything else and posts again only when the hub
//! shows the request left no trace.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;
use std::time::Duration;

use iothub_emulator::{DEFAULT_HUB, DEFAULT_RESOURCE_GROUP, Emulator};
use runbook_engine::{Clock, PriorRun, RunEvent, Session, StepRecord, StepStatus};
use serde_json::json;
use support::*;

/// Writes the journal of a run that died after recording the intent of `fo`, and returns
/// its events.
fn interrupted_journal(dir: &Path) -> PriorRun {
    interrupted_journal_with(dir, Vec::new())
}

/// As `interrupted_journal`, with `done` recorded between the run's start and the intent.
fn interrupted_journal_with(dir: &Path, done: Vec<RunEvent>) -> PriorRun {
    let started: RunEvent = serde_json::from_value(json!({
        "event": "run_started", "run_id": "engine-test", "time": Clock::now_text(),
        "runbook": {"name": "engine-test-drill", "path": "drill.yaml", "sha256": "x"},
        "dry_run": false, "params": {}, "log_path": "dr.json",
        "target": {"subscription": "00000000-0000-0000-0000-000000000000",
                   "resource_group": "myResourceGroup", "hub": "myIoTHub"},
    }))
    .unwrap();
    let intent = RunEvent::FailoverIntent {
        step: "fo".to_string(),
        time: Clock::now_text(),
        from_region: "westus2".to_string(),
        region: "westus".to_string(),
    };
    let mut events = vec![started];
    events.extend(done);
    events.push(intent);
    let lines: Vec<String> = events
        .iter()
        .map(|e| serde_json::to_string(e).unwrap())
        .collect();
    std::fs::write(dir.join("dr.json.jsonl"), lines.join("\n") + "\n").unwrap();
    PriorRun { events }
}

/// Resumes the interrupted run; returns the exit code and the failover step's record.
async fn resume(emu: &Emulator, dir: &Path) -> (i32, StepRecord) {
    resume_from(emu, dir, interrupted_journal(dir)).await
}

async fn resume_from(emu: &Emulator, dir: &Path, prior: PriorRun) -> (i32, StepRecord) {
    let p = prepared(dir, DRILL);
    let session = Session::open(request(dir, &p, Some(prior)), None, SCALE)
        .await
        .expect("the session opens");
    let outcome = session.run(deps(client(emu))).await;
    let log = outcome.run.log.clone().expect("a DR log");
    let fo = log
        .steps
        .iter()
        .rev()
        .find(|s| s.step == "fo")
        .unwrap()
        .clone();
    // Every line the resumed run appended is a whole event.
    let lines = journal_lines(dir);
    assert_eq!(lines.last().unwrap()["event"], "run_finished");
    (outcome.exit_code(), fo)
}

/// Starts a failover of the hub the way the interrupted run's POST would have.
async fn post_failover(emu: &Emulator) {
    client(emu)
        .begin_manual_failover(DEFAULT_RESOURCE_GROUP, DEFAULT_HUB, "westus")
        .await
        .expect("ARM accepts the failover");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hub_failing_over_means_the_request_landed_and_it_is_not_posted_again() {
    // A failover of 10 emulated minutes (6 s here): the resumed run finds it running.
    let emu = emulator_with_failover(Duration::from_secs(600)).await;
    let dir = tempfile::tempdir().unwrap();
    post_failover(&emu).await;
    let (code, fo) = resume(&emu, dir.path()).await;
    assert_eq!(code, 0);
    assert_eq!(posts(&emu).len(), 1, "only the interrupted run's POST");
    assert_eq!(fo.status, StepStatus::Warning, "{}", fo.details);
    assert!(fo.details.contains("is FailingOver"), "{}", fo.details);
    assert!(fo.details.contains("not requested again"), "{}", fo.details);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hub_already_in_the_target_region_is_not_failed_over_again() {
    let emu = emulator().await;
    let dir = tempfile::tempdir().unwrap();
    post_failover(&emu).await;
    // Wait (bounded) until the emulator's failover has completed.
    let c = client(&emu);
    let mut arrived = false;
    for _ in 0..500 {
        let hub = c
            .get_hub(DEFAULT_RESOURCE_GROUP, DEFAULT_HUB)
            .await
            .unwrap();
        if hub.state() == "Active" && hub.primary_location() == "westus" {
            arrived = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(arrived, "the emulator's failover never completed");
    let (code, fo) = resume(&emu, dir.path()).await;
    assert_eq!(code, 0);
    assert_eq!(posts(&emu).len(), 1, "only the interrupted run's POST");
    assert_eq!(fo.status, StepStatus::Warning, "{}", fo.details);
    assert!(
        fo.details.contains("already Active in westus"),
        "{}",
        fo.details
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_untouched_hub_is_failed_over_once_saying_the_request_left_no_trace() {
    let emu = emulator().await;
    let dir = tempfile::tempdir().unwrap();
    let (code, fo) = resume(&emu, dir.path()).await;
    assert_eq!(code, 0);
    assert_eq!(posts(&emu).len(), 1, "the resumed run's own POST");
    assert_eq!(fo.status, StepStatus::Success, "{}", fo.details);
    assert!(fo.details.contains("left no trace"), "{}", fo.details);
    assert!(fo.details.contains("accepted by ARM"), "{}", fo.details);
}

/// Resumes the interrupted run against a hub that neither shows the failover nor proves it
/// untouched, and checks it stops without a POST, counting the hub as possibly changed.
async fn resume_stops_unknown(scenario: &str, seen: &str) {
    let emu = emulator_yaml(scenario).await;
    let dir = tempfile::tempdir().unwrap();
    // The check before the failover had passed: the resumed run goes straight to the intent.
    let pre: StepRecord = serde_json::from_value(json!({
        "step": "pre", "name": "pre", "kind": "validate", "section": "steps",
        "status": "success", "timestamp": Clock::now_text(), "ended_at": Clock::now_text(),
        "duration_ms": 1, "attempts": 1, "details": "hub is Active", "inputs": {},
        "outputs": {"state": "Active", "location": "westus2"},
    }))
    .unwrap();
    let prior = interrupted_journal_with(dir.path(), vec![RunEvent::StepFinished { record: pre }]);
    let (code, fo) = resume_from(&emu, dir.path(), prior).await;
    assert_eq!(fo.status, StepStatus::Failed, "{}", fo.details);
    let error = fo.error.as_ref().expect("the step says why");
    assert_eq!(
        error.code,
        runbook_engine::ErrorCode::FailoverOutcomeUnknown
    );
    assert!(error.message.contains(seen), "{}", error.message);
    assert!(
        error.message.contains("not requested again"),
        "{}",
        error.message
    );
    assert!(posts(&emu).is_empty(), "nothing was posted");
    let log: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("dr.json")).unwrap())
            .unwrap();
    assert_eq!(log["changed"], true, "the hub may have changed");
    assert_ne!(code, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hub_in_another_state_is_an_unknown_outcome_and_not_posted() {
    resume_stops_unknown(
        "hubs: [{ name: myIoTHub, location: westus2, secondary: westus, state: Updating }]",
        "is now Updating in westus2",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hub_that_cannot_be_read_is_an_unknown_outcome_and_not_posted() {
    resume_stops_unknown(
        "hubs: [{ name: myIoTHub, location: westus2, secondary: westus }]\n\
         faults: [{ method: GET, path: myIoTHub, status: 403 }]",
        "cannot be read now",
    )
    .await;
}
