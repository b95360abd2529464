//! `runbook test` through the real binary: the shipped test files pass, a change to a
//! runbook's behaviour is caught (by an expectation and by the golden), goldens are written,
//! refused under CI and rewritten by `--update`, broken test files get located errors, and
//! the JUnit and JSON reports say the same as the terminal.

mod support;

use std::path::{Path, PathBuf};
use std::process::Output;

use support::{command, repo};

/// A copy of `runbooks/` (runbooks, test files, goldens) in a fresh directory.
fn copy_of_runbooks() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    copy_dir(&repo("runbooks"), &dir.path().join("runbooks"));
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let path = entry.expect("entry").path();
        let dest = to.join(path.file_name().expect("name"));
        if path.is_dir() {
            copy_dir(&path, &dest);
        } else {
            std::fs::copy(&path, &dest).expect("copy");
        }
    }
}

fn run_test(dir: &Path, args: &[&str], ci: bool) -> (i32, String, String) {
    let mut cmd = command(dir);
    cmd.arg("test").args(args);
    if ci {
        cmd.env("CI", "true");
    } else {
        cmd.env_remove("CI");
    }
    let out: Output = cmd.output().expect("run runbook test");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).expect("read");
    assert!(
        text.contains(from),
        "{} does not contain {from:?}",
        path.display()
    );
    std::fs::write(path, text.replacen(from, to, 1)).expect("write");
}

/// The shipped `runbooks/*.test.yaml` cases.
const SHIPPED_CASES: [&str; 38] = [
    "runbooks/drill.test.yaml::happy-path",
    "runbooks/drill.test.yaml::hub-not-active",
    "runbooks/drill.test.yaml::failover-fails",
    "runbooks/drill.test.yaml::device-drop",
    "runbooks/drill.test.yaml::unhealthy-endpoint",
    "runbooks/drill.test.yaml::throttled",
    "runbooks/drill.test.yaml::no-confirmation",
    "runbooks/drill.test.yaml::dry-run",
    "runbooks/drill.test.yaml::quick-recovery",
    "runbooks/drill.test.yaml::slow-recovery",
    "runbooks/drill.test.yaml::devices-never-return",
    "runbooks/drill.test.yaml::metrics-throttled",
    "runbooks/drill.test.yaml::metrics-unavailable",
    "runbooks/drill.test.yaml::preflight-failover-from-elsewhere",
    "runbooks/drill.test.yaml::preflight-read-only-lock",
    "runbooks/drill.test.yaml::preflight-data-residency",
    "runbooks/drill.test.yaml::preflight-no-permission-entry",
    "runbooks/failover-test.test.yaml::happy-path",
    "runbooks/failover-test.test.yaml::hub-not-active",
    "runbooks/failover-test.test.yaml::failover-fails",
    "runbooks/failover-test.test.yaml::device-drop",
    "runbooks/failover-test.test.yaml::unhealthy-endpoint",
    "runbooks/failover-test.test.yaml::throttled",
    "runbooks/failover-test.test.yaml::no-confirmation",
    "runbooks/planned-failover.test.yaml::happy-path",
    "runbooks/planned-failover.test.yaml::hub-not-active",
    "runbooks/planned-failover.test.yaml::failover-fails",
    "runbooks/planned-failover.test.yaml::device-drop-within-tolerance",
    "runbooks/planned-failover.test.yaml::device-drop",
    "runbooks/planned-failover.test.yaml::unhealthy-endpoint",
    "runbooks/planned-failover.test.yaml::throttled",
    "runbooks/verify.test.yaml::happy-path",
    "runbooks/verify.test.yaml::hub-not-active",
    "runbooks/verify.test.yaml::still-in-primary-region",
    "runbooks/verify.test.yaml::no-expected-location",
    "runbooks/verify.test.yaml::device-drop-not-checked",
    "runbooks/verify.test.yaml::unhealthy-endpoint",
    "runbooks/verify.test.yaml::throttled",
];

#[test]
fn every_shipped_test_case_passes_against_its_golden() {
    let dir = copy_of_runbooks();
    let (code, stdout, stderr) = run_test(dir.path(), &["runbooks"], true);
    assert_eq!(code, 0, "stdout:\n{stdout}\nstderr:\n{stderr}");
    // Every shipped case, by name: a case that disappears (or is renamed) fails here.
    let mut passed: Vec<&str> = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("PASS "))
        .map(|l| l.split(" (").next().unwrap_or(l))
        .collect();
    passed.sort_unstable();
    let mut shipped = SHIPPED_CASES.to_vec();
    shipped.sort_unstable();
    assert_eq!(passed, shipped, "{stdout}");
    assert!(
        stdout.ends_with(&format!("{} passed, 0 failed\n", SHIPPED_CASES.len())),
        "{stdout}"
    );
    // Each shipped runbook is tested for the ways Azure misbehaves.
    for file in ["drill", "planned-failover", "failover-test", "verify"] {
        for case in [
            "happy-path",
            "hub-not-active",
            "unhealthy-endpoint",
            "throttled",
        ] {
            let id = format!("runbooks/{file}.test.yaml::{case}");
            assert!(stdout.contains(&id), "{id} is missing:\n{stdout}");
        }
    }
}

#[test]
fn a_change_in_a_runbooks_behaviour_fails_its_tests() {
    let dir = copy_of_runbooks();
    // Someone relaxes the device check: 100 lost devices no longer fail the drill.
    edit(
        &dir.path().join("runbooks/drill.yaml"),
        "max_drift: 0 }",
        "max_drift: 500 }",
    );
    let (code, stdout, _) = run_test(dir.path(), &["runbooks/drill.test.yaml"], true);
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains("FAIL runbooks/drill.test.yaml::device-drop"),
        "{stdout}"
    );
    // The drill still fails (its `max_device_drift` objective holds the line), but the step
    // that should have caught the drop no longer does, and the test says which.
    assert!(
        stdout.contains("step `data_integrity_check` is success, expected failed"),
        "{stdout}"
    );
    // The goldens catch it too: the step's new outcome, and in every case the new input.
    assert!(stdout.contains("differs from its golden"), "{stdout}");
    assert!(
        stdout.contains("-       \"status\": \"failed\""),
        "{stdout}"
    );
    assert!(stdout.contains("+         \"max_drift\": 500"), "{stdout}");
    assert!(
        stdout.contains("FAIL runbooks/drill.test.yaml::happy-path"),
        "{stdout}"
    );
}

#[test]
fn a_missing_golden_is_written_locally_but_fails_under_ci() {
    let dir = copy_of_runbooks();
    let golden = dir.path().join("runbooks/golden/verify/throttled.json");
    let original = std::fs::read_to_string(&golden).expect("shipped golden");
    std::fs::remove_file(&golden).expect("remove golden");

    let (code, stdout, _) = run_test(dir.path(), &["runbooks", "-k", "verify"], true);
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains("CI=true: a missing golden fails"),
        "{stdout}"
    );
    assert!(!golden.exists(), "CI must not write goldens");

    let (code, stdout, _) = run_test(dir.path(), &["runbooks", "-k", "verify"], false);
    assert_eq!(code, 0, "{stdout}");
    assert!(
        stdout.contains("NEW  runbooks/verify.test.yaml::throttled"),
        "{stdout}"
    );
    assert_eq!(
        std::fs::read_to_string(&golden).expect("golden written"),
        original,
        "the golden written again is the one shipped: runs are reproducible"
    );
}

#[test]
fn update_rewrites_a_golden_that_differs() {
    let dir = copy_of_runbooks();
    let golden = dir.path().join("runbooks/golden/drill/happy-path.json");
    let original = std::fs::read_to_string(&golden).expect("shipped golden");
    edit(&golden, "\"attempts\": 1,", "\"attempts\": 7,");

    let (code, stdout, _) = run_test(
        dir.path(),
        &["runbooks", "-k", "drill.test.yaml::happy"],
        true,
    );
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("-       \"attempts\": 7,"), "{stdout}");
    assert!(stdout.contains("+       \"attempts\": 1,"), "{stdout}");

    // Outside CI: under CI, --update is refused (tests/output_safety.rs).
    let (code, stdout, _) = run_test(
        dir.path(),
        &["runbooks", "-k", "drill.test.yaml::happy", "--update"],
        false,
    );
    assert_eq!(code, 0, "{stdout}");
    assert!(
        stdout.contains("UPD  runbooks/drill.test.yaml::happy-path"),
        "{stdout}"
    );
    assert_eq!(std::fs::read_to_string(&golden).expect("golden"), original);
}

#[test]
fn a_broken_test_file_gets_located_errors_and_runs_nothing() {
    let dir = copy_of_runbooks();
    let file = dir.path().join("runbooks/broken.test.yaml");
    std::fs::write(
        &file,
        "runbook: drill.yaml\ncases:\n  - name: one\n    scenario:\n      hub: { devices: { enabld: 3 } }\n    expect:\n      steps: { initiate_failovr: success }\n      log: { post_failover_locaton: westus }\n      requests: { \"FETCH x\": 1 }\n  - name: one\n    expect: { exit: 2 }\n",
    )
    .expect("write");
    let (code, stdout, stderr) = run_test(dir.path(), &["runbooks/broken.test.yaml"], true);
    assert_eq!(code, 2, "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(!stdout.contains("PASS"), "{stdout}");
    insta::assert_snapshot!(stderr);
}

#[test]
fn validate_checks_test_files_too() {
    let dir = copy_of_runbooks();
    let file = dir.path().join("runbooks/drill.test.yaml");
    edit(
        &file,
        "post_failover_location: westus",
        "post_failover_locaton: westus",
    );
    let out = command(dir.path())
        .args([
            "validate",
            "runbooks/drill.test.yaml",
            "runbooks/drill.yaml",
        ])
        .output()
        .expect("run validate");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(
        text.contains("runbooks/drill.test.yaml:26:9: error: cases[0].expect.log.post_failover_locaton: the DR log has no field `post_failover_locaton`"),
        "{text}"
    );
    assert!(
        text.contains("did you mean `post_failover_location`?"),
        "{text}"
    );
    assert!(text.contains("runbooks/drill.yaml: valid"), "{text}");
}

#[test]
fn junit_and_json_reports_agree_with_the_run() {
    let dir = copy_of_runbooks();
    edit(
        &dir.path().join("runbooks/verify.test.yaml"),
        "\"GET IotHubStats\": 3",
        "\"GET IotHubStats\": 9",
    );
    let junit: PathBuf = dir.path().join("results.xml");
    let (code, stdout, _) = run_test(
        dir.path(),
        &[
            "runbooks/verify.test.yaml",
            "--output",
            "json",
            "--junit",
            junit.to_str().expect("utf-8 path"),
        ],
        true,
    );
    assert_eq!(code, 1, "{stdout}");
    let doc: serde_json::Value = serde_json::from_str(&stdout).expect("one JSON document");
    assert_eq!(doc["failed"], 1);
    let failed: Vec<&serde_json::Value> = doc["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .filter(|c| c["verdict"] == "failed")
        .collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["case"], "throttled");
    assert_eq!(
        failed[0]["failures"][0],
        "3 `GET IotHubStats` requests were made, expected 9"
    );
    let xml = std::fs::read_to_string(&junit).expect("JUnit written");
    assert!(xml.contains("failures=\"1\""), "{xml}");
    assert!(
        xml.contains("<failure message=\"3 `GET IotHubStats` requests were made, expected 9\">"),
        "{xml}"
    );
    assert_eq!(
        xml.matches("<testcase ").count(),
        doc["cases"].as_array().expect("cases").len()
    );
}

#[test]
fn no_test_files_or_no_matching_case_is_a_usage_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (code, _, stderr) = run_test(dir.path(), &["."], true);
    assert_eq!(code, 2);
    assert!(stderr.contains("no test files (*.test.yaml)"), "{stderr}");
    let runbooks = copy_of_runbooks();
    let (code, _, stderr) = run_test(runbooks.path(), &["runbooks", "-k", "no-such-case"], true);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("no case matches -k no-such-case"),
        "{stderr}"
    );
}

#[test]
fn expect_objectives_are_checked_and_named_objectives_must_exist() {
    let dir = copy_of_runbooks();
    let file = dir.path().join("runbooks/drill.test.yaml");
    // The device-drop case says its drift objective was met: the run missed it.
    edit(
        &file,
        "        rto: missed\n        max_device_drift: missed\n        min_healthy_endpoints: met",
        "        rto: missed\n        max_device_drift: met\n        min_healthy_endpoints: met",
    );
    let (code, stdout, _) = run_test(
        dir.path(),
        &["runbooks/drill.test.yaml", "-k", "device-drop"],
        true,
    );
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains(
            "objective `max_device_drift` was missed, expected met: 1200 devices at `pre`, 1100 at `post`"
        ),
        "{stdout}"
    );

    // An objective the runbook does not declare is a located error, not a silent pass.
    edit(&file, "        rto: met\n", "        rtoo: met\n");
    let out = command(dir.path())
        .args(["validate", "runbooks/drill.test.yaml"])
        .output()
        .expect("run validate");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(
        text.contains(
            "error: cases[0].expect.objectives.rtoo: the runbook has no objective `rtoo`"
        ),
        "{text}"
    );
    assert!(text.contains("did you mean `rto`?"), "{text}");
}
