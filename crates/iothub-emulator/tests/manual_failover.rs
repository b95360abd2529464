//! `failover: { complete: manual }`: the operation stays InProgress and the hub FailingOver
//! until the test completes it (control API or `Emulator::complete_failover`), then it ends as
//! its `outcome` says.
#![allow(clippy::unwrap_used)]

mod common;
use common::*;
use iothub_emulator::{ControlError, Emulator};
use serde_json::{Value, json};

async fn complete(emu: &Emulator, hub: &str) -> (u16, Value) {
    let resp = client()
        .post(format!(
            "{}/_emulator/hubs/{hub}/complete-failover",
            emu.base_url()
        ))
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

#[tokio::test]
async fn a_manual_failover_waits_for_the_word_then_succeeds() {
    // duration 0s: an automatic failover would be over by the first poll.
    let emu =
        start_yaml("hubs: [{ name: myIoTHub, failover: { complete: manual, duration: 0s } }]\n")
            .await;
    let accepted = failover(&emu, "westus").await;
    assert_eq!(accepted.status, 202);
    let async_url = accepted.header("azure-asyncoperation").unwrap();
    for _ in 0..3 {
        assert_eq!(get(&async_url).await.body["status"], "InProgress");
        let hub = get(&default_hub_url(&emu, "")).await.body;
        assert_eq!(hub["properties"]["state"], "FailingOver");
        assert_eq!(hub["location"], "westus2");
    }
    let (status, body) = complete(&emu, "myiothub").await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({ "hub": "myiothub", "status": "Succeeded" }));
    let op = get(&async_url).await.body;
    assert_eq!(op["status"], "Succeeded");
    assert!(op["endTime"].is_string());
    let hub = get(&default_hub_url(&emu, "")).await.body;
    assert_eq!(hub["properties"]["state"], "Active");
    assert_eq!(hub["location"], "westus");
    // Nothing left to complete.
    let (status, body) = complete(&emu, HUB).await;
    assert_eq!(status, 409);
    assert_eq!(body["error"]["code"], "NoFailoverInProgress");
}

#[tokio::test]
async fn a_manual_failover_with_outcome_failed_fails_when_completed_from_the_library() {
    let emu = start_yaml(
        "hubs: [{ name: myIoTHub, failover: { complete: manual, outcome: failed, after: { devices: { enabled: 7 } } } }]\n",
    )
    .await;
    assert_eq!(
        emu.complete_failover(HUB),
        Err(ControlError::NoFailoverInProgress(HUB.to_owned()))
    );
    let accepted = failover(&emu, "westus").await;
    let async_url = accepted.header("azure-asyncoperation").unwrap();
    assert_eq!(get(&async_url).await.body["status"], "InProgress");
    assert_eq!(emu.complete_failover(HUB), Ok("Failed"));
    let op = get(&async_url).await.body;
    assert_eq!(op["status"], "Failed");
    assert_eq!(op["error"]["code"], "FailoverFailed");
    let hub = get(&default_hub_url(&emu, "")).await.body;
    assert_eq!(hub["location"], "westus2");
    let stats = get(&default_hub_url(&emu, "/IotHubStats")).await.body;
    assert_eq!(
        stats["enabledDeviceCount"], 7,
        "after-effects applied on completion"
    );
}

#[tokio::test]
async fn completing_an_unknown_or_ambiguous_hub_is_refused() {
    let emu = start_yaml(
        "hubs:\n  - { name: twin, resource_group: rg-a }\n  - { name: twin, resource_group: rg-b }\n",
    )
    .await;
    let (status, body) = complete(&emu, "nobody").await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["code"], "HubNotFound");
    let (status, body) = complete(&emu, "twin").await;
    assert_eq!(status, 409);
    assert_eq!(body["error"]["code"], "AmbiguousHubName");
    assert_eq!(
        emu.complete_failover("twin"),
        Err(ControlError::AmbiguousHub {
            name: "twin".to_owned(),
            count: 2
        })
    );
}
