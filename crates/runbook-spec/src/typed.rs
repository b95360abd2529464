//! Stage 3: the schema-valid JSON tree to the typed `Runbook`.
//!
//! serde reads `RunbookDoc` (with `serde_path_to_error` so a failure has a field path and thus a
//! position), then each `StepDoc` becomes a `Step` with exactly one kind.

use crate::diagnostic::{Diagnostic, field_from_pointer};
use crate::model::runbook::{Runbook, RunbookDoc, Section};
use crate::model::step::{KIND_NAMES, KindError, Step, StepDoc};
use crate::source::SourceFile;
use crate::yaml_tree::YamlDocument;

pub fn build(src: &SourceFile, doc: &YamlDocument) -> Result<Runbook, Vec<Diagnostic>> {
    build_checked(src, doc).map(|(runbook, _)| runbook)
}

/// As `build`, also saying whether the document is proven schema-valid without the schema:
/// the typed model enforces the schema's value constraints (`model::constraints`), and the
/// model, written back out, still holds every key of the document with a value of the same
/// JSON type. That second half catches what serde lets through and the schema does not: a
/// list given for a mapping (serde reads a struct from a sequence by position), or a key an
/// untagged or flattened part ignored. `false` means "not proven", not "invalid".
pub fn build_checked(
    src: &SourceFile,
    doc: &YamlDocument,
) -> Result<(Runbook, bool), Vec<Diagnostic>> {
    let rb: RunbookDoc = deserialize_located(src, doc).map_err(|d| vec![*d])?;
    let proven = serde_json::to_value(&rb).is_ok_and(|echo| covers(&doc.value, &echo));
    let mut errors = Vec::new();
    let mut convert = |section: Section, docs: Vec<StepDoc>| -> Vec<Step> {
        let mut steps = Vec::with_capacity(docs.len());
        for (i, d) in docs.into_iter().enumerate() {
            let pointer = format!("/{}/{i}", section.key());
            let id = d.id.clone();
            match Step::from_doc(d) {
                Ok(s) => steps.push(s),
                Err(KindError::Missing) => errors.push(
                    Diagnostic::error(
                        &src.name,
                        doc.positions.value(&pointer),
                        field_from_pointer(&pointer),
                        format!("step `{id}` has no kind"),
                    )
                    .with_hint(Some(format!("add one of: {}", KIND_NAMES.join(", ")))),
                ),
                Err(KindError::Several(kinds)) => errors.push(
                    Diagnostic::error(
                        &src.name,
                        doc.positions.key(&format!("{pointer}/{}", kinds[1])),
                        field_from_pointer(&pointer),
                        format!(
                            "step `{id}` has {} kinds ({}); a step does one thing",
                            kinds.len(),
                            kinds.join(", ")
                        ),
                    )
                    .with_hint(Some("split it into one step per kind".to_string())),
                ),
            }
        }
        steps
    };
    let steps = convert(Section::Steps, rb.steps);
    let rollback = convert(Section::Rollback, rb.rollback);
    let finally = convert(Section::Finally, rb.finally);
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok((
        Runbook {
            version: rb.version,
            name: rb.name,
            description: rb.description,
            parameters: rb.parameters,
            target: rb.target.unwrap_or_default(),
            objectives: rb.objectives,
            targets: rb.targets,
            rollout: rb.rollout,
            steps,
            rollback,
            finally,
        },
        proven,
    ))
}

/// Whether every key of `input` is in `echo` with a value of the same JSON type, recursively
/// (lists of the same length). Values themselves may differ: the model writes a duration or a
/// default in its own canonical form.
fn covers(input: &serde_json::Value, echo: &serde_json::Value) -> bool {
    use serde_json::Value;
    match (input, echo) {
        (Value::Object(i), Value::Object(e)) => i
            .iter()
            .all(|(k, v)| e.get(k).is_some_and(|ev| covers(v, ev))),
        (Value::Array(i), Value::Array(e)) => {
            i.len() == e.len() && i.iter().zip(e).all(|(a, b)| covers(a, b))
        }
        (Value::String(_), Value::String(_))
        | (Value::Bool(_), Value::Bool(_))
        | (Value::Null, Value::Null) => true,
        (Value::Number(a), Value::Number(b)) => a.is_f64() == b.is_f64(),
        _ => false,
    }
}

/// Reads a schema-valid document into `T`; a mismatch comes back located at the field serde
/// stopped on (any YAML file type of the tool, not only runbooks).
pub fn deserialize_located<T: serde::de::DeserializeOwned>(
    src: &SourceFile,
    doc: &YamlDocument,
) -> Result<T, Box<Diagnostic>> {
    serde_path_to_error::deserialize(&doc.value).map_err(|e| {
        let pointer = path_to_pointer(e.path());
        Box::new(Diagnostic::error(
            &src.name,
            doc.positions.value(&pointer),
            field_from_pointer(&pointer),
            e.inner().to_string(),
        ))
    })
}

/// A serde path as a JSON pointer into the document, to look its position up.
pub fn path_to_pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for seg in path.iter() {
        match seg {
            Segment::Seq { index } => out.push_str(&format!("/{index}")),
            Segment::Map { key } => {
                out.push('/');
                out.push_str(&crate::yaml_tree::escape_segment(key));
            }
            Segment::Enum { .. } | Segment::Unknown => {}
        }
    }
    out
}
