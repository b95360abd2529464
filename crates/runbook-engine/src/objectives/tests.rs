//! Objectives measured over a drill's records.

#![allow(clippy::unwrap_used)]

use super::text::{percent_text, seconds_text};
use super::*;
use crate::status::StepStatus;
use runbook_record::StepKindName;
use serde_json::{Value, json};

fn rec(step: &str, kind: &str, status: StepStatus, ended: &str, outputs: Value) -> StepRecord {
    StepRecord {
        step: step.into(),
        name: step.into(),
        kind: StepKindName::from_name(kind).unwrap(),
        section: SectionName::Steps,
        status,
        timestamp: ended.into(),
        ended_at: ended.into(),
        duration_ms: 0,
        attempts: 1,
        http_retries: 0,
        details: String::new(),
        inputs: if kind == "await" {
            json!({"operation": "fo"})
        } else {
            json!({})
        },
        outputs: outputs.as_object().cloned().unwrap_or_default(),
        error: None,
        reused_reading: None,
    }
}

fn objectives(yaml: Value) -> Objectives {
    serde_json::from_value(yaml).unwrap()
}

fn drill(post_devices: u64, healthy: u64) -> Vec<StepRecord> {
    use StepStatus::Success;
    vec![
        rec(
            "pre",
            "snapshot-metrics",
            Success,
            "2026-11-26T03:15:00Z",
            json!({"device_count": 1200, "state": "Active", "location": "westus2"}),
        ),
        rec(
            "fo",
            "failover",
            Success,
            "2026-11-26T03:15:01Z",
            json!({"region": "westus", "started_at": "2026-11-26T03:15:01Z"}),
        ),
        rec(
            "wait",
            "await",
            Success,
            "2026-11-26T03:20:01Z",
            json!({"state": "Active", "location": "West US", "detection_lag_seconds": 15.2}),
        ),
        rec(
            "settle",
            "sleep",
            Success,
            "2026-11-26T03:21:01Z",
            json!({}),
        ),
        rec(
            "post",
            "snapshot-metrics",
            Success,
            "2026-11-26T03:21:31Z",
            json!({"device_count": post_devices, "endpoints_total": 4, "endpoints_healthy": healthy}),
        ),
        // A failback: its readings are not this failover's story.
        rec(
            "back",
            "failover",
            Success,
            "2026-11-26T03:30:00Z",
            json!({"region": "westus2", "started_at": "2026-11-26T03:30:00Z"}),
        ),
        rec(
            "late",
            "health-check",
            Success,
            "2026-11-26T03:40:00Z",
            json!({"total": 4, "healthy": 0}),
        ),
    ]
}

fn all() -> Objectives {
    objectives(json!({
        "rto": "10m",
        "max_device_drift": "1%",
        "min_healthy_endpoints": {"target": "100%", "advisory": true},
        "max_detection_lag": "15s"
    }))
}

#[test]
fn durations_are_measured_in_the_runbooks_time_under_a_scaled_clock() {
    // At scale 0.5 the 390 real seconds of the drill are 780 emulated ones: over 10m.
    let r = measure(&all(), &drill(1195, 3), false, 0.5);
    let rto = r.iter().find(|o| o.objective == "rto").unwrap();
    assert_eq!(rto.measured_value, Some(780.0));
    assert_eq!(rto.met, Some(false));
    let lag = r
        .iter()
        .find(|o| o.objective == "max_detection_lag")
        .unwrap();
    assert_eq!(lag.measured_value, Some(30.4));
}

#[test]
fn a_drill_is_measured_around_its_first_failover() {
    let r = measure(&all(), &drill(1195, 3), false, 1.0);
    let by = |n: &str| r.iter().find(|o| o.objective == n).unwrap();
    let rto = by("rto");
    assert_eq!(rto.measured.as_deref(), Some("6m30s"));
    assert_eq!(rto.measured_value, Some(390.0));
    assert_eq!(rto.target_value, Some(600.0));
    assert_eq!(rto.met, Some(true));
    assert!(rto.details.contains("`post`"), "{}", rto.details);
    let drift = by("max_device_drift");
    assert_eq!(
        (drift.measured_value, drift.target_value),
        (Some(5.0), Some(12.0))
    );
    assert_eq!(drift.met, Some(true));
    let ep = by("min_healthy_endpoints");
    assert_eq!(ep.measured.as_deref(), Some("75%"));
    assert_eq!(ep.met, Some(false));
    assert_eq!(
        ep.failure(false),
        None,
        "advisory misses do not fail the run"
    );
    let lag = by("max_detection_lag");
    assert_eq!(lag.met, Some(false));
    assert_eq!(
        lag.failure(false).as_deref(),
        Some("objective `max_detection_lag` missed: measured 15.2s, target 15s")
    );
}

#[test]
fn a_failed_check_after_the_failover_misses_the_rto() {
    let mut steps = drill(1200, 4);
    steps[4].status = StepStatus::Failed;
    let r = measure(&objectives(json!({"rto": "1h"})), &steps, false, 1.0);
    assert_eq!(r[0].met, Some(false));
    assert_eq!(r[0].measured, None);
    assert_eq!(
        r[0].failure(false).as_deref(),
        Some("objective `rto` missed: not measured: check `post` after the failover failed")
    );
}

#[test]
fn the_hub_must_be_seen_active_in_the_target_region() {
    let mut steps = drill(1200, 4);
    steps[2].outputs.insert("location".into(), json!("westus2"));
    let r = measure(&objectives(json!({"rto": "1h"})), &steps, false, 1.0);
    assert_eq!(r[0].met, Some(false));
    assert!(
        r[0].details.contains("Active in westus"),
        "{}",
        r[0].details
    );
}

#[test]
fn without_a_failover_nothing_is_measured_and_only_a_real_run_fails_for_it() {
    let mut steps = drill(1200, 4);
    steps[1].status = StepStatus::Skipped;
    steps[1].outputs.clear();
    let dry = measure(&all(), &steps, true, 1.0);
    assert!(
        dry.iter()
            .all(|o| o.met.is_none() && o.failure(true).is_none())
    );
    let real = measure(&all(), &steps, false, 1.0);
    assert!(real.iter().all(|o| o.met.is_none()));
    assert_eq!(
        real[0].failure(false).as_deref(),
        Some("objective `rto` not measured: failover `fo` did not start a failover (did not run)")
    );
    assert_eq!(real[2].failure(false), None, "advisory");
}

#[test]
fn durations_read_like_the_runbook_writes_them() {
    assert_eq!(seconds_text(4.2134), "4.213s");
    assert_eq!(seconds_text(60.0), "1m");
    assert_eq!(seconds_text(3725.0), "1h2m5s");
    assert_eq!(percent_text(100.0), "100%");
    assert_eq!(percent_text(200.0 / 3.0), "66.7%");
}

fn with_recovery(outputs: Value, status: StepStatus) -> Vec<StepRecord> {
    let mut records = drill(1200, 4);
    records.insert(
        5,
        rec(
            "recovery",
            "await-recovery",
            status,
            "2026-11-26T03:29:00Z",
            outputs,
        ),
    );
    records
}

#[test]
fn device_and_telemetry_recovery_are_read_from_the_await_recovery_in_runbook_time() {
    let o = objectives(json!({"device_recovery": "15m", "telemetry_recovery": "10m"}));
    let records = with_recovery(
        json!({"device_recovery_seconds": 720.0, "telemetry_recovery_seconds": 780.0,
               "connected_devices_threshold": 1121.0, "telemetry_threshold": 1062.0}),
        StepStatus::Success,
    );
    // Recorded in runbook time already: the scale does not divide them again.
    let r = measure(&o, &records, false, 0.01);
    assert_eq!(r[0].objective, "device_recovery");
    assert_eq!(r[0].measured.as_deref(), Some("12m"));
    assert_eq!(r[0].met, Some(true));
    assert_eq!(r[1].measured.as_deref(), Some("13m"));
    assert_eq!(r[1].met, Some(false));
    assert!(r[0].details.contains("back to 1,121"), "{}", r[0].details);
}

#[test]
fn devices_that_never_came_back_miss_device_recovery_naming_how_many_are_missing() {
    let o = objectives(json!({"device_recovery": "30m"}));
    let records = with_recovery(
        json!({"device_recovery_seconds": null, "devices_missing": 118.0,
               "connected_devices_threshold": 1121.0}),
        StepStatus::Failed,
    );
    let r = measure(&o, &records, false, 1.0);
    assert_eq!(r[0].met, Some(false));
    assert_eq!(
        r[0].details,
        "not measured: connected devices never reached 1,121 at `recovery` (failed), 118 devices missing"
    );
}
