//! Azure Monitor metrics of an emulated hub over real HTTP: the answer has the shape of the
//! official examples (`GetMetric.json`, `GetMetricError.json`), both api-versions answer, what
//! Azure refuses is refused, and the device population drops at a failover, comes back along
//! the scenario's curve less its `never` share, while the built-in endpoint moves.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use serde_json::Value;
use std::collections::BTreeSet;
use std::time::Duration;
use time::{OffsetDateTime, format_description::well_known::Rfc3339};

fn monitor_example(name: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/arm/monitor-2023-10-01")
        .join(name);
    let text = std::fs::read_to_string(path).unwrap();
    serde_json::from_str::<Value>(&text).unwrap()["responses"]["200"]["body"].clone()
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object().unwrap().keys().cloned().collect()
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap()
}

/// One emulated minute in real time.
fn grain() -> time::Duration {
    time::Duration::seconds_f64(60.0 * TIME_SCALE)
}

fn metrics_url(emu: &iothub_emulator::Emulator, version: &str, query: &str) -> String {
    format!(
        "{}{}/providers/Microsoft.Insights/metrics?api-version={version}&{query}",
        emu.base_url(),
        hub_path(SUB, RG, HUB)
    )
}

async fn read(
    emu: &iothub_emulator::Emulator,
    names: &str,
    aggregation: &str,
    from: OffsetDateTime,
    to: OffsetDateTime,
) -> Value {
    let url = metrics_url(
        emu,
        "2023-10-01",
        &format!(
            "metricnames={names}&aggregation={aggregation}&interval=PT1M&timespan={}/{}",
            rfc3339(from),
            rfc3339(to)
        ),
    );
    let answer = get(&url).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.body
}

fn points(body: &Value, metric: usize) -> Vec<Value> {
    body["value"][metric]["timeseries"][0]["data"]
        .as_array()
        .unwrap()
        .clone()
}

fn at(p: &Value) -> OffsetDateTime {
    OffsetDateTime::parse(p["timeStamp"].as_str().unwrap(), &Rfc3339).unwrap()
}

#[tokio::test]
async fn the_answer_has_the_shape_of_the_official_examples() {
    let emu = start_yaml(
        "
hubs:
  - name: myIoTHub
    monitor: { delay: 0s, errors: { d2c.telemetry.ingress.allProtocol: InvalidSamplingType } }
",
    )
    .await;
    let now = OffsetDateTime::now_utc();
    let body = read(
        &emu,
        "connectedDeviceCount,d2c.telemetry.ingress.allProtocol",
        "average,minimum,maximum",
        now - grain() * 10,
        now,
    )
    .await;
    let good = monitor_example("GetMetric.json");
    let bad = monitor_example("GetMetricError.json");
    // Top level: the same keys as the examples.
    assert_eq!(keys(&body), keys(&good));
    assert_eq!(body["namespace"], "Microsoft.Devices/IotHubs");
    assert_eq!(body["interval"], "PT1M");
    // A metric with data: the keys of the examples' metrics with data.
    assert_eq!(keys(&body["value"][0]), keys(&good["value"][0]));
    assert_eq!(body["value"][0]["errorCode"], "Success");
    assert_eq!(
        keys(&body["value"][0]["timeseries"][0]),
        keys(&good["value"][0]["timeseries"][0])
    );
    let data = points(&body, 0);
    assert!(data.len() >= 9, "{data:?}");
    let example_point = keys(&good["value"][0]["timeseries"][0]["data"][0]);
    for p in &data[..data.len() - 2] {
        // Published, all asked aggregations present: exactly the example's point keys.
        assert_eq!(keys(p), example_point, "{p}");
        assert_eq!(p["average"], 1180.0);
    }
    // The failed metric: exactly the keys of the example's failed metric, empty series.
    let failed = &body["value"][1];
    assert_eq!(keys(failed), keys(&bad["value"][0]), "{failed}");
    assert_eq!(failed["errorCode"], "InvalidSamplingType");
    assert_eq!(failed["timeseries"], serde_json::json!([]));
}

#[tokio::test]
async fn both_api_versions_answer_and_what_azure_refuses_is_refused() {
    let emu = start_yaml("hubs: [{ name: myIoTHub }]").await;
    for version in iothub_emulator::METRICS_API_VERSIONS {
        let answer = get(&metrics_url(
            &emu,
            version,
            "metricnames=connectedDeviceCount",
        ))
        .await;
        assert_eq!(answer.status, 200, "{version}: {}", answer.body);
    }
    let wrong = get(&metrics_url(
        &emu,
        "2023-06-30",
        "metricnames=connectedDeviceCount",
    ))
    .await;
    assert_eq!(wrong.status, 400);
    assert_eq!(wrong.body["error"]["code"], "NoRegisteredProviderFound");

    let unknown = get(&metrics_url(&emu, "2023-10-01", "metricnames=noSuchMetric")).await;
    assert_eq!(unknown.status, 400);
    assert!(
        unknown.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("noSuchMetric"),
        "{}",
        unknown.body
    );
    let many = vec!["connectedDeviceCount"; 21].join(",");
    let too_many = get(&metrics_url(
        &emu,
        "2023-10-01",
        &format!("metricnames={many}"),
    ))
    .await;
    assert_eq!(too_many.status, 400, "{}", too_many.body);
    let grain = get(&metrics_url(
        &emu,
        "2023-10-01",
        "metricnames=connectedDeviceCount&interval=PT5M",
    ))
    .await;
    assert_eq!(grain.status, 400);
}

/// The first published grain that starts at or after `from` (connected devices and telemetry),
/// polled until it exists.
async fn published_from(emu: &iothub_emulator::Emulator, from: OffsetDateTime) -> Value {
    until(Duration::from_secs(30), "a published grain", || async {
        let now = OffsetDateTime::now_utc();
        // The window may reach into the future: those grains come back without values.
        let window = (from - grain() * 3, now.max(from + grain() * 2));
        let connected = read(
            emu,
            "connectedDeviceCount",
            "average,minimum,maximum",
            window.0,
            window.1,
        )
        .await;
        let telemetry = read(
            emu,
            "d2c.telemetry.ingress.success",
            "total",
            window.0,
            window.1,
        )
        .await;
        let found = points(&connected, 0)
            .into_iter()
            .zip(points(&telemetry, 0))
            .find(|(c, t)| at(c) >= from && c.get("maximum").is_some() && t.get("total").is_some());
        found.map(|(c, t)| serde_json::json!({ "connected": c, "telemetry": t }))
    })
    .await
}

#[tokio::test]
async fn devices_drop_at_failover_and_come_back_less_the_never_share() {
    let emu = start_yaml(
        "
hubs:
  - name: myIoTHub
    devices: { enabled: 1000, disabled: 0 }
    failover: { complete: manual }
    monitor:
      connected: 100%
      telemetry_per_minute: 3
      delay: 0s
      reconnect: { median: 1m, p95: 2m, never: 10% }
",
    )
    .await;
    let hub_url = default_hub_url(&emu, "");
    let endpoint_before =
        get(&hub_url).await.body["properties"]["eventHubEndpoints"]["events"]["endpoint"].clone();

    // Before: every device connected, three messages each a minute.
    let before = OffsetDateTime::now_utc();
    let body = read(
        &emu,
        "connectedDeviceCount",
        "average,minimum,maximum",
        before - grain() * 5,
        before,
    )
    .await;
    let first = &points(&body, 0)[0];
    assert_eq!(
        (&first["average"], &first["minimum"], &first["maximum"]),
        (
            &Value::from(1000.0),
            &Value::from(1000.0),
            &Value::from(1000.0)
        )
    );

    // During: a whole grain inside the failover has no device and no telemetry.
    assert_eq!(failover(&emu, "westus").await.status, 202);
    let started = OffsetDateTime::now_utc();
    let during = published_from(&emu, started).await;
    assert_eq!(during["connected"]["maximum"], 0.0, "{during}");
    assert_eq!(during["telemetry"]["total"], 0.0, "{during}");

    // After: ten emulated minutes on, 90% are back (the curve's p95 is 2 minutes) and
    // telemetry follows them.
    emu.complete_failover(HUB).unwrap();
    let completed = OffsetDateTime::now_utc();
    let later = published_from(&emu, completed + grain() * 10).await;
    assert_eq!(later["connected"]["minimum"], 900.0, "{later}");
    assert_eq!(later["connected"]["average"], 900.0, "{later}");
    assert_eq!(later["telemetry"]["total"], 2700.0, "{later}");

    let endpoint_after =
        get(&hub_url).await.body["properties"]["eventHubEndpoints"]["events"]["endpoint"].clone();
    assert_ne!(
        endpoint_after, endpoint_before,
        "the built-in endpoint moves on failover"
    );
    assert!(endpoint_after.as_str().unwrap().starts_with("sb://"));
}
