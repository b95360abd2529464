//! A `Session` end to end against the emulator in-process: the real ARM client over real HTTP
//! on 127.0.0.1, the real journal writer thread, the DR log written to disk, the hub lock.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use runbook_engine::{
    DrLog, EventSink, JournalPlan, RunEvent, RunStatus, Session, SessionRequest, StepStatus,
};
use support::*;

/// Reads the journal from disk the moment the failover's acceptance is reported: the intent,
/// acknowledged durable before the POST, must already be there.
struct IntentOnDisk {
    journal: PathBuf,
    seen: Arc<Mutex<Option<bool>>>,
}

impl EventSink for IntentOnDisk {
    fn emit(&mut self, event: &RunEvent) {
        if matches!(event, RunEvent::FailoverStarted { .. }) {
            let text = std::fs::read_to_string(&self.journal).unwrap_or_default();
            *self.seen.lock().unwrap() = Some(text.contains("\"event\":\"failover_intent\""));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_runs_a_drill_to_its_dr_log_with_a_durable_journal_and_one_failover() {
    let emu = emulator().await;
    let dir = tempfile::tempdir().unwrap();
    let p = prepared(dir.path(), DRILL);
    let session = Session::open(request(dir.path(), &p, None), None, SCALE)
        .await
        .expect("the session opens");

    // While it is open, the hub is locked: a second drill on it is refused.
    let second = SessionRequest {
        journal: JournalPlan::None,
        log_file: None,
        ..request(dir.path(), &p, None)
    };
    let refused = Session::open(second.clone(), None, SCALE)
        .await
        .unwrap_err();
    assert!(
        refused.0.contains("another drill is already running"),
        "{refused}"
    );

    let seen = Arc::new(Mutex::new(None));
    let mut d = deps(client(&emu));
    d.reporters.push(Box::new(IntentOnDisk {
        journal: dir.path().join("dr.json.jsonl"),
        seen: seen.clone(),
    }));
    let outcome = session.run(d).await;
    assert_eq!(outcome.exit_code(), 0, "{:?}", outcome.run.reason);
    assert_eq!(outcome.run.status, RunStatus::Succeeded);
    assert!(outcome.log_error.is_none() && outcome.run.sink_failure.is_none());
    assert_eq!(posts(&emu).len(), 1, "exactly one failover POST");
    assert_eq!(
        *seen.lock().unwrap(),
        Some(true),
        "the intent was on disk before ARM accepted the failover"
    );

    // The DR log on disk is the run's, typed.
    let text = std::fs::read_to_string(dir.path().join("dr.json")).unwrap();
    let log: DrLog = serde_json::from_str(&text).expect("the DR log reads as a DrLog");
    assert_eq!(log.run_id, "engine-test");
    assert_eq!(log.status, RunStatus::Succeeded);
    let steps: Vec<(&str, StepStatus)> = log
        .steps
        .iter()
        .map(|s| (s.step.as_str(), s.status))
        .collect();
    assert_eq!(
        steps,
        [
            ("pre", StepStatus::Success),
            ("fo", StepStatus::Success),
            ("wait", StepStatus::Success),
            ("post", StepStatus::Success)
        ]
    );

    // The journal: one event per line, from the start to the end, the intent before the
    // accepted operation and both before the failover's record.
    let events = journal_lines(dir.path());
    let kinds: Vec<&str> = events
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.first(), Some(&"run_started"));
    assert_eq!(kinds.last(), Some(&"run_finished"));
    let at = |k: &str| kinds.iter().position(|x| *x == k).unwrap();
    let fo_record = events
        .iter()
        .position(|e| e["event"] == "step_finished" && e["record"]["step"] == "fo")
        .unwrap();
    assert!(at("failover_intent") < at("failover_started"));
    assert!(at("failover_started") < fo_record);

    // The lock went with the session: the hub can be drilled again.
    let again = Session::open(second, None, SCALE)
        .await
        .expect("lock released");
    again.abandon().await;
}
