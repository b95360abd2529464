//! The checked-in JSON Schema and the shipped runbooks agree with the code.
//!
//! The same holds for `schemas/dr-log.schema.json` and the DR log types, which tooling reads,
//! for `schemas/runbook-test.schema.json` and the test-file types of `runbook test`, and for
//! `schemas/scenario.schema.json` and the emulator's scenario types (whether the shipped
//! scenarios fit it is checked in crates/iothub-emulator/tests/shipped_scenarios.rs).
//! `schemas/runbook.schema.json` is what editors complete against and what the loader validates
//! with (it is compiled in); it must equal the schema generated from the Rust types, or the
//! editor and the loader would disagree with the model. Every shipped runbook points editors at
//! it with the `yaml-language-server` comment on its first line.

mod support;

use std::path::Path;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

#[test]
fn checked_in_dr_log_schema_matches_the_generated_one() {
    let path = Path::new(ROOT).join("schemas/dr-log.schema.json");
    let checked_in = std::fs::read_to_string(&path).expect("read schemas/dr-log.schema.json");
    assert!(
        checked_in == runbook_engine::dr_log::dr_log_schema_text(),
        "schemas/dr-log.schema.json is out of date with the DR log types; regenerate it with\n\n    \
         cargo run -- schema dr-log > schemas/dr-log.schema.json\n"
    );
}

#[test]
fn checked_in_schema_matches_the_generated_one() {
    let path = Path::new(ROOT).join("schemas/runbook.schema.json");
    let checked_in = std::fs::read_to_string(&path).expect("read schemas/runbook.schema.json");
    let generated = runbook_spec::schema::runbook_schema_text();
    assert!(
        checked_in == generated,
        "schemas/runbook.schema.json is out of date with the Rust types; regenerate it with\n\n    \
         cargo run -- schema runbook > schemas/runbook.schema.json\n"
    );
    // The copy the loader compiles in is the same file.
    assert_eq!(runbook_spec::schema::RUNBOOK_SCHEMA_JSON, checked_in);
}

#[test]
fn checked_in_test_file_schema_matches_the_generated_one() {
    let path = Path::new(ROOT).join("schemas/runbook-test.schema.json");
    let checked_in = std::fs::read_to_string(&path).expect("read schemas/runbook-test.schema.json");
    assert!(
        checked_in == runbook_test::schema::test_schema_text(),
        "schemas/runbook-test.schema.json is out of date with the test-file types; regenerate it with\n\n    \
         cargo run -- schema test > schemas/runbook-test.schema.json\n"
    );
    // The copy `runbook test` compiles in is the same file.
    assert_eq!(runbook_test::schema::TEST_SCHEMA_JSON, checked_in);
}

#[test]
fn schema_command_prints_the_checked_in_schema() {
    let out = support::command_in_repo()
        .args(["schema", "runbook"])
        .output()
        .expect("run runbook schema");
    assert_eq!(out.status.code(), Some(0));
    let checked_in =
        std::fs::read(Path::new(ROOT).join("schemas/runbook.schema.json")).expect("read schema");
    assert!(
        out.stdout == checked_in,
        "`runbook schema runbook` differs from the checked-in file"
    );
}

#[test]
fn every_shipped_runbook_names_the_schema_on_its_first_line() {
    let mut seen = 0;
    for entry in std::fs::read_dir(Path::new(ROOT).join("runbooks")).expect("runbooks/") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|e| e != "yaml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("read runbook");
        let first = text.lines().next().unwrap_or_default();
        let schema = if path.to_string_lossy().ends_with(".test.yaml") {
            "runbook-test"
        } else {
            "runbook"
        };
        assert_eq!(
            first,
            format!("# yaml-language-server: $schema=../schemas/{schema}.schema.json"),
            "{} must start with the schema comment so editors complete keys",
            path.display()
        );
        seen += 1;
    }
    assert!(
        seen >= 4,
        "expected the four shipped runbooks, found {seen}"
    );
}

#[test]
fn checked_in_fleet_log_schema_matches_the_generated_one() {
    let path = Path::new(ROOT).join("schemas/fleet-log.schema.json");
    let checked_in = std::fs::read_to_string(&path).expect("read schemas/fleet-log.schema.json");
    assert!(
        checked_in == runbook_engine::fleet::log::fleet_log_schema_text(),
        "schemas/fleet-log.schema.json is out of date with the fleet log types; regenerate it with\n\n    \
         cargo run -- schema fleet-log > schemas/fleet-log.schema.json\n"
    );
}

#[test]
fn checked_in_scenario_schema_matches_the_generated_one() {
    let path = Path::new(ROOT).join("schemas/scenario.schema.json");
    let checked_in = std::fs::read_to_string(&path).expect("read schemas/scenario.schema.json");
    assert!(
        checked_in == iothub_emulator::scenario_schema_text(),
        "schemas/scenario.schema.json is out of date with the emulator's scenario types; regenerate it with\n\n    \
         cargo run -- schema scenario > schemas/scenario.schema.json\n"
    );
}

#[test]
fn schema_command_prints_the_checked_in_scenario_schema() {
    let out = support::command_in_repo()
        .args(["schema", "scenario"])
        .output()
        .expect("run runbook schema scenario");
    assert_eq!(out.status.code(), Some(0));
    let printed: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("`runbook schema scenario` prints JSON");
    assert_eq!(
        printed["$id"],
        "https://runbook.dev/schemas/scenario.schema.json"
    );
    let checked_in =
        std::fs::read(Path::new(ROOT).join("schemas/scenario.schema.json")).expect("read schema");
    assert!(
        out.stdout == checked_in,
        "`runbook schema scenario` differs from the checked-in file"
    );
}
