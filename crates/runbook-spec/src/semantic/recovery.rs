//! Semantic checks of recovery measured where devices live: a snapshot's `monitor:` baseline
//! and the `await-recovery` step.
//!
//! The baseline window must be whole minutes (Azure Monitor's grain) and at most a day; an
//! `await-recovery` must name an earlier `snapshot-metrics` that takes a Monitor baseline, ask
//! for shares between 0% and 100%, and give itself long enough to see a minute held (the
//! minute passes, Azure publishes it about a minute later, then it is read). Every error sits at
//! the field it is about.

use super::{Ctx, check_step_ref, positive};
use crate::model::kinds::SnapshotSpec;
use crate::model::objectives::Percent;
use crate::model::recovery::{AwaitRecoverySpec, MAX_BASELINE_WINDOW, MIN_RECOVERY_TIMEOUT};
use crate::model::step::StepKind;

pub(super) fn check_snapshot(cx: &mut Ctx, kp: &str, s: &SnapshotSpec) {
    let Some(m) = &s.monitor else { return };
    let pointer = format!("{kp}/monitor/window");
    let window = m.window.as_duration();
    if window.is_zero() || !window.as_secs().is_multiple_of(60) || window.subsec_nanos() != 0 {
        cx.error(
            &pointer,
            format!(
                "a Monitor window of {} is not a whole number of minutes: Azure Monitor keeps connected devices and telemetry per minute",
                m.window
            ),
            Some("give whole minutes, e.g. 15m".to_string()),
        );
    } else if window > MAX_BASELINE_WINDOW {
        cx.error(
            &pointer,
            format!(
                "a Monitor window of {} is longer than a day; a baseline of the last 15m to 1h says how the devices normally are",
                m.window
            ),
            None,
        );
    }
}

pub(super) fn check_await_recovery(cx: &mut Ctx, kp: &str, position: usize, a: &AwaitRecoverySpec) {
    let baseline = format!("{kp}/baseline");
    let errors_before = cx.error_count();
    check_step_ref(cx, &baseline, &a.baseline, position, &["snapshot-metrics"]);
    if cx.error_count() == errors_before && !cx.partial() {
        let takes_baseline = cx.rb.steps.iter().any(|s| {
            s.id == a.baseline
                && matches!(&s.kind, StepKind::SnapshotMetrics(m) if m.monitor.is_some())
        });
        if !takes_baseline {
            cx.error(
                &baseline,
                format!(
                    "snapshot `{}` takes no Monitor baseline, so there is nothing to recover to",
                    a.baseline
                ),
                Some(format!(
                    "add `monitor: {{ window: 15m }}` to the `snapshot-metrics` of step `{}`",
                    a.baseline
                )),
            );
        }
    }
    share(cx, &format!("{kp}/connected_devices"), &a.connected_devices);
    share(cx, &format!("{kp}/telemetry"), &a.telemetry);
    let timeout = format!("{kp}/timeout");
    positive(cx, &timeout, a.timeout);
    if !a.timeout.as_duration().is_zero() && a.timeout.as_duration() < MIN_RECOVERY_TIMEOUT {
        cx.error(
            &timeout,
            format!(
                "a timeout of {} cannot see a minute held: Azure Monitor counts per minute and publishes each minute about a minute after it ends",
                a.timeout
            ),
            Some("give at least 3m; devices often take minutes to reconnect, 1h is usual".to_string()),
        );
    }
    let failover_before = cx.rb.steps[..position.min(cx.rb.steps.len())]
        .iter()
        .any(|s| matches!(s.kind, StepKind::Failover(_)));
    if !failover_before && !cx.partial() {
        cx.error(
            kp,
            "`await-recovery` measures from a failover, and no `failover` step runs before it"
                .to_string(),
            Some("put it after the failover and its `await`".to_string()),
        );
    }
}

/// A share the devices or telemetry must reach: above 0% (else it holds before anything is
/// back) and at most 100%.
fn share(cx: &mut Ctx, pointer: &str, p: &Percent) {
    match p.value() {
        Some(v) if v > 0.0 && v <= 100.0 => {}
        _ => cx.error(
            pointer,
            format!(
                "`{}` is not a share above 0% and at most 100% of the baseline",
                p.0
            ),
            Some("e.g. 95%".to_string()),
        ),
    }
}
