//! `compare-devices`: compares the device counts two earlier snapshots recorded. A difference
//! over `max_drift` FAILS the step (the hand-written scripts logged "error" and still reported
//! success; that is exactly what this tool exists to stop).

use runbook_record::ErrorCode;
use runbook_spec::{CompareDevicesSpec, Drift};
use serde_json::{Map, Value, json};

use super::context::StepContext;
use crate::outcome::{StepDone, StepFail};

pub(crate) fn run(cx: &StepContext<'_>, spec: &CompareDevicesSpec) -> Result<StepDone, StepFail> {
    let count = |id: &str| -> Result<u64, StepFail> {
        cx.templates
            .step_outputs(id)
            .and_then(|o| o.get("device_count"))
            .and_then(Value::as_u64)
            .ok_or_else(|| {
                StepFail::new(
                    ErrorCode::MissingSnapshot,
                    format!("snapshot `{id}` has no device count (it did not run, failed, or did not include stats)"),
                )
                .final_()
            })
    };
    let before = count(&spec.before)?;
    let after = count(&spec.after)?;
    let drift = before.abs_diff(after);
    let allowed = spec.max_drift.allowed_for(before).unwrap_or(0);
    let shown_allowed = match &spec.max_drift {
        Drift::Count(n) => n.to_string(),
        Drift::Percent(p) => format!("{p} = {allowed}"),
    };
    let mut outputs = Map::new();
    outputs.insert("before".into(), json!(before));
    outputs.insert("after".into(), json!(after));
    outputs.insert("drift".into(), json!(drift));
    if drift <= allowed {
        let details = if drift == 0 {
            format!("device count verified: {after}")
        } else {
            format!("device count {before} -> {after} (drift {drift}, allowed {shown_allowed})")
        };
        Ok(StepDone::ran(details, outputs))
    } else {
        Err(StepFail::new(
            ErrorCode::DeviceCountMismatch,
            format!("device count mismatch: {before} -> {after} (drift {drift}, allowed {shown_allowed})"),
        )
        .final_()
        .with_outputs(outputs))
    }
}
