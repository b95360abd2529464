//! Loading a test file: text in, checked cases ready to run out, or located diagnostics.
//!
//! The stages are the runbook's own (`runbook_spec`): read with limits -> YAML with positions
//! -> the test file's JSON Schema -> serde into `model` -> checks against the runbook under
//! test. Those last checks are what make a test file trustworthy: every step id, DR-log field
//! and request pattern an expectation names must exist (with "did you mean"), parameters must
//! resolve, and each scenario must be one the emulator accepts, so a typo is an error at
//! FILE:LINE:COL and never an expectation that silently tests nothing.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use iothub_emulator::Scenario;
use runbook_engine::{Prepared, prepare_loaded};
use runbook_spec::diagnostic::field_from_pointer;
use runbook_spec::yaml_tree::{YamlDocument, escape_segment};
use runbook_spec::{Diagnostic, LoadFailure, SourceFile};
use serde_json::Value;

use crate::model::{CaseDoc, ExpectDoc, TestFileDoc};
use crate::requests::RequestPattern;

/// A test file that loaded: its runbook and its cases.
#[derive(Debug)]
pub struct TestFile {
    pub path: PathBuf,
    pub runbook_path: PathBuf,
    pub cases: Vec<Case>,
}

/// One case, ready to run: parameters resolved, target rendered, scenario built.
#[derive(Debug)]
pub struct Case {
    pub name: String,
    pub description: Option<String>,
    /// Where the case starts in the test file, for reports.
    pub line: u32,
    pub prepared: Prepared,
    pub scenario: Scenario,
    pub yes: bool,
    pub dry_run: bool,
    pub golden: bool,
    /// The case's own time scale, if it sets one.
    pub time_scale: Option<f64>,
    pub expect: ExpectDoc,
    pub requests: Vec<(String, RequestPattern, u32)>,
}

/// Exit codes a run can end with.
const EXIT_CODES: [i32; 5] = [0, 1, 3, 4, 130];

/// Reads and checks the test file at `path`. A runbook under test that does not load is
/// reported with its own diagnostics.
pub fn load_test_file(path: &Path) -> Result<TestFile, LoadFailure> {
    let src = SourceFile::read(path).map_err(|f| LoadFailure {
        source: f.lossy,
        diagnostics: vec![f.diagnostic],
    })?;
    let fail = |src: &SourceFile, mut diagnostics: Vec<Diagnostic>| {
        diagnostics.sort_by_key(|d| (d.line.unwrap_or(0), d.column.unwrap_or(0)));
        LoadFailure {
            source: Some(src.clone()),
            diagnostics,
        }
    };
    if src.text.trim().is_empty() {
        let d = Diagnostic::file_error(
            &src.name,
            "file has no content, expected a test file (a mapping with `cases`)",
        );
        return Err(fail(&src, vec![d]));
    }
    let doc = runbook_spec::yaml_tree::parse(&src).map_err(|d| fail(&src, vec![*d]))?;
    if !doc.value.is_object() {
        let d = Diagnostic::error(
            &src.name,
            doc.positions.value(""),
            "",
            "expected a mapping at the top level (runbook, set, cases)",
        );
        return Err(fail(&src, vec![d]));
    }
    let schema_errors = runbook_spec::schema::check_against(crate::schema::compiled(), &src, &doc);
    if !schema_errors.is_empty() {
        return Err(fail(&src, schema_errors));
    }
    let file: TestFileDoc =
        runbook_spec::typed::deserialize_located(&src, &doc).map_err(|d| fail(&src, vec![*d]))?;

    let dir = path.parent().unwrap_or(Path::new(".")).to_path_buf();
    let runbook_path = match &file.runbook {
        Some(rel) => dir.join(rel),
        None => dir.join(default_runbook_name(path)),
    };
    if !runbook_path.is_file() {
        let d = Diagnostic::error(
            &src.name,
            doc.positions
                .value("/runbook")
                .or_else(|| doc.positions.value("")),
            "runbook",
            format!("the runbook under test, {}, does not exist", runbook_path.display()),
        )
        .with_hint(Some(
            "name it with `runbook:` (relative to this file), or name this file <runbook>.test.yaml beside it".to_string(),
        ));
        return Err(fail(&src, vec![d]));
    }
    let loaded = runbook_spec::load_file(&runbook_path)?;

    let mut checker = Checker {
        src: &src,
        doc: &doc,
        errors: Vec::new(),
    };
    let dr_log_fields = dr_log_fields();
    let step_ids: Vec<String> = loaded
        .runbook
        .all_steps()
        .map(|(_, _, s)| s.id.clone())
        .collect();
    let objective_names: Vec<&str> = loaded
        .runbook
        .objectives
        .declared()
        .iter()
        .map(|o| o.name)
        .collect();
    let mut names = HashSet::new();
    let mut cases = Vec::new();
    for (i, case) in file.cases.iter().enumerate() {
        let at = format!("/cases/{i}");
        if !names.insert(case.name.to_ascii_lowercase()) {
            checker.error(
                &format!("{at}/name"),
                format!("a case named `{}` is already in this file", case.name),
                Some("each case needs its own name: it names the golden file".into()),
            );
        }
        checker.expectations(&at, &case.expect, &step_ids, dr_log_fields);
        checker.objectives(&at, &case.expect, &objective_names);
        let requests = checker.request_patterns(&at, &case.expect);
        let mut pairs: Vec<(String, String)> = file
            .set
            .iter()
            .chain(case.set.iter())
            .map(|(k, v)| (k.clone(), v.as_set_text()))
            .collect();
        // A case's own value wins over the file's.
        pairs.reverse();
        let mut seen = HashSet::new();
        pairs.retain(|(k, _)| seen.insert(k.clone()));
        pairs.reverse();
        // Every case runs in an emulator: a subscription parameter nothing gives a value takes
        // the emulator's, as under `runbook exec --emulator`.
        let names: Vec<String> = pairs.iter().map(|(k, _)| k.clone()).collect();
        if let Some(name) = runbook_engine::unset_subscription_param(&loaded, &names, &|_| None) {
            let value = runbook_engine::EMULATOR_SUBSCRIPTION.to_string();
            pairs.insert(0, (name, value));
        }
        // The environment is never read: a case runs the same on every machine.
        let prepared = match prepare_loaded(loaded.clone(), &runbook_path, &pairs, &|_| None) {
            Ok(p) => p,
            Err(message) => {
                let pointer = if case.set.is_empty() {
                    at.clone()
                } else {
                    format!("{at}/set")
                };
                checker.error(&pointer, message, Some(
                    "give parameters the runbook needs in the case's `set:` or the file's `set:`; test cases do not read the environment".into(),
                ));
                continue;
            }
        };
        let origin = format!("{} case {}", src.name, case.name);
        let scenario =
            match crate::scenario::build(case.scenario.as_ref(), &prepared.target, &dir, &origin) {
                Ok(s) => s,
                Err(p) => {
                    let pointer = format!("{at}/scenario{}", p.pointer);
                    // An unknown field is best shown at its name; anything else at its value.
                    if p.message.starts_with("unknown field") {
                        checker.key_error(&pointer, p.message, None);
                    } else {
                        checker.error(&pointer, p.message, None);
                    }
                    continue;
                }
            };
        cases.push(case_from(
            case,
            doc.positions.value(&at).map_or(0, |p| p.line),
            prepared,
            scenario,
            requests,
        ));
    }
    if !checker.errors.is_empty() {
        return Err(fail(&src, checker.errors));
    }
    Ok(TestFile {
        path: path.to_path_buf(),
        runbook_path,
        cases,
    })
}

fn case_from(
    case: &CaseDoc,
    line: u32,
    prepared: Prepared,
    scenario: Scenario,
    requests: Vec<(String, RequestPattern, u32)>,
) -> Case {
    Case {
        name: case.name.clone(),
        description: case.description.clone(),
        line,
        prepared,
        scenario,
        yes: case.yes,
        dry_run: case.dry_run,
        golden: case.golden,
        time_scale: case.time_scale,
        expect: case.expect.clone(),
        requests,
    }
}

/// `drill.test.yaml` tests `drill.yaml`.
pub fn default_runbook_name(test_file: &Path) -> String {
    let name = test_file
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    for suffix in [".test.yaml", ".test.yml"] {
        if let Some(stem) = name.strip_suffix(suffix) {
            return format!("{stem}.yaml");
        }
    }
    name.to_string()
}

/// The DR log's top-level fields, from its schema (generated once per process, not per file).
fn dr_log_fields() -> &'static [String] {
    static FIELDS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    FIELDS.get_or_init(|| {
        let schema: Value =
            serde_json::from_str(&runbook_record::dr_log_schema_text()).unwrap_or_default();
        schema["properties"]
            .as_object()
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default()
    })
}

struct Checker<'a> {
    src: &'a SourceFile,
    doc: &'a YamlDocument,
    errors: Vec<Diagnostic>,
}

impl Checker<'_> {
    fn error(&mut self, pointer: &str, message: String, hint: Option<String>) {
        self.errors.push(
            Diagnostic::error(
                &self.src.name,
                self.doc.positions.value(pointer),
                field_from_pointer(pointer),
                message,
            )
            .with_hint(hint),
        );
    }

    fn key_error(&mut self, pointer: &str, message: String, hint: Option<String>) {
        self.errors.push(
            Diagnostic::error(
                &self.src.name,
                self.doc.positions.key(pointer),
                field_from_pointer(pointer),
                message,
            )
            .with_hint(hint),
        );
    }

    fn expectations(
        &mut self,
        at: &str,
        expect: &ExpectDoc,
        step_ids: &[String],
        fields: &[String],
    ) {
        if let Some(code) = expect.exit
            && !EXIT_CODES.contains(&code)
        {
            self.error(
                &format!("{at}/expect/exit"),
                format!("a run cannot exit with {code}"),
                Some("a run exits 0 (succeeded), 1 (failed after a change), 3 (stopped before any change), 4 (a rollback or finally step failed) or 130 (interrupted); 2 is an invalid runbook, which `runbook validate` tests".into()),
            );
        }
        for id in expect.steps.keys() {
            if !step_ids.iter().any(|s| s == id) {
                let hint =
                    runbook_spec::suggest::did_you_mean(id, step_ids.iter().map(String::as_str))
                        .or_else(|| Some(format!("the runbook's steps: {}", step_ids.join(", "))));
                self.key_error(
                    &format!("{at}/expect/steps/{}", escape_segment(id)),
                    format!("the runbook has no step `{id}`"),
                    hint,
                );
            }
        }
        for (field, value) in &expect.log {
            let pointer = format!("{at}/expect/log/{}", escape_segment(field));
            if !fields.iter().any(|f| f == field) {
                let hint =
                    runbook_spec::suggest::did_you_mean(field, fields.iter().map(String::as_str));
                self.key_error(
                    &pointer,
                    format!("the DR log has no field `{field}`"),
                    hint.or_else(|| Some("see `runbook schema dr-log` for its fields".into())),
                );
            } else if field == "steps" {
                self.key_error(
                    &pointer,
                    "step records are checked with `expect.steps` (status by step id) and the golden file".into(),
                    None,
                );
            } else if value.is_null() {
                self.error(
                    &pointer,
                    format!("`{field}: null` is ambiguous here"),
                    Some("write `absent` to require that the field is not set".into()),
                );
            }
        }
    }

    /// Each objective an expectation names must be one the runbook declares.
    fn objectives(&mut self, at: &str, expect: &ExpectDoc, declared: &[&str]) {
        for name in expect.objectives.keys() {
            if declared.contains(&name.as_str()) {
                continue;
            }
            let hint =
                runbook_spec::suggest::did_you_mean(name, declared.iter().copied()).or_else(|| {
                    Some(if declared.is_empty() {
                        "the runbook declares no objectives".to_string()
                    } else {
                        format!("the runbook's objectives: {}", declared.join(", "))
                    })
                });
            self.key_error(
                &format!("{at}/expect/objectives/{}", escape_segment(name)),
                format!("the runbook has no objective `{name}`"),
                hint,
            );
        }
    }

    fn request_patterns(
        &mut self,
        at: &str,
        expect: &ExpectDoc,
    ) -> Vec<(String, RequestPattern, u32)> {
        let mut out = Vec::new();
        for (text, count) in &expect.requests {
            match RequestPattern::parse(text) {
                Ok(p) => out.push((text.clone(), p, *count)),
                Err(message) => self.key_error(
                    &format!("{at}/expect/requests/{}", escape_segment(text)),
                    message,
                    Some(
                        "write `METHOD path-end`, e.g. `POST failover` or `GET IotHubStats`".into(),
                    ),
                ),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_test_file_names_its_runbook() {
        assert_eq!(
            default_runbook_name(Path::new("r/drill.test.yaml")),
            "drill.yaml"
        );
        assert_eq!(
            default_runbook_name(Path::new("verify.test.yml")),
            "verify.yaml"
        );
    }

    #[test]
    fn the_dr_log_fields_come_from_its_schema() {
        let fields = dr_log_fields();
        for f in [
            "status",
            "target_region",
            "post_failover_location",
            "failover_started",
        ] {
            assert!(fields.iter().any(|x| x == f), "{f} missing from {fields:?}");
        }
    }
}
