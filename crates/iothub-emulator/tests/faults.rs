//! Each fault kind: status with Retry-After (and retry-after-ms when scaled), `times`,
//! delay, dropped connection with and without after-effect.
#![allow(clippy::unwrap_used)]

mod common;
use common::*;
use serde_json::json;
use std::time::{Duration, Instant};

#[tokio::test]
async fn status_fault_with_retry_after_applies_times_then_stops() {
    let emu = start_yaml(
        "hubs:\n  - name: myIoTHub\nfaults:\n  - { method: GET, path: IotHubStats, status: 429, retry_after: 1, times: 2 }\n",
    )
    .await;
    let url = default_hub_url(&emu, "/IotHubStats");
    for _ in 0..2 {
        let a = get(&url).await;
        assert_eq!(a.status, 429);
        assert_eq!(a.body["code"], "TooManyRequests");
        assert_eq!(a.header("retry-after").as_deref(), Some("1"));
        assert_eq!(a.header("retry-after-ms").as_deref(), Some("1"));
    }
    assert_eq!(get(&url).await.status, 200, "budget spent");
    // Other paths never matched.
    assert_eq!(get(&default_hub_url(&emu, "")).await.status, 200);
    let statuses: Vec<u16> = emu.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, vec![429, 429, 200, 200]);
}

#[tokio::test]
async fn status_fault_on_failover_does_not_start_it() {
    let emu = start_yaml(
        "hubs:\n  - name: myIoTHub\nfaults:\n  - { method: POST, path: failover, status: 503, times: 1, code: ServiceUnavailable, message: try later }\n",
    )
    .await;
    let first = failover(&emu, "westus").await;
    assert_eq!(first.status, 503);
    assert_eq!(first.body["message"], "try later");
    assert_eq!(
        get(&default_hub_url(&emu, "")).await.body["properties"]["state"],
        "Active"
    );
    assert_eq!(failover(&emu, "westus").await.status, 202);
}

#[tokio::test]
async fn unscaled_emulator_sends_only_retry_after() {
    let emu = iothub_emulator::Emulator::start(
        iothub_emulator::Scenario::from_yaml(
            "hubs: [{ name: myIoTHub }]\nfaults: [{ path: myIoTHub, status: 429, retry_after: 2s }]\n",
            "t",
        )
        .unwrap(),
        iothub_emulator::EmulatorConfig::default(),
    )
    .await
    .unwrap();
    let a = get(&default_hub_url(&emu, "")).await;
    assert_eq!(a.status, 429);
    assert_eq!(a.header("retry-after").as_deref(), Some("2"));
    assert_eq!(a.header("retry-after-ms"), None);
}

#[tokio::test]
async fn delay_fault_delays_then_answers() {
    // 500 s emulated at 0.001 = 500 ms real: long enough to measure, short enough for a test.
    let emu = start_yaml("hubs: [{ name: myIoTHub }]\nfaults: [{ method: GET, path: myIoTHub, delay: 500s, times: 1 }]\n").await;
    let started = Instant::now();
    let a = get(&default_hub_url(&emu, "")).await;
    assert_eq!(a.status, 200);
    assert!(
        started.elapsed() >= Duration::from_millis(500),
        "answered after {:?}",
        started.elapsed()
    );
    assert_eq!(a.body["name"], "myIoTHub");
}

#[tokio::test]
async fn dropped_connection_without_after_effect_changes_nothing() {
    let emu = start_yaml("hubs: [{ name: myIoTHub }]\nfaults: [{ method: POST, path: failover, drop_connection: true, times: 1 }]\n").await;
    let result = client()
        .post(default_hub_url(&emu, "/failover"))
        .bearer_auth("t")
        .json(&json!({ "failoverRegion": "westus" }))
        .send()
        .await;
    let err = result.expect_err("the connection is closed without an answer");
    assert!(!err.is_status() && !err.is_timeout(), "{err:?}");
    assert_eq!(
        get(&default_hub_url(&emu, "")).await.body["properties"]["state"],
        "Active"
    );
    let log = emu.requests();
    assert_eq!((log[0].method.as_str(), log[0].status), ("POST", 0));
    assert_eq!(failover(&emu, "westus").await.status, 202, "fault spent");
}

#[tokio::test]
async fn dropped_connection_with_after_effect_starts_the_failover() {
    let emu = start_yaml(
        "hubs: [{ name: myIoTHub, failover: { stuck: true } }]\nfaults: [{ method: POST, path: failover, drop_connection: true, after_effect: true, times: 1 }]\n",
    )
    .await;
    let result = client()
        .post(default_hub_url(&emu, "/failover"))
        .bearer_auth("t")
        .json(&json!({ "failoverRegion": "westus" }))
        .send()
        .await;
    assert!(result.is_err(), "no answer");
    assert_eq!(
        get(&default_hub_url(&emu, "")).await.body["properties"]["state"],
        "FailingOver"
    );
    // A retry by the client now finds the failover it cannot see.
    assert_eq!(failover(&emu, "westus").await.status, 409);
}
