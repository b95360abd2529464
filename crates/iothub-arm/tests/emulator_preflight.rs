//! The preflight reads through the real client against the real emulator: the Activity Log
//! (built filter accepted, nextLink followed, the page bound honoured and reported), locks at
//! each scope and the `ScopeLocked` refusal, permissions judged by `permits`, data residency;
//! every read spends the shared budget's read bucket, never its write bucket.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use iothub_arm::{ArmBudget, ArmError, LockLevel, LockScope, PollOptions, permits};
use time::OffsetDateTime;

const FAILOVER_ACTION: &str = "Microsoft.Devices/IotHubs/failover/action";

const HISTORY: &str = r#"
page_size: 1
hubs:
  - name: myIoTHub
    activity_log:
      - { operation: MICROSOFT.DEVICES/IOTHUBS/FAILOVER/ACTION, status: Started, time: -30m, correlation_id: elsewhere-1 }
      - { operation: microsoft.devices/iothubs/failover/action, status: Succeeded, time: -25m, correlation_id: elsewhere-1 }
      - { operation: Microsoft.Devices/IotHubs/write, status: Succeeded, time: -40m }
"#;

fn window() -> (OffsetDateTime, OffsetDateTime) {
    let now = OffsetDateTime::now_utc();
    (
        now - Duration::from_secs(3600),
        now + Duration::from_secs(60),
    )
}

#[tokio::test]
async fn activity_log_follows_next_link_and_reports_a_cut_log() {
    let emu = emulator_yaml(HISTORY).await;
    let budget = Arc::new(ArmBudget::new((1, 5.0), (1, 5.0)));
    let mut options = fast_options(&emu);
    options.budget = Some(budget.clone());
    let client = client_with(&emu, "t", options);
    let (from, to) = window();
    let hub = client.hub_id(RG, HUB);

    let all = client.activity_log(from, to, &hub, 10).await.unwrap();
    assert_eq!((all.pages, all.truncated), (3, false));
    let ops: Vec<(&str, &str)> = all
        .events
        .iter()
        .map(|e| (e.operation_name.value.as_str(), e.status()))
        .collect();
    assert_eq!(
        ops,
        [
            ("microsoft.devices/iothubs/failover/action", "Succeeded"),
            ("MICROSOFT.DEVICES/IOTHUBS/FAILOVER/ACTION", "Started"),
            ("Microsoft.Devices/IotHubs/write", "Succeeded"),
        ]
    );
    let failovers: Vec<_> = all
        .events
        .iter()
        .filter(|e| e.is_failover_action() && e.is_about(&hub))
        .collect();
    assert_eq!(failovers.len(), 2);
    assert!(failovers.iter().all(|e| e.correlation_id == "elsewhere-1"));
    // Three pages read, each a read of the shared budget (counted as tokens taken: whether a
    // later page waited depends on how long the earlier took); the write bucket untouched.
    assert_eq!(budget.reads.taken(), 3);
    assert_eq!(budget.writes.taken(), 0);

    let cut = client.activity_log(from, to, &hub, 2).await.unwrap();
    assert_eq!((cut.pages, cut.truncated, cut.events.len()), (2, true, 2));
    let gets = recorded(&emu, "GET", "/eventtypes/management/values");
    assert_eq!(gets.len(), 5, "3 pages, then 2 pages and no third");
    assert!(gets.iter().all(|r| r.status == 200));
    emu.shutdown().await;
}

#[tokio::test]
async fn the_emulators_own_failover_appears_in_the_log_the_client_reads() {
    let emu = emulator(iothub_emulator::Scenario::default_scenario()).await;
    let client = client(&emu);
    let op = client
        .begin_manual_failover(RG, HUB, "westus")
        .await
        .unwrap();
    let opts = PollOptions {
        interval: Duration::from_millis(10),
        timeout: Duration::from_secs(30),
    };
    client.wait_failover(&op, opts, |_| {}).await.unwrap();
    let (from, to) = window();
    let log = client
        .activity_log(from, to, &client.hub_id(RG, HUB), 5)
        .await
        .unwrap();
    let statuses: Vec<&str> = log.events.iter().map(|e| e.status()).collect();
    assert_eq!(statuses, ["Succeeded", "Started"]);
    assert!(log.events.iter().all(|e| e.is_failover_action()));
    assert_eq!(log.events[0].correlation_id, log.events[1].correlation_id);
    assert!(log.events[1].event_timestamp <= log.events[0].event_timestamp);
    emu.shutdown().await;
}

#[tokio::test]
async fn a_filter_azure_would_refuse_is_never_sent() {
    let emu = emulator(iothub_emulator::Scenario::default_scenario()).await;
    let client = client(&emu);
    let (from, to) = window();
    let e = client.activity_log(to, from, "/x", 1).await.unwrap_err();
    assert!(matches!(e, ArmError::InvalidInput { .. }), "{e}");
    assert!(recorded(&emu, "GET", "eventtypes").is_empty());
    emu.shutdown().await;
}

const LOCKED: &str = r#"
hubs:
  - name: myIoTHub
locks:
  - { name: sub-nodelete, level: CanNotDelete }
  - { name: rg-freeze, level: ReadOnly, resource_group: myResourceGroup }
"#;

#[tokio::test]
async fn locks_at_each_scope_and_the_failover_they_block() {
    let emu = emulator_yaml(LOCKED).await;
    let client = client(&emu);
    let hub_locks = client.locks(LockScope::Hub, RG, HUB).await.unwrap();
    assert!(hub_locks.is_empty());
    let rg = client
        .locks(LockScope::ResourceGroup, RG, HUB)
        .await
        .unwrap();
    assert_eq!(rg.len(), 1);
    assert_eq!(rg[0].name, "rg-freeze");
    assert_eq!(*rg[0].level(), LockLevel::ReadOnly);
    assert_eq!(
        rg[0].scope(),
        format!("/subscriptions/{SUB}/resourceGroups/{RG}")
    );
    let sub = client
        .locks(LockScope::Subscription, RG, HUB)
        .await
        .unwrap();
    let levels: Vec<&LockLevel> = sub.iter().map(|l| l.level()).collect();
    assert_eq!(levels, [&LockLevel::CanNotDelete, &LockLevel::ReadOnly]);

    let e = client
        .begin_manual_failover(RG, HUB, "westus")
        .await
        .unwrap_err();
    match &e {
        ArmError::Http {
            status,
            code,
            message,
            ..
        } => {
            assert_eq!(*status, 409);
            assert_eq!(code.as_deref(), Some("ScopeLocked"));
            assert!(message.contains("rg-freeze"), "{message}");
        }
        other => panic!("expected ScopeLocked, got {other}"),
    }
    assert_eq!(client.get_hub(RG, HUB).await.unwrap().state(), "Active");
    emu.shutdown().await;
}

#[tokio::test]
async fn permissions_are_read_and_judged() {
    let emu = emulator(iothub_emulator::Scenario::default_scenario()).await;
    let client = client(&emu);
    let all = client.permissions(RG, HUB).await.unwrap();
    assert_eq!(permits(&all, FAILOVER_ACTION), Some(&all[0]));
    emu.shutdown().await;

    let emu = emulator_yaml(
        "hubs:\n  - name: myIoTHub\n    permissions:\n      - { actions: ['*'], not_actions: ['Microsoft.Devices/*'] }\n      - { actions: ['*/read'] }\n",
    )
    .await;
    let reader_client = common::client(&emu);
    let reader = reader_client.permissions(RG, HUB).await.unwrap();
    assert_eq!(reader.len(), 2);
    assert_eq!(permits(&reader, FAILOVER_ACTION), None);
    assert!(permits(&reader, "Microsoft.Devices/IotHubs/read").is_some());
    emu.shutdown().await;
}

#[tokio::test]
async fn data_residency_is_read_and_the_failover_refused() {
    let emu = emulator_yaml("hubs:\n  - { name: myIoTHub, enable_data_residency: true }\n").await;
    let client = client(&emu);
    let hub = client.get_hub(RG, HUB).await.unwrap();
    assert_eq!(hub.properties.enable_data_residency, Some(true));
    let e = client
        .begin_manual_failover(RG, HUB, "westus")
        .await
        .unwrap_err();
    assert!(
        matches!(&e, ArmError::Http { status: 400, code: Some(c), .. } if &**c == "FailoverNotSupportedWithDataResidency"),
        "{e}"
    );
    emu.shutdown().await;
}
