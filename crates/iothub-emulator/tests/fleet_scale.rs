//! Fleet scale: `generate:` makes many hubs from one template with a fault mix, and
//! `throttling:` enforces ARM's per-subscription read/write budgets with 429 + Retry-After.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use iothub_emulator::{Emulator, Scenario};
use serde_json::json;

const GENERATED: &str = r#"
generate:
  count: 12
  prefix: fleet-
  subscriptions: [sub-a, sub-b]
  resource_groups: [iot-east, iot-west]
  location: northeurope
  secondary: westeurope
  tags: { dr-drill: enabled }
  failing_every: 5
  failing: [fleet-0003]
  untagged_every: 4
  failover: { duration: 1s }
"#;

#[tokio::test]
async fn generate_makes_named_hubs_spread_over_subscriptions_and_groups() {
    let scenario = Scenario::from_yaml(GENERATED, "gen.yaml").unwrap();
    assert_eq!(scenario.hubs.len(), 12);
    assert!(scenario.generate.is_none(), "expanded on load");
    let first = &scenario.hubs[0];
    assert_eq!(first.name, "fleet-0001");
    assert_eq!(
        (first.subscription.as_str(), first.resource_group.as_str()),
        ("sub-a", "iot-east")
    );
    assert_eq!(scenario.hubs[1].subscription, "sub-b");
    assert_eq!(first.location, "northeurope");
    assert_eq!(first.secondary, "westeurope");
    assert_eq!(
        first.tags.get("dr-drill").map(String::as_str),
        Some("enabled")
    );
    assert!(scenario.hubs[3].tags.is_empty(), "every 4th is untagged");
    let failing: Vec<&str> = scenario
        .hubs
        .iter()
        .filter(|h| h.failover.outcome == iothub_emulator::Outcome::Failed)
        .map(|h| h.name.as_str())
        .collect();
    assert_eq!(failing, ["fleet-0003", "fleet-0005", "fleet-0010"]);

    let emu = start(scenario).await;
    let list = get(&format!(
        "{}/subscriptions/sub-a/providers/Microsoft.Devices/IotHubs?{API}",
        emu.base_url()
    ))
    .await;
    assert_eq!(list.status, 200);
    assert_eq!(list.body["value"].as_array().unwrap().len(), 6);
}

#[tokio::test]
async fn generated_failing_hub_fails_its_failover() {
    let emu = start_yaml(GENERATED).await;
    let url = format!(
        "{}{}/failover?{API}",
        emu.base_url(),
        hub_path("sub-a", "iot-east", "fleet-0005")
    );
    let started = post(&url, &json!({ "failoverRegion": "westeurope" })).await;
    assert_eq!(started.status, 202);
    let op = wait_operation(&started.header("azure-asyncoperation").unwrap()).await;
    assert_eq!(op["status"], "Failed");
}

#[test]
fn generate_mistakes_are_located() {
    for (yaml, needle) in [
        ("generate: { count: 0 }", "generate.count"),
        (
            "generate: { count: 3, failing: [nope] }",
            "generate.failing",
        ),
        (
            "generate: { count: 3, failing_every: 0 }",
            "generate.failing_every",
        ),
        ("generate: { count: 3, prefix: '-' }", "name"),
        (
            "throttling: { reads: { burst: 0, per_second: 1 } }",
            "throttling.reads",
        ),
        ("generate: { count: 3, colour: red }", "gen.yaml:1:"),
    ] {
        let err = Scenario::from_yaml(yaml, "gen.yaml")
            .unwrap_err()
            .to_string();
        assert!(err.contains(needle), "{yaml}: {err}");
    }
    // A generated name that collides with a listed hub is a duplicate.
    let yaml = "hubs: [{ name: hub-0001 }]\ngenerate: { count: 2 }";
    let err = Scenario::from_yaml(yaml, "gen.yaml")
        .unwrap_err()
        .to_string();
    assert!(err.contains("duplicate"), "{err}");
}

async fn throttled(reads_burst: u32, per_second: f64, time_scale: f64) -> Emulator {
    let yaml = format!(
        "generate: {{ count: 2 }}\nthrottling: {{ reads: {{ burst: {reads_burst}, per_second: {per_second} }}, writes: null }}"
    );
    iothub_emulator::testing::start_yaml(&yaml, time_scale)
        .await
        .unwrap()
}

#[tokio::test]
async fn reads_beyond_the_burst_get_429_with_retry_after_and_remaining_headers() {
    // One token an emulated minute: nothing refills during the test.
    let emu = throttled(3, 1.0 / 60.0, 1.0).await;
    let url = format!("{}{}?{API}", emu.base_url(), hub_path(SUB, RG, "hub-0001"));
    let mut remaining = Vec::new();
    for _ in 0..3 {
        let a = get(&url).await;
        assert_eq!(a.status, 200);
        remaining.push(
            a.header("x-ms-ratelimit-remaining-subscription-reads")
                .unwrap(),
        );
    }
    assert_eq!(remaining, ["2", "1", "0"]);
    let refused = get(&url).await;
    assert_eq!(refused.status, 429);
    assert_eq!(refused.body["error"]["code"], "TooManyRequests");
    let wait: u64 = refused.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "Retry-After {wait}");
    // Writes are not limited here, and another subscription has its own budget.
    let other = format!(
        "{}/subscriptions/other-sub/providers/Microsoft.Devices/IotHubs?{API}",
        emu.base_url()
    );
    assert_ne!(get(&other).await.status, 429);
    let logged = emu.requests();
    assert_eq!(logged.iter().filter(|r| r.status == 429).count(), 1);
}

#[tokio::test]
async fn the_bucket_refills_in_emulated_time() {
    // One token every 10 emulated minutes, the bucket holds one: at 0.001 a token comes back
    // every 600 ms of real time (in real time it would take 10 minutes). GETs until one finds
    // the bucket empty, so a slow machine only takes more of them, never fails the test.
    let emu = throttled(1, 1.0 / 600.0, 0.001).await;
    let url = format!("{}{}?{API}", emu.base_url(), hub_path(SUB, RG, "hub-0001"));
    let empty = until(
        std::time::Duration::from_secs(30),
        "a GET that finds the bucket empty",
        || async {
            let a = get(&url).await;
            (a.status == 429).then_some(a)
        },
    )
    .await;
    let ms: f64 = empty.header("retry-after-ms").unwrap().parse().unwrap();
    assert!(ms > 0.0 && ms <= 600.5, "scaled wait {ms} ms");
    let secs: u64 = empty.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=600).contains(&secs), "Retry-After {secs} (emulated s)");
    until(
        std::time::Duration::from_secs(30),
        "a refilled token",
        || async { (get(&url).await.status == 200).then_some(()) },
    )
    .await;
}
