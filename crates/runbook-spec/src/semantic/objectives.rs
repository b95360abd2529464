//! Semantic checks of `objectives:`: each target must be possible, and measurable by this
//! runbook.
//!
//! Objectives are measured around the first `failover` of `steps` (see
//! `runbook_engine::objectives`), so each needs that failover and the readings its measurement
//! is made from: the RTO a step after the failover that reads the hub, the detection lag an
//! `await` on the failover, device and telemetry recovery an `await-recovery` after it, the
//! device drift a snapshot with registry stats before and after
//! it, endpoint health a reading of the endpoints after it. A zero duration can never be met
//! and a share over 100% is no share; both are errors at the target's position.

use super::Ctx;
use crate::model::kinds::{Drift, SnapshotPart};
use crate::model::objectives::{DeclaredObjective, ObjectiveTarget};
use crate::model::step::{Step, StepKind};

pub(super) fn check(cx: &mut Ctx) {
    let declared = cx.rb.objectives.declared();
    if declared.is_empty() {
        return;
    }
    let steps = &cx.rb.steps;
    let failover = steps
        .iter()
        .position(|s| matches!(s.kind, StepKind::Failover(_)));
    for o in &declared {
        check_target(cx, o);
        if cx.partial() {
            // Which readings the drill takes is not known while steps are set aside.
            continue;
        }
        let Some(at) = failover else {
            cx.error(
                &o.pointer,
                format!(
                    "objective `{}` cannot be measured: `steps` has no failover step",
                    o.name
                ),
                Some(
                    "objectives are measured around the drill's first failover; add a `failover` step or remove `objectives`"
                        .to_string(),
                ),
            );
            continue;
        };
        // The first failover's window ends where a second one (a failback) begins.
        let failover_id = steps[at].id.as_str();
        let end = steps[at + 1..]
            .iter()
            .position(|s| matches!(s.kind, StepKind::Failover(_)))
            .map_or(steps.len(), |p| at + 1 + p);
        let before = &steps[..at];
        let after = &steps[at + 1..end];
        if let Some(missing) = missing_reading(o.name, failover_id, before, after) {
            cx.error(
                &o.pointer,
                format!("objective `{}` cannot be measured: {missing}", o.name),
                None,
            );
        }
    }
}

/// Targets no run can meet, or that are not what they claim to be.
fn check_target(cx: &mut Ctx, o: &DeclaredObjective) {
    match &o.target {
        ObjectiveTarget::Duration(d) if d.0.is_zero() => cx.error(
            &o.pointer,
            format!(
                "{} of {d} can never be met",
                if o.name == "rto" {
                    "an RTO".to_string()
                } else {
                    format!("a `{}`", o.name)
                }
            ),
            Some("give the longest time the business can accept, e.g. 30m".to_string()),
        ),
        _ => {}
    }
    let share = match &o.target {
        ObjectiveTarget::Percent(p) => Some(p.0.as_str()),
        ObjectiveTarget::Drift(Drift::Percent(p)) => Some(p.as_str()),
        _ => None,
    };
    if let Some(text) = share {
        let v: f64 = text.trim_end_matches('%').parse().unwrap_or(f64::NAN);
        if !(0.0..=100.0).contains(&v) {
            cx.error(
                &o.pointer,
                format!("`{text}` is not a share between 0% and 100%"),
                None,
            );
        } else if o.name == "min_healthy_endpoints" && v == 0.0 {
            cx.warning(
                &o.pointer,
                "a `min_healthy_endpoints` of 0% is always met".to_string(),
                Some("state the share of endpoints that must be Healthy, e.g. 100%".to_string()),
            );
        }
    }
}

/// What the runbook lacks to measure objective `name`, if anything.
fn missing_reading(name: &str, failover: &str, before: &[Step], after: &[Step]) -> Option<String> {
    let reads_stats = |s: &Step| matches!(&s.kind, StepKind::SnapshotMetrics(m) if m.include.contains(&SnapshotPart::Stats));
    match name {
        "rto" => (!after.iter().any(|s| match &s.kind {
            StepKind::Await(_) | StepKind::Validate(_) => true,
            StepKind::SnapshotMetrics(m) => m.include.contains(&SnapshotPart::Hub),
            _ => false,
        }))
        .then(|| {
            format!(
                "no step after failover `{failover}` reads the hub (await, validate or snapshot-metrics), so nothing shows it Active in the target region"
            )
        }),
        "max_detection_lag" => (!after.iter().any(|s| {
            matches!(&s.kind, StepKind::Await(a) if a.operation.as_deref() == Some(failover))
        }))
        .then(|| format!("no `await: {{ operation: {failover} }}` step watches the failover end")),
        "max_device_drift" => {
            let pre = before.iter().any(reads_stats);
            let post = after.iter().any(reads_stats);
            (!(pre && post)).then(|| {
                format!(
                    "it needs a `snapshot-metrics` step reading `stats` both before and after failover `{failover}`"
                )
            })
        }
        "min_healthy_endpoints" => (!after.iter().any(|s| match &s.kind {
            StepKind::HealthCheck(_) => true,
            StepKind::SnapshotMetrics(m) => m.include.contains(&SnapshotPart::Endpoints),
            _ => false,
        }))
        .then(|| {
            format!(
                "no step after failover `{failover}` reads endpoint health (health-check, or snapshot-metrics with `endpoints`)"
            )
        }),
        "device_recovery" | "telemetry_recovery" => (!after
            .iter()
            .any(|s| matches!(s.kind, StepKind::AwaitRecovery(_))))
        .then(|| {
            format!(
                "no `await-recovery` step after failover `{failover}` watches the devices come back"
            )
        }),
        _ => None,
    }
}
