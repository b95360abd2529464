//! `await-recovery` end to end against the emulator in-process: the hub's device population
//! drops at the failover and comes back along the scenario's curve, Azure Monitor's minutes
//! are read over real HTTP, and the step's progress, outcome and DR log are checked.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::{Arc, Mutex};

use iothub_emulator::Emulator;
use runbook_engine::{DrLog, EventSink, RunEvent, RunStatus, Session, StepStatus};
use support::*;

const RECOVERY_DRILL: &str = r#"
version: 1
name: engine-recovery-drill
target:
  subscription: 00000000-0000-0000-0000-000000000000
  resource_group: myResourceGroup
  hub: myIoTHub
objectives:
  device_recovery: 20m
steps:
  - id: pre
    snapshot-metrics: { include: [hub], monitor: { window: 10m } }
  - id: fo
    failover: {}
  - id: wait
    await: { operation: fo, timeout: 1h, interval: 5s }
  - id: back
    await-recovery: { baseline: pre, connected_devices: 95%, telemetry: 90%, timeout: 30m }
"#;

const QUICK: &str =
    "hubs:\n  - name: myIoTHub\n    monitor: { reconnect: { median: 30s, p95: 2m } }\n";

/// The progress lines of step `back`, in order.
#[derive(Clone, Default)]
struct Progress(Arc<Mutex<Vec<String>>>);

impl EventSink for Progress {
    fn emit(&mut self, event: &RunEvent) {
        if let RunEvent::StepProgress { step, message, .. } = event
            && step == "back"
        {
            self.0.lock().unwrap().push(message.clone());
        }
    }
}

async fn run(emu: &Emulator) -> (DrLog, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let p = prepared(dir.path(), RECOVERY_DRILL);
    let session = Session::open(request(dir.path(), &p, None), None, SCALE)
        .await
        .expect("the session opens");
    let progress = Progress::default();
    let mut d = deps(client(emu));
    d.reporters.push(Box::new(progress.clone()));
    session.run(d).await;
    let text = std::fs::read_to_string(dir.path().join("dr.json")).unwrap();
    let log: DrLog = serde_json::from_str(&text).expect("the DR log reads");
    let lines = progress.0.lock().unwrap().clone();
    (log, lines)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn devices_come_back_and_the_log_carries_the_minutes_they_were_measured_from() {
    let emu = emulator_yaml(QUICK).await;
    let (log, progress) = run(&emu).await;
    assert_eq!(log.status, RunStatus::Succeeded, "{:?}", log.status_reason);
    let back = log.steps.iter().find(|s| s.step == "back").unwrap();
    // The built-in endpoint moved with the failover: a warning naming the new one.
    assert_eq!(back.status, StepStatus::Warning, "{}", back.details);
    assert!(
        back.details
            .contains("changed to sb://iothub-ns-myiothub-f1.servicebus.windows.net/"),
        "{}",
        back.details
    );
    // Progress says how many devices are back, of how many, and when.
    assert!(
        progress
            .iter()
            .any(|l| l.contains(" of 1,180 devices back (") && l.contains("after the failover")),
        "{progress:?}"
    );
    let r = log.recovery.expect("the DR log carries the recovery");
    assert_eq!(r.baseline_connected_devices, Some(1180.0));
    assert_eq!(r.connected_devices_threshold, Some(1121.0));
    let device = r.device_recovery_seconds.expect("devices came back");
    // Failover (2 s) + devices back by about 2 m, counted to the end of a minute.
    assert!((60.0..=300.0).contains(&device), "{device}");
    assert_eq!(r.event_hub_endpoint_changed, Some(true));
    // One point a minute from before the failover, the drop included.
    assert!(r.series.len() >= 5, "{:?}", r.series);
    assert!(
        r.series
            .windows(2)
            .all(|w| w[1].offset_seconds - w[0].offset_seconds == 60.0)
    );
    assert!(
        r.series
            .iter()
            .any(|m| m.offset_seconds < 0.0 && m.connected == Some(1180.0))
    );
    assert!(r.series.iter().any(|m| m.connected_min == Some(0.0)));
    let objective = log
        .objectives
        .iter()
        .find(|o| o.objective == "device_recovery")
        .unwrap();
    assert_eq!(objective.met, Some(true));
    assert_eq!(objective.measured_value, Some(device));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn devices_that_never_come_back_fail_the_step_at_its_timeout_naming_how_many_are_missing() {
    let emu = emulator_yaml(
        "hubs:\n  - name: myIoTHub\n    monitor: { reconnect: { median: 30s, p95: 2m, never: 10% } }\n",
    )
    .await;
    let (log, _) = run(&emu).await;
    assert_eq!(log.status, RunStatus::Failed);
    let back = log.steps.iter().find(|s| s.step == "back").unwrap();
    assert_eq!(back.status, StepStatus::Failed);
    let message = &back.error.as_ref().unwrap().message;
    assert!(
        message.starts_with("not recovered within 30m (95% needed: 1,121 devices"),
        "{message}"
    );
    assert!(
        message.contains("1,062 of 1,180 devices back (90%)"),
        "{message}"
    );
    assert!(message.ends_with("118 devices missing"), "{message}");
    let r = log.recovery.unwrap();
    assert_eq!(
        (r.devices_missing, r.device_recovery_seconds),
        (Some(118.0), None)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttled_reads_are_said_in_progress_and_read_again_a_minute_later() {
    // The baseline's two reads pass; then Azure Monitor throttles past the client's retries
    // (nine attempts a call) twice over before it answers again.
    let emu = emulator_yaml(&format!(
        "{QUICK}faults:\n  - {{ method: GET, path: Insights/metrics, delay: 1ms, times: 2 }}\n  - {{ method: GET, path: Insights/metrics, status: 429, retry_after: 1, times: 20 }}\n"
    ))
    .await;
    let (log, progress) = run(&emu).await;
    assert_eq!(log.status, RunStatus::Succeeded, "{:?}", log.status_reason);
    let throttled: Vec<&String> = progress
        .iter()
        .filter(|l| {
            l.contains("the metrics read failed: ARM kept throttling")
                && l.ends_with("reading again in a minute")
        })
        .collect();
    assert_eq!(throttled.len(), 2, "{progress:?}");
    let back = log.steps.iter().find(|s| s.step == "back").unwrap();
    assert!(
        back.details.contains("(2 reads of Azure Monitor came back throttled, failed or without a metric and were read again a minute later)"),
        "{}",
        back.details
    );
    assert!(log.recovery.unwrap().device_recovery_seconds.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_metric_azure_always_fails_leaves_no_baseline_and_the_step_says_so() {
    let emu = emulator_yaml(
        "hubs:\n  - name: myIoTHub\n    monitor: { errors: { connectedDeviceCount: InternalServerError } }\n",
    )
    .await;
    let (log, _) = run(&emu).await;
    let pre = log.steps.iter().find(|s| s.step == "pre").unwrap();
    assert_eq!(pre.status, StepStatus::Warning);
    assert!(
        pre.details
            .contains("Azure Monitor failed `connectedDeviceCount` (InternalServerError"),
        "{}",
        pre.details
    );
    let back = log.steps.iter().find(|s| s.step == "back").unwrap();
    assert_eq!(back.status, StepStatus::Failed);
    assert_eq!(
        back.error.as_ref().unwrap().message,
        "snapshot `pre` recorded no connected devices (no Monitor baseline), so there is nothing to measure recovery against"
    );
    assert_eq!(log.status, RunStatus::Failed);
}
