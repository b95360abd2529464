//! Recovery objectives, measured: the runbook's `objectives:` against what the run recorded.
//!
//! After the main steps the runner hands the step records so far to `measure`, which looks at
//! the window around the drill's first failover (from that step to the next failover, if
//! any) and returns one `ObjectiveResult` per declared objective. Everything is measured from
//! the records the DR log carries, so a log's objectives can be checked against its steps:
//!
//! - `rto`: from the failover's `started_at` to the end of the last check after it (await,
//!   validate, snapshot-metrics, compare-devices, health-check), provided one of them saw the
//!   hub Active in the target region and none failed;
//! - `max_detection_lag`: the `await`'s `detection_lag_seconds`;
//! - `max_device_drift`: the last device count before the failover against the last after it;
//! - `min_healthy_endpoints`: the share of Healthy endpoints in the last reading after it.
//!
//! `measure` is pure: records in, results out. `window` finds the failover's window,
//! `measures` measures each objective in it, `text` writes numbers as the runbook does.
//! The runner emits the results as `RunEvent::ObjectivesMeasured` (so the journal can rebuild
//! them) and fails the run on a non-advisory miss. A run that made no failover measures
//! nothing (`met: null`): a dry run is not failed for it, a run that otherwise succeeded is
//! (it proved none of what it set out to).

mod measures;
pub(crate) mod text;
mod window;

use runbook_record::ObjectiveResult;
use runbook_record::SectionName;
use runbook_spec::{Drift, ObjectiveTarget, Objectives};

use crate::dr_log::StepRecord;
use measures::measure_one;
use window::Window;

/// Measures every declared objective against the main steps' records.
///
/// `time_scale` is the run's clock scale: against the emulator, step times are real and the
/// runbook's targets are in emulated time, so durations are divided by it (1.0 against Azure).
pub fn measure(
    objectives: &Objectives,
    records: &[StepRecord],
    dry_run: bool,
    time_scale: f64,
) -> Vec<ObjectiveResult> {
    let main: Vec<&StepRecord> = records
        .iter()
        .filter(|r| r.section == SectionName::Steps)
        .collect();
    let window = Window::find(&main);
    objectives
        .declared()
        .iter()
        .map(|o| {
            let mut r = ObjectiveResult {
                objective: o.name.to_string(),
                target: o.target.to_string(),
                measured: None,
                met: None,
                advisory: o.advisory,
                unit: unit_of(&o.target).to_string(),
                target_value: target_value(&o.target),
                measured_value: None,
                details: String::new(),
            };
            match &window {
                _ if dry_run => {
                    r.details = "not measured: a dry run makes no failover".to_string();
                }
                // Nothing to measure is not a miss; the runner still fails a run that
                // succeeded without ever failing over (`failure`).
                Err(why) => {
                    r.details = format!("not measured: {why}");
                }
                Ok(w) => match measure_one(o, w, time_scale) {
                    Ok(m) => {
                        r.met = Some(m.met);
                        r.measured = Some(m.text);
                        r.measured_value = Some(m.value);
                        if m.target_value.is_some() {
                            r.target_value = m.target_value;
                        }
                        r.details = m.details;
                    }
                    Err(why) => {
                        r.met = Some(false);
                        r.details = format!("not measured: {why}");
                    }
                },
            }
            r
        })
        .collect()
}

fn unit_of(t: &ObjectiveTarget) -> &'static str {
    match t {
        ObjectiveTarget::Duration(_) => "seconds",
        ObjectiveTarget::Drift(_) => "devices",
        ObjectiveTarget::Percent(_) => "percent",
    }
}

fn target_value(t: &ObjectiveTarget) -> Option<f64> {
    match t {
        ObjectiveTarget::Duration(d) => Some(d.as_duration().as_secs_f64()),
        ObjectiveTarget::Drift(Drift::Count(n)) => Some(*n as f64),
        // A share of a count not known until the run reads it.
        ObjectiveTarget::Drift(Drift::Percent(_)) => None,
        ObjectiveTarget::Percent(p) => p.value(),
    }
}

#[cfg(test)]
mod tests;
