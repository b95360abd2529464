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
//! The runner emits the results as `RunEvent::ObjectivesMeasured` (so the journal can rebuild
//! them) and fails the run on a non-advisory miss. A run that made no failover measures
//! nothing (`met: null`): a dry run is not failed for it, a run that otherwise succeeded is
//! (it proved none of what it set out to).

use runbook_record::{ObjectiveResult, SectionName, StepKindName};
use runbook_spec::{DeclaredObjective, Drift, ObjectiveTarget, Objectives, Runbook};
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::dr_log::StepRecord;
use crate::event::RunEvent;
use crate::runner::Engine;
use crate::status::StepStatus;

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

/// The first failover's record, the main steps before it and those after it up to the next
/// failover (a failback belongs to another story).
struct Window<'a> {
    failover: &'a StepRecord,
    started: OffsetDateTime,
    region: String,
    before: Vec<&'a StepRecord>,
    after: Vec<&'a StepRecord>,
}

impl<'a> Window<'a> {
    fn find(main: &[&'a StepRecord]) -> Result<Window<'a>, String> {
        let at = main
            .iter()
            .position(|r| r.kind == StepKindName::Failover)
            .ok_or("no failover step ran")?;
        let failover = main[at];
        let started = failover
            .outputs
            .get("started_at")
            .and_then(Value::as_str)
            .and_then(parse_time);
        let (Some(started), true) = (
            started,
            matches!(failover.status, StepStatus::Success | StepStatus::Warning),
        ) else {
            return Err(format!(
                "failover `{}` did not start a failover ({})",
                failover.step,
                status_word(failover.status)
            ));
        };
        let end = main[at + 1..]
            .iter()
            .position(|r| r.kind == StepKindName::Failover)
            .map_or(main.len(), |p| at + 1 + p);
        Ok(Window {
            failover,
            started,
            region: text(failover, "region").unwrap_or_default(),
            before: main[..at].to_vec(),
            after: main[at + 1..end].to_vec(),
        })
    }
}

struct Measured {
    value: f64,
    text: String,
    met: bool,
    target_value: Option<f64>,
    details: String,
}

fn measure_one(o: &DeclaredObjective, w: &Window, scale: f64) -> Result<Measured, String> {
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

impl Engine {
    /// Measures the runbook's objectives from the records so far and emits them; returns why
    /// the run fails because of them, if it does (the first non-advisory miss).
    pub(crate) fn measure_objectives(&mut self, rb: &Runbook) -> Option<String> {
        if rb.objectives.is_empty() {
            return None;
        }
        let records = self.emitter.dr_log().map(|l| l.steps).unwrap_or_default();
        let results = measure(&rb.objectives, &records, self.dry_run, self.clock.scale());
        let failure = results.iter().find_map(|r| r.failure(self.dry_run));
        self.emitter.emit(RunEvent::ObjectivesMeasured {
            objectives: results,
        });
        failure
    }
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

fn text(r: &StepRecord, key: &str) -> Option<String> {
    r.outputs
        .get(key)
        .and_then(Value::as_str)
        .map(str::to_string)
}

fn parse_time(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, &Rfc3339).ok()
}

/// ARM spells regions both `West US` and `westus`.
fn same_region(a: &str, b: &str) -> bool {
    let norm = |s: &str| {
        s.chars()
            .filter(|c| !c.is_whitespace())
            .flat_map(char::to_lowercase)
            .collect::<String>()
    };
    norm(a) == norm(b)
}

fn status_word(s: StepStatus) -> &'static str {
    match s {
        StepStatus::Success => "succeeded",
        StepStatus::Warning => "warned",
        StepStatus::Failed => "failed",
        StepStatus::Skipped => "did not run",
        StepStatus::Cancelled => "was interrupted",
    }
}

fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

/// `4.213s`, `12m3s`: seconds to the millisecond below a minute, whole seconds above.
fn seconds_text(secs: f64) -> String {
    if secs < 60.0 {
        return format!("{}s", round3(secs));
    }
    let total = secs.round() as u64;
    let (h, m, s) = (total / 3600, total % 3600 / 60, total % 60);
    let mut out = String::new();
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if m > 0 {
        out.push_str(&format!("{m}m"));
    }
    if s > 0 || out.is_empty() {
        out.push_str(&format!("{s}s"));
    }
    out
}

fn percent_text(v: f64) -> String {
    let r = (v * 10.0).round() / 10.0;
    if r.fract() == 0.0 {
        format!("{}%", r as i64)
    } else {
        format!("{r}%")
    }
}

fn hms(t: OffsetDateTime) -> String {
    format!("{:02}:{:02}:{:02}Z", t.hour(), t.minute(), t.second())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    fn rec(step: &str, kind: &str, status: StepStatus, ended: &str, outputs: Value) -> StepRecord {
        StepRecord {
            step: step.into(),
            name: step.into(),
            kind: StepKindName::from_name(kind).unwrap(),
            section: SectionName::Steps,
            status,
            timestamp: ended.into(),
            ended_at: ended.into(),
            duration_ms: 0,
            attempts: 1,
            http_retries: 0,
            details: String::new(),
            inputs: if kind == "await" {
                json!({"operation": "fo"})
            } else {
                json!({})
            },
            outputs: outputs.as_object().cloned().unwrap_or_default(),
            error: None,
        }
    }

    fn objectives(yaml: Value) -> Objectives {
        serde_json::from_value(yaml).unwrap()
    }

    fn drill(post_devices: u64, healthy: u64) -> Vec<StepRecord> {
        use StepStatus::Success;
        vec![
            rec(
                "pre",
                "snapshot-metrics",
                Success,
                "2026-11-26T03:15:00Z",
                json!({"device_count": 1200, "state": "Active", "location": "westus2"}),
            ),
            rec(
                "fo",
                "failover",
                Success,
                "2026-11-26T03:15:01Z",
                json!({"region": "westus", "started_at": "2026-11-26T03:15:01Z"}),
            ),
            rec(
                "wait",
                "await",
                Success,
                "2026-11-26T03:20:01Z",
                json!({"state": "Active", "location": "West US", "detection_lag_seconds": 15.2}),
            ),
            rec(
                "settle",
                "sleep",
                Success,
                "2026-11-26T03:21:01Z",
                json!({}),
            ),
            rec(
                "post",
                "snapshot-metrics",
                Success,
                "2026-11-26T03:21:31Z",
                json!({"device_count": post_devices, "endpoints_total": 4, "endpoints_healthy": healthy}),
            ),
            // A failback: its readings are not this failover's story.
            rec(
                "back",
                "failover",
                Success,
                "2026-11-26T03:30:00Z",
                json!({"region": "westus2", "started_at": "2026-11-26T03:30:00Z"}),
            ),
            rec(
                "late",
                "health-check",
                Success,
                "2026-11-26T03:40:00Z",
                json!({"total": 4, "healthy": 0}),
            ),
        ]
    }

    fn all() -> Objectives {
        objectives(json!({
            "rto": "10m",
            "max_device_drift": "1%",
            "min_healthy_endpoints": {"target": "100%", "advisory": true},
            "max_detection_lag": "15s"
        }))
    }

    #[test]
    fn durations_are_measured_in_the_runbooks_time_under_a_scaled_clock() {
        // At scale 0.5 the 390 real seconds of the drill are 780 emulated ones: over 10m.
        let r = measure(&all(), &drill(1195, 3), false, 0.5);
        let rto = r.iter().find(|o| o.objective == "rto").unwrap();
        assert_eq!(rto.measured_value, Some(780.0));
        assert_eq!(rto.met, Some(false));
        let lag = r
            .iter()
            .find(|o| o.objective == "max_detection_lag")
            .unwrap();
        assert_eq!(lag.measured_value, Some(30.4));
    }

    #[test]
    fn a_drill_is_measured_around_its_first_failover() {
        let r = measure(&all(), &drill(1195, 3), false, 1.0);
        let by = |n: &str| r.iter().find(|o| o.objective == n).unwrap();
        let rto = by("rto");
        assert_eq!(rto.measured.as_deref(), Some("6m30s"));
        assert_eq!(rto.measured_value, Some(390.0));
        assert_eq!(rto.target_value, Some(600.0));
        assert_eq!(rto.met, Some(true));
        assert!(rto.details.contains("`post`"), "{}", rto.details);
        let drift = by("max_device_drift");
        assert_eq!(
            (drift.measured_value, drift.target_value),
            (Some(5.0), Some(12.0))
        );
        assert_eq!(drift.met, Some(true));
        let ep = by("min_healthy_endpoints");
        assert_eq!(ep.measured.as_deref(), Some("75%"));
        assert_eq!(ep.met, Some(false));
        assert_eq!(
            ep.failure(false),
            None,
            "advisory misses do not fail the run"
        );
        let lag = by("max_detection_lag");
        assert_eq!(lag.met, Some(false));
        assert_eq!(
            lag.failure(false).as_deref(),
            Some("objective `max_detection_lag` missed: measured 15.2s, target 15s")
        );
    }

    #[test]
    fn a_failed_check_after_the_failover_misses_the_rto() {
        let mut steps = drill(1200, 4);
        steps[4].status = StepStatus::Failed;
        let r = measure(&objectives(json!({"rto": "1h"})), &steps, false, 1.0);
        assert_eq!(r[0].met, Some(false));
        assert_eq!(r[0].measured, None);
        assert_eq!(
            r[0].failure(false).as_deref(),
            Some("objective `rto` missed: not measured: check `post` after the failover failed")
        );
    }

    #[test]
    fn the_hub_must_be_seen_active_in_the_target_region() {
        let mut steps = drill(1200, 4);
        steps[2].outputs.insert("location".into(), json!("westus2"));
        let r = measure(&objectives(json!({"rto": "1h"})), &steps, false, 1.0);
        assert_eq!(r[0].met, Some(false));
        assert!(
            r[0].details.contains("Active in westus"),
            "{}",
            r[0].details
        );
    }

    #[test]
    fn without_a_failover_nothing_is_measured_and_only_a_real_run_fails_for_it() {
        let mut steps = drill(1200, 4);
        steps[1].status = StepStatus::Skipped;
        steps[1].outputs.clear();
        let dry = measure(&all(), &steps, true, 1.0);
        assert!(
            dry.iter()
                .all(|o| o.met.is_none() && o.failure(true).is_none())
        );
        let real = measure(&all(), &steps, false, 1.0);
        assert!(real.iter().all(|o| o.met.is_none()));
        assert_eq!(
            real[0].failure(false).as_deref(),
            Some(
                "objective `rto` not measured: failover `fo` did not start a failover (did not run)"
            )
        );
        assert_eq!(real[2].failure(false), None, "advisory");
    }

    #[test]
    fn durations_read_like_the_runbook_writes_them() {
        assert_eq!(seconds_text(4.2134), "4.213s");
        assert_eq!(seconds_text(60.0), "1m");
        assert_eq!(seconds_text(3725.0), "1h2m5s");
        assert_eq!(percent_text(100.0), "100%");
        assert_eq!(percent_text(200.0 / 3.0), "66.7%");
    }
}
