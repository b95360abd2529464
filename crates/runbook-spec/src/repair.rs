//! A runbook the schema or the typed model refused, mended just enough for the semantic stage
//! to run on the rest of it, so `validate` shows every mistake at once (a misspelt key in one
//! step no longer hides an unknown step reference in another).
//!
//! Data flow: the refusing stage's diagnostics (their `field` paths) -> `mend` decides, per
//! diagnostic, what to set aside -> a copy of the document without it -> `typed::build` ->
//! `semantic::check_around` with the set-aside steps as wildcards. A step with a problem is
//! replaced, at the same index (so every other position still points at the user's text), by a
//! stand-in that keeps its id; the semantic stage does not check a stand-in, and checks a
//! reference to it only against the kind the step names (any, if it names none or several). `description` and `objectives` are dropped when they hold the problem.
//! Anything else (an unknown top-level key, the name, the version, parameters, the target, a
//! fleet's targets, the shape of `steps` itself) is what every later check reads, so a problem
//! there leaves the refusing stage's words alone.
//!
//! Only the semantic stage's errors are added: its warnings are about a runbook that does not
//! exist yet.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value};

use crate::diagnostic::Diagnostic;
use crate::model::constraints::is_step_id;
use crate::model::runbook::Section;
use crate::model::step::KIND_NAMES;
use crate::source::SourceFile;
use crate::yaml_tree::YamlDocument;

/// The steps set aside.
#[derive(Debug, Default)]
pub(crate) struct StandIns {
    /// Run-order positions (steps, then rollback, then finally).
    pub(crate) positions: HashSet<usize>,
    /// The kind of those that name exactly one, by position: a reference to such a step is
    /// still checked against its kind (an `await` on a `validate` step stays an error).
    pub(crate) kinds: HashMap<usize, &'static str>,
    /// Whether one of them had no valid id: then a reference to an id no step has may be to it.
    pub(crate) nameless: bool,
}

/// The semantic stage's errors for the parts of `doc` that `refusals` say nothing about; empty
/// when the document cannot be mended into one the typed model accepts.
pub(crate) fn semantic_errors_beside(
    src: &SourceFile,
    doc: &YamlDocument,
    refusals: &[Diagnostic],
) -> Vec<Diagnostic> {
    let Some((value, stand_ins)) = mend(&doc.value, refusals) else {
        return Vec::new();
    };
    let mended = YamlDocument {
        value,
        positions: doc.positions.clone(),
    };
    let Ok(runbook) = crate::typed::build(src, &mended) else {
        return Vec::new();
    };
    // Positions are looked up in the user's document: every kept node sits where it was.
    crate::semantic::check_around(src, doc, &runbook, &stand_ins)
        .into_iter()
        .filter(Diagnostic::is_error)
        .collect()
}

/// A copy of `value` without what `refusals` point at, or `None` when a refusal is somewhere
/// every check depends on.
fn mend(value: &Value, refusals: &[Diagnostic]) -> Option<(Value, StandIns)> {
    let mut doc = value.as_object()?.clone();
    let mut set_aside: Vec<(Section, usize)> = Vec::new();
    let mut nameless = false;
    let mut kinds: Vec<Option<&'static str>> = Vec::new();
    for d in refusals {
        match located_in(&d.field)? {
            // A step with several problems is set aside once.
            Place::Step(section, index) if !set_aside.contains(&(section, index)) => {
                set_aside.push((section, index));
            }
            Place::Step(..) => {}
            Place::Dropped(key) => {
                doc.remove(key);
            }
        }
    }
    for &(section, index) in &set_aside {
        let step = doc.get_mut(section.key())?.as_array_mut()?.get_mut(index)?;
        let id = step
            .get("id")
            .and_then(Value::as_str)
            .filter(|id| is_step_id(id))
            .map(str::to_string);
        nameless |= id.is_none();
        kinds.push(sole_kind(step));
        *step = stand_in(id, section, index);
    }
    let order = run_order_positions(&doc, &set_aside)?;
    let kinds = order
        .iter()
        .zip(kinds)
        .filter_map(|(&position, kind)| kind.map(|k| (position, k)))
        .collect();
    Some((
        Value::Object(doc),
        StandIns {
            positions: order.into_iter().collect(),
            kinds,
            nameless,
        },
    ))
}

/// Where a refusal is, as far as mending goes.
enum Place {
    /// Inside one step (or the step itself).
    Step(Section, usize),
    /// A top-level key nothing else reads, which can go.
    Dropped(&'static str),
}

/// `field` is a dotted path as diagnostics give it: `steps[3].await.timeout`.
/// `None` for the document itself: an unknown top-level key is most often a misspelt one
/// (`paramters:`), and every check after it would only repeat the misspelling's effects.
fn located_in(field: &str) -> Option<Place> {
    let head_end = field.find(['.', '[']).unwrap_or(field.len());
    let (head, rest) = field.split_at(head_end);
    if let Some(section) = Section::ALL.into_iter().find(|s| s.key() == head) {
        let index = rest.strip_prefix('[')?.split(']').next()?.parse().ok()?;
        return Some(Place::Step(section, index));
    }
    match head {
        "description" => Some(Place::Dropped("description")),
        "objectives" => Some(Place::Dropped("objectives")),
        _ => None,
    }
}

/// A step that does nothing and keeps the original's id when it is a valid one, so references to
/// it still resolve; else an id that names where it stands, which no reference uses.
fn stand_in(id: Option<String>, section: Section, index: usize) -> Value {
    let id = id.unwrap_or_else(|| format!("zz_set_aside_{}_{index}", section.key()));
    let mut step = Map::new();
    step.insert("id".to_string(), Value::String(id));
    step.insert("sleep".to_string(), Value::String("1s".to_string()));
    Value::Object(step)
}

/// The run-order position of each set-aside step, in `set_aside`'s order; `None` if a section
/// is not a list.
fn run_order_positions(
    doc: &Map<String, Value>,
    set_aside: &[(Section, usize)],
) -> Option<Vec<usize>> {
    let mut offsets = HashMap::new();
    let mut offset = 0;
    for section in Section::ALL {
        offsets.insert(section.key(), offset);
        offset += match doc.get(section.key()) {
            None => 0,
            Some(v) => v.as_array()?.len(),
        };
    }
    Some(
        set_aside
            .iter()
            .map(|(s, i)| offsets[s.key()] + i)
            .collect(),
    )
}

/// The one kind a step as written names, if it names exactly one.
fn sole_kind(step: &Value) -> Option<&'static str> {
    let keys = step.as_object()?;
    let mut named = KIND_NAMES.iter().filter(|k| keys.contains_key(**k));
    let kind = named.next()?;
    named.next().is_none().then_some(*kind)
}
