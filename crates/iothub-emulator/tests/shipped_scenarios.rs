//! Every scenario the repository ships validates against the checked-in scenario schema (what
//! editors check against) and loads in the emulator: the scenario files, which name the schema
//! on their first line, and the inline scenarios of the shipped test files (`*.test.yaml`).
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use iothub_emulator::Scenario;
use serde_json::{Map, Value, json};

const SCHEMA_LINE: &str = "# yaml-language-server: $schema=";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(repo().join("schemas/scenario.schema.json")).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::options()
        .should_validate_formats(false)
        .build(&schema)
        .unwrap()
}

fn assert_valid(v: &jsonschema::Validator, doc: &Value, what: &str) {
    let errors: Vec<String> = v
        .iter_errors(doc)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what} does not fit the schema: {errors:?}"
    );
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            yaml_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
}

/// The shipped YAML files outside the fixtures made to be broken.
fn shipped_yaml() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in [
        "bench",
        "runbooks",
        "tests/fixtures",
        "src",
        "deploy",
        "docs",
    ] {
        yaml_files(&repo().join(dir), &mut files);
    }
    files.sort();
    files
}

#[test]
fn every_shipped_scenario_file_names_the_schema_fits_it_and_loads() {
    let v = validator();
    let schema_file = repo()
        .join("schemas/scenario.schema.json")
        .canonicalize()
        .unwrap();
    let mut seen = 0;
    for path in shipped_yaml() {
        let Ok(text) = std::fs::read_to_string(&path) else {
            // A fixture that is not UTF-8 on purpose; the emulator refuses it too.
            assert!(Scenario::load(&path).is_err(), "{}", path.display());
            continue;
        };
        let first = text.lines().next().unwrap_or_default();
        let names_it = first.starts_with(SCHEMA_LINE) && first.ends_with("/scenario.schema.json");
        let loads = Scenario::load(&path);
        if !names_it {
            // A file the emulator takes as a scenario (one that seeds something: a comment-only
            // file also loads) must point editors at the schema.
            assert!(
                loads.is_err() || loads.is_ok_and(|s| s == Scenario::default()),
                "{} is a scenario file but does not start with `{SCHEMA_LINE}<path to schemas/scenario.schema.json>`",
                path.display()
            );
            continue;
        }
        let rel = &first[SCHEMA_LINE.len()..];
        assert_eq!(
            path.parent()
                .unwrap()
                .join(rel)
                .canonicalize()
                .ok()
                .as_ref(),
            Some(&schema_file),
            "{}: the schema path {rel} does not lead to schemas/scenario.schema.json",
            path.display()
        );
        if let Err(e) = loads {
            panic!("the emulator refuses {}: {e}", path.display());
        }
        let doc: Value = serde_saphyr::from_str(&text).unwrap();
        assert_valid(&v, &doc, &path.display().to_string());
        seen += 1;
    }
    // tests/fixtures/scenarios alone holds 13.
    assert!(
        seen >= 20,
        "expected the shipped scenario files, found {seen}"
    );
}

/// What `runbook test` makes of a case's inline scenario: `hub:` is the runbook's target hub
/// with those changes (any name will do here), the other keys are the emulator's own.
fn inline_tree(inline: &Map<String, Value>) -> Value {
    let mut tree = Map::new();
    for (key, value) in inline {
        if key == "hub" {
            let mut hub = value.as_object().cloned().unwrap_or_default();
            hub.insert("name".into(), json!("myIoTHub"));
            tree.insert("hubs".into(), json!([hub]));
        } else {
            tree.insert(key.clone(), value.clone());
        }
    }
    Value::Object(tree)
}

#[test]
fn every_scenario_of_the_shipped_test_files_fits_the_schema_and_loads() {
    let v = validator();
    let mut seen = 0;
    for path in shipped_yaml() {
        if !path.to_string_lossy().ends_with(".test.yaml") {
            continue;
        }
        let doc: Value = serde_saphyr::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        for case in doc["cases"].as_array().unwrap() {
            let what = format!("{} case {}", path.display(), case["name"]);
            let tree = match &case["scenario"] {
                Value::Null => continue,
                Value::String(file) => {
                    let file = path.parent().unwrap().join(file);
                    let scenario = Scenario::load(&file).unwrap();
                    assert!(!scenario.hubs.is_empty(), "{what}");
                    serde_saphyr::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap()
                }
                Value::Object(inline) => inline_tree(inline),
                other => panic!("{what}: scenario {other}"),
            };
            assert_valid(&v, &tree, &what);
            let scenario: Scenario = serde_json::from_value(tree)
                .unwrap_or_else(|e| panic!("{what}: the emulator refuses it: {e}"));
            scenario.validate(&what).unwrap();
            seen += 1;
        }
    }
    assert!(
        seen >= 10,
        "expected the shipped test cases' scenarios, found {seen}"
    );
}
