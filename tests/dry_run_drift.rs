//! `--dry-run` forgives only the readings that differ because the failover was left out. A
//! device count that really changed between the two snapshots (someone else's failover, a
//! registry accident) is drift the dry run must still report.
//!
//! The change happens while the run's second device-count read (`post`'s registry stats) is
//! held at the emulator: the test fails the hub over itself, with the real ARM client, and
//! completes it with 100 devices fewer, then releases the read. No timing is involved.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use support::*;

const SCENARIO: &str = "\
hubs:
  - name: myIoTHub
    location: westus2
    secondary: westus
    failover: { complete: manual, after: { devices: { enabled: 1080 } } }
faults:
  # The first stats read (`pre`) goes through; the second (`post`) waits for the test.
  - { method: GET, path: IotHubStats, delay: 1ms, times: 1 }
  - { method: GET, path: IotHubStats, hold: before, times: 1 }
";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_reports_a_device_count_that_changed_between_two_real_readings() {
    let emu = emulator_yaml(SCENARIO).await;
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = command(dir.path());
    cmd.arg("exec")
        .arg(repo("runbooks/drill.yaml"))
        .args(against(&emu))
        .args(["--dry-run", "--log", "dr.json"]);
    let run = tokio::task::spawn_blocking(move || cmd.output().unwrap());

    let held = emu
        .wait_for_hold(Duration::from_secs(60))
        .await
        .expect("the run reads the device count a second time");
    assert!(
        posts(&emu.requests()).is_empty(),
        "the dry run posted a failover"
    );
    // Someone else fails the hub over meanwhile; it ends with 100 devices fewer.
    let client = iothub_arm::ArmClient::new(
        Arc::new(iothub_arm::StaticTokenCredential::new("someone-else")),
        "00000000-0000-0000-0000-000000000000",
        iothub_arm::ClientOptions::for_endpoint(url::Url::parse(emu.base_url()).unwrap()),
    )
    .unwrap();
    client
        .begin_manual_failover("myResourceGroup", "myIoTHub", "westus")
        .await
        .unwrap();
    complete_failover(&emu, "myIoTHub").await;
    assert!(emu.release(held.id));

    let e = collect(run.await.unwrap(), dir);
    let log = check_log(&e);
    assert_eq!(log["dry_run"], true);
    assert_eq!(log["changed"], false, "the run itself changed nothing");
    assert_eq!(posts(&emu.requests()).len(), 1, "only the test's own POST");
    let check = step(log, "data_integrity_check");
    assert_eq!(check["status"], "failed", "{check}");
    assert_eq!(check["error"]["code"], "DeviceCountMismatch", "{check}");
    assert_ne!(e.code, 0, "stdout:\n{}", e.stdout);
}
