//! Every runbook in `runbooks/` on its happy path, through the real binary against the
//! in-process emulator: exit 0, the human output and the DR log as reviewed snapshots, the
//! log valid against its schema, and a journal that agrees with the log.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use support::*;

fn happy(name: &str) {
    let e = exec_emulated(&format!("runbooks/{name}.yaml"), &["--yes"]);
    assert_eq!(e.code, 0, "stdout:\n{}\nstderr:\n{}", e.stdout, e.stderr);
    let log = e.log.as_ref().expect("a DR log was written");
    assert_log_matches_schema(log);
    assert_journal_complete(&e);
    assert_eq!(log["status"], "succeeded");
    assert_eq!(log["success"], true);
    insta::assert_snapshot!(format!("{name}_human"), normalise_human(&e.stdout));
    insta::assert_json_snapshot!(format!("{name}_log"), redacted_log(log));
}

#[test]
fn drill() {
    happy("drill");
}

#[test]
fn planned_failover() {
    happy("planned-failover");
}

#[test]
fn verify() {
    happy("verify");
}

#[test]
fn failover_test() {
    happy("failover-test");
}

#[test]
fn dry_run_changes_nothing() {
    let e = exec_emulated("runbooks/drill.yaml", &["--dry-run"]);
    let log = e.log.as_ref().unwrap();
    assert_log_matches_schema(log);
    assert_eq!(log["dry_run"], true);
    assert_eq!(log["changed"], false);
    assert_eq!(step(log, "initiate_failover")["status"], "skipped");
    assert_eq!(
        step(log, "initiate_failover")["details"],
        "dry run: would fail myIoTHub over from westus2 to westus"
    );
    // Nothing was failed over: nothing to await, and the hub is still where it was, which the
    // post-failover validation notes as expected instead of failing the run.
    assert_eq!(step(log, "monitor_failover")["status"], "skipped");
    let post = step(log, "post_failover_validation");
    assert_eq!(post["status"], "warning");
    assert!(
        post["details"]
            .as_str()
            .unwrap()
            .starts_with("dry run, the failover was not made")
    );
    assert_eq!(e.code, 0, "stdout:\n{}", e.stdout);
}

#[test]
fn json_output_is_one_event_per_line() {
    let e = exec_emulated("runbooks/verify.yaml", &["--output", "json"]);
    assert_eq!(e.code, 0);
    let events: Vec<serde_json::Value> = e
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    assert_eq!(events.first().unwrap()["event"], "run_started");
    assert_eq!(events.last().unwrap()["event"], "run_finished");
    assert_eq!(
        events.len(),
        e.journal.len(),
        "stdout and journal carry the same events"
    );
}

#[test]
fn junit_report_has_a_case_per_step() {
    let dir = tempfile::tempdir().unwrap();
    let out = command(dir.path())
        .arg("exec")
        .arg(repo("runbooks/verify.yaml"))
        .args([
            "--emulator",
            "--time-scale",
            "0.01",
            "--log",
            "dr.json",
            "--junit",
            "report.xml",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let xml = std::fs::read_to_string(dir.path().join("report.xml")).unwrap();
    assert_eq!(xml.matches("<testcase ").count(), 5, "{xml}");
    assert!(
        xml.contains("<skipped message=\"skipped: `when` is false\"/>"),
        "{xml}"
    );
}

#[test]
fn never_overwrites_an_existing_log() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("dr.json"), "earlier drill").unwrap();
    let out = command(dir.path())
        .arg("exec")
        .arg(repo("runbooks/verify.yaml"))
        .args(["--emulator", "--log", "dr.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("already exists"));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("dr.json")).unwrap(),
        "earlier drill"
    );
}

#[test]
fn missing_client_secret_is_a_setup_error_naming_the_variables() {
    let dir = tempfile::tempdir().unwrap();
    let out = command(dir.path())
        .arg("exec")
        .arg(repo("tests/fixtures/exec/await-timeout.yaml"))
        .args(["--log", "dr.json", "--auth", "client-secret"])
        .env_remove("AZURE_CLIENT_ID")
        .env_remove("AZURE_CLIENT_SECRET")
        .env_remove("AZURE_TENANT_ID")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    for variable in ["AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET"] {
        assert!(
            stderr.contains(variable),
            "{variable} is not named: {stderr}"
        );
    }
    assert!(
        stderr.contains("--emulator"),
        "the error should point at --emulator: {stderr}"
    );
    assert!(
        !dir.path().join("dr.json.jsonl").exists(),
        "no journal for a run that never started"
    );
}

#[test]
fn missing_azure_login_is_a_setup_error_before_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let out = command(dir.path())
        .arg("exec")
        .arg(repo("tests/fixtures/exec/await-timeout.yaml"))
        .args(["--log", "dr.json", "--auth", "azure-cli"])
        // No `az` to ask: the credential fails locally, without touching the network.
        .env("PATH", "/nonexistent")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("az login") && stderr.contains("--emulator"),
        "{stderr}"
    );
    assert!(!dir.path().join("dr.json").exists() && !dir.path().join("dr.json.jsonl").exists());
}
