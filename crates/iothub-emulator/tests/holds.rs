//! `hold` fault rules: a request waits at the emulator, before or after its effect, until the
//! test releases it through the control API or the `Emulator` handle.
#![allow(clippy::unwrap_used)]

mod common;
use common::*;
use iothub_emulator::{Emulator, HoldStage};
use serde_json::{Value, json};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);

async fn control_get(emu: &Emulator, path: &str) -> Value {
    let resp = client()
        .get(format!("{}/_emulator/{path}", emu.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    resp.json().await.unwrap()
}

async fn control_post(emu: &Emulator, path: &str) -> (u16, Value) {
    let resp = client()
        .post(format!("{}/_emulator/{path}", emu.base_url()))
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let bytes = resp.bytes().await.unwrap();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (status, body)
}

async fn hub_state(emu: &Emulator) -> String {
    get(&default_hub_url(emu, "")).await.body["properties"]["state"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn spawn_failover(emu: &Emulator) -> tokio::task::JoinHandle<Answer> {
    let url = default_hub_url(emu, "/failover");
    tokio::spawn(async move { post(&url, &json!({ "failoverRegion": "westus" })).await })
}

#[tokio::test]
async fn hold_before_keeps_the_failover_from_starting_until_released_over_http() {
    // `complete: manual`: once released, the failover stays under way until told, however
    // long the next read takes on a loaded machine.
    let emu = start_yaml(
        "hubs: [{ name: myIoTHub, failover: { complete: manual } }]\n\
         faults: [{ method: POST, path: failover, hold: before }]\n",
    )
    .await;
    let answer = spawn_failover(&emu);
    let held = emu.wait_for_hold(WAIT).await.expect("the POST is held");
    assert_eq!(held.method, "POST");
    assert!(held.path.ends_with("/failover"), "{}", held.path);
    assert_eq!(held.stage, HoldStage::Before);
    // Held before its effect: nothing has happened, and the control API lists it.
    assert_eq!(hub_state(&emu).await, "Active");
    let listed = control_get(&emu, "holds").await;
    assert_eq!(
        listed,
        json!([{ "id": held.id, "method": "POST", "path": held.path, "stage": "before" }])
    );
    assert!(!answer.is_finished());
    let (status, _) = control_post(&emu, &format!("holds/{}/release", held.id)).await;
    assert_eq!(status, 204);
    assert_eq!(answer.await.unwrap().status, 202);
    assert_eq!(hub_state(&emu).await, "FailingOver");
    assert!(emu.holds().is_empty());
    // Released once: a second release of the same id finds nothing.
    let (status, body) = control_post(&emu, &format!("holds/{}/release", held.id)).await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["code"], "HoldNotFound");
}

#[tokio::test]
async fn hold_after_lets_the_failover_start_and_keeps_its_answer() {
    let emu = start_yaml(
        "hubs: [{ name: myIoTHub, failover: { complete: manual } }]\n\
         faults: [{ method: POST, path: failover, hold: after }]\n",
    )
    .await;
    let answer = spawn_failover(&emu);
    let held = emu.wait_for_hold(WAIT).await.expect("the POST is held");
    assert_eq!(held.stage, HoldStage::After);
    // The effect happened; the answer waits.
    assert_eq!(hub_state(&emu).await, "FailingOver");
    assert!(!answer.is_finished());
    assert!(emu.release(held.id));
    assert!(!emu.release(held.id));
    let answer = answer.await.unwrap();
    assert_eq!(answer.status, 202);
    assert!(answer.header("azure-asyncoperation").is_some());
    let posts: Vec<u16> = requests_matching(&emu, "POST", "/failover")
        .iter()
        .map(|r| r.status)
        .collect();
    assert_eq!(posts, vec![202]);
}

#[tokio::test]
async fn a_hold_with_times_holds_only_the_first_matches_and_release_all_frees_them() {
    let emu = start_yaml(
        "hubs: [{ name: myIoTHub }]\nfaults: [{ method: GET, path: IotHubStats, hold: before, times: 2 }]\n",
    )
    .await;
    let url = default_hub_url(&emu, "/IotHubStats");
    let first = tokio::spawn({
        let url = url.clone();
        async move { get(&url).await.status }
    });
    let second = tokio::spawn({
        let url = url.clone();
        async move { get(&url).await.status }
    });
    until(WAIT, "two held GETs", || async {
        (emu.holds().len() == 2).then_some(())
    })
    .await;
    // The third match is past the rule's budget: answered at once.
    assert_eq!(get(&url).await.status, 200);
    let ids: Vec<u64> = emu.holds().iter().map(|h| h.id).collect();
    assert_eq!(ids.len(), 2);
    assert_ne!(ids[0], ids[1]);
    let (status, body) = control_post(&emu, "holds/release-all").await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({ "released": 2 }));
    assert_eq!(first.await.unwrap(), 200);
    assert_eq!(second.await.unwrap(), 200);
    assert_eq!(emu.release_all(), 0);
    assert_eq!(control_get(&emu, "holds").await, json!([]));
}

#[tokio::test]
async fn wait_for_hold_says_none_when_nothing_is_held() {
    let emu = start_yaml(
        "hubs: [{ name: myIoTHub }]\nfaults: [{ method: POST, path: failover, hold: before }]\n",
    )
    .await;
    assert_eq!(emu.wait_for_hold(Duration::from_millis(20)).await, None);
    let (status, _) = control_post(&emu, "holds/7/release").await;
    assert_eq!(status, 404);
    let (status, _) = control_post(&emu, "holds/not-a-number/release").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_held_failover_whose_client_hung_up_takes_effect_when_released() {
    let emu = start_yaml(
        "hubs: [{ name: myIoTHub, failover: { complete: manual } }]\n\
         faults: [{ method: POST, path: failover, hold: before }]\n",
    )
    .await;
    post_failover_and_hang_up(&emu).await;
    let held = emu.wait_for_hold(WAIT).await.expect("the POST is held");
    // The client is gone (its socket closed); the request still waits here, untouched.
    assert_eq!(hub_state(&emu).await, "Active");
    assert!(emu.release(held.id));
    let state = until(WAIT, "the failover to start", || async {
        let s = hub_state(&emu).await;
        (s != "Active").then_some(s)
    })
    .await;
    assert_eq!(state, "FailingOver");
    eventually(WAIT, || async { failover_posts(&emu) == 1 })
        .await
        .expect("the POST is logged");
    let posts = requests_matching(&emu, "POST", "/failover");
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].status, 202);
}
