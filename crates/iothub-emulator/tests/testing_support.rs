//! The `testing` feature's helpers do what their docs say: `eventually` gives up with
//! `TimedOut` and hands back the value it waited for; the log helpers count by method and a
//! case-insensitive path substring.
#![allow(clippy::unwrap_used)]

mod common;
use common::*;
use iothub_emulator::testing::TimedOut;
use std::time::Duration;

#[tokio::test]
async fn eventually_returns_the_value_or_times_out() {
    let mut n = 0;
    let got = eventually(Duration::from_secs(10), || {
        n += 1;
        let v = n;
        async move { (v >= 3).then_some(v * 10) }
    })
    .await;
    assert_eq!(got, Ok(30));
    let never = eventually(Duration::from_millis(5), || async { false }).await;
    assert_eq!(never, Err(TimedOut(Duration::from_millis(5))));
}

#[tokio::test]
async fn log_helpers_count_by_method_and_path_substring() {
    let emu = start_yaml("hubs: [{ name: myIoTHub }]").await;
    assert_eq!(failover(&emu, "westus").await.status, 202);
    get(&default_hub_url(&emu, "")).await;
    get(&default_hub_url(&emu, "/IotHubStats")).await;
    assert_eq!(failover_posts(&emu), 1);
    assert_eq!(count_requests(&emu, "get", "iothubstats"), 1);
    assert_eq!(count_requests(&emu, "GET", "MyIoTHub"), 2);
    assert_eq!(count_requests(&emu, "POST", "IotHubStats"), 0);
    assert_eq!(requests_matching(&emu, "POST", "failover")[0].status, 202);
}
