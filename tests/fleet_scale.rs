//! Fleets over several subscriptions, through the binary, against one emulator enforcing ARM's
//! per-subscription budgets: the scheduler spends every subscription's budget at once.

#![allow(clippy::unwrap_used)]

mod support;

use std::path::Path;

use iothub_emulator::{Emulator, RecordedRequest};
use serde_json::Value;
use support::*;

use support::fleets::{SUB_A, SUB_B, throttled_two_subscriptions, two_subscription_runbook};

fn run_fleet(emu: &Emulator, dir: &Path, runbook: &Path) -> std::process::Output {
    command(dir)
        .arg("exec")
        .arg(runbook)
        .args([
            "--arm-endpoint",
            emu.base_url(),
            "--auth",
            "emulator",
            "--time-scale",
            SCALE,
            "--yes",
            "--fleet-dir",
            "fleet",
        ])
        .output()
        .unwrap()
}

fn fleet_log(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("fleet").join("fleet.json")).unwrap())
        .unwrap()
}

/// The requests that drill one hub (not the listings that resolved the fleet).
fn hub_requests(reqs: &[RecordedRequest]) -> Vec<&RecordedRequest> {
    reqs.iter()
        .filter(|r| r.path.contains("/IotHubs/") || r.path.contains("/operationResults/"))
        .collect()
}

fn of(r: &RecordedRequest, sub: &str) -> bool {
    r.path.contains(&format!("/subscriptions/{sub}/"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_subscriptions_spend_their_budgets_at_once() {
    // 30 hubs in each subscription; every one reads more than its 250-read burst.
    let emu = emulator_yaml(&throttled_two_subscriptions(60)).await;
    let dir = tempfile::tempdir().unwrap();
    let runbook = two_subscription_runbook(dir.path(), 20);
    let out = run_fleet(&emu, dir.path(), &runbook);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let log = fleet_log(dir.path());
    assert_eq!(log["counts"]["succeeded"], 60, "{}", log["counts"]);
    assert_eq!(log["throttled_429s"], 0);

    let reqs = emu.requests();
    assert_eq!(reqs.iter().filter(|r| r.status == 429).count(), 0);
    let hub = hub_requests(&reqs);
    let a_reads = hub
        .iter()
        .filter(|r| of(r, SUB_A) && r.method == "GET")
        .count();
    assert!(
        a_reads > 250,
        "the budget never bound: {a_reads} reads in A"
    );
    // The selector lists A's hubs before B's; run in that order, B would wait for A's queue
    // (some 300 of A's reads). Interleaved, B starts with A.
    let first_b = hub.iter().position(|r| of(r, SUB_B)).unwrap();
    assert!(
        first_b < 40,
        "subscription B's first request came {first_b} requests into the drill"
    );
    // Over the first half of the drill both budgets are being spent.
    let half = &hub[..hub.len() / 2];
    let b_share = half.iter().filter(|r| of(r, SUB_B)).count() as f64 / half.len() as f64;
    assert!(
        (0.35..=0.65).contains(&b_share),
        "B had {:.0}% of the first half's requests",
        b_share * 100.0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn canaries_named_by_order_start_first_in_any_subscription() {
    let emu = emulator_yaml(&format!(
        "generate: {{ count: 8, subscriptions: [{SUB_A}, {SUB_B}], tags: {{ dr-drill: enabled }}, failover: {{ duration: 0s }} }}"
    ))
    .await;
    let dir = tempfile::tempdir().unwrap();
    // One at a time, so start order is request order.
    let runbook = two_subscription_runbook(dir.path(), 1);
    // hub-0008 sits in B, listed last: as the only canary it goes first anyway.
    let text = std::fs::read_to_string(&runbook)
        .unwrap()
        .replace("rollout: {", "rollout: { order: [\"hub-0008\"], ");
    std::fs::write(&runbook, text).unwrap();
    let out = run_fleet(&emu, dir.path(), &runbook);
    assert_eq!(out.status.code(), Some(0));
    let reqs = emu.requests();
    let hub = hub_requests(&reqs);
    let canary_ends = hub
        .iter()
        .rposition(|r| r.path.contains("/hub-0008"))
        .unwrap();
    assert!(
        hub[..=canary_ends]
            .iter()
            .all(|r| r.path.contains("/hub-0008") || r.path.contains("/operationResults/")),
        "another hub ran before the canary finished"
    );
    assert_eq!(posts(&reqs).len(), 8, "every hub once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bench_drill_reads_each_hub_at_most_eleven_times_and_says_what_it_reused() {
    // bench/fleet-drill.yaml's steps (validate, snapshot, failover, await, validate, snapshot,
    // compare) over a handful of hubs, as the bench runs them.
    let emu = emulator_yaml("generate: { count: 6, failover: { duration: 0s } }").await;
    let dir = tempfile::tempdir().unwrap();
    let out = command(dir.path())
        .arg("exec")
        .arg(repo("bench/fleet-drill.yaml"))
        .args([
            "--arm-endpoint",
            emu.base_url(),
            "--auth",
            "emulator",
            "--time-scale",
            SCALE,
            "--yes",
            "--fleet-dir",
            "fleet",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let reqs = emu.requests();
    for i in 1..=6 {
        let hub = format!("/IotHubs/hub-000{i}");
        let mine: Vec<&RecordedRequest> = reqs
            .iter()
            .filter(|r| r.path.contains(&format!("{hub}/")) || r.path.ends_with(&hub))
            .collect();
        // The operation polls name the operation, not the hub: count them out of the DR log.
        let log: Value = serde_json::from_str(
            &std::fs::read_to_string(dir.path().join(format!("fleet/hub-000{i}.json"))).unwrap(),
        )
        .unwrap();
        let details = step(&log, "monitor_failover")["details"].as_str().unwrap();
        let polls: u64 = details
            .strip_prefix("failover completed after ")
            .and_then(|d| d.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{details}"));
        // The preflight's Activity Log read names the hub in its filter, not its path.
        let activity = reqs
            .iter()
            .filter(|r| r.path.ends_with("/eventtypes/management/values"))
            .filter(|r| r.query.contains(&format!("hub-000{i}%27")))
            .count() as u64;
        assert_eq!(activity, 1, "{hub}: one Activity Log page");
        // 9 for the drill, 2 for its preflight (Activity Log, permissions; the locks come
        // from one subscription-wide list for the whole fleet).
        let reads = mine.iter().filter(|r| r.method == "GET").count() as u64 + polls + activity;
        assert!(reads <= 11, "{hub}: {reads} reads");
        // The safety reads stay: a GET of the hub right before the POST, and one after.
        let post = mine.iter().position(|r| r.method == "POST").unwrap();
        assert!(mine[post - 1].method == "GET" && mine[post - 1].path.ends_with(&hub));
        assert!(mine[post + 1..].iter().any(|r| r.path.ends_with(&hub)));
        // The DR log names what was reused, and never across the failover.
        let reused = |id: &str| step(&log, id)["reused_reading"]["from"].clone();
        assert_eq!(reused("pre_failover_validation"), "targets");
        // Reusing a reused reading names where it was read: still the listing.
        assert_eq!(reused("pre"), "targets");
        assert_eq!(reused("post_failover_validation"), "monitor_failover");
        assert_eq!(reused("post"), "monitor_failover");
        assert!(step(&log, "initiate_failover")["reused_reading"].is_null());
        assert_log_matches_schema(&log);
    }
}
