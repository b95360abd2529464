//! The manual failover long-running operation against the real emulator: success,
//! Failed, a never-ending operation hitting the timeout, and re-attaching from a
//! serialized handle.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::*;
use iothub_arm::{ArmError, FailoverOperation, OperationPoll, PollOptions};

fn quick(timeout: Duration) -> PollOptions {
    PollOptions {
        interval: Duration::from_millis(10),
        timeout,
    }
}

#[tokio::test]
async fn failover_runs_to_success_and_swaps_regions() {
    // 6 s emulated failover -> 300 ms real at time scale 0.05.
    let emu = emulator_yaml("hubs:\n  - { name: myIoTHub, failover: { duration: 6s } }\n").await;
    let client = client(&emu);

    let op = client
        .begin_manual_failover(RG, HUB, "westus")
        .await
        .unwrap();
    assert!(!op.completed_immediately);
    assert!(
        op.async_operation_url.is_some() && op.location_url.is_some(),
        "{op:?}"
    );
    assert_eq!(op.hub_id, client.hub_id(RG, HUB));
    assert_eq!(
        client.get_hub(RG, HUB).await.unwrap().state(),
        "FailingOver"
    );

    let mut progress = Vec::new();
    let outcome = client
        .wait_failover(&op, quick(Duration::from_secs(20)), |p| {
            progress.push(p.clone())
        })
        .await
        .unwrap();
    assert!(outcome.polls >= 2, "{outcome:?}");
    assert_eq!(progress.len() as u32, outcome.polls - 1);
    assert!(
        progress
            .iter()
            .all(|p| p.status.eq_ignore_ascii_case("InProgress"))
    );
    // The server's scaled Retry-After (1 s -> 50 ms) is longer than our 10 ms interval.
    assert!(
        progress
            .iter()
            .all(|p| p.next_poll_in >= Duration::from_millis(50)),
        "{progress:?}"
    );

    let hub = client.get_hub(RG, HUB).await.unwrap();
    assert_eq!(hub.state(), "Active");
    assert_eq!(hub.primary_location(), "westus");
    assert_eq!(hub.secondary_location(), Some("westus2"));
    // After Succeeded the Location URL was read once, as ARMPolling does.
    let location = op.location_url.as_ref().unwrap();
    let location_reads = emu
        .requests()
        .into_iter()
        .filter(|r| r.path == location.path() && Some(r.query.as_str()) == location.query())
        .count();
    assert_eq!(location_reads, 1);
    assert_eq!(recorded(&emu, "POST", "/failover").len(), 1);
    emu.shutdown().await;
}

#[tokio::test]
async fn failed_operation_becomes_operation_failed_with_arm_code() {
    let emu = emulator_yaml(
        "hubs:\n  - name: myIoTHub\n    failover: { duration: 1s, outcome: failed, error: { code: FailoverFailed, message: 'paired region unavailable' } }\n",
    )
    .await;
    let client = client(&emu);
    let op = client
        .begin_manual_failover(RG, HUB, "westus")
        .await
        .unwrap();
    let err = client
        .wait_failover(&op, quick(Duration::from_secs(20)), |_| {})
        .await
        .unwrap_err();
    let ArmError::OperationFailed {
        status,
        code,
        message,
    } = &err
    else {
        panic!("expected OperationFailed, got {err:?}");
    };
    assert!(status.eq_ignore_ascii_case("failed"));
    assert_eq!(code.as_deref(), Some("FailoverFailed"));
    assert!(message.contains("paired region unavailable"));
    assert!(err.to_string().contains("FailoverFailed"));
    emu.shutdown().await;
}

#[tokio::test]
async fn never_ending_operation_hits_the_timeout() {
    let emu = emulator_yaml("hubs:\n  - { name: myIoTHub, failover: { stuck: true } }\n").await;
    let client = client(&emu);
    let op = client
        .begin_manual_failover(RG, HUB, "westus")
        .await
        .unwrap();
    let timeout = Duration::from_millis(300);
    let err = client
        .wait_failover(&op, quick(timeout), |_| {})
        .await
        .unwrap_err();
    let ArmError::Timeout {
        waited,
        last_status,
    } = &err
    else {
        panic!("expected Timeout, got {err:?}");
    };
    assert!(*waited >= timeout);
    assert!(last_status.eq_ignore_ascii_case("InProgress"));
    assert!(err.to_string().contains("still running in Azure"));
    // Still running: one more poll says so.
    assert!(matches!(
        client.poll_failover(&op).await.unwrap(),
        OperationPoll::InProgress { .. }
    ));
    emu.shutdown().await;
}

#[tokio::test]
async fn handle_survives_serde_round_trip_and_resumes_polling() {
    let emu = emulator_yaml("hubs:\n  - { name: myIoTHub, failover: { duration: 6s } }\n").await;
    let json = {
        let first = client(&emu);
        let op = first
            .begin_manual_failover(RG, HUB, "westus")
            .await
            .unwrap();
        assert!(matches!(
            first.poll_failover(&op).await.unwrap(),
            OperationPoll::InProgress { .. }
        ));
        serde_json::to_string(&op).unwrap()
    };
    // A later process: new client, handle read back from text.
    let op: FailoverOperation = serde_json::from_str(&json).unwrap();
    assert_eq!(serde_json::to_string(&op).unwrap(), json);
    let second = client(&emu);
    second.check_failover_handle(&op).unwrap();
    let outcome = second
        .wait_failover(&op, quick(Duration::from_secs(20)), |_| {})
        .await
        .unwrap();
    assert!(outcome.duration >= outcome.waited);
    assert_eq!(
        second.get_hub(RG, HUB).await.unwrap().primary_location(),
        "westus"
    );
    assert_eq!(recorded(&emu, "POST", "/failover").len(), 1);
    emu.shutdown().await;
}

#[tokio::test]
async fn location_only_handle_is_polled_by_status_code() {
    let emu = emulator(iothub_emulator::Scenario::default_scenario()).await;
    let client = client(&emu);
    let mut op = client
        .begin_manual_failover(RG, HUB, "westus")
        .await
        .unwrap();
    op.async_operation_url = None;
    let outcome = client
        .wait_failover(&op, quick(Duration::from_secs(20)), |_| {})
        .await
        .unwrap();
    assert!(outcome.polls >= 2, "{outcome:?}");
    assert_eq!(client.get_hub(RG, HUB).await.unwrap().state(), "Active");
    emu.shutdown().await;
}
