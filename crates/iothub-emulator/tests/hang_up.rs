//! A request that reached the emulator takes effect even if its client hangs up before the
//! answer, as with ARM: the failover starts, the request log records the status answered.
#![allow(clippy::unwrap_used)]

mod common;
use common::*;
use std::time::Duration;

fn posts(emu: &iothub_emulator::Emulator) -> Vec<iothub_emulator::RecordedRequest> {
    requests_matching(emu, "POST", "/failover")
}

#[tokio::test]
async fn a_failover_posted_by_a_client_that_hung_up_still_happens() {
    // 100 s of emulated processing = 100 ms here: the client is gone long before the answer.
    let emu = start_yaml(
        "hubs: [{ name: myIoTHub, failover: { duration: 2s } }]\n\
         faults: [{ method: POST, path: failover, delay: 100s }]\n",
    )
    .await;
    post_failover_and_hang_up(&emu).await;
    let hub_url = default_hub_url(&emu, "");
    until(Duration::from_secs(30), "the hub to fail over", || async {
        let hub = get(&hub_url).await.body;
        (hub["location"] == "westus" && hub["properties"]["state"] == "Active").then_some(())
    })
    .await;
    let posts = posts(&emu);
    assert_eq!(posts.len(), 1, "{posts:?}");
    assert_eq!(
        posts[0].status, 202,
        "the status it answered, though unread"
    );
}

#[tokio::test]
async fn a_client_that_hangs_up_during_a_refused_request_leaves_the_hub_alone() {
    // The effect is the request's real one, whatever it is: here a 503 with no failover.
    let emu = start_yaml(
        "hubs: [{ name: myIoTHub }]\n\
         faults: [{ method: POST, path: failover, delay: 100s, status: 503 }]\n",
    )
    .await;
    post_failover_and_hang_up(&emu).await;
    let posts = until(
        Duration::from_secs(30),
        "the POST to be answered",
        || async {
            let posts = posts(&emu);
            (!posts.is_empty()).then_some(posts)
        },
    )
    .await;
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].status, 503);
    let hub = get(&default_hub_url(&emu, "")).await.body;
    assert_eq!(hub["properties"]["state"], "Active");
    assert_eq!(hub["location"], "westus2");
}
