//! The client-side ARM budget against the emulator's own: many concurrent GETs on one
//! subscription with ARM's default buckets on both sides get no 429, and take as long (in
//! emulated time) at least as long as the budget's bound (no upper bound: a busy machine may
//! take longer for reasons of its own).
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use iothub_arm::{ArmBudget, ArmClient, ClientOptions, StaticTokenCredential};
use iothub_emulator::{Scenario, testing};

/// Slow enough that the refill, not the machine, sets the pace (250 reads a real second).
const SCALE: f64 = 0.1;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_gets_within_the_budget_get_no_429() {
    let scenario =
        Scenario::from_yaml("generate: { count: 50 }\nthrottling: {}", "throttled.yaml").unwrap();
    let emu = testing::start(scenario, SCALE).await.unwrap();
    let endpoint = url::Url::parse(emu.base_url()).unwrap();
    let options = ClientOptions::for_emulator(endpoint, SCALE);
    let budget: Arc<ArmBudget> = options.budget.clone().unwrap();
    // Several clients, one budget: as a fleet's hubs share their subscription's.
    let clients: Vec<ArmClient> = (0..4)
        .map(|_| {
            ArmClient::new(
                Arc::new(StaticTokenCredential::new("t")),
                common::SUB,
                options.clone(),
            )
            .unwrap()
        })
        .collect();
    const GETS: usize = 400;
    // 40 workers in parallel, each reading hubs one after another, as a fleet's hubs do.
    const WORKERS: usize = 40;
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for w in 0..WORKERS {
        let client = clients[w % clients.len()].clone();
        tasks.spawn(async move {
            for i in 0..GETS / WORKERS {
                let hub = format!("hub-{:04}", (w * 7 + i) % 50 + 1);
                client.get_hub(common::RG, &hub).await?;
            }
            Ok::<(), iothub_arm::ArmError>(())
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap().unwrap();
    }
    let elapsed = started.elapsed();
    let throttled = emu.requests().iter().filter(|r| r.status == 429).count();
    assert_eq!(throttled, 0, "the emulator answered 429");
    assert_eq!(budget.throttled(), 0);
    // Whether anyone had to wait depends on the machine: a slow one spaces the reads out by
    // itself and the bucket refills in time. What the budget guarantees is the spacing below
    // and that the server never had to refuse (no 429 above).
    // The bound: the client keeps 225 of the 250 burst, the rest come at 25 per emulated
    // second: (400 - 225) / 25 = 7 emulated s = 700 ms at 0.1.
    let bound = Duration::from_secs_f64((GETS as f64 - 225.0) / 25.0 * SCALE);
    assert!(
        elapsed >= bound.mul_f64(0.95),
        "{elapsed:?} < bound {bound:?}"
    );
}

#[tokio::test]
async fn a_429_that_comes_anyway_is_honoured_and_counted() {
    // The server's budget is smaller than the client's: the client waits as told and retries.
    let scenario = Scenario::from_yaml(
        "generate: { count: 1 }\nthrottling: { reads: { burst: 2, per_second: 0.5 }, writes: null }",
        "small.yaml",
    )
    .unwrap();
    let emu = testing::start(scenario, SCALE).await.unwrap();
    let options = ClientOptions::for_emulator(url::Url::parse(emu.base_url()).unwrap(), SCALE);
    let budget = options.budget.clone().unwrap();
    let client = ArmClient::new(
        Arc::new(StaticTokenCredential::new("t")),
        common::SUB,
        options,
    )
    .unwrap();
    for _ in 0..4 {
        client.get_hub(common::RG, "hub-0001").await.unwrap();
    }
    let throttled = emu.requests().iter().filter(|r| r.status == 429).count() as u64;
    assert!(throttled >= 1);
    assert_eq!(budget.throttled(), throttled);
}
