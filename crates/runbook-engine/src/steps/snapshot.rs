//! `snapshot-metrics`: reads the hub (or reuses a reading moments old, see `hub_reading`), registry statistics, quota metrics and endpoint health
//! (the parts asked for) into the step's outputs, for later comparison and the DR log.
//! With `monitor:` it also reads Azure Monitor's connected devices and telemetry per minute
//! over the window before it (`minute_series`): the baseline an `await-recovery` recovers to,
//! with the built-in Event Hub-compatible endpoint consumers read at that time.

use runbook_spec::{SnapshotPart, SnapshotSpec};
use serde_json::{Map, Value, json};

use super::context::StepContext;
use super::hub_reading::{hub_outputs, read_reusable};
use super::minute_series;
use crate::clock::Clock;
use crate::outcome::{StepDone, StepFail};

pub(crate) async fn run(
    cx: &mut StepContext<'_>,
    spec: &SnapshotSpec,
) -> Result<StepDone, StepFail> {
    let (rg, name) = cx.hub_coordinates();
    let mut outputs = Map::new();
    let mut said = Vec::new();
    if spec.include.contains(&SnapshotPart::Hub) {
        let hub = read_reusable(cx).await?;
        outputs.extend(hub_outputs(&hub));
        said.push(format!("{} in {}", hub.state(), hub.primary_location()));
    }
    if spec.include.contains(&SnapshotPart::Stats) {
        let stats = cx.client.get_stats(&rg, &name).await?;
        outputs.insert("device_count".into(), json!(stats.total_device_count));
        outputs.insert("enabled_devices".into(), json!(stats.enabled_device_count));
        outputs.insert(
            "disabled_devices".into(),
            json!(stats.disabled_device_count),
        );
        said.push(format!("{} devices", stats.total_device_count));
    }
    if spec.include.contains(&SnapshotPart::Quotas) {
        let quotas = cx.client.quota_metrics(&rg, &name).await?;
        let map: Map<String, Value> = quotas
            .iter()
            .map(|q| {
                (
                    q.name.clone(),
                    json!({"current": q.current_value, "max": q.max_value}),
                )
            })
            .collect();
        said.push(format!("{} quotas", map.len()));
        outputs.insert("quotas".into(), Value::Object(map));
    }
    if spec.include.contains(&SnapshotPart::Endpoints) {
        let eps = cx.client.endpoint_health(&rg, &name).await?;
        let healthy = eps.iter().filter(|e| e.health_status.is_healthy()).count();
        let per: Map<String, Value> = eps
            .iter()
            .map(|e| (e.endpoint_id.clone(), json!(e.health_status.as_str())))
            .collect();
        outputs.insert("endpoints_total".into(), json!(eps.len()));
        outputs.insert("endpoints_healthy".into(), json!(healthy));
        outputs.insert("endpoints_unhealthy".into(), json!(eps.len() - healthy));
        outputs.insert("endpoints".into(), Value::Object(per));
        said.push(format!("{healthy}/{} endpoints healthy", eps.len()));
    }
    let mut warning = false;
    if let Some(monitor) = &spec.monitor {
        let hub = read_reusable(cx).await?;
        outputs.insert(
            "event_hub_endpoint".into(),
            hub.event_hub_endpoint().map_or(Value::Null, |e| json!(e)),
        );
        let now = Clock::now();
        let window = cx.clock.wait_for(monitor.window.as_duration());
        let start = now - time::Duration::try_from(window).unwrap_or(time::Duration::ZERO);
        // Monitor being unavailable does not stop a drill of the control plane: the snapshot
        // warns, and an `await-recovery` on it says there is no baseline.
        let reading = match minute_series::read(cx.client, &rg, &name, start, now).await {
            Ok(r) => r,
            Err(e) if minute_series::retryable(&e) => minute_series::Reading {
                minutes: Vec::new(),
                problems: vec![format!("the metrics read failed: {e}")],
            },
            Err(e) => return Err(e.into()),
        };
        let connected = minute_series::mean(&reading.minutes, |m| m.connected);
        let telemetry = minute_series::mean(&reading.minutes, |m| m.telemetry);
        outputs.insert(
            "connected_devices".into(),
            connected.map_or(Value::Null, |c| json!(c.round())),
        );
        outputs.insert(
            "telemetry_per_minute".into(),
            telemetry.map_or(Value::Null, |t| json!(minute_series::round1(t))),
        );
        outputs.insert(
            "monitor".into(),
            json!({
                "window": monitor.window.to_string(),
                "minutes": reading.minutes.len(),
                "problems": reading.problems,
                "series": minute_series::to_json(&reading.minutes, now, cx.clock),
            }),
        );
        match (connected, telemetry) {
            (Some(c), Some(t)) => said.push(format!(
                "baseline {} connected devices and {} telemetry messages a minute over {}",
                crate::objectives::text::thousands(c.round() as u64),
                crate::objectives::text::thousands(t.round() as u64),
                monitor.window
            )),
            _ => {
                warning = true;
                let why = if reading.problems.is_empty() {
                    format!(
                        "Azure Monitor published no minute in the last {}",
                        monitor.window
                    )
                } else {
                    reading.problems.join("; ")
                };
                said.push(format!("no Monitor baseline: {why}"));
            }
        }
    }
    let mut done = StepDone::ran(format!("hub {}: {}", name, said.join(", ")), outputs);
    done.warning = warning;
    Ok(done)
}
