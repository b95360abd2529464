//! Help and plan say what the binary does: the summaries, the fleet exit codes, plan's calls
//! for `await: { until: }`, `plan --json` for fleets, options a fleet or the emulator would
//! ignore refused, the exit-4 summary, and `runbook emulator`'s line to copy.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::io::BufRead;
use std::process::Stdio;

use support::*;

fn run(args: &[&str]) -> (Option<i32>, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let out = command(dir.path()).args(args).output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn path(rel: &str) -> String {
    repo(rel).display().to_string()
}

#[test]
fn summaries_name_every_schema_and_exec_help_every_fleet_exit_code() {
    let (code, top, _) = run(&["--help"]);
    assert_eq!(code, Some(0));
    assert!(!top.contains("the runbook language or the DR log"), "{top}");
    assert!(top.contains("DR log or fleet log"), "{top}");
    let (_, schema, _) = run(&["schema", "--help"]);
    assert!(schema.contains("- scenario:"), "{schema}");
    let (_, exec, _) = run(&["exec", "--help"]);
    let fleet = &exec[exec.find("Fleet exit codes").expect("fleet exit codes")..];
    for code in ["0\nall", "1 a hub", "2 a hub", "3\nhubs", "4 a hub", "130"] {
        let code = code.replace('\n', " ");
        assert!(
            fleet.replace('\n', " ").contains(&code),
            "{code:?} missing from:\n{fleet}"
        );
    }
    let (_, test, _) = run(&["test", "--help"]);
    assert!(test.contains("Real seconds per emulated second"), "{test}");
}

#[test]
fn plan_of_an_await_until_lists_no_operation_poll() {
    let (code, out, err) = run(&[
        "plan",
        &path("tests/fixtures/exec/await-until-timeout.yaml"),
    ]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("in_west (await)"), "{out}");
    assert!(!out.contains("Azure-AsyncOperation"), "{out}");
    assert!(
        out.contains("GET https://management.azure.com/subscriptions/"),
        "{out}"
    );
}

#[test]
fn plan_json_of_a_fleet_is_json() {
    let (code, out, err) = run(&["plan", &path("tests/fixtures/fleet/drill.yaml"), "--json"]);
    assert_eq!(code, Some(0), "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("plan --json prints JSON");
    assert_eq!(v["fleet"], "fleet-drill");
    assert!(
        v["hubs"].is_null(),
        "a selector's hubs are chosen at run time"
    );
    assert!(v["steps_on_first_hub"]["steps"].as_array().unwrap().len() > 1);
}

#[test]
fn options_that_would_be_ignored_are_refused() {
    let (code, _, err) = run(&[
        "exec",
        &path("runbooks/verify.yaml"),
        "--emulator",
        "--arm-endpoint",
        "http://127.0.0.1:9",
    ]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("--arm-endpoint") && err.contains("--emulator"),
        "{err}"
    );
    let (code, _, err) = run(&[
        "exec",
        &path("tests/fixtures/fleet/drill.yaml"),
        "--emulator",
        "--yes",
        "--output",
        "json",
    ]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--output json apply to one hub"), "{err}");
}

#[test]
fn the_exit_4_summary_says_the_cleanup_failed() {
    let e = exec_emulated("tests/fixtures/exec/finally-fails.yaml", &["--yes"]);
    assert_eq!(e.code, 4, "{}", e.stdout);
    assert!(
        e.stdout
            .contains("AND CLEANUP FAILED (rollback/finally step impossible_check failed; exit 4)"),
        "{}",
        e.stdout
    );
}

#[test]
fn the_emulators_use_line_carries_its_time_scale_and_a_big_fleet_is_summarised() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("many.yaml");
    std::fs::write(&scenario, "generate: { count: 1000 }\n").unwrap();
    let mut child = command(dir.path())
        .args(["emulator", "--time-scale", "0.5", "--scenario"])
        .arg(&scenario)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = Vec::new();
    let stdout = child.stdout.take().unwrap();
    for line in std::io::BufReader::new(stdout).lines() {
        let line = line.unwrap();
        let done = line.starts_with("use:");
        lines.push(line);
        if done {
            break;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let text = lines.join("\n");
    assert!(lines.len() < 20, "{} lines:\n{text}", lines.len());
    assert!(
        text.contains("... and 990 more hubs (1000 in all)"),
        "{text}"
    );
    let use_line = lines.last().unwrap();
    assert!(
        use_line.contains("--auth emulator --time-scale 0.5"),
        "{use_line}"
    );
}
