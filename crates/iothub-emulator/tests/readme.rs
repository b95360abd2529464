//! The README's Rust example is this file's test below, verbatim (checked), run as a test. Its
//! YAML blocks (scenarios) are checked with every other README block by the workspace's
//! `tests/readme_examples.rs`.
#![allow(clippy::unwrap_used)]

const README: &str = include_str!("../README.md");
const THIS_FILE: &str = include_str!("readme.rs");

/// The fenced blocks of `lang` in the README, in order.
fn blocks(lang: &str) -> Vec<String> {
    let open = format!("```{lang}\n");
    let mut out = Vec::new();
    let mut rest = README;
    while let Some(start) = rest.find(&open) {
        let body = &rest[start + open.len()..];
        let end = body.find("```\n").unwrap();
        out.push(body[..end].to_owned());
        rest = &body[end..];
    }
    out
}

#[test]
fn the_rust_example_is_this_test() {
    let start = THIS_FILE.find("// README example start\n").unwrap();
    let end = THIS_FILE.find("// README example end\n").unwrap();
    let example = &THIS_FILE[start + "// README example start\n".len()..end];
    assert!(
        blocks("rust").iter().any(|b| b == example),
        "the README's Rust example differs from tests/readme.rs"
    );
}

// README example start
use iothub_emulator::testing::{eventually, failover_posts, start_yaml};
use std::time::Duration;

#[tokio::test]
async fn a_held_failover_is_released_then_completed() {
    let emu = start_yaml(
        "hubs: [{ name: myIoTHub, failover: { complete: manual } }]\n\
         faults: [{ method: POST, path: failover, hold: before }]\n",
        0.001,
    )
    .await
    .unwrap();
    // Any ARM client will do; here a bare POST of the failover.
    let url = format!(
        "{}/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/myResourceGroup\
         /providers/Microsoft.Devices/IotHubs/myIoTHub/failover?api-version=2023-06-30",
        emu.base_url()
    );
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let post = tokio::spawn(
        client
            .post(url)
            .bearer_auth("token")
            .json(&serde_json::json!({ "failoverRegion": "westus" }))
            .send(),
    );
    // The POST reached the emulator and waits there, before its effect: the moment to kill
    // the client, for instance. Nothing has changed yet.
    let held = emu.wait_for_hold(Duration::from_secs(30)).await.unwrap();
    assert_eq!(held.method, "POST");
    assert!(emu.release(held.id));
    assert_eq!(post.await.unwrap().unwrap().status(), 202);
    assert_eq!(failover_posts(&emu), 1);
    // The failover stays InProgress until the test ends it; then it succeeds.
    assert_eq!(emu.complete_failover("myIoTHub"), Ok("Succeeded"));
    eventually(Duration::from_secs(30), || async { emu.holds().is_empty() })
        .await
        .unwrap();
}
// README example end
