//! The runner's decisions that need no I/O: whether the run can start at all without a
//! terminal, whether a clean-up step's inputs exist, and which parameters masking changed.
//! Plain functions over the runbook, the steps done so far and the template context.

use std::collections::HashMap;

use runbook_spec::{Runbook, Section, Step, StepKind};
use serde_json::{Map, Value};

use crate::context::TemplateContext;
use crate::dr_log::StepRecord;

/// When nobody can answer `confirm:` questions (`can_answer` is false) and the runbook asks
/// some in steps not yet `done`, the reason to stop before the first step (better than after
/// the first change).
pub(super) fn unanswerable_confirmation(
    rb: &Runbook,
    done: &HashMap<String, StepRecord>,
    can_answer: bool,
) -> Option<String> {
    if can_answer {
        return None;
    }
    // `finally` steps that ask are left out instead (they cannot be approved); the drill
    // and its rollback cannot do without theirs.
    let asking: Vec<&str> = rb
        .all_steps()
        .filter(|(section, _, _)| *section != Section::Finally)
        .filter(|(_, _, s)| s.confirm.is_some() && !done.contains_key(&s.id))
        .map(|(_, _, s)| s.id.as_str())
        .collect();
    let first = asking.first()?;
    Some(format!(
        "step `{first}` needs confirmation, but there is no terminal to ask on; re-run with --yes to approve, or run it from a terminal"
    ))
}

/// For a rollback or finally step: an output its templates use that the earlier step did
/// not produce (the drill stopped before it), as a "not run" reason. Such a step is left
/// out rather than failed: the clean-up did not go wrong, its input never existed.
pub(super) fn unrun_dependency(step: &Step, templates: &TemplateContext) -> Option<String> {
    let mut texts: Vec<String> = step
        .when
        .iter()
        .chain(step.confirm.iter())
        .map(|t| t.as_str().to_string())
        .collect();
    let mut body = match &step.kind {
        StepKind::Validate(x) => serde_json::to_value(x),
        StepKind::Failover(x) => serde_json::to_value(x),
        StepKind::Await(x) => serde_json::to_value(x),
        _ => Ok(Value::Null),
    }
    .unwrap_or(Value::Null);
    collect_strings(&mut body, &mut texts);
    texts
        .iter()
        .filter(|t| t.contains("{{"))
        .filter_map(|t| runbook_spec::model::template::references(t).ok())
        .flatten()
        .filter_map(|r| {
            let mut parts = r.strip_prefix("steps.")?.split('.');
            Some((parts.next()?.to_string(), parts.next()?.to_string()))
        })
        // `status` always exists; any other output exists only if the step produced it.
        .find(|(id, output)| {
            templates
                .step_outputs(id)
                .is_none_or(|o| !o.contains_key(output.as_str()))
        })
        .map(|(id, output)| {
            format!("not run: it uses `steps.{id}.{output}`, which step `{id}` did not produce")
        })
}

/// The parameters whose value masking changed.
pub(super) fn masked_names(plain: &Map<String, Value>, masked: &Value) -> Vec<String> {
    plain
        .iter()
        .filter(|(k, v)| masked.get(k.as_str()) != Some(*v))
        .map(|(k, _)| k.clone())
        .collect()
}

/// Every string inside `v`, for scanning a step's inputs for templates.
fn collect_strings(v: &mut Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(std::mem::take(s)),
        Value::Array(a) => a.iter_mut().for_each(|x| collect_strings(x, out)),
        Value::Object(m) => m.values_mut().for_each(|x| collect_strings(x, out)),
        _ => {}
    }
}

/// Whether the drill's own steps fail the hub over: only then does the preflight apply (a
/// read-only runbook has nothing Azure could refuse).
pub(super) fn fails_over(rb: &Runbook) -> bool {
    rb.steps
        .iter()
        .any(|s| matches!(s.kind, StepKind::Failover(_)))
}
