//! `health-check`: routing endpoint health against a requirement (all healthy, any healthy,
//! or a minimum share), counting the `allowed` statuses as acceptable. Its `healthy` output is
//! ARM's strict Healthy count, as in a snapshot and the DR log; `accepted` is the allowed
//! count. With `wait`, re-checks every `interval` until the requirement holds or the wait runs
//! out.

use std::time::Instant;

use runbook_record::ErrorCode;
use runbook_spec::{HealthCheckSpec, HealthRequirement};
use serde_json::{Map, Value, json};

use super::context::StepContext;
use crate::outcome::{StepDone, StepFail};

pub(crate) async fn run(
    cx: &mut StepContext<'_>,
    spec: &HealthCheckSpec,
) -> Result<StepDone, StepFail> {
    let (rg, name) = cx.hub_coordinates();
    let allowed: Vec<String> = spec
        .allowed
        .iter()
        .filter_map(|s| serde_json::to_value(s).ok())
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    // With only `healthy` allowed the words can be plain; otherwise say "acceptable".
    let word = if allowed == ["healthy"] {
        "healthy"
    } else {
        "acceptable"
    };
    let start = Instant::now();
    loop {
        let eps = cx.client.endpoint_health(&rg, &name).await?;
        let total = eps.len();
        let bad: Vec<String> = eps
            .iter()
            .filter(|e| {
                !allowed
                    .iter()
                    .any(|a| a.eq_ignore_ascii_case(e.health_status.as_str()))
            })
            .map(|e| format!("{} is {}", e.endpoint_id, e.health_status.as_str()))
            .collect();
        // `accepted` counts the statuses the runbook allows; `healthy` stays ARM's strict
        // Healthy, the same count a snapshot and the DR log report.
        let accepted = total - bad.len();
        let strictly_healthy = eps.iter().filter(|e| e.health_status.is_healthy()).count();
        let (ok, requirement) = match &spec.min_healthy {
            Some(p) => {
                let pct: f64 = p.trim_end_matches('%').parse().unwrap_or(100.0);
                let share = if total == 0 {
                    100.0
                } else {
                    accepted as f64 * 100.0 / total as f64
                };
                (share + 1e-9 >= pct, format!("at least {p} healthy"))
            }
            None => match spec.require {
                HealthRequirement::AllHealthy => {
                    (bad.is_empty(), "all endpoints healthy".to_string())
                }
                HealthRequirement::AnyHealthy => (
                    accepted > 0 || total == 0,
                    "at least one endpoint healthy".to_string(),
                ),
            },
        };
        let mut outputs = Map::new();
        outputs.insert("total".into(), json!(total));
        outputs.insert("healthy".into(), json!(strictly_healthy));
        outputs.insert("unhealthy".into(), json!(total - strictly_healthy));
        outputs.insert("accepted".into(), json!(accepted));
        outputs.insert(
            "endpoints".into(),
            Value::Object(
                eps.iter()
                    .map(|e| (e.endpoint_id.clone(), json!(e.health_status.as_str())))
                    .collect(),
            ),
        );
        if ok {
            let details = if bad.is_empty() {
                format!("all {total} endpoints healthy")
            } else {
                format!("{accepted}/{total} endpoints {word} ({})", bad.join(", "))
            };
            return Ok(StepDone::ran(details, outputs));
        }
        let elapsed = cx.clock.runbook_time(start.elapsed());
        let waited_out = spec
            .wait
            .is_none_or(|w| elapsed + spec.interval.as_duration() > w.as_duration());
        if waited_out {
            return Err(StepFail::new(
                ErrorCode::EndpointsUnhealthy,
                format!(
                    "{accepted}/{total} endpoints {word}, required {requirement}: {}",
                    bad.join(", ")
                ),
            )
            .with_outputs(outputs));
        }
        cx.progress(
            format!(
                "{accepted}/{total} endpoints {word}; checking again in {}",
                spec.interval
            ),
            elapsed,
            spec.wait.map(|w| w.as_duration()),
            None,
        );
        tokio::time::sleep(cx.clock.wait_for(spec.interval.as_duration())).await;
    }
}
