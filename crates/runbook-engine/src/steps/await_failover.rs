//! `await`: waits for a failover started by an earlier step.
//!
//! Polls ARM's operation (Azure-AsyncOperation, else Location) at
//! max(the runbook's interval, the server's Retry-After), reading the hub's state alongside
//! for the progress line, until it succeeds, fails, or the timeout passes. A failover whose
//! handle was lost is awaited by the hub's own state instead (Active in the target region).

use std::time::{Duration, Instant};

use iothub_arm::OperationPoll;
use runbook_spec::AwaitSpec;
use serde_json::{Map, json};

use super::hub_reading::same_region;
use crate::clock::{Clock, rfc3339};
use crate::runner::{Engine, StepDone, StepFail, TrackedFailover};

impl Engine {
    pub(crate) async fn run_await(
        &mut self,
        step: &str,
        spec: &AwaitSpec,
    ) -> Result<StepDone, StepFail> {
        let Some(tracked) = self.failovers.get(&spec.operation).cloned() else {
            if self.dry_run {
                return Ok(StepDone {
                    details: format!(
                        "dry run: failover `{}` was not started, nothing to wait for",
                        spec.operation
                    ),
                    ..StepDone::default()
                });
            }
            return Err(StepFail::new(
                "NoOperation",
                format!(
                    "failover step `{}` did not start a failover, so there is nothing to wait for",
                    spec.operation
                ),
            )
            .final_());
        };
        let (rg, name) = (self.target.resource_group.clone(), self.target.hub.clone());
        let interval = spec.interval.as_duration();
        let timeout = spec.timeout.as_duration();
        let start = Instant::now();
        let (region, started_at) = match &tracked {
            TrackedFailover::Operation(op) => (op.region.clone(), op.started_at),
            TrackedFailover::HubOnly { region, started_at } => (region.clone(), *started_at),
        };
        let mut polls = 0u32;
        loop {
            polls += 1;
            // The server's Retry-After can only lengthen the wait, never shorten it.
            let server_wait = match &tracked {
                TrackedFailover::Operation(op) => match self.client.poll_failover(op).await? {
                    OperationPoll::Succeeded => break,
                    OperationPoll::Failed(e) => {
                        let mut f = StepFail::from(iothub_arm::ArmError::from(e)).final_();
                        f.message =
                            format!("the failover of {name} to {region} failed: {}", f.message);
                        return Err(f);
                    }
                    OperationPoll::InProgress { retry_after, .. } => retry_after,
                },
                TrackedFailover::HubOnly { .. } => {
                    let hub = self.client.get_hub(&rg, &name).await?;
                    if hub.state().eq_ignore_ascii_case("Active")
                        && same_region(hub.primary_location(), &region)
                    {
                        break;
                    }
                    None
                }
            };
            let elapsed = self.clock.runbook_time(start.elapsed());
            let hub_state = self
                .client
                .get_hub(&rg, &name)
                .await
                .ok()
                .map(|h| h.state().to_string());
            if elapsed >= timeout {
                return Err(StepFail::new(
                    "AwaitTimeout",
                    format!(
                        "the failover of {name} to {region} was still running after {} ({polls} polls); it goes on in Azure: check the hub before acting",
                        spec.timeout
                    ),
                )
                .final_());
            }
            let wait = self
                .clock
                .wait_for(interval)
                .max(server_wait.unwrap_or(Duration::ZERO))
                .min(
                    self.clock
                        .wait_for(timeout.saturating_sub(elapsed))
                        .max(Duration::from_millis(1)),
                );
            self.progress(
                step,
                format!("failover to {region} in progress (poll {polls})"),
                elapsed,
                Some(timeout),
                hub_state,
            );
            tokio::time::sleep(wait).await;
        }
        let completed = Clock::now();
        let hub = self.client.get_hub(&rg, &name).await?;
        let took = (completed - started_at).as_seconds_f64().max(0.0);
        let mut outputs = Map::new();
        outputs.insert("completed_at".into(), json!(rfc3339(completed)));
        outputs.insert(
            "duration_seconds".into(),
            json!((took * 1000.0).round() / 1000.0),
        );
        outputs.insert("state".into(), json!(hub.state()));
        outputs.insert("location".into(), json!(hub.primary_location()));
        Ok(StepDone {
            status_warning: false,
            details: format!(
                "failover completed after {polls} poll{}: hub {name} is {} in {}",
                if polls == 1 { "" } else { "s" },
                hub.state(),
                hub.primary_location()
            ),
            outputs,
        })
    }
}
