//! One function per objective, each over the failover's `Window`: `rto`, `max_detection_lag`,
//! `max_device_drift`, `min_healthy_endpoints`, and `device_recovery` / `telemetry_recovery`
//! (read from the `await-recovery` record, already in runbook time). Each returns what it measured, or why it
//! could not be measured (a miss).

use runbook_record::StepKindName;
use runbook_spec::{DeclaredObjective, Drift, ObjectiveTarget};
use serde_json::Value;

use super::text::{hms, percent_text, round3, seconds_text};
use super::window::{Measured, Window, parse_time, status_word, text};
use crate::dr_log::StepRecord;
use crate::region::same_region;
use crate::status::StepStatus;

pub(super) fn measure_one(
    o: &DeclaredObjective,
    w: &Window,
    scale: f64,
) -> Result<Measured, String> {
    match (o.name, &o.target) {
        ("rto", ObjectiveTarget::Duration(target)) => {
            rto(w, target.as_duration().as_secs_f64(), scale)
        }
        ("max_detection_lag", ObjectiveTarget::Duration(target)) => {
            detection_lag(w, target.as_duration().as_secs_f64(), scale)
        }
        ("max_device_drift", ObjectiveTarget::Drift(d)) => device_drift(w, d),
        ("min_healthy_endpoints", ObjectiveTarget::Percent(p)) => {
            let min = p
                .value()
                .ok_or_else(|| format!("`{}` is not a share", p.0))?;
            healthy_endpoints(w, min)
        }
        ("device_recovery", ObjectiveTarget::Duration(target)) => recovery(
            w,
            "device_recovery_seconds",
            "connected devices",
            "connected_devices_threshold",
            target.as_duration().as_secs_f64(),
        ),
        ("telemetry_recovery", ObjectiveTarget::Duration(target)) => recovery(
            w,
            "telemetry_recovery_seconds",
            "telemetry per minute",
            "telemetry_threshold",
            target.as_duration().as_secs_f64(),
        ),
        _ => Err(format!(
            "objective `{}` is not known to this engine",
            o.name
        )),
    }
}

fn rto(w: &Window, target: f64, scale: f64) -> Result<Measured, String> {
    let checks: Vec<&&StepRecord> = w.after.iter().filter(|r| r.kind.is_check()).collect();
    if let Some(bad) = checks
        .iter()
        .find(|r| matches!(r.status, StepStatus::Failed | StepStatus::Cancelled))
    {
        return Err(format!(
            "check `{}` after the failover {}",
            bad.step,
            status_word(bad.status)
        ));
    }
    let passed: Vec<&&&StepRecord> = checks
        .iter()
        .filter(|r| matches!(r.status, StepStatus::Success | StepStatus::Warning))
        .collect();
    let active_there = passed.iter().any(|r| {
        text(r, "state").is_some_and(|s| s.eq_ignore_ascii_case("Active"))
            && text(r, "location").is_some_and(|l| same_region(&l, &w.region))
    });
    if !active_there {
        return Err(format!(
            "no check after the failover saw the hub Active in {}",
            w.region
        ));
    }
    let (last, end) = passed
        .iter()
        .filter_map(|r| parse_time(&r.ended_at).map(|t| (r, t)))
        .max_by_key(|(_, t)| *t)
        .ok_or("the checks after the failover carry no end time")?;
    let secs = (end - w.started).as_seconds_f64().max(0.0) / scale;
    Ok(Measured {
        value: round3(secs),
        text: seconds_text(secs),
        met: secs <= target,
        target_value: None,
        details: format!(
            "from the failover request ({}) until check `{}` passed ({}), the hub Active in {}",
            hms(w.started),
            last.step,
            hms(end),
            w.region
        ),
    })
}

fn detection_lag(w: &Window, target: f64, scale: f64) -> Result<Measured, String> {
    let watcher = w
        .after
        .iter()
        .find(|r| {
            r.kind == StepKindName::Await
                && r.inputs.get("operation").and_then(Value::as_str)
                    == Some(w.failover.step.as_str())
        })
        .ok_or_else(|| format!("no await watched failover `{}`", w.failover.step))?;
    let lag = watcher
        .outputs
        .get("detection_lag_seconds")
        .and_then(Value::as_f64)
        .map(|lag| lag / scale)
        .ok_or_else(|| {
            format!(
                "await `{}` did not see the failover end ({})",
                watcher.step,
                status_word(watcher.status)
            )
        })?;
    Ok(Measured {
        value: round3(lag),
        text: seconds_text(lag),
        met: lag <= target,
        target_value: None,
        details: format!(
            "await `{}` saw the failover done at most {} after it ended (the gap since the last look that saw it running)",
            watcher.step,
            seconds_text(lag)
        ),
    })
}

fn device_drift(w: &Window, allowed: &Drift) -> Result<Measured, String> {
    let count = |r: &&&StepRecord| {
        (r.kind == StepKindName::SnapshotMetrics
            && matches!(r.status, StepStatus::Success | StepStatus::Warning))
        .then(|| r.outputs.get("device_count").and_then(Value::as_u64))
        .flatten()
        .map(|n| (r.step.clone(), n))
    };
    let (pre_step, pre) = w
        .before
        .iter()
        .rev()
        .find_map(|r| count(&r))
        .ok_or("no snapshot before the failover counted the devices")?;
    let (post_step, post) = w
        .after
        .iter()
        .rev()
        .find_map(|r| count(&r))
        .ok_or("no snapshot after the failover counted the devices")?;
    let drift = pre.abs_diff(post);
    let limit = allowed
        .allowed_for(pre)
        .ok_or("the allowed drift is not a number")?;
    Ok(Measured {
        value: drift as f64,
        text: drift.to_string(),
        met: drift <= limit,
        target_value: Some(limit as f64),
        details: format!(
            "{pre} devices at `{pre_step}`, {post} at `{post_step}`: {drift} differ, {limit} allowed"
        ),
    })
}

fn healthy_endpoints(w: &Window, min: f64) -> Result<Measured, String> {
    let reading = w.after.iter().rev().find_map(|r| {
        if !matches!(r.status, StepStatus::Success | StepStatus::Warning) {
            return None;
        }
        let n = |k: &str| r.outputs.get(k).and_then(Value::as_u64);
        match r.kind {
            StepKindName::HealthCheck => Some((r.step.clone(), n("total")?, n("healthy")?)),
            StepKindName::SnapshotMetrics => Some((
                r.step.clone(),
                n("endpoints_total")?,
                n("endpoints_healthy")?,
            )),
            _ => None,
        }
    });
    let (step, total, healthy) =
        reading.ok_or("no reading of endpoint health after the failover")?;
    // No endpoints: none is unhealthy. The details say so, so nobody mistakes it for a
    // measured 100%.
    let share = if total == 0 {
        100.0
    } else {
        healthy as f64 * 100.0 / total as f64
    };
    Ok(Measured {
        value: round3(share),
        text: percent_text(share),
        met: share + 1e-9 >= min,
        target_value: None,
        details: if total == 0 {
            format!("`{step}` found no routing endpoints")
        } else {
            format!("{healthy} of {total} routing endpoints Healthy at `{step}`")
        },
    })
}

/// A recovery time an `await-recovery` recorded (runbook seconds from the failover request to
/// the end of the first minute Azure Monitor showed the metric back to its threshold).
fn recovery(
    w: &Window,
    key: &str,
    what: &str,
    threshold_key: &str,
    target: f64,
) -> Result<Measured, String> {
    let rec = w
        .after
        .iter()
        .rev()
        .find(|r| r.kind == StepKindName::AwaitRecovery)
        .ok_or("no `await-recovery` step ran after the failover")?;
    if !matches!(
        rec.status,
        StepStatus::Success | StepStatus::Warning | StepStatus::Failed
    ) {
        return Err(format!("`{}` {}", rec.step, status_word(rec.status)));
    }
    let threshold = rec.outputs.get(threshold_key).and_then(Value::as_f64);
    let Some(secs) = rec.outputs.get(key).and_then(Value::as_f64) else {
        let missing = rec
            .outputs
            .get("devices_missing")
            .and_then(Value::as_f64)
            .map(|m| format!(", {} devices missing", m as u64))
            .unwrap_or_default();
        return Err(format!(
            "{what} never reached {} at `{}` ({}){missing}",
            threshold.map_or("the threshold".to_string(), |t| super::text::thousands(
                t as u64
            )),
            rec.step,
            status_word(rec.status)
        ));
    };
    Ok(Measured {
        value: round3(secs),
        text: seconds_text(secs),
        met: secs <= target,
        target_value: None,
        details: format!(
            "from the failover request until Azure Monitor showed {what} back to {} (end of the first such minute, `{}`; accurate to the minute)",
            threshold.map_or("the threshold".to_string(), |t| super::text::thousands(
                t as u64
            )),
            rec.step
        ),
    })
}
