//! The official Azure Monitor metrics examples (api-version 2023-10-01, vendored under
//! `tests/fixtures/arm/monitor-2023-10-01/`) read through the client's types: values, absent
//! aggregations kept absent, a per-metric failure inside a 200 kept per metric, and the
//! request the client builds carries the example's query parameters in Azure's form.
#![allow(clippy::unwrap_used)]

use std::{path::PathBuf, sync::Arc};

use iothub_arm::{
    Aggregation, ArmClient, ClientOptions, METRICS_API_VERSION, MetricOutcome, MetricResult,
    MetricsQuery, StaticTokenCredential, models::metrics::MetricsResponse,
};
use serde_json::Value;
use time::{OffsetDateTime, format_description::well_known::Rfc3339, macros::datetime};

fn example(name: &str) -> Value {
    let path = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/arm/monitor-2023-10-01"
    ))
    .join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading fixture {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

fn response(name: &str) -> MetricsResponse {
    serde_json::from_value(example(name)["responses"]["200"]["body"].clone()).unwrap()
}

#[test]
fn get_metric_example_reads_every_series_and_point() {
    let body = response("GetMetric.json");
    assert_eq!(body.timespan, "2021-04-20T09:00:00Z/2021-04-20T14:00:00Z");
    assert_eq!(body.interval.as_deref(), Some("PT1H"));
    assert_eq!(
        body.namespace.as_deref(),
        Some("microsoft.storage/storageaccounts/blobservices")
    );
    assert_eq!(body.resource_region.as_deref(), Some("westus2"));
    assert_eq!(body.cost, Some(598.0));
    let names: Vec<&str> = body.value.iter().map(|m| m.name.value.as_str()).collect();
    assert_eq!(names, ["BlobCount", "BlobCapacity"]);
    assert!(body.value.iter().all(|m| !m.failed()), "errorCode Success");

    let results = MetricResult::matching(&["BlobCount", "BlobCapacity"], body.value.clone());
    let count = &results[0];
    let MetricOutcome::Data { unit, series } = &count.outcome else {
        panic!("BlobCount has data: {count:?}")
    };
    assert_eq!(unit.as_deref(), Some("Count"));
    assert_eq!(series.len(), 5, "one series per tier");
    assert_eq!(series[0].metadata_values[0].name.value, "tier");
    assert_eq!(series[0].metadata_values[0].value.as_deref(), Some("Hot"));
    let first = count.points().unwrap();
    assert_eq!(first.len(), 5);
    assert_eq!(first[0].time_stamp, datetime!(2021-04-20 09:00:00 UTC));
    assert_eq!(first[4].time_stamp, datetime!(2021-04-20 13:00:00 UTC));
    assert_eq!(first[0].average, Some(7.0));
    assert_eq!(first[0].minimum, Some(7.0));
    assert_eq!(first[0].maximum, Some(7.0));
    // Asked for average, minimum, maximum: total and count are absent, not zero.
    assert_eq!(first[0].total, None);
    assert_eq!(first[0].count, None);
    assert_eq!(Aggregation::Total.of(&first[0]), None);
    assert_eq!(Aggregation::Average.of(&first[0]), Some(7.0));
}

#[test]
fn get_metric_error_example_keeps_the_failure_per_metric() {
    let body = response("GetMetricError.json");
    assert_eq!(body.interval.as_deref(), Some("PT4H"));
    let results = MetricResult::matching(&["MongoRequestsCount", "MongoRequests"], body.value);
    assert_eq!(results.len(), 2);
    assert_eq!(results[0].name, "MongoRequestsCount");
    match &results[0].outcome {
        MetricOutcome::Failed { code, message } => {
            assert_eq!(code, "InvalidSamplingType");
            assert!(
                message
                    .as_deref()
                    .unwrap()
                    .starts_with("Sampling type is not found."),
                "{message:?}"
            );
        }
        other => panic!("MongoRequestsCount failed in the example: {other:?}"),
    }
    assert_eq!(results[0].points(), None, "a failed metric has no points");
    // The other metric of the same 200 is good; its 0.0 average is a real zero.
    let points = results[1].points().unwrap();
    assert_eq!(points.len(), 1);
    assert_eq!(points[0].time_stamp, datetime!(2021-06-07 21:51:00 UTC));
    assert_eq!(points[0].average, Some(0.0));
    assert_eq!(points[0].minimum, None);
}

#[test]
fn a_name_the_answer_does_not_mention_is_not_returned() {
    let body = response("GetMetricError.json");
    let results = MetricResult::matching(&["mongorequests", "NoSuchMetric"], body.value);
    assert!(
        matches!(results[0].outcome, MetricOutcome::Data { .. }),
        "names match without regard to case"
    );
    assert_eq!(results[1].outcome, MetricOutcome::NotReturned);
}

fn client() -> ArmClient {
    ArmClient::new(
        Arc::new(StaticTokenCredential::new("t")),
        "1f3fa6d2-851c-4a91-9087-1a050f3a9c38",
        ClientOptions::default(),
    )
    .unwrap()
}

#[test]
fn the_request_carries_the_examples_parameters_in_azures_form() {
    let params = example("GetMetric.json")["parameters"].clone();
    let (start, end) = params["timespan"]
        .as_str()
        .unwrap()
        .split_once('/')
        .unwrap();
    let names: Vec<String> = params["metricnames"]
        .as_str()
        .unwrap()
        .split(',')
        .map(str::to_owned)
        .collect();
    let query = MetricsQuery::per_minute(
        names.clone(),
        OffsetDateTime::parse(start, &Rfc3339).unwrap(),
        OffsetDateTime::parse(end, &Rfc3339).unwrap(),
        &[
            Aggregation::Average,
            Aggregation::Minimum,
            Aggregation::Maximum,
        ],
    );
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let url = client().metrics_url("rg", "hub", &refs, &query);
    assert!(
        url.path().ends_with(
            "/resourceGroups/rg/providers/Microsoft.Devices/IotHubs/hub/providers/Microsoft.Insights/metrics"
        ),
        "{url}"
    );
    let pairs: std::collections::HashMap<String, String> = url.query_pairs().into_owned().collect();
    assert_eq!(
        pairs["api-version"],
        params["api-version"].as_str().unwrap()
    );
    assert_eq!(pairs["api-version"], METRICS_API_VERSION);
    assert_eq!(
        pairs["metricnames"],
        params["metricnames"].as_str().unwrap()
    );
    assert_eq!(
        pairs["aggregation"],
        params["aggregation"].as_str().unwrap()
    );
    // The example asks with milliseconds; Azure echoes whole seconds, as the client sends.
    assert_eq!(
        pairs["timespan"],
        example("GetMetric.json")["responses"]["200"]["body"]["timespan"]
            .as_str()
            .unwrap()
    );
    assert_eq!(pairs["interval"], "PT1M");
}
