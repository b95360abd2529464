//! The runbook language: YAML text in, a typed and validated `Runbook` out.
//!
//! Loading runs in stages, each feeding the next and each collecting every problem it finds:
//! `source` (read with limits) -> `yaml_tree` (parse, positions) -> `typed` (serde into the
//! model, which enforces every constraint the schema states: `model::constraints`) ->
//! `semantic` (references, ordering, templates). When the typed model refuses a document,
//! `schema` (JSON Schema) words what is wrong, located and in the user's terms; its validator
//! is built only then. The semantic stage then still runs on the rest of the document, with
//! the refused parts set aside (`repair`), so every mistake is shown at once.
//! Fleet runbooks (`targets:`, `rollout:`) are checked in `fleet_check`.
//! The result is a `Loaded` runbook with its warnings, or the list of diagnostics.
//! This crate does no I/O beyond reading the file, and knows nothing of Azure or HTTP.

pub mod diagnostic;
mod fleet_check;
pub mod model;
mod open_quote;
pub mod outputs;
pub mod params;
mod repair;
pub mod schema;
pub mod semantic;
pub mod source;
pub mod suggest;
pub mod typed;
pub mod yaml_tree;

use std::path::Path;

pub use diagnostic::{Diagnostic, Pos, Severity};
pub use model::duration::DurationSpec;
pub use model::fleet::{Amount, AmountValue, Rollout, Targets};
pub use model::kinds::*;
pub use model::objectives::{
    DeclaredObjective, OBJECTIVE_NAMES, Objective, ObjectiveSpec, ObjectiveTarget, Objectives,
    Percent,
};
pub use model::parameter::{ParamType, Parameter};
pub use model::recovery::{
    AwaitRecoverySpec, EndpointChange, MAX_BASELINE_WINDOW, MIN_RECOVERY_TIMEOUT,
    MonitorBaselineSpec,
};
pub use model::runbook::{Runbook, RunbookDoc, Section, Target};
pub use model::step::{Backoff, OnFailure, RetrySpec, Step, StepKind};
pub use model::template::TemplateText;
pub use source::SourceFile;

/// A runbook that passed every stage, with the source it came from and any warnings.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub source: SourceFile,
    pub runbook: Runbook,
    pub warnings: Vec<Diagnostic>,
}

/// A runbook that did not load: every diagnostic found, errors and warnings, in file order.
#[derive(Debug, Clone)]
pub struct LoadFailure {
    /// Absent when the file could not even be read.
    pub source: Option<SourceFile>,
    pub diagnostics: Vec<Diagnostic>,
}

impl LoadFailure {
    pub fn render(&self) -> String {
        self.diagnostics
            .iter()
            .map(|d| d.render(self.source.as_ref()))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// Reads and validates the runbook at `path`.
pub fn load_file(path: &Path) -> Result<Loaded, LoadFailure> {
    match SourceFile::read(path) {
        Ok(src) => load_source(src),
        Err(f) => Err(LoadFailure {
            source: f.lossy,
            diagnostics: vec![f.diagnostic],
        }),
    }
}

/// Validates runbook text; `name` is what diagnostics call the file.
pub fn load_str(name: &str, text: &str) -> Result<Loaded, LoadFailure> {
    if text.len() as u64 > source::MAX_FILE_BYTES {
        return Err(LoadFailure {
            source: None,
            diagnostics: vec![Diagnostic::file_error(
                name,
                format!("runbook is over the {} byte limit", source::MAX_FILE_BYTES),
            )],
        });
    }
    load_source(SourceFile::new(name, text))
}

fn load_source(src: SourceFile) -> Result<Loaded, LoadFailure> {
    let fail = |src: SourceFile, mut diagnostics: Vec<Diagnostic>| {
        diagnostics.sort_by_key(|d| (d.line.unwrap_or(0), d.column.unwrap_or(0)));
        Err(LoadFailure {
            source: Some(src),
            diagnostics,
        })
    };
    // A refusal by the schema or the typed model, with the semantic stage's errors about the
    // rest of the document beside it (`repair`), so one run of `validate` shows them all.
    let fail_beside =
        |src: SourceFile, doc: &yaml_tree::YamlDocument, mut refusals: Vec<Diagnostic>| {
            let beside = repair::semantic_errors_beside(&src, doc, &refusals);
            refusals.extend(beside);
            fail(src, refusals)
        };
    let doc = match yaml_tree::parse(&src) {
        Ok(doc) => doc,
        Err(d) => return fail(src, vec![*d]),
    };
    if doc.value.is_null() {
        // Only comments or `~`: the same one-line complaint as an empty file.
        let d = Diagnostic::file_error(&src.name, yaml_tree::EMPTY_MESSAGE);
        return fail(src, vec![d]);
    }
    if !doc.value.is_object() {
        let found = schema::describe(&doc.value);
        let d = Diagnostic::error(
            &src.name,
            doc.positions.value(""),
            "",
            format!(
                "expected a mapping at the top level (version, name, target, steps), found {found}"
            ),
        );
        return fail(src, vec![d]);
    }
    // The schema's validator is costly to build (most of a short command's start-up), so it
    // runs only when the typed model cannot prove the document schema-valid on its own
    // (`typed::build_checked`): its diagnostics come first, as if it had run first.
    let runbook = match typed::build_checked(&src, &doc) {
        Ok((rb, true)) => rb,
        Ok((rb, false)) => {
            let schema_errors = schema::check(&src, &doc);
            if !schema_errors.is_empty() {
                return fail_beside(src, &doc, schema_errors);
            }
            rb
        }
        Err(errors) => {
            let schema_errors = schema::check(&src, &doc);
            let shown = if schema_errors.is_empty() {
                errors
            } else {
                schema_errors
            };
            return fail_beside(src, &doc, shown);
        }
    };
    let mut diagnostics = semantic::check(&src, &doc, &runbook);
    diagnostics.sort_by_key(|d| (d.line.unwrap_or(0), d.column.unwrap_or(0)));
    if diagnostics.iter().any(Diagnostic::is_error) {
        return fail(src, diagnostics);
    }
    Ok(Loaded {
        source: src,
        runbook,
        warnings: diagnostics,
    })
}
