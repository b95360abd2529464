//! Azure Monitor metric values as the metrics API returns them (`Response` of `Metrics_List`,
//! api-version 2023-10-01; `2024-02-01` has the same shape).
//!
//! The body arrives from [`crate::metrics`] and is deserialized here; [`crate::metrics`] then
//! turns each [`Metric`] into a per-metric result. Two rules of the wire are kept on purpose:
//! an aggregation with no data is an absent key, so every aggregation is an `Option` and absent
//! stays `None` (never 0); and one metric can fail inside a 200, which shows as an `errorCode`
//! other than `Success` with an empty `timeseries`, so the code is kept as sent.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// The body of a successful metrics read.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MetricsResponse {
    /// Relative cost Azure assigned to the query.
    #[serde(default)]
    pub cost: Option<f64>,
    /// The timespan the data covers, `START/END` (may differ from the one asked for).
    pub timespan: String,
    /// The grain of the data points (`PT1M`), absent for metadata reads.
    #[serde(default)]
    pub interval: Option<String>,
    /// The metric namespace that answered (`Microsoft.Devices/IotHubs`).
    #[serde(default)]
    pub namespace: Option<String>,
    /// The region of the resource.
    #[serde(default, rename = "resourceregion")]
    pub resource_region: Option<String>,
    /// One entry per metric asked for.
    #[serde(default)]
    pub value: Vec<Metric>,
}

/// One metric of a response: its series, or the reason it has none.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Metric {
    /// The metric's resource id.
    #[serde(default)]
    pub id: Option<String>,
    /// The metric's name.
    pub name: LocalizableString,
    /// The unit (`Count`, `Bytes`, ...).
    #[serde(default)]
    pub unit: Option<String>,
    /// The series, one per combination of dimension values (one when there are no dimensions).
    #[serde(default)]
    pub timeseries: Vec<TimeSeries>,
    /// `Success`, or why this metric failed (`InvalidSamplingType`, ...). Absent means success.
    #[serde(default)]
    pub error_code: Option<String>,
    /// Azure's explanation when the metric failed.
    #[serde(default)]
    pub error_message: Option<String>,
}

impl Metric {
    /// Whether Azure reported this metric as failed (an `errorCode` other than `Success`).
    pub fn failed(&self) -> bool {
        self.error_code
            .as_deref()
            .is_some_and(|code| !code.eq_ignore_ascii_case("Success"))
    }
}

/// A name with its display form.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LocalizableString {
    /// The invariant name, as used in `metricnames`.
    pub value: String,
    /// The display name.
    #[serde(default)]
    pub localized_value: Option<String>,
}

/// One series of a metric: the dimension values it is for and its data points.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TimeSeries {
    /// The dimension values of this series (empty without dimensions).
    #[serde(default, rename = "metadatavalues")]
    pub metadata_values: Vec<MetadataValue>,
    /// The data points, one per grain.
    #[serde(default)]
    pub data: Vec<DataPoint>,
}

/// One dimension value of a series.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct MetadataValue {
    /// The dimension.
    pub name: LocalizableString,
    /// Its value for this series.
    #[serde(default)]
    pub value: Option<String>,
}

/// One data point: the start of its grain and the aggregations Azure had data for.
///
/// An aggregation missing from the wire is `None`: "no data in this minute" is not 0.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DataPoint {
    /// Start of the grain.
    #[serde(rename = "timeStamp", with = "time::serde::rfc3339")]
    pub time_stamp: OffsetDateTime,
    /// Average over the grain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub average: Option<f64>,
    /// Least value in the grain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum: Option<f64>,
    /// Greatest value in the grain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximum: Option<f64>,
    /// Sum over the grain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<f64>,
    /// Number of samples in the grain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<f64>,
}
