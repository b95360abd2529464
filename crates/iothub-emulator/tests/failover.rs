//! The failover state machine: 202 + URLs, FailingOver, then Active with swapped locations;
//! failed and stuck outcomes; after-effects; 409 while running; 400 for a wrong region;
//! cooldown; concurrent failovers on different hubs.
#![allow(clippy::unwrap_used)]

mod common;
use common::*;
use iothub_emulator::{Emulator, EmulatorConfig, Scenario};
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn succeeded_failover_swaps_regions_and_applies_after_effects() {
    let emu = start_yaml(
        r#"
hubs:
  - name: myIoTHub
    failover:
      duration: 2s
      after: { devices: { enabled: 1100 }, endpoints: { telemetry-archive: unhealthy } }
"#,
    )
    .await;
    let before = get(&default_hub_url(&emu, "")).await.body;
    assert_eq!(before["location"], "westus2");
    assert_eq!(before["properties"]["state"], "Active");

    let accepted = failover(&emu, "West US").await; // display names match ARM region names
    assert_eq!(accepted.status, 202);
    assert_eq!(accepted.header("retry-after").as_deref(), Some("1"));
    assert_eq!(
        accepted.header("retry-after-ms").as_deref(),
        Some("1"),
        "1 s scaled by 0.001"
    );
    let async_url = accepted.header("azure-asyncoperation").unwrap();
    let location_url = accepted.header("location").unwrap();
    assert!(async_url.starts_with(emu.base_url()) && location_url.starts_with(emu.base_url()));

    let status = wait_operation(&async_url).await;
    assert_eq!(status["status"], "Succeeded");
    assert!(status.get("error").is_none());
    assert!(status["endTime"].is_string());

    let after = get(&default_hub_url(&emu, "")).await.body;
    assert_eq!(after["location"], "westus");
    assert_eq!(after["properties"]["state"], "Active");
    assert_eq!(
        after["properties"]["locations"],
        json!([{ "location": "westus", "role": "primary" }, { "location": "westus2", "role": "secondary" }])
    );
    assert_ne!(after["etag"], before["etag"], "etag changes with the hub");
    let stats = get(&default_hub_url(&emu, "/IotHubStats")).await.body;
    assert_eq!(
        stats,
        json!({ "totalDeviceCount": 1120, "enabledDeviceCount": 1100, "disabledDeviceCount": 20 })
    );
    let health = get(&default_hub_url(&emu, "/routingEndpointsHealth"))
        .await
        .body;
    assert_eq!(health["value"][1]["endpointId"], "telemetry-archive");
    assert_eq!(health["value"][1]["healthStatus"], "unhealthy");
    assert_eq!(health["value"][0]["healthStatus"], "healthy");

    // The Location URL answers 200, no body, once done.
    let done = get(&location_url).await;
    assert_eq!(done.status, 200);
    assert!(done.body.is_null());

    // Failback to the original region works too.
    let back = failover(&emu, "westus2").await;
    assert_eq!(back.status, 202);
    assert_eq!(
        wait_operation(&back.header("azure-asyncoperation").unwrap()).await["status"],
        "Succeeded"
    );
    assert_eq!(
        get(&default_hub_url(&emu, "")).await.body["location"],
        "westus2"
    );
}

#[tokio::test]
async fn running_failover_reads_failing_over_and_conflicts() {
    let emu = start_yaml("hubs:\n  - name: myIoTHub\n    failover: { stuck: true }\n").await;
    let accepted = failover(&emu, "westus").await;
    assert_eq!(accepted.status, 202);
    let hub = get(&default_hub_url(&emu, "")).await.body;
    assert_eq!(hub["properties"]["state"], "FailingOver");
    assert_eq!(
        hub["location"], "westus2",
        "still in the old region while running"
    );

    let poll = get(&accepted.header("azure-asyncoperation").unwrap()).await;
    assert_eq!(poll.status, 200);
    assert_eq!(poll.body["status"], "InProgress");
    assert!(poll.header("retry-after").is_some());
    let location = get(&accepted.header("location").unwrap()).await;
    assert_eq!(location.status, 202);
    assert!(location.header("location").is_some());

    let second = failover(&emu, "westus").await;
    assert_eq!(second.status, 409);
    assert_eq!(second.body["code"], "FailoverInProgress");
    assert_eq!(second.body["httpStatusCode"], "Conflict");
    // Whatever region a second request names, a running failover is the conflict to report.
    let back = failover(&emu, "westus2").await;
    assert_eq!(back.status, 409);
    assert_eq!(back.body["code"], "FailoverInProgress");
}

#[tokio::test]
async fn failed_failover_reports_the_error_and_stays_put() {
    let emu = start_yaml(
        r#"
hubs:
  - name: myIoTHub
    failover:
      duration: 1s
      outcome: failed
      error: { code: RegionUnavailable, message: "westus is not accepting failovers", status: 503 }
"#,
    )
    .await;
    let accepted = failover(&emu, "westus").await;
    assert_eq!(accepted.status, 202);
    let status = wait_operation(&accepted.header("azure-asyncoperation").unwrap()).await;
    assert_eq!(status["status"], "Failed");
    assert_eq!(
        status["error"],
        json!({ "code": "RegionUnavailable", "message": "westus is not accepting failovers" })
    );
    let hub = get(&default_hub_url(&emu, "")).await.body;
    assert_eq!(hub["location"], "westus2");
    assert_eq!(hub["properties"]["state"], "Active");
    let location = get(&accepted.header("location").unwrap()).await;
    assert_eq!(location.status, 503);
    assert_eq!(location.body["code"], "RegionUnavailable");
}

#[tokio::test]
async fn wrong_region_inactive_hub_and_bad_bodies_are_refused() {
    let emu =
        start_yaml("hubs:\n  - name: myIoTHub\n  - name: frozen\n    state: Suspended\n").await;
    let wrong = failover(&emu, "eastus").await;
    assert_eq!(wrong.status, 400);
    assert_eq!(wrong.body["code"], "InvalidFailoverRegion");
    let url = default_hub_url(&emu, "/failover");
    let missing = post(&url, &json!({ "region": "westus" })).await;
    assert_eq!(missing.status, 400);
    assert_eq!(missing.body["code"], "InvalidRequestContent");
    let malformed = client()
        .post(&url)
        .bearer_auth("t")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), 400);
    let frozen = format!(
        "{}{}/failover?{API}",
        emu.base_url(),
        hub_path(SUB, RG, "frozen")
    );
    let refused = post(&frozen, &json!({ "failoverRegion": "westus" })).await;
    assert_eq!(refused.status, 409);
    assert_eq!(refused.body["code"], "IotHubNotActive");
    // None of these started anything.
    assert_eq!(
        get(&default_hub_url(&emu, "")).await.body["properties"]["state"],
        "Active"
    );
}

#[tokio::test]
async fn cooldown_refuses_back_to_back_failovers() {
    let config = EmulatorConfig {
        time_scale: 0.001,
        // 10 h emulated = 36 s real at this scale: far longer than the test, never waited out.
        failover_cooldown: Duration::from_secs(36_000),
        ..EmulatorConfig::default()
    };
    let emu = Emulator::start(Scenario::default_scenario(), config)
        .await
        .unwrap();
    let first = failover(&emu, "westus").await;
    assert_eq!(first.status, 202);
    wait_operation(&first.header("azure-asyncoperation").unwrap()).await;
    let again = failover(&emu, "westus2").await;
    assert_eq!(again.status, 400);
    assert_eq!(again.body["code"], "FailoverNotAllowed");
    assert_eq!(
        get(&default_hub_url(&emu, "")).await.body["location"],
        "westus"
    );

    // With a short cooldown, the failback is allowed once it has passed.
    let config = EmulatorConfig {
        time_scale: 0.001,
        failover_cooldown: Duration::from_secs(20),
        ..EmulatorConfig::default()
    };
    let emu = Emulator::start(Scenario::default_scenario(), config)
        .await
        .unwrap();
    let first = failover(&emu, "westus").await;
    wait_operation(&first.header("azure-asyncoperation").unwrap()).await;
    let back = until(Duration::from_secs(5), "cooldown to pass", || async {
        let a = failover(&emu, "westus2").await;
        (a.status != 400).then_some(a)
    })
    .await;
    assert_eq!(back.status, 202);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_failovers_on_different_hubs() {
    let mut yaml = String::from("hubs:\n");
    for i in 0..20 {
        yaml.push_str(&format!(
            "  - {{ name: hub-{i:02}, failover: {{ duration: 3s }} }}\n"
        ));
    }
    let emu = start_yaml(&yaml).await;
    let base = emu.base_url().to_owned();
    let starts = (0..20).map(|i| {
        let url = format!(
            "{base}{}/failover?{API}",
            hub_path(SUB, RG, &format!("hub-{i:02}"))
        );
        async move { post(&url, &json!({ "failoverRegion": "westus" })).await }
    });
    let accepted = futures::future::join_all(starts).await;
    assert!(
        accepted.iter().all(|a| a.status == 202),
        "every hub accepts its own failover"
    );
    let urls: Vec<String> = accepted
        .iter()
        .map(|a| a.header("azure-asyncoperation").unwrap())
        .collect();
    let mut unique = urls.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 20, "one operation per hub");
    let finals = futures::future::join_all(urls.iter().map(|u| wait_operation(u))).await;
    assert!(finals.iter().all(|s| s["status"] == "Succeeded"));
    for i in 0..20 {
        let hub = get(&format!(
            "{base}{}?{API}",
            hub_path(SUB, RG, &format!("hub-{i:02}"))
        ))
        .await
        .body;
        assert_eq!(hub["location"], "westus");
    }
    let posts = emu.requests().iter().filter(|r| r.method == "POST").count();
    assert_eq!(posts, 20);
}

#[tokio::test]
async fn operation_urls_of_other_subscriptions_are_not_found() {
    let emu = start(Scenario::default_scenario()).await;
    let accepted = failover(&emu, "westus").await;
    let url = accepted
        .header("azure-asyncoperation")
        .unwrap()
        .replace(SUB, "11111111-1111-1111-1111-111111111111");
    assert_eq!(get(&url).await.status, 404);
    let bogus = format!(
        "{}/subscriptions/{SUB}/providers/Microsoft.Devices/operationResults/nonsense?{API}&asyncinfo",
        emu.base_url()
    );
    assert_eq!(get(&bogus).await.status, 404);
}
