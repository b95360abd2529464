//! Azure Monitor metrics of a hub: `GET {hub id}/providers/Microsoft.Insights/metrics`.
//!
//! Flow: a caller describes what it wants in a [`MetricsQuery`] (metric names, a time window,
//! the grain and the aggregations); [`ArmClient::hub_metrics`] checks it, splits the names into
//! calls of at most [`MAX_METRICS_PER_CALL`] (Azure's limit per request), sends each through the
//! client's transport (so each spends one read of the shared ARM budget and is retried like any
//! read), deserializes the bodies ([`crate::models::metrics`]) and answers one [`MetricResult`]
//! per name asked, in the order asked. A metric Azure failed inside the 200 (an `errorCode`
//! such as `InvalidSamplingType`, empty `timeseries`) is a [`MetricOutcome::Failed`] result, not
//! an error of the whole read: the other metrics of the call are still good.

use time::{Duration, OffsetDateTime, format_description::well_known::Rfc3339};
use url::Url;

use crate::{
    client::{ArmClient, parse_json},
    error::ArmError,
    models::metrics::{DataPoint, Metric, MetricsResponse, TimeSeries},
};

/// The api-version of the metrics API this client sends (current SDKs send `2024-02-01` for
/// the same operation and shape).
pub const METRICS_API_VERSION: &str = "2023-10-01";

/// Azure Monitor answers at most this many metric names per request.
pub const MAX_METRICS_PER_CALL: usize = 20;

/// An aggregation of a metric over one grain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Aggregation {
    /// Mean of the samples (levels such as `connectedDeviceCount`).
    Average,
    /// Least sample.
    Minimum,
    /// Greatest sample.
    Maximum,
    /// Sum of the samples (event counts such as `d2c.telemetry.ingress.success`).
    Total,
    /// Number of samples.
    Count,
}

impl Aggregation {
    /// The name the `aggregation` query parameter takes.
    pub fn as_query(self) -> &'static str {
        match self {
            Aggregation::Average => "average",
            Aggregation::Minimum => "minimum",
            Aggregation::Maximum => "maximum",
            Aggregation::Total => "total",
            Aggregation::Count => "count",
        }
    }

    /// This aggregation's value in a data point (`None` when Azure sent none).
    pub fn of(self, point: &DataPoint) -> Option<f64> {
        match self {
            Aggregation::Average => point.average,
            Aggregation::Minimum => point.minimum,
            Aggregation::Maximum => point.maximum,
            Aggregation::Total => point.total,
            Aggregation::Count => point.count,
        }
    }
}

/// What to read: metric names, the window `[start, end)`, the grain and the aggregations.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricsQuery {
    /// Metric names (`connectedDeviceCount`, `d2c.telemetry.ingress.success`, ...); any number,
    /// split into calls of [`MAX_METRICS_PER_CALL`]. Duplicates are asked once.
    pub names: Vec<String>,
    /// Start of the window.
    pub start: OffsetDateTime,
    /// End of the window (after `start`).
    pub end: OffsetDateTime,
    /// The grain: whole minutes, one minute or more (`PT1M` is the finest Azure keeps).
    pub interval: Duration,
    /// Aggregations to ask for; empty lets Azure use each metric's default.
    pub aggregations: Vec<Aggregation>,
}

impl MetricsQuery {
    /// A query at one-minute grain.
    pub fn per_minute(
        names: impl IntoIterator<Item = impl Into<String>>,
        start: OffsetDateTime,
        end: OffsetDateTime,
        aggregations: &[Aggregation],
    ) -> Self {
        Self {
            names: names.into_iter().map(Into::into).collect(),
            start,
            end,
            interval: Duration::minutes(1),
            aggregations: aggregations.to_vec(),
        }
    }

    /// The names to ask for, once each, in first-seen order.
    fn unique_names(&self) -> Vec<&str> {
        let mut seen = std::collections::HashSet::new();
        self.names
            .iter()
            .map(String::as_str)
            .filter(|n| seen.insert(*n))
            .collect()
    }

    fn check(&self) -> Result<(), ArmError> {
        let invalid = |message: String| ArmError::InvalidInput {
            what: "metrics query".into(),
            message: message.into(),
        };
        if self.names.is_empty() {
            return Err(invalid("it names no metric".into()));
        }
        if let Some(bad) = self
            .names
            .iter()
            .find(|n| n.trim().is_empty() || n.contains(','))
        {
            // A comma would split the name in `metricnames`; no IoT Hub metric has one.
            return Err(invalid(format!(
                "metric name {bad:?} is empty or contains a comma"
            )));
        }
        if self.end <= self.start {
            return Err(invalid(format!(
                "the window ends ({}) before it starts ({})",
                rfc3339(self.end),
                rfc3339(self.start)
            )));
        }
        if self.interval < Duration::minutes(1) || self.interval.whole_seconds() % 60 != 0 {
            return Err(invalid(format!(
                "the interval {} is not a whole number of minutes (at least one)",
                self.interval
            )));
        }
        Ok(())
    }
}

/// The answer for one metric name.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricResult {
    /// The name as asked.
    pub name: String,
    /// The data, or why there is none.
    pub outcome: MetricOutcome,
}

/// Whether one metric came back with data.
#[derive(Debug, Clone, PartialEq)]
pub enum MetricOutcome {
    /// Azure returned the metric (its series may still hold no points, or points without values).
    Data {
        /// The unit (`Count`, ...).
        unit: Option<String>,
        /// One series per combination of dimension values; IoT Hub's device and telemetry
        /// metrics have no dimensions, so one series.
        series: Vec<TimeSeries>,
    },
    /// Azure failed this metric inside a successful answer.
    Failed {
        /// Azure's `errorCode` (`InvalidSamplingType`, ...).
        code: String,
        /// Azure's `errorMessage`, when it sent one.
        message: Option<String>,
    },
    /// The answer did not mention this metric at all.
    NotReturned,
}

impl MetricResult {
    /// The data points of the metric's first (for IoT Hub: only) series; `None` when the metric
    /// failed or was not returned, empty when Azure had no points.
    pub fn points(&self) -> Option<&[DataPoint]> {
        match &self.outcome {
            MetricOutcome::Data { series, .. } => {
                Some(series.first().map(|s| s.data.as_slice()).unwrap_or(&[]))
            }
            _ => None,
        }
    }

    /// One result per name in `names`, taken from the metrics of one response: a failed
    /// metric becomes [`MetricOutcome::Failed`], a name the response does not mention
    /// [`MetricOutcome::NotReturned`]. Names match as Azure matches them, without regard to case.
    pub fn matching(names: &[&str], mut returned: Vec<Metric>) -> Vec<Self> {
        names
            .iter()
            .map(|name| {
                let found = returned
                    .iter()
                    .position(|m| m.name.value.eq_ignore_ascii_case(name))
                    .map(|i| returned.swap_remove(i));
                Self::from_wire(name, found)
            })
            .collect()
    }

    fn from_wire(name: &str, metric: Option<Metric>) -> Self {
        let outcome = match metric {
            None => MetricOutcome::NotReturned,
            Some(m) if m.failed() => MetricOutcome::Failed {
                code: m.error_code.unwrap_or_default(),
                message: m.error_message,
            },
            Some(m) => MetricOutcome::Data {
                unit: m.unit,
                series: m.timeseries,
            },
        };
        Self {
            name: name.to_owned(),
            outcome,
        }
    }
}

/// The answer to a [`MetricsQuery`]: one result per distinct name, in the order asked.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricsReading {
    /// The timespan Azure says the data covers (of the first call).
    pub timespan: String,
    /// The grain Azure used (of the first call).
    pub interval: Option<String>,
    /// The metrics.
    pub metrics: Vec<MetricResult>,
    /// How many requests the read took.
    pub calls: usize,
}

impl MetricsReading {
    /// The result for `name`.
    pub fn get(&self, name: &str) -> Option<&MetricResult> {
        self.metrics.iter().find(|m| m.name == name)
    }
}

impl ArmClient {
    /// The URL of one metrics call for `names` (at most [`MAX_METRICS_PER_CALL`] of them).
    pub fn metrics_url(
        &self,
        resource_group: &str,
        hub: &str,
        names: &[&str],
        query: &MetricsQuery,
    ) -> Url {
        let mut url = self.endpoint().clone();
        url.set_query(None);
        url.set_fragment(None);
        let id = self.hub_id(resource_group, hub);
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty()
                .extend(id.split('/').filter(|s| !s.is_empty()))
                .extend(["providers", "Microsoft.Insights", "metrics"]);
        }
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("api-version", METRICS_API_VERSION)
                .append_pair("metricnames", &names.join(","))
                .append_pair(
                    "timespan",
                    &format!("{}/{}", rfc3339(query.start), rfc3339(query.end)),
                )
                .append_pair(
                    "interval",
                    &format!("PT{}M", query.interval.whole_minutes()),
                );
            if !query.aggregations.is_empty() {
                let aggregations: Vec<&str> =
                    query.aggregations.iter().map(|a| a.as_query()).collect();
                q.append_pair("aggregation", &aggregations.join(","));
            }
        }
        url
    }

    /// Reads the hub's metrics: one request per [`MAX_METRICS_PER_CALL`] names, each a read
    /// of the shared ARM budget. Fails only when a request fails; a metric Azure could not
    /// serve is a [`MetricOutcome::Failed`] result.
    pub async fn hub_metrics(
        &self,
        resource_group: &str,
        hub: &str,
        query: &MetricsQuery,
    ) -> Result<MetricsReading, ArmError> {
        for (what, value) in [("resource group", resource_group), ("hub name", hub)] {
            if value.trim().is_empty() {
                return Err(ArmError::InvalidInput {
                    what: what.into(),
                    message: "it is empty".into(),
                });
            }
        }
        query.check()?;
        let names = query.unique_names();
        let mut reading = MetricsReading {
            timespan: String::new(),
            interval: None,
            metrics: Vec::with_capacity(names.len()),
            calls: 0,
        };
        for chunk in names.chunks(MAX_METRICS_PER_CALL) {
            let url = self.metrics_url(resource_group, hub, chunk, query);
            let response = self.get(&url).await?;
            let body: MetricsResponse = parse_json("GET", &url, &response.body)?;
            if reading.calls == 0 {
                reading.timespan = body.timespan;
                reading.interval = body.interval;
            }
            reading.calls += 1;
            reading
                .metrics
                .extend(MetricResult::matching(chunk, body.value));
        }
        Ok(reading)
    }
}

fn rfc3339(t: OffsetDateTime) -> String {
    // Whole seconds in UTC (`2021-04-20T09:00:00Z`), the form Azure's examples use.
    let t = t
        .to_offset(time::UtcOffset::UTC)
        .replace_nanosecond(0)
        .unwrap_or(t);
    t.format(&Rfc3339).unwrap_or_default()
}
