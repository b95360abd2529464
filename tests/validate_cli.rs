//! `runbook validate` end to end: runs the real binary on the fixture corpora and the shipped
//! runbooks, and snapshots what an SRE would read.
//!
//! Each invalid fixture (one mistake each) must exit 2 and print a located error: file,
//! line:column, field, the source line with a caret and, where one applies, a hint. The text is
//! pinned with an insta snapshot per fixture, so any change to a message is reviewed. Valid
//! fixtures and `runbooks/*.yaml` must exit 0. The binary runs from the repository root with
//! relative paths, so the snapshots do not depend on where the repository is checked out.

#![allow(clippy::unwrap_used)]

mod support;

use std::path::{Path, PathBuf};
use std::process::Output;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Exit code for an invalid or unreadable runbook (`src/exit_code.rs`).
const INVALID: i32 = 2;

/// Fixtures whose problem is the whole file, so their error has no line:column.
const WHOLE_FILE: &[&str] = &["empty.yaml", "whitespace-only.yaml", "comments-only.yaml"];

fn runbook(args: &[&str]) -> Output {
    support::command_in_repo()
        .args(args)
        .output()
        .expect("run the runbook binary")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("stdout is UTF-8")
}

fn relative(path: &Path) -> String {
    path.strip_prefix(ROOT)
        .expect("fixture under the repository")
        .to_str()
        .expect("UTF-8 path")
        .to_string()
}

fn yaml_files(dir: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(Path::new(ROOT).join(dir))
        .expect("read fixture directory")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
}

/// Checks the shape of every error in a human report: a headline `FILE:LINE:COL: error: ...`
/// followed by the quoted source line and a caret, unless the problem is the whole file.
fn assert_located(file: &str, out: &str, whole_file: bool) {
    let lines: Vec<&str> = out.lines().collect();
    let prefix = format!("{file}:");
    let errors: Vec<usize> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.starts_with(&prefix) && l.contains(": error: "))
        .map(|(i, _)| i)
        .collect();
    assert!(!errors.is_empty(), "{file}: no error headline in\n{out}");
    for i in errors {
        let head = lines[i];
        let rest = &head[prefix.len()..];
        let mut parts = rest.splitn(3, ':');
        let (l, c) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        if whole_file {
            assert!(
                rest.starts_with(" error: "),
                "{file}: expected no position: {head}"
            );
            continue;
        }
        let line: usize = l.parse().unwrap_or_else(|_| panic!("no line in `{head}`"));
        let col: usize = c
            .parse()
            .unwrap_or_else(|_| panic!("no column in `{head}`"));
        assert!(line >= 1 && col >= 1, "{head}");
        // `  |`, `N | source`, `  | ^` follow the headline.
        let quoted = lines.get(i + 2).unwrap_or(&"");
        let caret = lines.get(i + 3).unwrap_or(&"");
        assert!(
            quoted.starts_with(&format!("{line} | ")),
            "{file}: source line missing after `{head}`"
        );
        assert!(
            caret.trim_end().ends_with('^'),
            "{file}: caret missing after `{head}`"
        );
        // The caret sits under the reported column (the gutter is `N | `).
        let gutter = line.to_string().len() + 3;
        let caret_col = caret.chars().count() - gutter;
        assert_eq!(
            caret_col, col,
            "{file}: caret under column {caret_col}, headline says {col}"
        );
    }
}

/// How many fixtures `tests/fixtures/invalid/` holds.
const INVALID_FIXTURES: usize = 111;

/// Every invalid fixture exits 2 with a located message (snapshot name: the fixture's).
#[test]
fn invalid() {
    let files = yaml_files("tests/fixtures/invalid");
    // Exactly: a fixture that disappears (its snapshot would linger unnoticed) fails here;
    // one added must be counted here too.
    assert_eq!(
        files.len(),
        INVALID_FIXTURES,
        "the invalid corpus changed size"
    );
    insta::glob!("fixtures/invalid/*.yaml", |path| {
        let file = relative(path);
        let out = runbook(&["validate", &file]);
        let text = stdout(&out);
        assert_eq!(out.status.code(), Some(INVALID), "{file}:\n{text}");
        assert!(
            out.stderr.is_empty(),
            "{file}: stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        assert_located(&file, &text, WHOLE_FILE.contains(&name));
        let summary = text.lines().last().unwrap_or_default();
        assert!(
            summary.starts_with(&format!("{file}: invalid (")),
            "{file}: summary `{summary}`"
        );
        insta::assert_snapshot!(text);
    });
}

#[test]
fn every_valid_fixture_and_shipped_runbook_exits_0() {
    let mut files = yaml_files("tests/fixtures/valid");
    assert!(
        files.len() >= 8,
        "the valid corpus shrank to {}",
        files.len()
    );
    files.extend(yaml_files("runbooks"));
    for path in files {
        let file = relative(&path);
        let out = runbook(&["validate", &file]);
        let text = stdout(&out);
        assert_eq!(out.status.code(), Some(0), "{file}:\n{text}");
        assert!(!text.contains(": error: "), "{file}:\n{text}");
        let summary = text.lines().last().unwrap_or_default();
        assert!(
            summary.starts_with(&format!("{file}: valid")),
            "{file}: {summary}"
        );
    }
}

#[test]
fn shipped_runbooks_have_no_warnings() {
    let out = runbook(&[
        "validate",
        "runbooks/drill.yaml",
        "runbooks/failover-test.yaml",
        "runbooks/planned-failover.yaml",
        "runbooks/verify.yaml",
    ]);
    insta::assert_snapshot!(stdout(&out), @r"
    runbooks/drill.yaml: valid
    runbooks/failover-test.yaml: valid
    runbooks/planned-failover.yaml: valid
    runbooks/verify.yaml: valid
    ");
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn warnings_are_printed_but_do_not_fail() {
    let out = runbook(&["validate", "tests/fixtures/valid/with-warnings.yaml"]);
    assert_eq!(out.status.code(), Some(0));
    insta::assert_snapshot!(stdout(&out));
}

#[test]
fn json_format_reports_the_same_diagnostics() {
    let file = "tests/fixtures/invalid/several-errors.yaml";
    let out = runbook(&["validate", "--format", "json", file]);
    assert_eq!(out.status.code(), Some(INVALID));
    let text = stdout(&out);
    let doc: serde_json::Value = serde_json::from_str(&text).expect("stdout is one JSON document");
    let report = &doc["files"][0];
    assert_eq!(report["file"], file);
    assert_eq!(report["valid"], false);
    let diags = report["diagnostics"].as_array().expect("diagnostics array");
    let errors = diags.iter().filter(|d| d["severity"] == "error").count();
    assert_eq!(errors, 3, "{text}");
    for d in diags {
        assert!(
            d["line"].as_u64().is_some() && d["column"].as_u64().is_some(),
            "{d}"
        );
        assert!(d["field"].as_str().is_some_and(|f| !f.is_empty()), "{d}");
    }
    insta::assert_snapshot!(text);
}

#[test]
fn json_format_for_a_valid_file() {
    let out = runbook(&["validate", "--format", "json", "runbooks/drill.yaml"]);
    assert_eq!(out.status.code(), Some(0));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    assert_eq!(
        doc,
        serde_json::json!({"files": [{"file": "runbooks/drill.yaml", "valid": true, "diagnostics": []}]})
    );
}

#[test]
fn several_files_are_all_reported_and_any_invalid_one_fails_the_run() {
    let out = runbook(&[
        "validate",
        "runbooks/drill.yaml",
        "tests/fixtures/invalid/misspelled-kind.yaml",
        "tests/fixtures/valid/minimal.yaml",
        "tests/fixtures/invalid/empty.yaml",
    ]);
    assert_eq!(out.status.code(), Some(INVALID));
    insta::assert_snapshot!(stdout(&out));

    let all_valid = runbook(&[
        "validate",
        "runbooks/drill.yaml",
        "tests/fixtures/valid/minimal.yaml",
    ]);
    assert_eq!(all_valid.status.code(), Some(0));
}

#[test]
fn a_missing_file_is_one_clear_line() {
    let out = runbook(&["validate", "tests/fixtures/no-such-runbook.yaml"]);
    assert_eq!(out.status.code(), Some(INVALID));
    insta::assert_snapshot!(stdout(&out), @r"
    tests/fixtures/no-such-runbook.yaml: error: no such file

    tests/fixtures/no-such-runbook.yaml: invalid (1 error)
    ");
}

#[test]
fn a_directory_is_one_clear_line() {
    let out = runbook(&["validate", "tests/fixtures/valid"]);
    assert_eq!(out.status.code(), Some(INVALID));
    insta::assert_snapshot!(stdout(&out), @r"
    tests/fixtures/valid: error: is a directory, expected a runbook YAML file

    tests/fixtures/valid: invalid (1 error)
    ");
}

#[test]
fn an_oversized_file_is_refused_before_parsing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("huge.yaml");
    let mut text = String::from("version: 1\nname: huge\ndescription: |\n");
    while text.len() <= 1024 * 1024 {
        text.push_str("  padding padding padding padding padding padding padding padding\n");
    }
    std::fs::write(&path, &text).expect("write");
    let out = runbook(&["validate", path.to_str().expect("UTF-8 path")]);
    assert_eq!(out.status.code(), Some(INVALID));
    let first = stdout(&out).lines().next().unwrap_or_default().to_string();
    assert!(
        first.ends_with(&format!(
            "huge.yaml: error: file is {} bytes, over the 1048576 byte limit for a runbook",
            text.len()
        )),
        "{first}"
    );
}

#[test]
fn no_file_at_all_is_a_usage_error() {
    let out = runbook(&["validate"]);
    assert_eq!(out.status.code(), Some(INVALID));
    assert!(String::from_utf8_lossy(&out.stderr).contains("FILE"));
}
