//! The hub lock through the binary: where it lives (`--lock-dir`, `RUNBOOK_LOCK_DIR`, the
//! default `<temp>/runbook-locks`), that `--emulator` takes none, that a refused run makes no
//! ARM call at all, that the hub's identity is case-insensitive, and that a fleet locks each
//! of its hubs (a hub whose lock another drill holds is that fleet's `error`, exit 2, and
//! counts toward `max_errors`).
//!
//! A holder keeps the lock for as long as the test wants: its failover completes only when the
//! test calls `complete_failover` (`complete: manual`), so no test races a duration.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use iothub_emulator::Emulator;
use support::*;

const HUB: &str = "hubs: [{ name: myIoTHub, location: westus2, secondary: westus, failover: { complete: manual } }]";

/// `HUB`, and the holder's first look at its failover parked at the emulator: while it is
/// held the holder sends nothing (its await looks one request at a time), so every request
/// the emulator sees meanwhile is someone else's.
const HUB_PARKED: &str = "hubs: [{ name: myIoTHub, location: westus2, secondary: westus, failover: { complete: manual } }]\n\
     faults: [{ method: GET, path: operationResults, hold: before, times: 1 }]";

/// `runbook exec runbooks/drill.yaml` against `emu`, `--yes`, logging to `log`.
fn drill(emu: &Emulator, dir: &Path, log: &str) -> Command {
    let mut c = command(dir);
    c.arg("exec")
        .arg(repo("runbooks/drill.yaml"))
        .args(against(emu))
        .args(["--yes", "--log", log]);
    c
}

/// The `*.lock` files in `dir` (none if it does not exist).
fn lock_files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "lock"))
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// Three generated hubs whose failovers complete when the test says, with the first `parked`
/// looks at a failover held at the emulator (`release_all` lets them go).
async fn three_hubs(parked: u32) -> Emulator {
    emulator_yaml(&format!(
        "generate: {{ count: 3, tags: {{ dr-drill: enabled }}, failover: {{ complete: manual }} }}\n\
         faults: [{{ method: GET, path: operationResults, hold: before, times: {parked} }}]"
    ))
    .await
}

/// The fleet drill over `emu`'s tagged hubs, `--yes`, in `dir/fleet`, its locks in `locks`.
fn fleet_drill(emu: &Emulator, dir: &Path, locks: &Path) -> Command {
    let mut c = command(dir);
    c.arg("exec")
        .arg(repo("tests/fixtures/fleet/drill.yaml"))
        .args(against(emu))
        .args(["--yes", "--fleet-dir", "fleet"])
        .env("RUNBOOK_LOCK_DIR", locks);
    c
}

/// Starts a drill that holds the hub's lock until its failover is completed by the test.
async fn holder(emu: &Emulator, dir: &Path, locks: &Path) -> Running {
    holder_with(emu, dir, locks, &[]).await
}

/// `holder`, with `args` added to its command line.
async fn holder_with(emu: &Emulator, dir: &Path, locks: &Path, args: &[&str]) -> Running {
    let child = drill(emu, dir, "holder.json")
        .args(args)
        .env("RUNBOOK_LOCK_DIR", locks)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .start();
    let journal = dir.join("holder.json.jsonl");
    until("the holder's failover to start", || {
        std::fs::read_to_string(&journal)
            .unwrap_or_default()
            .contains("\"event\":\"failover_started\"")
    })
    .await;
    child
}

async fn finish_holder(emu: &Emulator, holder: Running) {
    finish_holder_of(emu, "myIoTHub", holder).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_lock_dir_is_under_temp_and_lock_dir_overrides_it() {
    let emu = emulator_yaml(HUB).await;
    let dir = tempfile::tempdir().unwrap();
    let default_dir = private_tmp(dir.path()).join("runbook-locks");

    // No --lock-dir, no RUNBOOK_LOCK_DIR: <temp>/runbook-locks.
    let mut cmd = drill(&emu, dir.path(), "one.json");
    cmd.env_remove("RUNBOOK_LOCK_DIR");
    let holder = cmd.stdout(Stdio::null()).stderr(Stdio::null()).start();
    until("a lock file in the default directory", || {
        !lock_files(&default_dir).is_empty()
    })
    .await;
    finish_holder(&emu, holder).await;
    assert_eq!(lock_files(&default_dir).len(), 1);

    // --lock-dir wins over the environment variable, and the default is left alone (a fresh
    // hub and directory: the first drill's failover would refuse a second by cooldown).
    let emu = emulator_yaml(HUB).await;
    let dir = tempfile::tempdir().unwrap();
    let default_dir = private_tmp(dir.path()).join("runbook-locks");
    let (flag_dir, env_dir) = (dir.path().join("flag"), dir.path().join("env"));
    let mut cmd = drill(&emu, dir.path(), "two.json");
    cmd.arg("--lock-dir")
        .arg(&flag_dir)
        .env("RUNBOOK_LOCK_DIR", &env_dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let holder = cmd.start();
    until("a lock file in --lock-dir", || {
        !lock_files(&flag_dir).is_empty()
    })
    .await;
    finish_holder(&emu, holder).await;
    assert_eq!(lock_files(&flag_dir).len(), 1);
    assert!(!env_dir.exists(), "RUNBOOK_LOCK_DIR was used");
    assert!(!default_dir.exists(), "the default directory was used");
}

#[test]
fn an_emulated_run_takes_no_lock() {
    let dir = tempfile::tempdir().unwrap();
    let locks = dir.path().join("locks");
    let out = command(dir.path())
        .arg("exec")
        .arg(repo("runbooks/drill.yaml"))
        .args([
            "--emulator",
            "--time-scale",
            SCALE,
            "--yes",
            "--log",
            "dr.json",
        ])
        .env("RUNBOOK_LOCK_DIR", &locks)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!locks.exists(), "--emulator created the lock directory");
    let default_dir = private_tmp(dir.path()).join("runbook-locks");
    assert!(
        !default_dir.exists(),
        "--emulator used the default lock dir"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_run_makes_no_arm_call_and_the_hub_is_matched_case_insensitively() {
    let emu = emulator_yaml(HUB_PARKED).await;
    let (first, second, locks) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    let held = holder(&emu, first.path(), locks.path()).await;
    let parked = emu
        .wait_for_hold(std::time::Duration::from_secs(60))
        .await
        .expect("the holder looks at its failover");
    let before = emu.requests().len();

    // The same hub spelled differently: Azure names are case-insensitive, so is the lock.
    for (i, (rg, hub)) in [
        ("myResourceGroup", "myIoTHub"),
        ("MYRESOURCEGROUP", "MyIotHub"),
    ]
    .into_iter()
    .enumerate()
    {
        let mut cmd = drill(&emu, second.path(), &format!("refused-{i}.json"));
        cmd.args(["--set", &format!("resource_group={rg}")])
            .args(["--set", &format!("hub={hub}")])
            .env("RUNBOOK_LOCK_DIR", locks.path());
        let out = output_of(cmd).await;
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{rg}/{hub}: {err}");
        assert!(err.contains(&format!("pid {}", held.id())), "{err}");
        assert_eq!(
            emu.requests().len(),
            before,
            "a refused run ({rg}/{hub}) called ARM: {:?}",
            &emu.requests()[before..]
        );
        assert!(
            !second
                .path()
                .join(format!("refused-{i}.json.jsonl"))
                .exists(),
            "a refused run started a journal"
        );
    }
    assert_eq!(lock_files(locks.path()).len(), 1, "one hub, one lock file");
    assert!(emu.release(parked.id));
    finish_holder(&emu, held).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_subscription_is_matched_case_insensitively_too() {
    // A subscription id with letters in it (the default one is all digits, which has no case),
    // held in lower case and asked for in upper case: ARM treats both as one, so does the lock.
    const SUB: &str = "abcdef00-0000-4000-8000-0000000000ab";
    let emu = emulator_yaml(&format!(
        "hubs: [{{ name: myIoTHub, subscription: {SUB}, location: westus2, secondary: westus, failover: {{ complete: manual }} }}]\n\
         faults: [{{ method: GET, path: operationResults, hold: before, times: 1 }}]"
    ))
    .await;
    let (first, second, locks) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    let lower = format!("subscription={SUB}");
    let held = holder_with(&emu, first.path(), locks.path(), &["--set", &lower]).await;
    let parked = emu
        .wait_for_hold(std::time::Duration::from_secs(60))
        .await
        .expect("the holder looks at its failover");
    let before = emu.requests().len();

    let upper = format!("subscription={}", SUB.to_ascii_uppercase());
    let mut cmd = drill(&emu, second.path(), "refused.json");
    cmd.args(["--set", &upper])
        .env("RUNBOOK_LOCK_DIR", locks.path());
    let out = output_of(cmd).await;
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains(&format!("pid {}", held.id())), "{err}");
    assert_eq!(
        emu.requests().len(),
        before,
        "the refused run called ARM: {:?}",
        &emu.requests()[before..]
    );
    assert_eq!(lock_files(locks.path()).len(), 1, "one hub, one lock file");
    assert!(emu.release(parked.id));
    finish_holder(&emu, held).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fleet_locks_each_of_its_hubs() {
    // Each hub's first look at its failover is parked (see HUB_PARKED): once all three are,
    // the fleet sends nothing until the test releases them.
    let emu = three_hubs(3).await;
    let (dir, locks) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut fleet = fleet_drill(&emu, dir.path(), locks.path());
    let run = tokio::task::spawn_blocking(move || fleet.output().unwrap());
    until("three failover POSTs", || posts(&emu.requests()).len() == 3).await;
    let files = lock_files(locks.path());
    assert_eq!(files.len(), 3, "one lock per hub: {files:?}");
    for i in 1..=3 {
        let hub = format!("hub-000{i}");
        assert!(
            files
                .iter()
                .any(|f| f.file_name().unwrap().to_string_lossy().contains(&hub)),
            "no lock for {hub}: {files:?}"
        );
    }

    // A single drill on one of the fleet's hubs is refused while the fleet holds it.
    until("the fleet's three looks to be parked", || {
        emu.holds().len() == 3
    })
    .await;
    let before = emu.requests().len();
    let other = tempfile::tempdir().unwrap();
    let mut cmd = drill(&emu, other.path(), "dr.json");
    cmd.args(["--set", "hub=HUB-0002"])
        .env("RUNBOOK_LOCK_DIR", locks.path());
    let out = output_of(cmd).await;
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("already"));
    assert_eq!(emu.requests().len(), before, "the refused run called ARM");
    assert_eq!(emu.release_all(), 3);

    let out = completing_failovers(&emu, &["hub-0001", "hub-0002", "hub-0003"], run).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fleet_hub_whose_lock_is_held_is_an_error_and_the_fleet_exits_2() {
    // A single drill holds hub-0002 (its first look at its failover parked); the fleet runs
    // all three hubs meanwhile.
    let emu = three_hubs(1).await;
    let (dir, locks) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let holder = drill(&emu, dir.path(), "holder.json")
        .args(["--set", "hub=hub-0002"])
        .env("RUNBOOK_LOCK_DIR", locks.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .start();
    until("the holder's look to be parked", || emu.holds().len() == 1).await;

    let mut fleet = fleet_drill(&emu, dir.path(), locks.path());
    let run = tokio::task::spawn_blocking(move || fleet.output().unwrap());
    let out = completing_failovers(&emu, &["hub-0001", "hub-0003"], run).await;
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let log: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("fleet").join("fleet.json")).unwrap(),
    )
    .unwrap();
    let status = |hub: &str| {
        log["hubs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["hub"] == hub)
            .map(|h| h["status"].clone())
            .unwrap_or_else(|| panic!("{hub} not in the fleet log: {log}"))
    };
    assert_eq!(status("hub-0002"), "error", "{log}");
    assert_eq!(status("hub-0001"), "succeeded", "{log}");
    assert_eq!(status("hub-0003"), "succeeded", "{log}");
    let to_0002 = posts(&emu.requests())
        .iter()
        .filter(|r| r.path.contains("hub-0002"))
        .count();
    assert_eq!(to_0002, 1, "only the holder's POST reached the held hub");

    assert_eq!(emu.release_all(), 1);
    finish_holder_of(&emu, "hub-0002", holder).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hub_whose_lock_is_held_counts_toward_max_errors() {
    // One hub at a time, stopping after one error: the first hub's lock is held by a single
    // drill, so the fleet's first hub cannot start, and no other hub may start after it.
    let emu = three_hubs(1).await;
    let (dir, locks) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let holder = drill(&emu, dir.path(), "holder.json")
        .args(["--set", "hub=hub-0001"])
        .env("RUNBOOK_LOCK_DIR", locks.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .start();
    until("the holder's look to be parked", || emu.holds().len() == 1).await;
    let before = emu.requests().len();

    let runbook = dir.path().join("one-at-a-time.yaml");
    let text = std::fs::read_to_string(repo("tests/fixtures/fleet/drill.yaml"))
        .unwrap()
        .replace(
            "rollout: { max_concurrency: 5, max_errors: 2 }",
            "rollout: { max_concurrency: 1, max_errors: 1 }",
        );
    assert!(text.contains("max_errors: 1"), "the fixture changed shape");
    std::fs::write(&runbook, text).unwrap();
    let mut fleet = command(dir.path());
    fleet
        .arg("exec")
        .arg(&runbook)
        .args(against(&emu))
        .args(["--yes", "--fleet-dir", "fleet"])
        .env("RUNBOOK_LOCK_DIR", locks.path());
    let out = output_of(fleet).await;
    assert_exit(&out, 2);
    let log: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("fleet").join("fleet.json")).unwrap(),
    )
    .unwrap();
    let statuses: Vec<(&str, &str)> = log["hubs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h["hub"].as_str().unwrap(), h["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        statuses,
        [
            ("hub-0001", "error"),
            ("hub-0002", "not_started"),
            ("hub-0003", "not_started")
        ],
        "{log}"
    );
    let others: Vec<String> = emu.requests()[before..]
        .iter()
        .filter(|r| r.path.contains("hub-0002") || r.path.contains("hub-0003"))
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(
        others,
        Vec::<String>::new(),
        "a hub after the error was touched"
    );

    assert_eq!(emu.release_all(), 1);
    finish_holder_of(&emu, "hub-0001", holder).await;
}

/// Completes the failover of `hub` that `holder` awaits, and sees it succeed.
async fn finish_holder_of(emu: &Emulator, hub: &str, holder: Running) {
    complete_failover(emu, hub).await;
    assert_eq!(code_of(holder).await, Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lock_is_held_until_the_dr_log_is_written() {
    // The first drill freezes itself right after journaling its end, before its DR log.
    let emu =
        emulator_yaml("hubs: [{ name: myIoTHub, location: westus2, secondary: westus }]").await;
    let (dir, other, locks) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    let mut first = drill(&emu, dir.path(), "first.json")
        .env("RUNBOOK_LOCK_DIR", locks.path())
        .env(STOP_AFTER_EVENT, "run_finished")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .start();
    let (mut first, stopped) = tokio::task::spawn_blocking(move || {
        let stopped = stopped_at_hook(&mut first);
        (first, stopped)
    })
    .await
    .unwrap();
    assert!(stopped, "the first drill ended without stopping at its end");
    assert!(
        !dir.path().join("first.json").exists(),
        "the log came first"
    );

    let mut second = drill(&emu, other.path(), "second.json");
    second.env("RUNBOOK_LOCK_DIR", locks.path());
    let out = output_of(second).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("already"), "{stderr}");

    // The frozen drill is killed there (the hook never lets it go on); its resume writes the
    // DR log from the journal, posting nothing more.
    first.kill().unwrap();
    first.wait().unwrap();
    let mut resume = command(dir.path());
    resume
        .arg("resume")
        .arg("first.json.jsonl")
        .args(against(&emu))
        .arg("--yes")
        .env("RUNBOOK_LOCK_DIR", locks.path());
    let out = output_of(resume).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dir.path().join("first.json").exists());
    assert_eq!(posts(&emu.requests()).len(), 1);
}
