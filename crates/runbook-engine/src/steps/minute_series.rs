//! Connected devices and telemetry per minute, as Azure Monitor publishes them for a hub: the
//! reading a `snapshot-metrics` baseline and an `await-recovery` share.
//!
//! Flow: a window `[start, end)` in real time -> two metric reads (a level and a count cannot
//! share an aggregation: asking Total of `connectedDeviceCount` fails it, as Azure does) ->
//! one `Minute` per published grain, in time order. A grain Azure has not published yet (no
//! aggregation at all) is left out, never taken as zero. A metric Azure failed inside its 200
//! is named in `problems`; the other metric's minutes still count.

use iothub_arm::{Aggregation, ArmClient, ArmError, MetricOutcome, MetricsQuery};
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::clock::{Clock, rfc3339};

/// The level of connected devices (Average, Minimum, Maximum only).
pub(crate) const CONNECTED: &str = "connectedDeviceCount";
/// Telemetry messages accepted (a count: Total only is meaningful).
pub(crate) const TELEMETRY: &str = "d2c.telemetry.ingress.success";

/// One published minute.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Minute {
    /// Start of the grain (real time).
    pub start: OffsetDateTime,
    /// Mean connected devices over the minute.
    pub connected: Option<f64>,
    /// Fewest connected devices in the minute: at least this many were connected all minute.
    pub connected_min: Option<f64>,
    /// Telemetry messages in the minute.
    pub telemetry: Option<f64>,
}

/// What a read found: the minutes, and each metric Azure could not serve.
#[derive(Debug, Default)]
pub(crate) struct Reading {
    pub minutes: Vec<Minute>,
    pub problems: Vec<String>,
}

/// Reads both metrics over `[start, end)`.
pub(crate) async fn read(
    client: &ArmClient,
    rg: &str,
    hub: &str,
    start: OffsetDateTime,
    end: OffsetDateTime,
) -> Result<Reading, ArmError> {
    // Azure takes whole seconds; ending a second late keeps the newest grain in the window.
    let end = end + time::Duration::SECOND;
    let levels = MetricsQuery::per_minute(
        [CONNECTED],
        start,
        end,
        &[Aggregation::Average, Aggregation::Minimum],
    );
    let counts = MetricsQuery::per_minute([TELEMETRY], start, end, &[Aggregation::Total]);
    let levels = client.hub_metrics(rg, hub, &levels).await?;
    let counts = client.hub_metrics(rg, hub, &counts).await?;
    let mut reading = Reading::default();
    let mut points: Vec<Minute> = Vec::new();
    for (result, is_level) in [
        (levels.get(CONNECTED), true),
        (counts.get(TELEMETRY), false),
    ] {
        let Some(result) = result else { continue };
        match &result.outcome {
            MetricOutcome::Data { .. } => {}
            MetricOutcome::Failed { code, message } => {
                reading.problems.push(format!(
                    "Azure Monitor failed `{}` ({code}{})",
                    result.name,
                    message
                        .as_deref()
                        .map(|m| format!(": {m}"))
                        .unwrap_or_default()
                ));
                continue;
            }
            MetricOutcome::NotReturned => {
                reading
                    .problems
                    .push(format!("Azure Monitor did not return `{}`", result.name));
                continue;
            }
        }
        for p in result.points().unwrap_or(&[]) {
            let at = match points.iter().position(|m| m.start == p.time_stamp) {
                Some(i) => i,
                None => {
                    points.push(Minute {
                        start: p.time_stamp,
                        connected: None,
                        connected_min: None,
                        telemetry: None,
                    });
                    points.len() - 1
                }
            };
            if is_level {
                points[at].connected = p.average;
                points[at].connected_min = p.minimum.or(p.average);
            } else {
                points[at].telemetry = p.total;
            }
        }
    }
    points.retain(|m| m.connected.is_some() || m.telemetry.is_some());
    points.sort_by_key(|m| m.start);
    reading.minutes = points;
    Ok(reading)
}

/// The mean of the values `f` picks, over the minutes that have one.
pub(crate) fn mean(minutes: &[Minute], f: impl Fn(&Minute) -> Option<f64>) -> Option<f64> {
    let values: Vec<f64> = minutes.iter().filter_map(f).collect();
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// The minutes as the DR log carries them: each minute's start, its offset from `origin` in
/// runbook seconds (negative before it), and its values.
pub(crate) fn to_json(minutes: &[Minute], origin: OffsetDateTime, clock: Clock) -> Value {
    Value::Array(
        minutes
            .iter()
            .map(|m| {
                let offset = (m.start - origin).as_seconds_f64() / clock.scale();
                json!({
                    "at": rfc3339(m.start),
                    "offset_seconds": offset.round(),
                    "connected": m.connected.map(round1),
                    "connected_min": m.connected_min.map(round1),
                    "telemetry": m.telemetry.map(round1),
                })
            })
            .collect(),
    )
}

pub(crate) fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

/// A failed read worth another look later: throttling past the client's retries, Azure's own
/// failures, the network. Authentication and a refused query will not get better.
pub(crate) fn retryable(e: &ArmError) -> bool {
    !matches!(
        e,
        ArmError::Auth { .. }
            | ArmError::Credential { .. }
            | ArmError::InvalidInput { .. }
            | ArmError::InsecureEndpoint { .. }
    ) && e.status().is_none_or(|s| s == 429 || s >= 500)
}
