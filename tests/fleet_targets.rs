//! A fleet drills a hub once (issue 18 item 3), through the real binary. ARM compares
//! subscription ids, resource group and hub names without regard to case, so two `targets:`
//! entries that differ only in case name one hub: a subscription written twice in
//! `subscriptions:`, or a `hubs:` entry repeated in another spelling. Each runs two ways:
//! against an emulator this test owns (`--arm-endpoint`), whose request log counts the
//! failover POSTs, and with `--emulator` in-process, whose hubs' journals say how many
//! failovers each hub saw. Either way: one record and one failover per hub, and a note naming
//! the dropped entry.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;

use iothub_emulator::Emulator;
use serde_json::Value;
use support::*;

const SUB: &str = "abcdef00-0000-0000-0000-000000000000";
const SUB_UPPER: &str = "ABCDEF00-0000-0000-0000-000000000000";

/// Two hubs of one subscription, each failing over in 2 emulated seconds.
fn scenario() -> String {
    let hub = |name: &str| {
        format!(
            "  - {{ name: {name}, resource_group: rg-a, subscription: {SUB}, location: westus2, secondary: westus, failover: {{ duration: 2s }} }}\n"
        )
    };
    format!("hubs:\n{}{}", hub("hub-a"), hub("hub-b"))
}

const STEPS: &str = "steps:
  - id: precheck
    validate: { state: Active }
  - id: failover
    failover: {}
  - id: wait
    await: { operation: failover, timeout: 2h, interval: 5s }
";

/// A selector over one subscription written twice, in two cases.
fn subscriptions_twice() -> String {
    format!(
        "version: 1\nname: fleet-case\ntargets:\n  subscriptions: [\"{SUB}\", \"{SUB_UPPER}\"]\n  resource_group: \"*\"\n{STEPS}"
    )
}

/// `hub-a` listed again with the subscription, resource group and name in capitals. The first
/// spelling's subscription is a template, so `validate` (which cannot know what it renders to)
/// lets it through and the fleet must drop the repeat itself.
fn hubs_twice() -> String {
    format!(
        "version: 1\nname: fleet-case\nparameters:\n  subscription: {{ type: string, default: \"{SUB}\" }}\ntargets:\n  hubs:
    - {{ subscription: \"{{{{params.subscription}}}}\", resource_group: rg-a, hub: hub-a }}
    - {{ subscription: \"{SUB_UPPER}\", resource_group: RG-A, hub: HUB-A }}
    - {{ subscription: \"{{{{params.subscription}}}}\", resource_group: rg-a, hub: hub-b }}
{STEPS}"
    )
}

async fn start_emulator() -> Emulator {
    emulator_yaml(&scenario()).await
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    fleet: Value,
}

fn run(dir: &Path, runbook: &str, connection: &[&str]) -> Run {
    let file = dir.join("fleet.yaml");
    std::fs::write(&file, runbook).unwrap();
    let out = command(dir)
        .arg("exec")
        .arg(&file)
        .args(connection)
        .args(["--time-scale", SCALE, "--yes", "--fleet-dir", "fleet"])
        .output()
        .unwrap();
    let fleet = std::fs::read_to_string(dir.join("fleet/fleet.json"))
        .map(|t| serde_json::from_str(&t).unwrap())
        .unwrap_or(Value::Null);
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        fleet,
    }
}

/// The fleet succeeded with one record per hub (hub-a, hub-b, in that order), and each hub's
/// journal holds exactly one accepted failover.
fn assert_each_hub_once(dir: &Path, r: &Run) {
    assert_eq!(r.code, Some(0), "{}\n{}", r.stdout, r.stderr);
    let hubs = r.fleet["hubs"].as_array().expect("fleet log hubs");
    let names: Vec<String> = hubs
        .iter()
        .map(|h| h["hub"].as_str().unwrap().to_lowercase())
        .collect();
    assert_eq!(names, ["hub-a", "hub-b"], "{}", r.fleet);
    assert_eq!(r.fleet["counts"]["succeeded"], 2, "{}", r.fleet);
    for h in hubs {
        let journal =
            std::fs::read_to_string(dir.join("fleet").join(h["journal"].as_str().unwrap()))
                .unwrap();
        let failovers = journal
            .lines()
            .filter(|l| {
                serde_json::from_str::<Value>(l).unwrap()["event"].as_str()
                    == Some("failover_started")
            })
            .count();
        assert_eq!(failovers, 1, "{}: {journal}", h["hub"]);
    }
    // Nothing else in the directory: no second DR log for a second spelling.
    let logs = std::fs::read_dir(dir.join("fleet"))
        .unwrap()
        .filter(|e| {
            let name = e.as_ref().unwrap().file_name();
            let name = name.to_string_lossy();
            name.ends_with(".json") && name != "fleet.json"
        })
        .count();
    assert_eq!(logs, 2);
}

fn assert_one_post_per_hub(emu: &Emulator) {
    let reqs = emu.requests();
    let posts = posts(&reqs);
    for hub in ["/hub-a/", "/hub-b/"] {
        let n = posts
            .iter()
            .filter(|r| r.path.to_lowercase().contains(hub))
            .count();
        assert_eq!(n, 1, "{hub}: {posts:?}");
    }
    assert_eq!(posts.len(), 2, "{posts:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscription_written_twice_in_another_case_drills_each_hub_once() {
    let note = format!(
        "note: targets.subscriptions[1] ({SUB_UPPER}) is the subscription of targets.subscriptions[0] in another case"
    );

    let emu = start_emulator().await;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_path_buf();
    let endpoint = emu.base_url().to_string();
    let r = tokio::task::spawn_blocking(move || {
        run(
            &d,
            &subscriptions_twice(),
            &["--arm-endpoint", &endpoint, "--auth", "emulator"],
        )
    })
    .await
    .unwrap();
    assert_each_hub_once(dir.path(), &r);
    assert_one_post_per_hub(&emu);
    assert!(r.stderr.contains(&note), "{}", r.stderr);

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("two-hubs.yaml"), scenario()).unwrap();
    let r = run(
        dir.path(),
        &subscriptions_twice(),
        &["--emulator", "--scenario", "two-hubs.yaml"],
    );
    assert_each_hub_once(dir.path(), &r);
    assert!(r.stderr.contains(&note), "{}", r.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hub_listed_twice_in_another_case_is_drilled_once() {
    let note = "note: targets.hubs[1] names the hub of targets.hubs[0] (hub-a in resource group rg-a, subscription abcdef00-0000-0000-0000-000000000000) in another case";

    let emu = start_emulator().await;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_path_buf();
    let endpoint = emu.base_url().to_string();
    let r = tokio::task::spawn_blocking(move || {
        run(
            &d,
            &hubs_twice(),
            &["--arm-endpoint", &endpoint, "--auth", "emulator"],
        )
    })
    .await
    .unwrap();
    assert_each_hub_once(dir.path(), &r);
    assert_one_post_per_hub(&emu);
    assert!(r.stderr.contains(note), "{}", r.stderr);

    // In-process, the emulator is seeded from the listed hubs: each once.
    let dir = tempfile::tempdir().unwrap();
    let r = run(dir.path(), &hubs_twice(), &["--emulator"]);
    assert_each_hub_once(dir.path(), &r);
    assert!(r.stderr.contains(note), "{}", r.stderr);
}

#[test]
fn plan_lists_a_repeated_hub_once_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("fleet.yaml");
    std::fs::write(&file, hubs_twice()).unwrap();
    let out = command(dir.path()).arg("plan").arg(&file).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("2 hubs, at most"), "{text}");
    assert!(
        text.contains("note: targets.hubs[1] names the hub of targets.hubs[0]"),
        "{text}"
    );
    assert!(!text.contains("HUB-A"), "{text}");
}
