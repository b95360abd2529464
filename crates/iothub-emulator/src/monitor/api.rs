//! The Azure Monitor metrics read of a hub (`GET {hub id}/providers/Microsoft.Insights/metrics`,
//! api-version 2023-10-01 or 2024-02-01): query in, `Response` JSON out.
//!
//! Flow: parse `metricnames`, `timespan`, `interval` and `aggregation` from the query (400 for
//! what Azure refuses: an unknown metric, more than 20 names, a grain other than PT1M) ->
//! lay one-minute grains over the timespan -> for each metric either the scenario's per-metric
//! error, an `InvalidSamplingType` failure for an aggregation the metric does not support, or
//! one series with a point per grain. A grain not yet published (its end plus the publication
//! delay is still ahead) or in the future has only its `timeStamp`: absent, never zero.
//! Aggregation rules are Azure's: `connectedDeviceCount` is a level (Average, Minimum,
//! Maximum); the telemetry metrics are single-point counts (Total and Count; Minimum, Maximum
//! and Average answer 1 in a grain with events, as Azure does).

use super::population::Population;
use super::seed::MonitorSeed;
use crate::arm_error::ArmError;
use crate::route::query_param;
use serde_json::{Map, Value, json};
use time::{OffsetDateTime, format_description::well_known::Rfc3339};

/// api-versions the metrics read answers to.
pub const METRICS_API_VERSIONS: [&str; 2] = ["2023-10-01", "2024-02-01"];

/// Azure answers at most this many metric names per request.
const MAX_NAMES: usize = 20;

/// Grains one request may span (a day and a half of minutes).
const MAX_GRAINS: i64 = 2160;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A level sampled over the grain.
    Level,
    /// One point per event; Total is the count.
    Events,
    /// Counts of operations the emulated devices never perform: Total 0.
    Quiet,
}

/// The metrics served: REST name, display name, kind. Beyond the device and telemetry metrics
/// the population drives, other IoT Hub count metrics are served as quiet (no events), so a
/// read of more than 20 real names can be exercised.
const METRICS: [(&str, &str, Kind); 22] = [
    ("connectedDeviceCount", "Connected devices", Kind::Level),
    (
        "d2c.telemetry.ingress.success",
        "Telemetry messages sent",
        Kind::Events,
    ),
    (
        "d2c.telemetry.ingress.allProtocol",
        "Telemetry message send attempts",
        Kind::Events,
    ),
    (
        "d2c.telemetry.ingress.sendThrottle",
        "Number of throttling errors",
        Kind::Events,
    ),
    (
        "d2c.telemetry.ingress.dropped",
        "Dropped messages",
        Kind::Quiet,
    ),
    (
        "c2d.commands.egress.abandon.success",
        "C2D messages abandoned",
        Kind::Quiet,
    ),
    (
        "c2d.commands.egress.complete.success",
        "C2D message deliveries completed",
        Kind::Quiet,
    ),
    (
        "c2d.commands.egress.reject.success",
        "C2D messages rejected",
        Kind::Quiet,
    ),
    (
        "c2d.methods.failure",
        "Failed direct method invocations",
        Kind::Quiet,
    ),
    (
        "c2d.methods.success",
        "Successful direct method invocations",
        Kind::Quiet,
    ),
    (
        "c2d.twin.read.failure",
        "Failed twin reads from back end",
        Kind::Quiet,
    ),
    (
        "c2d.twin.read.success",
        "Successful twin reads from back end",
        Kind::Quiet,
    ),
    (
        "c2d.twin.update.failure",
        "Failed twin updates from back end",
        Kind::Quiet,
    ),
    (
        "c2d.twin.update.success",
        "Successful twin updates from back end",
        Kind::Quiet,
    ),
    (
        "d2c.twin.read.failure",
        "Failed twin reads from devices",
        Kind::Quiet,
    ),
    (
        "d2c.twin.read.success",
        "Successful twin reads from devices",
        Kind::Quiet,
    ),
    (
        "d2c.twin.update.failure",
        "Failed twin updates from devices",
        Kind::Quiet,
    ),
    (
        "d2c.twin.update.success",
        "Successful twin updates from devices",
        Kind::Quiet,
    ),
    ("jobs.completed", "Completed jobs", Kind::Quiet),
    ("jobs.failed", "Failed jobs", Kind::Quiet),
    (
        "twinQueries.success",
        "Successful twin queries",
        Kind::Quiet,
    ),
    ("twinQueries.failure", "Failed twin queries", Kind::Quiet),
];

const AGGREGATIONS: [&str; 5] = ["average", "minimum", "maximum", "total", "count"];

/// What is needed to answer: the hub, its population and the time.
pub(crate) struct MetricsInput<'a> {
    pub hub_id: &'a str,
    pub region: &'a str,
    pub seed: &'a MonitorSeed,
    pub population: &'a Population,
    pub now: OffsetDateTime,
}

/// Azure Monitor answers errors in ARM's `{"error": {code, message}}` envelope.
fn bad_request(message: String) -> ArmError {
    ArmError::front_door(400, "BadRequest", message)
}

pub(crate) fn answer(input: &MetricsInput<'_>, query: &str) -> Result<Value, ArmError> {
    let param = |name: &str| query_param(query, name).map(percent_decode);
    let names: Vec<String> = match param("metricnames") {
        Some(list) if !list.trim().is_empty() => {
            list.split(',').map(|n| n.trim().to_owned()).collect()
        }
        _ => vec![METRICS[0].0.to_owned()],
    };
    if names.len() > MAX_NAMES {
        return Err(bad_request(format!(
            "Requested metrics count: {} bigger than allowed max: {MAX_NAMES}",
            names.len()
        )));
    }
    let mut metrics = Vec::with_capacity(names.len());
    for name in &names {
        let found = METRICS
            .iter()
            .find(|(n, _, _)| n.eq_ignore_ascii_case(name))
            .ok_or_else(|| {
                let valid: Vec<&str> = METRICS.iter().map(|m| m.0).collect();
                bad_request(format!(
                    "Failed to find metric configuration for provider: Microsoft.Devices, resource Type: IotHubs, metric: {name}, Valid metrics: {}",
                    valid.join(", ")
                ))
            })?;
        metrics.push(*found);
    }
    let interval = param("interval").unwrap_or_else(|| "PT1M".to_owned());
    if !interval.eq_ignore_ascii_case("PT1M") {
        return Err(bad_request(format!(
            "The interval {interval} is not served by this emulator: it keeps one-minute grains only (PT1M)."
        )));
    }
    let aggregations: Option<Vec<String>> = match param("aggregation") {
        Some(list) if !list.trim().is_empty() => {
            let mut out = Vec::new();
            for a in list.split(',') {
                let a = a.trim().to_ascii_lowercase();
                if !AGGREGATIONS.contains(&a.as_str()) {
                    return Err(bad_request(format!(
                        "Invalid aggregation type '{a}'. Valid types: {}",
                        AGGREGATIONS.join(", ")
                    )));
                }
                out.push(a);
            }
            Some(out)
        }
        _ => None,
    };
    let grain = time::Duration::seconds_f64(60.0 * input.population.time_scale);
    let (start, end) = timespan(param("timespan").as_deref(), input.now, grain * 60)?;
    let first = align(start, grain);
    let grains = ((end - first).as_seconds_f64() / grain.as_seconds_f64()).ceil() as i64;
    if grains > MAX_GRAINS {
        return Err(bad_request(format!(
            "The timespan spans {grains} one-minute grains; at most {MAX_GRAINS} are served per request."
        )));
    }
    let delay =
        time::Duration::seconds_f64(input.seed.delay.as_secs_f64() * input.population.time_scale);
    let starts: Vec<OffsetDateTime> = (0..grains.max(0))
        .map(|i| first + grain * (i as i32))
        .filter(|s| *s < end)
        .collect();
    let value: Vec<Value> = metrics
        .iter()
        .map(|(name, display, kind)| {
            let wanted = aggregations.clone().unwrap_or_else(|| {
                vec![
                    if *kind == Kind::Level {
                        "average"
                    } else {
                        "total"
                    }
                    .to_owned(),
                ]
            });
            let mut metric = json!({
                "id": format!("{}/providers/Microsoft.Insights/metrics/{name}", input.hub_id),
                "type": "Microsoft.Insights/metrics",
                "name": { "value": name, "localizedValue": display },
                "displayDescription": display,
                "unit": "Count",
            });
            let failure = input
                .seed
                .errors
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, code)| {
                    (
                        code.clone(),
                        format!("The metric {name} failed as the scenario asked ({code})."),
                    )
                })
                .or_else(|| {
                    let unsupported = wanted.iter().find(|a| {
                        *kind == Kind::Level && matches!(a.as_str(), "total" | "count")
                    })?;
                    Some((
                        "InvalidSamplingType".to_owned(),
                        format!(
                            "Sampling type is not found. Metric:{name}, SamplingType:{unsupported}."
                        ),
                    ))
                });
            if let Value::Object(m) = &mut metric {
                match failure {
                    Some((code, message)) => {
                        // As in Azure's example of a failed metric: no description, no series.
                        m.remove("displayDescription");
                        m.insert("timeseries".into(), json!([]));
                        m.insert("errorMessage".into(), json!(message));
                        m.insert("errorCode".into(), json!(code));
                    }
                    None => {
                        let data: Vec<Value> = starts
                            .iter()
                            .map(|s| point(input, *kind, name, &wanted, *s, grain, delay))
                            .collect();
                        m.insert(
                            "timeseries".into(),
                            json!([{ "metadatavalues": [], "data": data }]),
                        );
                        m.insert("errorCode".into(), json!("Success"));
                    }
                }
            }
            metric
        })
        .collect();
    Ok(json!({
        "cost": grains.max(0) * metrics.len() as i64,
        "timespan": format!("{}/{}", rfc3339(start), rfc3339(end)),
        "interval": "PT1M",
        "value": value,
        "namespace": "Microsoft.Devices/IotHubs",
        "resourceregion": input.region,
    }))
}

fn point(
    input: &MetricsInput<'_>,
    kind: Kind,
    name: &str,
    wanted: &[String],
    start: OffsetDateTime,
    grain: time::Duration,
    delay: time::Duration,
) -> Value {
    let mut p = Map::new();
    p.insert("timeStamp".into(), json!(rfc3339(start)));
    if start + grain + delay > input.now {
        // Not published yet: the point carries no aggregation at all.
        return Value::Object(p);
    }
    let minute = input.population.minute(start, grain);
    let events =
        if kind == Kind::Quiet || name.eq_ignore_ascii_case("d2c.telemetry.ingress.sendThrottle") {
            0.0
        } else {
            minute.telemetry
        };
    for a in wanted {
        let v = match (kind, a.as_str()) {
            (Kind::Level, "average") => Some(minute.connected_avg),
            (Kind::Level, "minimum") => Some(minute.connected_min),
            (Kind::Level, "maximum") => Some(minute.connected_max),
            (Kind::Events | Kind::Quiet, "total" | "count") => Some(events),
            // Single-point counts register 1 per event: min, max and average are 1 when any
            // event happened, and there is no sample to aggregate when none did.
            (Kind::Events | Kind::Quiet, _) => (events > 0.0).then_some(1.0),
            _ => None,
        };
        if let Some(v) = v {
            p.insert(a.clone(), json!(v));
        }
    }
    Value::Object(p)
}

/// `START/END` (RFC 3339); absent: the (emulated) `hour` before `now`.
fn timespan(
    raw: Option<&str>,
    now: OffsetDateTime,
    hour: time::Duration,
) -> Result<(OffsetDateTime, OffsetDateTime), ArmError> {
    let Some(raw) = raw.filter(|r| !r.is_empty()) else {
        return Ok((now - hour, now));
    };
    let invalid = || {
        bad_request(format!(
            "Invalid timespan '{raw}': expected 'START/END' in ISO 8601 (2025-01-01T10:00:00Z/2025-01-01T11:00:00Z) with START before END."
        ))
    };
    let (a, b) = raw.split_once('/').ok_or_else(invalid)?;
    let start = OffsetDateTime::parse(a.trim(), &Rfc3339).map_err(|_| invalid())?;
    let end = OffsetDateTime::parse(b.trim(), &Rfc3339).map_err(|_| invalid())?;
    if end <= start {
        return Err(invalid());
    }
    Ok((start, end))
}

/// The start of the grain `t` falls in (grains are counted from the Unix epoch, so at time
/// scale 1 they are whole UTC minutes, as Azure's).
fn align(t: OffsetDateTime, grain: time::Duration) -> OffsetDateTime {
    let g = grain.whole_nanoseconds().max(1);
    let n = t.unix_timestamp_nanos();
    let aligned = n - n.rem_euclid(g);
    OffsetDateTime::from_unix_timestamp_nanos(aligned).unwrap_or(t)
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC)
        .format(&Rfc3339)
        .unwrap_or_default()
}

/// `%XX` escapes and `+` decoded, as a query string carries them.
fn percent_decode(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                        continue;
                    }
                    None => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_query_values() {
        assert_eq!(percent_decode("a%2Cb"), "a,b");
        assert_eq!(
            percent_decode("2025-01-01T10%3A00%3A00Z%2F2025"),
            "2025-01-01T10:00:00Z/2025"
        );
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("a+b"), "a b");
    }

    #[test]
    fn grains_are_whole_minutes_at_scale_one() {
        let t = time::macros::datetime!(2025-01-01 10:00:42.5 UTC);
        assert_eq!(
            align(t, time::Duration::MINUTE),
            time::macros::datetime!(2025-01-01 10:00:00 UTC)
        );
    }
}
