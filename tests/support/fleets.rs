//! Fleets over two subscriptions, for the tests of scheduling and shards: the fleet fixture
//! rewritten to select the tagged hubs of both.

use std::path::{Path, PathBuf};

pub const SUB_A: &str = "11111111-1111-1111-1111-111111111111";
pub const SUB_B: &str = "22222222-2222-2222-2222-222222222222";

/// `tests/fixtures/fleet/drill.yaml` over both subscriptions, `concurrency` hubs at once,
/// written into `dir`.
pub fn two_subscription_runbook(dir: &Path, concurrency: usize) -> PathBuf {
    let path = dir.join("fleet.yaml");
    let drill = std::fs::read_to_string(super::repo("tests/fixtures/fleet/drill.yaml"))
        .unwrap()
        .replace(
            "  subscription: \"{{params.subscription}}\"\n",
            &format!("  subscriptions: [\"{SUB_A}\", \"{SUB_B}\"]\n"),
        )
        .replace(
            "max_concurrency: 5",
            &format!("max_concurrency: {concurrency}"),
        );
    assert!(drill.contains(SUB_B), "the fixture changed shape");
    std::fs::write(&path, drill).unwrap();
    path
}

/// A scenario of `count` tagged hubs dealt over both subscriptions, failovers that complete at
/// once, behind ARM's per-subscription budgets.
pub fn throttled_two_subscriptions(count: usize) -> String {
    format!(
        "generate: {{ count: {count}, subscriptions: [{SUB_A}, {SUB_B}], tags: {{ dr-drill: enabled }}, failover: {{ duration: 0s }} }}\nthrottling: {{}}"
    )
}
