//! Shards through the binary (`exec --shard I/N`, `plan --shards N`, `resume` of one shard),
//! against one emulator enforcing ARM's per-subscription budgets: every hub drilled exactly
//! once over all shards, no 429s, and a shard that shares its subscription spending only its
//! part of the budget. A shard that gets no hub says so, exits 0 and changes nothing.

#![allow(clippy::unwrap_used)]

mod support;

use std::path::Path;
use std::process::Stdio;

use iothub_emulator::Emulator;
use serde_json::Value;
use support::*;

use support::fleets::{SUB_A, SUB_B, throttled_two_subscriptions, two_subscription_runbook};

fn shard_command(emu: &Emulator, dir: &Path, runbook: &Path, shard: &str) -> std::process::Command {
    let mut c = command(dir);
    c.arg("exec")
        .arg(runbook)
        .args(against(emu))
        .args(["--yes", "--shard", shard, "--fleet-dir"])
        .arg(format!("shard-{}", shard.replace('/', "-of-")));
    c
}

fn fleet_log(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("fleet.json")).unwrap()).unwrap()
}

fn hub_names(log: &Value) -> Vec<String> {
    log["hubs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["hub"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_shards_at_once_drill_every_hub_once_within_the_budgets() {
    // 30 hubs in each subscription, each hub some ten reads: A's 300 reads overrun its
    // 250-read burst, so the budget binds, and A is split between two shards that share it.
    let emu = emulator_yaml(&throttled_two_subscriptions(60)).await;
    let dir = tempfile::tempdir().unwrap();
    let runbook = two_subscription_runbook(dir.path(), 20);
    let shards: Vec<Running> = (0..3)
        .map(|i| {
            shard_command(&emu, dir.path(), &runbook, &format!("{i}/3"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .start()
        })
        .collect();
    for (i, shard) in shards.into_iter().enumerate() {
        assert_eq!(code_of(shard).await, Some(0), "shard {i}");
    }

    let reqs = emu.requests();
    assert_eq!(reqs.iter().filter(|r| r.status == 429).count(), 0);
    let posts = posts(&reqs);
    assert_eq!(posts.len(), 60, "one failover per hub over all shards");
    let mut all = Vec::new();
    for i in 0..3 {
        let log = fleet_log(&dir.path().join(format!("shard-{i}-of-3")));
        assert_eq!(log["throttled_429s"], 0);
        assert_eq!(log["shard"]["index"], i);
        assert_eq!(log["shard"]["count"], 3);
        let subs: std::collections::BTreeSet<String> = log["hubs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["subscription"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(subs.len(), 1, "shard {i} holds one subscription: {subs:?}");
        // Two subscriptions over three shards: A (first by id, tied on size) takes two
        // shards, each on half its budget; B one, on all of its own.
        let (sub, divisor) = if i < 2 { (SUB_A, 2) } else { (SUB_B, 1) };
        assert!(subs.contains(sub), "shard {i}: {subs:?}");
        assert_eq!(log["shard"]["budget_divisor"], divisor, "shard {i}");
        assert_eq!(log["counts"]["succeeded"], log["counts"]["total"]);
        all.extend(hub_names(&log));
    }
    all.sort();
    let before = all.len();
    all.dedup();
    assert_eq!(
        (before, all.len()),
        (60, 60),
        "every hub in exactly one shard"
    );
    for p in &posts {
        let hub = p
            .path
            .split("/IotHubs/")
            .nth(1)
            .unwrap()
            .split('/')
            .next()
            .unwrap();
        assert!(
            all.iter().any(|h| h == hub),
            "{hub} was posted but is in no shard"
        );
    }
}

#[test]
fn plan_shows_the_partition_that_exec_runs() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("scenario.yaml");
    std::fs::write(
        &scenario,
        format!(
            "generate: {{ count: 9, subscriptions: [{SUB_A}, {SUB_B}], tags: {{ dr-drill: enabled }} }}\n"
        ),
    )
    .unwrap();
    let runbook = two_subscription_runbook(dir.path(), 5);
    let out = command(dir.path())
        .arg("plan")
        .arg(&runbook)
        .arg("--scenario")
        .arg(&scenario)
        .args(["--shards", "2", "--json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let plan: Value = serde_json::from_slice(&out.stdout).unwrap();
    let shards = plan["shards"].as_array().unwrap();
    assert_eq!(shards.len(), 2);
    // Two subscriptions, two shards: whole subscriptions, each on its full budget.
    let mut total = 0;
    for (i, s) in shards.iter().enumerate() {
        assert_eq!(s["shard"], format!("{i}/2"));
        assert_eq!(s["budget_divisor"], 1);
        assert_eq!(s["subscriptions"].as_array().unwrap().len(), 1, "{s}");
        total += s["hubs"].as_array().unwrap().len();
    }
    assert_eq!(total, 9);

    // The same, for people: a line per shard naming its subscriptions.
    let out = command(dir.path())
        .arg("plan")
        .arg(&runbook)
        .arg("--scenario")
        .arg(&scenario)
        .args(["--shards", "3"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("9 hubs in 3 shards"), "{text}");
    assert!(
        text.contains("shard 0/3: ") && text.contains("1/2 of the subscription's ARM budget"),
        "{text}"
    );

    // --shards needs the hubs; a bad --shard is refused before anything runs.
    let out = command(dir.path())
        .arg("plan")
        .arg(&runbook)
        .args(["--shards", "2"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--resolve"));
    let out = command(dir.path())
        .arg("exec")
        .arg(&runbook)
        .args(["--emulator", "--yes", "--shard", "3/3"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("numbered from 0"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_interrupted_shard_resumes_on_its_own_without_a_second_post() {
    // Failovers that complete only when the test says so: the Ctrl-C lands while shard 1's
    // hubs are failing over, however slowly the processes run.
    let emu = emulator_yaml(&format!(
        "generate: {{ count: 8, subscriptions: [{SUB_A}], tags: {{ dr-drill: enabled }}, failover: {{ complete: manual }} }}"
    ))
    .await;
    let dir = tempfile::tempdir().unwrap();
    let runbook = repo("tests/fixtures/fleet/drill.yaml");
    let child = shard_command(&emu, dir.path(), &runbook, "1/2")
        .args(["--set", &format!("subscription={SUB_A}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .start();
    // One subscription over two shards: shard 1 has every other hub by name, four of them.
    until("four failover POSTs", || posts(&emu.requests()).len() >= 4).await;
    let fleet = dir.path().join("shard-1-of-2");
    until("four journalled failovers", || {
        std::fs::read_dir(&fleet)
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().ends_with(".jsonl"))
            .filter(|e| {
                std::fs::read_to_string(e.path())
                    .unwrap_or_default()
                    .contains("failover_started")
            })
            .count()
            >= 4
    })
    .await;
    interrupt(&child);
    assert_eq!(code_of(child).await, Some(130));
    let log = fleet_log(&fleet);
    assert_eq!(log["shard"]["budget_divisor"], 2);
    let mine = hub_names(&log);
    assert_eq!(mine.len(), 4);

    let mut resume = command(dir.path());
    resume
        .arg("resume")
        .arg(&fleet)
        .args(against(&emu))
        .arg("--yes");
    let run = tokio::task::spawn_blocking(move || resume.output().unwrap());
    let out = completing_failovers(&emu, &mine, run).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let log = fleet_log(&fleet);
    assert_eq!(log["counts"]["succeeded"], 4);
    assert_eq!(log["shard"]["index"], 1, "the shard is kept across resume");
    // One POST per hub of this shard, none for the other shard's hubs.
    let reqs = emu.requests();
    let posts = posts(&reqs);
    assert_eq!(posts.len(), 4);
    for hub in &mine {
        let n = posts
            .iter()
            .filter(|r| r.path.contains(&format!("/{hub}/")))
            .count();
        assert_eq!(n, 1, "{hub}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shard_that_gets_no_hub_says_so_exits_0_and_changes_nothing() {
    // Two hubs over three shards: the plan (the control) deals one hub to each of shards 0
    // and 1 and none to shard 2, as a Job with more completions than hubs would.
    let emu = emulator_yaml(&format!(
        "generate: {{ count: 2, subscriptions: [{SUB_A}], tags: {{ dr-drill: enabled }} }}"
    ))
    .await;
    let dir = tempfile::tempdir().unwrap();
    let runbook = repo("tests/fixtures/fleet/drill.yaml");
    let sub = format!("subscription={SUB_A}");
    let mut plan = command(dir.path());
    // `plan` waits for nothing, so it takes no --time-scale.
    plan.arg("plan")
        .arg(&runbook)
        .args(["--arm-endpoint", emu.base_url(), "--auth", "emulator"])
        .args(["--set", &sub, "--resolve", "--shards", "3", "--json"]);
    let out = output_of(plan).await;
    assert_exit(&out, 0);
    let plan: Value = serde_json::from_slice(&out.stdout).unwrap();
    let sizes: Vec<usize> = plan["shards"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["hubs"].as_array().unwrap().len())
        .collect();
    assert_eq!(sizes, [1, 1, 0], "{plan}");

    let mut empty = shard_command(&emu, dir.path(), &runbook, "2/3");
    empty.args(["--set", &sub]);
    let out = output_of(empty).await;
    assert_exit(&out, 0);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("shard 2/3: no hub falls to this shard (2 hubs over 3 shards)"),
        "{stdout}"
    );
    assert!(
        !dir.path().join("shard-2-of-3").exists(),
        "an empty shard leaves no fleet directory to resume"
    );
    let reqs = emu.requests();
    assert!(
        reqs.iter().all(|r| r.method == "GET"),
        "only the listing reads: {:?}",
        reqs.iter()
            .map(|r| format!("{} {}", r.method, r.path))
            .collect::<Vec<_>>()
    );
}
