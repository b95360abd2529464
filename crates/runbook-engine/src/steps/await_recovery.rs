//! `await-recovery`: after a failover, waits until Azure Monitor shows the devices back and
//! telemetry flowing again, as shares of the baseline an earlier `snapshot-metrics` took.
//!
//! Flow: the baseline (connected devices, telemetry per minute, the built-in endpoint) comes
//! from the named snapshot's outputs; the origin is the request time of the run's latest
//! failover. Once a minute (Azure's grain: a faster look cannot see anything new) the step
//! reads both metrics from a few minutes before the origin until now (`minute_series`) and
//! judges the published minutes that start once the failover has completed (as the run's
//! `await` saw it; the request when no completion is known), times counted from the origin:
//!
//! - devices recovered at the end of the first minute whose mean reached the share;
//! - telemetry recovered at the end of the first minute whose count reached the share;
//! - the step ends at the first minute in which both held all minute (the minute's fewest
//!   connected devices and its message count over the thresholds).
//!
//! Both times are upper bounds to the minute, in runbook time. A metric Azure failed, or a
//! read that failed for a reason worth retrying (throttling past the client's retries, a 5xx),
//! is said in the progress line and read again at the next minute, until the timeout. At the
//! timeout the step fails naming how far recovery got and how many devices are missing. After
//! recovery it compares the built-in Event Hub-compatible endpoint with the baseline's: a new
//! one warns (or fails, or is ignored, as `event_hub_endpoint` says), naming it.

use std::time::{Duration, Instant};

use runbook_record::ErrorCode;
use runbook_spec::{AwaitRecoverySpec, EndpointChange};
use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::context::StepContext;
use super::minute_series::{self, Minute};
use crate::clock::Clock;
use crate::objectives::text::{percent_text, seconds_text, thousands};
use crate::outcome::{StepDone, StepFail};
use crate::run_state::TrackedFailover;

/// Azure Monitor's grain, in runbook time.
const GRAIN: Duration = Duration::from_secs(60);
/// How much of the time before the failover the recorded series shows (the drop is the story).
const LEAD: Duration = Duration::from_secs(5 * 60);
/// How long past its timeout the step may take to finish its last read.
const LOOK_GRACE: Duration = Duration::from_secs(5);

/// The baseline and the thresholds derived from it.
struct Target {
    devices: f64,
    telemetry: f64,
    need_devices: f64,
    need_telemetry: f64,
    endpoint: Option<String>,
}

/// What the minutes after the failover say so far.
#[derive(Default)]
struct Judgement {
    device_recovery: Option<f64>,
    telemetry_recovery: Option<f64>,
    /// End of the first minute both held all minute, runbook seconds after the origin.
    held: Option<f64>,
    /// The newest published minute after the origin.
    latest: Option<Minute>,
    /// Its end, runbook seconds after the origin.
    latest_end: Option<f64>,
}

pub(crate) async fn run(
    cx: &mut StepContext<'_>,
    spec: &AwaitRecoverySpec,
) -> Result<StepDone, StepFail> {
    let hard_limit = cx.clock.wait_for(spec.timeout.as_duration()) + LOOK_GRACE;
    match tokio::time::timeout(hard_limit, run_inner(cx, spec)).await {
        Ok(result) => result,
        Err(_) => Err(StepFail::new(
            ErrorCode::AwaitTimeout,
            format!(
                "Azure Monitor did not answer within the step's timeout of {}",
                spec.timeout
            ),
        )
        .final_()),
    }
}

async fn run_inner(
    cx: &mut StepContext<'_>,
    spec: &AwaitRecoverySpec,
) -> Result<StepDone, StepFail> {
    let Some(origin) = latest_failover(cx) else {
        if cx.dry_run {
            return Ok(StepDone::skipped(
                "dry run: no failover was made, so there is nothing to recover from".to_string(),
            ));
        }
        return Err(StepFail::new(
            ErrorCode::NoOperation,
            "this run started no failover, so there is nothing to recover from",
        )
        .final_());
    };
    let target = baseline(cx, spec)?;
    let settled = cx
        .state
        .completed_failovers
        .iter()
        .map(|f| f.completed_at)
        .filter(|t| *t >= origin)
        .max()
        .unwrap_or(origin);
    let (rg, name) = cx.hub_coordinates();
    let timeout = spec.timeout.as_duration();
    let grain = cx.clock.wait_for(GRAIN);
    let lead = time::Duration::try_from(cx.clock.wait_for(LEAD)).unwrap_or(time::Duration::ZERO);
    let began = Instant::now();
    let mut reads = 0u32;
    let mut minutes: Vec<Minute> = Vec::new();
    let mut problems: Vec<String>;
    // Reads that came back without both metrics (each said in its progress line).
    let mut troubled = 0u32;
    let judged = loop {
        reads += 1;
        problems = Vec::new();
        match minute_series::read(cx.client, &rg, &name, origin - lead, Clock::now()).await {
            Ok(reading) => {
                problems = reading.problems;
                // A failed metric keeps the minutes the earlier reads had of it.
                if problems.is_empty() || minutes.is_empty() {
                    minutes = reading.minutes;
                }
            }
            Err(e) if minute_series::retryable(&e) => {
                problems.push(format!("the metrics read failed: {e}"))
            }
            Err(e) => return Err(StepFail::from(e).final_()),
        }
        if !problems.is_empty() {
            troubled += 1;
        }
        let judged = judge(&minutes, origin, settled, &target, cx.clock);
        if judged.held.is_some() {
            break judged;
        }
        let elapsed = cx.clock.runbook_time(began.elapsed());
        if elapsed >= timeout {
            let outputs = outputs(&target, &judged, &minutes, origin, cx.clock, None);
            return Err(StepFail::new(
                ErrorCode::AwaitTimeout,
                not_recovered(spec, &target, &judged, &problems, reads),
            )
            .final_()
            .with_outputs(outputs));
        }
        cx.progress(
            progress_line(&target, &judged, &problems),
            elapsed,
            Some(timeout),
            None,
        );
        let left = cx.clock.wait_for(timeout.saturating_sub(elapsed));
        tokio::time::sleep(grain.min(left).max(Duration::from_millis(1))).await;
    };
    // The endpoint consumers read is the hub's word, read now.
    let hub = cx.client.get_hub(&rg, &name).await?;
    super::hub_reading::remember(cx, &hub);
    let now_endpoint = hub.event_hub_endpoint().map(str::to_string);
    let mut out = outputs(
        &target,
        &judged,
        &minutes,
        origin,
        cx.clock,
        now_endpoint.as_deref(),
    );
    let mut details = recovered_line(spec, &target);
    if troubled > 0 {
        details.push_str(&format!(
            " ({troubled} read{} of Azure Monitor came back throttled, failed or without a metric and {} read again a minute later)",
            if troubled == 1 { "" } else { "s" },
            if troubled == 1 { "was" } else { "were" }
        ));
    }
    let moved = match (&target.endpoint, &now_endpoint) {
        (Some(before), Some(now)) => before != now,
        _ => false,
    };
    out.insert("event_hub_endpoint_changed".into(), json!(moved));
    let mut done_warning = false;
    if moved && spec.event_hub_endpoint != EndpointChange::Ignore {
        let now = now_endpoint.unwrap_or_default();
        let said = format!(
            "the built-in Event Hub-compatible endpoint changed to {now}: point its consumers (Azure Functions, Stream Analytics jobs, anything reading `events`) at it"
        );
        if spec.event_hub_endpoint == EndpointChange::Fail {
            return Err(
                StepFail::new(ErrorCode::ExpectationNotMet, format!("{details}; {said}"))
                    .final_()
                    .with_outputs(out),
            );
        }
        done_warning = true;
        details = format!("{details}; {said}");
    }
    let mut done = StepDone::ran(details, out);
    done.warning = done_warning;
    Ok(done)
}

/// The request time of the run's latest failover.
fn latest_failover(cx: &StepContext<'_>) -> Option<OffsetDateTime> {
    cx.state
        .failovers
        .values()
        .map(|f| match f {
            TrackedFailover::Operation(op) => op.started_at,
            TrackedFailover::HubOnly { started_at, .. } => *started_at,
        })
        .max()
}

fn baseline(cx: &StepContext<'_>, spec: &AwaitRecoverySpec) -> Result<Target, StepFail> {
    let missing = |why: &str| {
        StepFail::new(
            ErrorCode::MissingSnapshot,
            format!(
                "snapshot `{}` {why}, so there is nothing to measure recovery against",
                spec.baseline
            ),
        )
        .final_()
    };
    let outputs = cx
        .templates
        .step_outputs(&spec.baseline)
        .ok_or_else(|| missing("did not run"))?;
    let number = |k: &str| outputs.get(k).and_then(Value::as_f64);
    let devices = number("connected_devices")
        .ok_or_else(|| missing("recorded no connected devices (no Monitor baseline)"))?;
    let telemetry = number("telemetry_per_minute")
        .ok_or_else(|| missing("recorded no telemetry per minute (no Monitor baseline)"))?;
    let share = |p: &runbook_spec::Percent| p.value().unwrap_or(100.0) / 100.0;
    Ok(Target {
        devices,
        telemetry,
        need_devices: (devices * share(&spec.connected_devices)).ceil(),
        need_telemetry: telemetry * share(&spec.telemetry),
        endpoint: outputs
            .get("event_hub_endpoint")
            .and_then(Value::as_str)
            .map(str::to_string),
    })
}

/// `minutes` judged against `t`: times count from `origin` (the failover request), and only
/// minutes that start at or after `settled` (the failover's completion, when the run saw it)
/// can show the devices back: until then a hub's devices may not have noticed it yet.
fn judge(
    minutes: &[Minute],
    origin: OffsetDateTime,
    settled: OffsetDateTime,
    t: &Target,
    clock: Clock,
) -> Judgement {
    let grain = time::Duration::try_from(clock.wait_for(GRAIN)).unwrap_or(time::Duration::MINUTE);
    let after_origin = |m: &Minute| {
        let end = m.start + grain;
        (end - origin).as_seconds_f64() / clock.scale()
    };
    let mut j = Judgement::default();
    for m in minutes.iter().filter(|m| m.start >= settled.max(origin)) {
        let devices_ok = m.connected.is_some_and(|c| c >= t.need_devices);
        let telemetry_ok = m.telemetry.is_some_and(|v| v >= t.need_telemetry);
        if devices_ok && j.device_recovery.is_none() {
            j.device_recovery = Some(after_origin(m));
        }
        if telemetry_ok && j.telemetry_recovery.is_none() {
            j.telemetry_recovery = Some(after_origin(m));
        }
        let held_all_minute = m.connected_min.is_some_and(|c| c >= t.need_devices);
        if held_all_minute && telemetry_ok && j.held.is_none() {
            j.held = Some(after_origin(m));
        }
        if m.connected.is_some() {
            j.latest = Some(*m);
            j.latest_end = Some(after_origin(m));
        }
    }
    j
}

/// `1,104 of 1,180 devices back (94%), telemetry at 91% of its baseline, 6m12s after the failover`
fn standing(t: &Target, j: &Judgement) -> String {
    let mut s = counts(t, j);
    if let (Some(after), Some(_)) = (j.latest_end, j.latest) {
        s.push_str(&format!(", {} after the failover", seconds_text(after)));
    }
    s
}

/// `1,104 of 1,180 devices back (94%), telemetry at 91% of its baseline`
fn counts(t: &Target, j: &Judgement) -> String {
    let Some(m) = j.latest else {
        return "no minute after the failover published yet (Azure Monitor publishes each minute about a minute after it ends)".to_string();
    };
    let back = m.connected.unwrap_or(0.0).round();
    let mut s = format!(
        "{} of {} devices back ({})",
        thousands(back as u64),
        thousands(t.devices.round() as u64),
        percent_text(share(back, t.devices))
    );
    match m.telemetry {
        Some(v) => s.push_str(&format!(
            ", telemetry at {} of its baseline",
            percent_text(share(v, t.telemetry))
        )),
        None => s.push_str(", telemetry not published"),
    }
    s
}

fn share(v: f64, of: f64) -> f64 {
    if of <= 0.0 { 100.0 } else { v * 100.0 / of }
}

fn progress_line(t: &Target, j: &Judgement, problems: &[String]) -> String {
    let mut s = standing(t, j);
    if !problems.is_empty() {
        s.push_str(&format!(
            "; {}: reading again in a minute",
            problems.join("; ")
        ));
    }
    s
}

/// What held, in the runbook's terms (the times are in the outputs and the objectives: they
/// depend on which minute the reads fell into).
fn recovered_line(spec: &AwaitRecoverySpec, t: &Target) -> String {
    format!(
        "devices and telemetry back for a full minute: at least {} of {} devices connected ({}) and {} or more of the {} telemetry messages a minute",
        thousands(t.need_devices as u64),
        thousands(t.devices.round() as u64),
        spec.connected_devices.0,
        spec.telemetry.0,
        thousands(t.telemetry.round() as u64),
    )
}

fn not_recovered(
    spec: &AwaitRecoverySpec,
    t: &Target,
    j: &Judgement,
    problems: &[String],
    reads: u32,
) -> String {
    let mut s = format!(
        "not recovered within {} ({} needed: {} devices, {} of the telemetry)",
        spec.timeout,
        spec.connected_devices.0,
        thousands(t.need_devices as u64),
        spec.telemetry.0
    );
    match j.latest {
        Some(m) => {
            let back = m.connected.unwrap_or(0.0).round();
            let missing = (t.devices.round() - back).max(0.0);
            s.push_str(&format!(
                ": {}; {} devices missing",
                counts(t, j),
                thousands(missing as u64)
            ));
        }
        None => s.push_str(&format!(
            ": Azure Monitor published no minute after the failover in {reads} reads"
        )),
    }
    if !problems.is_empty() {
        s.push_str(&format!("; {}", problems.join("; ")));
    }
    s
}

fn outputs(
    t: &Target,
    j: &Judgement,
    minutes: &[Minute],
    origin: OffsetDateTime,
    clock: Clock,
    endpoint: Option<&str>,
) -> Map<String, Value> {
    let mut m = Map::new();
    let num = |v: Option<f64>| v.map_or(Value::Null, |v| json!(v));
    m.insert(
        "baseline_connected_devices".into(),
        json!(t.devices.round()),
    );
    m.insert(
        "baseline_telemetry_per_minute".into(),
        json!(minute_series::round1(t.telemetry)),
    );
    m.insert("connected_devices_threshold".into(), json!(t.need_devices));
    m.insert(
        "telemetry_threshold".into(),
        json!(minute_series::round1(t.need_telemetry)),
    );
    let back = j.latest.and_then(|l| l.connected).map(f64::round);
    m.insert("connected_devices".into(), num(back));
    m.insert(
        "telemetry_per_minute".into(),
        num(j.latest.and_then(|l| l.telemetry)),
    );
    m.insert(
        "devices_missing".into(),
        num(back.map(|b| (t.devices.round() - b).max(0.0))),
    );
    m.insert(
        "device_recovery_seconds".into(),
        num(j.device_recovery.map(f64::round)),
    );
    m.insert(
        "telemetry_recovery_seconds".into(),
        num(j.telemetry_recovery.map(f64::round)),
    );
    m.insert("held_seconds".into(), num(j.held.map(f64::round)));
    m.insert(
        "event_hub_endpoint".into(),
        endpoint.map_or(Value::Null, |e| json!(e)),
    );
    m.insert(
        "series".into(),
        minute_series::to_json(minutes, origin, clock),
    );
    m
}

#[cfg(test)]
#[path = "await_recovery_tests.rs"]
mod tests;
