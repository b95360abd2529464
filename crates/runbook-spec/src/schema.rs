//! Stage 2: JSON Schema. Generates the runbook schema from the Rust types and checks documents
//! against the checked-in copy.
//!
//! `runbook_schema()` is what `runbook schema runbook` prints and what `schemas/` holds (a test
//! keeps them equal). `check` validates the YAML tree's JSON form with the `jsonschema` crate and
//! turns each violation into a located diagnostic with a plain-English message ("unknown key
//! `intervall`", "did you mean `interval`?") instead of the validator's wording.

use std::sync::OnceLock;

use jsonschema::error::{TypeKind, ValidationErrorKind};
use serde_json::Value;

use crate::diagnostic::{Diagnostic, field_from_pointer};
use crate::model::duration::DURATION_PATTERN;
use crate::model::runbook::RunbookDoc;
use crate::source::SourceFile;
use crate::suggest;
use crate::yaml_tree::{YamlDocument, escape_segment};

/// The checked-in schema, validated against at load time.
pub const RUNBOOK_SCHEMA_JSON: &str = include_str!("../../../schemas/runbook.schema.json");

/// The schema as generated from the Rust types.
pub fn runbook_schema() -> Value {
    generated_schema::<RunbookDoc>("https://runbook.dev/schemas/runbook.schema.json")
}

/// The JSON Schema of a YAML file type, generated from its serde types, in the house style.
pub fn generated_schema<T: schemars::JsonSchema>(id: &str) -> Value {
    // Optional fields are simply absent when unset; a `null` branch would only turn every
    // mistake in them into an opaque "not valid under anyOf".
    let mut schema = schemars::schema_for!(T).to_value();
    drop_null_branches(&mut schema);
    if let Some(obj) = schema.as_object_mut() {
        obj.insert("$id".to_string(), Value::String(id.to_string()));
    }
    schema
}

/// Rewrites `anyOf: [X, {type: null}]` to X and `type: [T, "null"]` to T, recursively.
fn drop_null_branches(v: &mut Value) {
    match v {
        Value::Object(map) => {
            if let Some(Value::Array(types)) = map.get_mut("type") {
                types.retain(|t| t != "null");
                if types.len() == 1 {
                    let only = types.remove(0);
                    map.insert("type".to_string(), only);
                }
            }
            let is_null = |b: &Value| b.get("type").is_some_and(|t| t == "null");
            if let Some(Value::Array(branches)) = map.get("anyOf")
                && branches.len() == 2
                && branches.iter().any(is_null)
            {
                let kept = branches.iter().find(|b| !is_null(b)).cloned();
                map.remove("anyOf");
                if let Some(Value::Object(kept)) = kept {
                    for (k, val) in kept {
                        map.entry(k).or_insert(val);
                    }
                }
            }
            map.values_mut().for_each(drop_null_branches);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_null_branches),
        _ => {}
    }
}

/// Pretty JSON text of the generated schema, as checked in.
pub fn runbook_schema_text() -> String {
    let mut s = serde_json::to_string_pretty(&runbook_schema()).unwrap_or_default();
    s.push('\n');
    s
}

/// A JSON Schema ready to check YAML documents with located, SRE-worded diagnostics. The
/// runbook language has one; other YAML files of the tool (test files) bring their own.
#[derive(Debug)]
pub struct CompiledSchema {
    root: Value,
    validator: Option<jsonschema::Validator>,
    /// What the top level is called in messages ("the runbook").
    document: &'static str,
}

impl CompiledSchema {
    /// Compiles schema text; a schema that does not compile reports itself on every check.
    pub fn new(schema_json: &str, document: &'static str) -> Self {
        let root: Value = serde_json::from_str(schema_json).unwrap_or(Value::Null);
        let validator = jsonschema::options()
            .should_validate_formats(false)
            .build(&root)
            .ok();
        Self {
            root,
            validator,
            document,
        }
    }
}

fn compiled() -> &'static CompiledSchema {
    static C: OnceLock<CompiledSchema> = OnceLock::new();
    C.get_or_init(|| CompiledSchema::new(RUNBOOK_SCHEMA_JSON, "the runbook"))
}

/// Checks `doc` against the runbook schema; returns one diagnostic per violation.
pub fn check(src: &SourceFile, doc: &YamlDocument) -> Vec<Diagnostic> {
    check_against(compiled(), src, doc)
}

/// Checks `doc` against `c`; returns one diagnostic per violation.
pub fn check_against(c: &CompiledSchema, src: &SourceFile, doc: &YamlDocument) -> Vec<Diagnostic> {
    let Some(validator) = &c.validator else {
        return vec![Diagnostic::file_error(
            &src.name,
            "internal error: a built-in schema does not compile",
        )];
    };
    let mut out = Vec::new();
    for err in validator.iter_errors(&doc.value) {
        let pointer = err.instance_path().as_str().to_string();
        let instance = doc.value.pointer(&pointer).unwrap_or(&Value::Null);
        let field = field_from_pointer(&pointer);
        match err.kind() {
            ValidationErrorKind::AdditionalProperties { unexpected } => {
                let allowed = allowed_keys(&c.root, err.schema_path().as_str());
                for key in unexpected {
                    let kp = format!("{pointer}/{}", escape_segment(key));
                    let hint = suggest::did_you_mean(key, allowed.iter().map(String::as_str))
                        .or_else(|| {
                            (!allowed.is_empty())
                                .then(|| format!("allowed keys here: {}", allowed.join(", ")))
                        });
                    out.push(
                        Diagnostic::error(
                            &src.name,
                            doc.positions.key(&kp),
                            field.clone(),
                            format!("unknown key `{key}`"),
                        )
                        .with_hint(hint),
                    );
                }
            }
            ValidationErrorKind::Required { property } => {
                let name = property.as_str().unwrap_or("?");
                // The field is the missing key itself; the caret is on the mapping that lacks it.
                let missing = format!("{pointer}/{}", escape_segment(name));
                let within = if field.is_empty() {
                    c.document.to_string()
                } else {
                    format!("`{field}`")
                };
                out.push(Diagnostic::error(
                    &src.name,
                    doc.positions.value(&pointer),
                    field_from_pointer(&missing),
                    format!("missing required key `{name}` in {within}"),
                ));
            }
            ValidationErrorKind::Type { kind } => {
                let expected = match kind {
                    TypeKind::Single(t) => article(&t.to_string()),
                    TypeKind::Multiple(ts) => ts
                        .iter()
                        .map(|t| t.to_string())
                        .collect::<Vec<_>>()
                        .join(" or "),
                };
                let owner = owner_of_keyword(&c.root, err.schema_path().as_str());
                let is_duration = owner
                    .and_then(|o| o.get("pattern"))
                    .is_some_and(|p| p == DURATION_PATTERN);
                let (message, hint) = if is_duration {
                    // `timeout: 120`: the schema sees a number, the SRE forgot the unit.
                    let shown = instance
                        .as_str()
                        .map_or_else(|| instance.to_string(), str::to_string);
                    (
                        format!("expected a duration, found {}", describe(instance)),
                        Some(if instance.is_number() {
                            format!("a duration needs a unit, e.g. `{shown}s` or `{shown}m`")
                        } else {
                            "write a number and a unit (ms, s, m, h, d): 250ms, 30s, 2m, 1h30m"
                                .to_string()
                        }),
                    )
                } else {
                    let quoted_number = instance
                        .as_str()
                        .filter(|s| s.trim().parse::<f64>().is_ok());
                    (
                        format!("expected {expected}, found {}", describe(instance)),
                        quoted_number
                            .filter(|_| expected.contains("integer") || expected.contains("number"))
                            .map(|s| format!("remove the quotes: `{}`", s.trim())),
                    )
                };
                out.push(
                    Diagnostic::error(&src.name, doc.positions.value(&pointer), field, message)
                        .with_hint(hint),
                );
            }
            ValidationErrorKind::MinLength { limit } if *limit == 1 => {
                out.push(Diagnostic::error(
                    &src.name,
                    doc.positions.value(&pointer),
                    field,
                    "must not be empty",
                ));
            }
            ValidationErrorKind::MaxLength { limit } => {
                out.push(Diagnostic::error(
                    &src.name,
                    doc.positions.value(&pointer),
                    field,
                    format!(
                        "is {} characters long, over the limit of {limit}",
                        instance.as_str().map_or(0, |s| s.chars().count())
                    ),
                ));
            }
            ValidationErrorKind::Enum { options } => {
                let names: Vec<String> = options
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
                            .collect()
                    })
                    .unwrap_or_default();
                out.push(not_one_of(src, doc, &pointer, field, instance, &names));
            }
            ValidationErrorKind::Pattern { pattern } => {
                let given = instance.as_str().unwrap_or_default();
                let (message, hint) = if pattern == DURATION_PATTERN {
                    (
                        format!("`{given}` is not a duration"),
                        Some(
                            "write a number and a unit (ms, s, m, h, d): 250ms, 30s, 2m, 1h30m"
                                .to_string(),
                        ),
                    )
                } else if pointer.ends_with("/id") {
                    (
                        format!("`{given}` is not a valid step id"),
                        Some(
                            "ids start with a lowercase letter and use only a-z, 0-9 and _"
                                .to_string(),
                        ),
                    )
                } else if pattern.contains('%') {
                    (
                        format!("`{given}` is not a percentage"),
                        Some("write a number and %, e.g. \"1%\" or \"0.5%\"".to_string()),
                    )
                } else {
                    (format!("`{given}` does not match `{pattern}`"), None)
                };
                out.push(
                    Diagnostic::error(&src.name, doc.positions.value(&pointer), field, message)
                        .with_hint(hint),
                );
            }
            ValidationErrorKind::AnyOf { .. } | ValidationErrorKind::OneOfNotValid { .. }
                if let Some(names) = const_choices(&c.root, err.schema_path().as_str()) =>
            {
                out.push(not_one_of(src, doc, &pointer, field, instance, &names));
            }
            ValidationErrorKind::AnyOf { .. }
                if let Some(name) = pointer.strip_prefix("/objectives/")
                    && !name.contains('/') =>
            {
                out.push(objective_diagnostic(src, doc, &pointer, name, instance));
            }
            ValidationErrorKind::AnyOf { .. } | ValidationErrorKind::OneOfNotValid { .. }
                if pointer.ends_with("/max_drift") =>
            {
                out.push(Diagnostic::error(
                    &src.name,
                    doc.positions.value(&pointer),
                    field,
                    format!(
                        "expected a device count (e.g. 0) or a percentage (e.g. \"1%\"), found {}",
                        describe(instance)
                    ),
                ));
            }
            ValidationErrorKind::MinItems { limit } if pointer == "/steps" => {
                let _ = limit;
                out.push(Diagnostic::error(
                    &src.name,
                    doc.positions.value(&pointer),
                    field,
                    "a runbook needs at least one step",
                ));
            }
            ValidationErrorKind::Minimum { .. } | ValidationErrorKind::Maximum { .. }
                if pointer == "/version" =>
            {
                out.push(
                    Diagnostic::error(
                        &src.name,
                        doc.positions.value(&pointer),
                        field,
                        format!("unsupported version {instance}"),
                    )
                    .with_hint(Some("this runbook understands `version: 1`".to_string())),
                );
            }
            ValidationErrorKind::Minimum { limit } => {
                out.push(Diagnostic::error(
                    &src.name,
                    doc.positions.value(&pointer),
                    field,
                    format!("must be at least {limit}, found {instance}"),
                ));
            }
            ValidationErrorKind::Maximum { limit } => {
                out.push(Diagnostic::error(
                    &src.name,
                    doc.positions.value(&pointer),
                    field,
                    format!("must be at most {limit}, found {instance}"),
                ));
            }
            _ => {
                out.push(Diagnostic::error(
                    &src.name,
                    doc.positions.value(&pointer),
                    field,
                    err.to_string(),
                ));
            }
        }
    }
    out
}

/// An objective that is neither a bare target nor `{ target, advisory }`: the validator only
/// says "not valid under anyOf", so the value is looked at again to say what is wrong, where.
fn objective_diagnostic(
    src: &SourceFile,
    doc: &YamlDocument,
    pointer: &str,
    name: &str,
    instance: &Value,
) -> Diagnostic {
    let is_duration = matches!(name, "rto" | "max_detection_lag");
    let expected = match name {
        "max_device_drift" => "a device count (e.g. 0) or a percentage (e.g. \"1%\")",
        "min_healthy_endpoints" => "a percentage (e.g. \"100%\")",
        _ => "a duration (e.g. 30m)",
    };
    let located = |p: &str, message: String| {
        Diagnostic::error(
            &src.name,
            doc.positions.value(p),
            field_from_pointer(p),
            message,
        )
    };
    let unit_hint = |v: &Value| {
        (is_duration && v.is_number()).then(|| format!("a duration needs a unit, e.g. `{v}m`"))
    };
    let Some(map) = instance.as_object() else {
        return located(
            pointer,
            format!(
                "expected {expected}, or `{{ target: ..., advisory: true }}`, found {}",
                describe(instance)
            ),
        )
        .with_hint(unit_hint(instance));
    };
    const KEYS: [&str; 2] = ["target", "advisory"];
    if let Some(key) = map.keys().find(|k| !KEYS.contains(&k.as_str())) {
        let kp = format!("{pointer}/{}", escape_segment(key));
        return Diagnostic::error(
            &src.name,
            doc.positions.key(&kp),
            field_from_pointer(pointer),
            format!("unknown key `{key}`"),
        )
        .with_hint(
            suggest::did_you_mean(key, KEYS)
                .or_else(|| Some("allowed keys here: target, advisory".to_string())),
        );
    }
    match (map.get("target"), map.get("advisory")) {
        (None, _) => located(
            pointer,
            format!(
                "missing required key `target` in `{}`",
                field_from_pointer(pointer)
            ),
        ),
        (_, Some(a)) if !a.is_boolean() => located(
            &format!("{pointer}/advisory"),
            format!("expected true or false, found {}", describe(a)),
        ),
        (Some(t), _) => located(
            &format!("{pointer}/target"),
            format!("expected {expected}, found {}", describe(t)),
        )
        .with_hint(unit_hint(t)),
    }
}

/// "`x` is not one of: a, b, c" at the value, with the closest choice as a hint.
fn not_one_of(
    src: &SourceFile,
    doc: &YamlDocument,
    pointer: &str,
    field: String,
    instance: &Value,
    names: &[String],
) -> Diagnostic {
    let given = instance
        .as_str()
        .map_or_else(|| instance.to_string(), str::to_string);
    Diagnostic::error(
        &src.name,
        doc.positions.value(pointer),
        field,
        format!("`{given}` is not one of: {}", names.join(", ")),
    )
    .with_hint(suggest::did_you_mean(
        &given,
        names.iter().map(String::as_str),
    ))
}

/// Property names allowed by the (sub)schema owning the `additionalProperties` keyword at
/// `schema_path`.
fn allowed_keys(root: &Value, schema_path: &str) -> Vec<String> {
    owner_of_keyword(root, schema_path)
        .and_then(|node| node.get("properties"))
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

/// When the `oneOf`/`anyOf` at `schema_path` is a choice among constants (an enum whose
/// variants are documented), those constants.
fn const_choices(root: &Value, schema_path: &str) -> Option<Vec<String>> {
    let owner = owner_of_keyword(root, schema_path)?;
    let branches = owner
        .get("oneOf")
        .or_else(|| owner.get("anyOf"))?
        .as_array()?;
    let mut names = Vec::new();
    for b in branches {
        if let Some(c) = b.get("const") {
            names.push(c.as_str().map_or_else(|| c.to_string(), str::to_string));
        } else if let Some(e) = b.get("enum").and_then(Value::as_array) {
            names.extend(
                e.iter()
                    .map(|c| c.as_str().map_or_else(|| c.to_string(), str::to_string)),
            );
        } else {
            return None;
        }
    }
    Some(names)
}

/// The schema object that holds the keyword ending `schema_path`, following `$ref`s from the
/// root (the validator reports paths through references).
fn owner_of_keyword<'a>(root: &'a Value, schema_path: &str) -> Option<&'a Value> {
    let segments: Vec<&str> = schema_path.split('/').skip(1).collect();
    let (_, parent) = segments.split_last()?;
    let mut node = root;
    for seg in parent {
        let seg = seg.replace("~1", "/").replace("~0", "~");
        if seg == "$ref" {
            let target = node.get("$ref").and_then(Value::as_str)?;
            node = target.strip_prefix('#').and_then(|p| root.pointer(p))?;
            continue;
        }
        let next = match node {
            Value::Object(m) => m.get(&seg),
            Value::Array(a) => seg.parse::<usize>().ok().and_then(|i| a.get(i)),
            _ => None,
        };
        node = next?;
    }
    // The keyword may live behind a `$ref` at the last level too.
    if let Some(target) = node.get("$ref").and_then(Value::as_str)
        && node.get("properties").is_none()
        && let Some(n) = target.strip_prefix('#').and_then(|p| root.pointer(p))
    {
        node = n;
    }
    Some(node)
}

fn article(t: &str) -> String {
    match t {
        "object" => "a mapping".to_string(),
        "array" => "a list".to_string(),
        "integer" => "an integer".to_string(),
        "null" => "nothing".to_string(),
        other => format!("a {other}"),
    }
}

/// A short description of a JSON value for "found …" messages.
pub fn describe(v: &Value) -> String {
    match v {
        Value::Null => "nothing (null)".to_string(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) if s.chars().count() > 40 => "a string".to_string(),
        Value::String(s) => format!("the string \"{s}\""),
        Value::Array(_) => "a list".to_string(),
        Value::Object(_) => "a mapping".to_string(),
    }
}
