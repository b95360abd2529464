//! What a new user expects of a CLI: completions that the shells accept, a man page, a starter
//! runbook that passes validate and test as written, and `runbook test --list`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use support::*;

fn ok(dir: &std::path::Path, args: &[&str]) -> String {
    let out = command(dir).args(args).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(
        out.status.code(),
        Some(0),
        "runbook {args:?}:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[test]
fn bash_completion_parses_and_knows_the_subcommands() {
    let dir = tempfile::tempdir().unwrap();
    let script = ok(dir.path(), &["completions", "bash"]);
    let file = dir.path().join("runbook.bash");
    std::fs::write(&file, &script).unwrap();
    let check = std::process::Command::new("bash")
        .arg("-n")
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "bash -n: {}",
        String::from_utf8_lossy(&check.stderr)
    );
    for word in ["exec", "resume", "validate", "completions", "--emulator"] {
        assert!(script.contains(word), "{word} missing");
    }
}

#[test]
fn every_shell_gets_completions_and_the_man_page_is_roff() {
    let dir = tempfile::tempdir().unwrap();
    for shell in ["zsh", "fish", "powershell"] {
        let script = ok(dir.path(), &["completions", shell]);
        assert!(script.contains("runbook"), "{shell}");
    }
    let man = ok(dir.path(), &["man"]);
    assert!(man.contains(".TH runbook 1"), "{man}");
    assert!(man.contains("exec"), "{man}");
    let out = command(dir.path())
        .args(["completions", "tcsh"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn init_writes_a_runbook_and_tests_that_pass_as_written() {
    let dir = tempfile::tempdir().unwrap();
    ok(dir.path(), &["init", "drills"]);
    let drills = dir.path().join("drills");
    let mut c = command(dir.path());
    // As a new user runs it: no subscription anywhere, and CI=true so no golden is taken on
    // trust.
    c.env_remove("AZURE_SUBSCRIPTION_ID").env("CI", "true");
    let out = c
        .args(["validate", "drills/drill.yaml", "drills/drill.test.yaml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let mut c = command(dir.path());
    c.env_remove("AZURE_SUBSCRIPTION_ID").env("CI", "true");
    let out = c.args(["test", "drills"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("3 passed, 0 failed"), "{stdout}");
    let mut c = command(dir.path());
    c.env_remove("AZURE_SUBSCRIPTION_ID");
    let out = c
        .args([
            "exec",
            "drills/drill.yaml",
            "--emulator",
            "--yes",
            "--time-scale",
            SCALE,
        ])
        .args(["--log", "dr.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    // Never over what is there.
    let out = command(dir.path())
        .args(["init", "drills"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(drills.join("drill.yaml").exists());
}

#[test]
fn test_list_names_the_cases_and_runs_none() {
    let dir = tempfile::tempdir().unwrap();
    let runbooks = repo("runbooks").display().to_string();
    let list = ok(dir.path(), &["test", "--list", &runbooks]);
    assert!(list.contains("drill.test.yaml::"), "{list}");
    assert!(!list.contains("PASS"), "{list}");
    let filtered = ok(dir.path(), &["test", "--list", "-k", "verify", &runbooks]);
    assert!(filtered.lines().count() < list.lines().count());
    assert!(filtered.lines().all(|l| l.contains("verify")), "{filtered}");
}
