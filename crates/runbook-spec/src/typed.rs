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
    let rb: RunbookDoc = deserialize_located(src, doc).map_err(|d| vec![*d])?;
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
    Ok(Runbook {
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
    })
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
