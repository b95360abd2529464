//! Each read operation against the real emulator, including paging across 3+ pages.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use futures::TryStreamExt;
use iothub_arm::{EndpointHealthStatus, ReplicaRole};

#[tokio::test]
async fn get_hub_stats_quotas_and_health() {
    let emu = emulator(iothub_emulator::Scenario::default_scenario()).await;
    let client = client(&emu);

    let hub = client.get_hub(RG, HUB).await.unwrap();
    assert_eq!(hub.name, HUB);
    assert_eq!(hub.id, client.hub_id(RG, HUB));
    assert_eq!(hub.state(), "Active");
    assert_eq!(hub.provisioning_state(), "Succeeded");
    assert_eq!(hub.primary_location(), "westus2");
    assert_eq!(hub.secondary_location(), Some("westus"));
    assert_eq!(hub.resource_group(), Some(RG));
    assert_eq!(hub.properties.locations[0].role, ReplicaRole::Primary);

    let stats = client.get_stats(RG, HUB).await.unwrap();
    assert_eq!(stats.enabled_device_count, 1180);
    assert_eq!(stats.disabled_device_count, 20);
    assert_eq!(stats.total_device_count, 1200);

    let quotas = client.quota_metrics(RG, HUB).await.unwrap();
    let messages = quotas.iter().find(|q| q.name == "TotalMessages").unwrap();
    assert_eq!((messages.current_value, messages.max_value), (1200, 400000));

    let health = client.endpoint_health(RG, HUB).await.unwrap();
    let ids: Vec<&str> = health.iter().map(|e| e.endpoint_id.as_str()).collect();
    assert_eq!(ids, ["events", "telemetry-archive"]);
    assert!(
        health
            .iter()
            .all(|e| e.health_status == EndpointHealthStatus::Healthy)
    );

    // Every call carried the api-version and went where the URL builders say.
    for r in emu.requests() {
        assert!(r.query.contains("api-version=2023-06-30"), "{r:?}");
    }
    assert_eq!(recorded(&emu, "GET", "/IotHubStats").len(), 1);
    emu.shutdown().await;
}

const PAGED: &str = r#"
page_size: 1
hubs:
  - name: hub-a
    resource_group: rg-paged
    subscription: 00000000-0000-0000-0000-000000000000
    quotas: { TotalMessages: [1, 10], TotalDeviceCount: [2, 20], Units: [3, 30] }
    endpoints: { events: healthy, archive: unhealthy, audit: dead }
  - name: hub-b
    resource_group: rg-paged
    subscription: 00000000-0000-0000-0000-000000000000
  - name: hub-c
    resource_group: rg-paged
    subscription: 00000000-0000-0000-0000-000000000000
  - name: hub-d
    resource_group: other-rg
    subscription: 00000000-0000-0000-0000-000000000000
"#;

#[tokio::test]
async fn lists_follow_next_link_across_pages() {
    let emu = emulator_yaml(PAGED).await;
    let client = client(&emu);

    let mut in_rg: Vec<String> = client
        .list_hubs_by_resource_group("rg-paged")
        .map_ok(|h| h.name)
        .try_collect()
        .await
        .unwrap();
    in_rg.sort();
    assert_eq!(in_rg, ["hub-a", "hub-b", "hub-c"]);
    let rg_pages = recorded(
        &emu,
        "GET",
        "/resourceGroups/rg-paged/providers/Microsoft.Devices/IotHubs",
    );
    let list_pages: Vec<_> = rg_pages
        .iter()
        .filter(|r| r.path.ends_with("/IotHubs"))
        .collect();
    assert!(
        list_pages.len() >= 3,
        "expected 3+ pages, got {list_pages:?}"
    );

    let mut all: Vec<String> = client
        .list_hubs_by_subscription()
        .map_ok(|h| h.name)
        .try_collect()
        .await
        .unwrap();
    all.sort();
    assert_eq!(all, ["hub-a", "hub-b", "hub-c", "hub-d"]);

    let quotas = client.quota_metrics("rg-paged", "hub-a").await.unwrap();
    let names: Vec<(&str, u64, u64)> = quotas
        .iter()
        .map(|q| (q.name.as_str(), q.current_value, q.max_value))
        .collect();
    assert_eq!(
        names,
        [
            ("TotalMessages", 1, 10),
            ("TotalDeviceCount", 2, 20),
            ("Units", 3, 30)
        ]
    );
    assert!(recorded(&emu, "GET", "/quotaMetrics").len() >= 3);

    let health = client.endpoint_health("rg-paged", "hub-a").await.unwrap();
    let statuses: Vec<(&str, EndpointHealthStatus)> = health
        .iter()
        .map(|e| (e.endpoint_id.as_str(), e.health_status.clone()))
        .collect();
    assert_eq!(
        statuses,
        [
            ("events", EndpointHealthStatus::Healthy),
            ("archive", EndpointHealthStatus::Unhealthy),
            ("audit", EndpointHealthStatus::Dead)
        ]
    );
    assert!(recorded(&emu, "GET", "/routingEndpointsHealth").len() >= 3);
    emu.shutdown().await;
}

#[tokio::test]
async fn stream_is_lazy_and_stops_at_first_item_when_asked() {
    let emu = emulator_yaml(PAGED).await;
    let client = client(&emu);
    let mut stream = Box::pin(client.list_hubs_by_resource_group("rg-paged"));
    let first = stream.try_next().await.unwrap().unwrap();
    assert!(first.name.starts_with("hub-"));
    drop(stream);
    // Only the first page was fetched.
    let pages = recorded(
        &emu,
        "GET",
        "/resourceGroups/rg-paged/providers/Microsoft.Devices/IotHubs",
    );
    assert_eq!(pages.len(), 1, "{pages:?}");
    emu.shutdown().await;
}

#[tokio::test]
async fn list_stream_does_not_borrow_the_resource_group_argument() {
    let emu = emulator_yaml(PAGED).await;
    let client = client(&emu);
    let stream = client.list_hubs_by_resource_group(&String::from("rg-paged"));
    let hubs: Vec<_> = stream.try_collect().await.unwrap();
    assert_eq!(hubs.len(), 3);
    emu.shutdown().await;
}

/// The executor shares one client across tasks and spawns its futures.
#[test]
fn client_and_its_futures_are_send_and_sync() {
    fn send_sync_clone<T: Send + Sync + Clone + std::fmt::Debug>() {}
    fn send<T: Send>(_: &T) {}
    send_sync_clone::<iothub_arm::ArmClient>();
    send_sync_clone::<iothub_arm::FailoverOperation>();
    let client = iothub_arm::ArmClient::new(
        std::sync::Arc::new(iothub_arm::StaticTokenCredential::new("t")),
        SUB,
        iothub_arm::ClientOptions::default(),
    )
    .unwrap();
    send(&client.get_hub(RG, HUB));
    send(&client.get_stats(RG, HUB));
    send(&client.quota_metrics(RG, HUB));
    send(&client.endpoint_health(RG, HUB));
    send(&client.list_hubs_by_subscription());
    send(&client.begin_manual_failover(RG, HUB, "westus"));
    let op: iothub_arm::FailoverOperation = serde_json::from_str(
        r#"{"hub_id":"h","region":"westus","started_at":"2026-01-01T00:00:00Z","async_operation_url":null,"location_url":null,"completed_immediately":true}"#,
    )
    .unwrap();
    send(&client.wait_failover(&op, iothub_arm::PollOptions::default(), |_| {}));
}
