//! `runbook --version` names the commit and build date, and the records a run writes (DR log,
//! fleet log) name the same version.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use support::*;

fn version() -> String {
    let dir = tempfile::tempdir().unwrap();
    let out = command(dir.path()).arg("--version").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

#[test]
fn version_has_the_commit_and_the_build_date() {
    let v = version();
    let shape = regex::Regex::new(
        r"^runbook \d+\.\d+\.\d+ \(([0-9a-f]{7,40}(-dirty)?|unknown commit) \d{4}-\d{2}-\d{2}\)$",
    )
    .unwrap();
    assert!(shape.is_match(&v), "{v}");
}

#[test]
fn dr_log_and_fleet_log_record_the_version_that_wrote_them() {
    let v = version();
    let e = exec_emulated("runbooks/verify.yaml", &[]);
    assert_eq!(e.code, 0, "{}", e.stderr);
    let log = e.log.as_ref().unwrap();
    assert_eq!(log["runbook_version"], v.as_str());
    assert_log_matches_schema(log);

    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("two.yaml");
    std::fs::write(
        &scenario,
        "generate: { count: 2, tags: { dr-drill: enabled } }\n",
    )
    .unwrap();
    let out = command(dir.path())
        .arg("exec")
        .arg(repo("tests/fixtures/fleet/drill.yaml"))
        .args([
            "--emulator",
            "--time-scale",
            SCALE,
            "--yes",
            "--fleet-dir",
            "fleet",
        ])
        .arg("--scenario")
        .arg(&scenario)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let fleet: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("fleet/fleet.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(fleet["runbook_version"], v.as_str());
}
