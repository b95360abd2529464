//! The metrics read over real HTTP against the emulator: typed values with Azure's aggregation
//! rules, absent aggregations kept `None`, more than 20 names split into calls of 20, a metric
//! failed inside a 200 kept per metric, and unpublished minutes without values.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use iothub_arm::{Aggregation, MetricOutcome, MetricsQuery};
use time::{Duration, OffsetDateTime};

/// One emulated minute in real time at the tests' time scale.
fn grain() -> Duration {
    Duration::seconds_f64(60.0 * TIME_SCALE)
}

/// The start of the grain `t` falls in (grains count from the Unix epoch).
fn aligned(t: OffsetDateTime) -> OffsetDateTime {
    let g = grain().whole_nanoseconds();
    let n = t.unix_timestamp_nanos();
    OffsetDateTime::from_unix_timestamp_nanos(n - n.rem_euclid(g)).unwrap()
}

const STEADY: &str = "
hubs:
  - name: myIoTHub
    devices: { enabled: 1000, disabled: 0 }
    monitor:
      connected: 90%
      telemetry_per_minute: 2
      delay: 0s
";

/// 22 metric names the emulator serves: more than one call's 20.
const ALL_NAMES: [&str; 22] = [
    "connectedDeviceCount",
    "d2c.telemetry.ingress.success",
    "d2c.telemetry.ingress.allProtocol",
    "d2c.telemetry.ingress.sendThrottle",
    "d2c.telemetry.ingress.dropped",
    "c2d.commands.egress.abandon.success",
    "c2d.commands.egress.complete.success",
    "c2d.commands.egress.reject.success",
    "c2d.methods.failure",
    "c2d.methods.success",
    "c2d.twin.read.failure",
    "c2d.twin.read.success",
    "c2d.twin.update.failure",
    "c2d.twin.update.success",
    "d2c.twin.read.failure",
    "d2c.twin.read.success",
    "d2c.twin.update.failure",
    "d2c.twin.update.success",
    "jobs.completed",
    "jobs.failed",
    "twinQueries.success",
    "twinQueries.failure",
];

/// A window of five whole grains that ended before now (all published with `delay: 0s`).
fn past_window() -> (OffsetDateTime, OffsetDateTime) {
    let end = aligned(OffsetDateTime::now_utc()) - grain();
    (end - grain() * 5, end)
}

#[tokio::test]
async fn steady_population_reads_with_azures_aggregation_rules() {
    let emu = emulator_yaml(STEADY).await;
    let client = client(&emu);
    let (start, end) = past_window();
    let levels = MetricsQuery::per_minute(
        ["connectedDeviceCount"],
        start,
        end,
        &[
            Aggregation::Average,
            Aggregation::Minimum,
            Aggregation::Maximum,
        ],
    );
    let reading = client.hub_metrics(RG, HUB, &levels).await.unwrap();
    assert_eq!(reading.calls, 1);
    assert_eq!(reading.interval.as_deref(), Some("PT1M"));
    let points = reading
        .get("connectedDeviceCount")
        .unwrap()
        .points()
        .unwrap();
    assert_eq!(points.len(), 5, "one point per grain: {points:?}");
    assert_eq!(points[0].time_stamp, start);
    for p in points {
        assert_eq!(
            (p.average, p.minimum, p.maximum),
            (Some(900.0), Some(900.0), Some(900.0))
        );
        assert_eq!(p.total, None, "not asked, so absent");
    }

    let counts = MetricsQuery::per_minute(
        [
            "d2c.telemetry.ingress.success",
            "d2c.telemetry.ingress.sendThrottle",
        ],
        start,
        end,
        &[Aggregation::Total, Aggregation::Average],
    );
    let reading = client.hub_metrics(RG, HUB, &counts).await.unwrap();
    let ingress = reading.metrics[0].points().unwrap();
    assert_eq!(ingress[0].total, Some(1800.0), "900 devices x 2 per minute");
    assert_eq!(
        ingress[0].average,
        Some(1.0),
        "Azure answers 1 for a count's average"
    );
    let throttle = reading.metrics[1].points().unwrap();
    assert_eq!(throttle[0].total, Some(0.0), "a real zero: no throttling");
    assert_eq!(throttle[0].average, None, "no event, no sample to average");

    // A level's Total is not a valid sampling type: that metric fails inside the 200.
    let invalid = MetricsQuery::per_minute(
        ["connectedDeviceCount", "d2c.telemetry.ingress.success"],
        start,
        end,
        &[Aggregation::Total],
    );
    let reading = client.hub_metrics(RG, HUB, &invalid).await.unwrap();
    match &reading.metrics[0].outcome {
        MetricOutcome::Failed { code, .. } => assert_eq!(code, "InvalidSamplingType"),
        other => panic!("connectedDeviceCount with Total: {other:?}"),
    }
    assert_eq!(reading.metrics[1].points().unwrap()[0].total, Some(1800.0));
}

#[tokio::test]
async fn more_than_twenty_names_take_calls_of_at_most_twenty() {
    let emu = emulator_yaml(STEADY).await;
    let client = client(&emu);
    let (start, end) = past_window();
    let names = ALL_NAMES;
    let query = MetricsQuery::per_minute(names, start, end, &[]);
    let reading = client.hub_metrics(RG, HUB, &query).await.unwrap();
    assert_eq!(reading.calls, 2);
    let got: Vec<&str> = reading.metrics.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(got, names, "one result per name, in the order asked");
    assert!(
        reading
            .metrics
            .iter()
            .all(|m| matches!(m.outcome, MetricOutcome::Data { .. })),
        "{reading:?}"
    );
    let calls = recorded(&emu, "GET", "Microsoft.Insights/metrics");
    assert_eq!(calls.len(), 2, "{calls:?}");
    let mut sent = 0;
    for call in &calls {
        assert_eq!(call.status, 200, "{call:?}");
        let names = call
            .query
            .split('&')
            .find_map(|kv| kv.strip_prefix("metricnames="))
            .unwrap();
        let count = names.split("%2C").count();
        assert!(count <= 20, "{count} names in one call: {names}");
        sent += count;
    }
    assert_eq!(sent, names.len(), "every name sent once");
}

#[tokio::test]
async fn a_metric_failed_by_the_scenario_is_a_per_metric_result() {
    let emu = emulator_yaml(
        "
hubs:
  - name: myIoTHub
    monitor:
      delay: 0s
      errors: { connectedDeviceCount: InvalidSamplingType }
",
    )
    .await;
    let (start, end) = past_window();
    let query = MetricsQuery::per_minute(
        ["connectedDeviceCount", "d2c.telemetry.ingress.success"],
        start,
        end,
        &[],
    );
    let reading = client(&emu).hub_metrics(RG, HUB, &query).await.unwrap();
    match &reading.metrics[0].outcome {
        MetricOutcome::Failed { code, message } => {
            assert_eq!(code, "InvalidSamplingType");
            assert!(message.is_some());
        }
        other => panic!("expected the scenario's failure: {other:?}"),
    }
    // Default population: 1180 enabled devices, all connected, one message a minute each.
    assert_eq!(reading.metrics[1].points().unwrap()[0].total, Some(1180.0));
}

#[tokio::test]
async fn minutes_not_yet_published_have_no_values() {
    // Publication delay of an emulated hour: nothing in the last few grains is served yet.
    let emu = emulator_yaml(
        "
hubs:
  - name: myIoTHub
    monitor: { delay: 1h }
",
    )
    .await;
    let (start, end) = past_window();
    let query = MetricsQuery::per_minute(
        ["connectedDeviceCount"],
        start,
        end,
        &[Aggregation::Average, Aggregation::Maximum],
    );
    let reading = client(&emu).hub_metrics(RG, HUB, &query).await.unwrap();
    let points = reading.metrics[0].points().unwrap();
    assert_eq!(points.len(), 5);
    for p in points {
        assert_eq!(
            (p.average, p.maximum),
            (None, None),
            "absent, never 0: {p:?}"
        );
    }
}

#[tokio::test]
async fn each_call_spends_a_read_of_the_shared_arm_budget() {
    let emu = emulator_yaml(STEADY).await;
    // Counted as tokens taken, not as waits: whether the second call waits depends on how long
    // the first took, which a loaded machine decides.
    let budget = std::sync::Arc::new(iothub_arm::ArmBudget::new((1, 50.0), (1, 50.0)));
    let options = iothub_arm::ClientOptions {
        budget: Some(budget.clone()),
        ..fast_options(&emu)
    };
    let client = client_with(&emu, "emulator-token", options);
    let (start, end) = past_window();
    let names = ALL_NAMES;
    let query = MetricsQuery::per_minute(names, start, end, &[Aggregation::Total]);
    let reading = client.hub_metrics(RG, HUB, &query).await.unwrap();
    assert_eq!(reading.calls, 2);
    assert_eq!(budget.reads.taken(), 2, "one read token per call");
    assert_eq!(budget.writes.taken(), 0, "a metrics read is not a write");
}
