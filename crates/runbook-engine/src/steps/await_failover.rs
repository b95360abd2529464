//! `await`: waits for a failover started by an earlier step, or for a hub condition.
//!
//! Polls ARM's operation (Azure-AsyncOperation, else Location) at max(the runbook's interval,
//! the server's Retry-After), the first poll no sooner than the POST's own Retry-After, reading
//! the hub alongside for the progress line, until it succeeds, fails, or the timeout passes. A
//! failover whose handle was lost is awaited by the hub's own state: Active in the target
//! region is success; Active back in the source region after FailingOver is failure. With
//! `until`, the hub is read every interval until its state and location are as asked.

use std::time::{Duration, Instant};

use iothub_arm::{ArmError, OperationPoll};
use runbook_record::ErrorCode;
use runbook_spec::AwaitSpec;
use serde_json::{Map, json};

use super::context::StepContext;
use crate::clock::{Clock, rfc3339};
use crate::cooldown::PastFailover;
use crate::outcome::{StepDone, StepFail};
use crate::region::same_region;
use crate::run_state::TrackedFailover;

/// How long past its timeout an await may take to finish its last look.
const LOOK_GRACE: Duration = Duration::from_secs(5);

/// What one look at the failover said.
enum Look {
    Done,
    Running {
        server_wait: Option<Duration>,
        hub_state: Option<String>,
    },
}

pub(crate) async fn run(cx: &mut StepContext<'_>, spec: &AwaitSpec) -> Result<StepDone, StepFail> {
    // The timeout is checked between looks; this bound also covers one look that hangs in
    // the client's own retries, so a 2 h await never runs minutes past its 2 h.
    let hard_limit = cx.clock.wait_for(spec.timeout.as_duration()) + LOOK_GRACE;
    let place = cx.cooldown.failover_goes_on();
    match tokio::time::timeout(hard_limit, run_inner(cx, spec)).await {
        Ok(result) => result,
        Err(_) => Err(StepFail::new(
            ErrorCode::AwaitTimeout,
            format!(
                "no answer within the await's timeout of {}; any failover goes on {place}: check the hub before acting",
                spec.timeout
            ),
        )
        .final_()),
    }
}

async fn run_inner(cx: &mut StepContext<'_>, spec: &AwaitSpec) -> Result<StepDone, StepFail> {
    let operation = match (&spec.operation, &spec.until) {
        (Some(op), _) => op,
        (None, Some(until)) => return run_until(cx, spec, until).await,
        (None, None) => {
            return Err(StepFail::new(
                ErrorCode::NothingToAwait,
                "the await names neither an operation nor a condition",
            )
            .final_());
        }
    };
    let Some(tracked) = cx.state.failovers.get(operation).cloned() else {
        if cx.dry_run {
            return Ok(StepDone::skipped(format!(
                "dry run: failover `{operation}` was not started, nothing to wait for"
            )));
        }
        return Err(StepFail::new(
            ErrorCode::NoOperation,
            format!(
                "failover step `{operation}` did not start a failover, so there is nothing to wait for"
            ),
        )
        .final_());
    };
    let (rg, name) = cx.hub_coordinates();
    let interval = spec.interval.as_duration();
    let timeout = spec.timeout.as_duration();
    let start = Instant::now();
    let (region, started_at) = match &tracked {
        TrackedFailover::Operation(op) => (op.region.clone(), op.started_at),
        TrackedFailover::HubOnly { region, started_at } => (region.clone(), *started_at),
    };
    // ARM's answer to the POST says when to look first.
    if let TrackedFailover::Operation(op) = &tracked {
        let first_look = op.first_poll_in();
        // A timer rounds up to its next tick: "look now" must not wait for one.
        if !first_look.is_zero() {
            tokio::time::sleep(first_look).await;
        }
    }
    let place = cx.cooldown.failover_goes_on();
    let goes_on = |e: ArmError| {
        let mut f = StepFail::from(e).final_();
        f.message = format!(
            "{}; the failover of {name} to {region} goes on {place}: check the hub before acting",
            f.message
        );
        f
    };
    let mut polls = 0u32;
    let mut seen_failing_over = false;
    // ARM does not say when a failover ended, only that it had by the time of a look: it
    // ended after the last look that saw it running began (or after the request, if the
    // first look saw it done). That gap bounds how late the run noticed.
    let mut last_running = started_at;
    loop {
        polls += 1;
        let look_began = Clock::now();
        let look = match &tracked {
            TrackedFailover::Operation(op) => {
                match cx.client.poll_failover(op).await.map_err(goes_on)? {
                    OperationPoll::Succeeded => Look::Done,
                    OperationPoll::Failed(e) => {
                        let mut f = StepFail::from(ArmError::from(e)).final_();
                        f.message =
                            format!("the failover of {name} to {region} failed: {}", f.message);
                        return Err(f);
                    }
                    OperationPoll::InProgress { retry_after, .. } => {
                        let hub_state = cx
                            .client
                            .get_hub(&rg, &name)
                            .await
                            .ok()
                            .map(|h| h.state().to_string());
                        Look::Running {
                            server_wait: retry_after,
                            hub_state,
                        }
                    }
                }
            }
            TrackedFailover::HubOnly { .. } => {
                let hub = cx.client.get_hub(&rg, &name).await.map_err(goes_on)?;
                let active = hub.state().eq_ignore_ascii_case("Active");
                seen_failing_over |= hub.state().eq_ignore_ascii_case("FailingOver");
                if active && same_region(hub.primary_location(), &region) {
                    Look::Done
                } else if active && seen_failing_over {
                    return Err(StepFail::new(
                        ErrorCode::FailoverFailed,
                        format!("hub {name} went back to Active in {} after failing over: the failover to {region} did not complete", hub.primary_location()),
                    )
                    .final_());
                } else {
                    Look::Running {
                        server_wait: None,
                        hub_state: Some(hub.state().to_string()),
                    }
                }
            }
        };
        let (server_wait, hub_state) = match look {
            Look::Done => break,
            Look::Running {
                server_wait,
                hub_state,
            } => (server_wait, hub_state),
        };
        last_running = look_began;
        let elapsed = cx.clock.runbook_time(start.elapsed());
        if elapsed >= timeout {
            return Err(StepFail::new(
                ErrorCode::AwaitTimeout,
                format!(
                    "the failover of {name} to {region} was still running after {} ({polls} polls); it goes on {place}: check the hub before acting",
                    spec.timeout
                ),
            )
            .final_());
        }
        // The server's Retry-After can only lengthen the wait; the timeout shortens it.
        let wait = cx
            .clock
            .wait_for(interval)
            .max(server_wait.unwrap_or(Duration::ZERO))
            .min(
                cx.clock
                    .wait_for(timeout.saturating_sub(elapsed))
                    .max(Duration::from_millis(1)),
            );
        cx.progress(
            format!("failover to {region} in progress (poll {polls})"),
            elapsed,
            Some(timeout),
            hub_state,
        );
        tokio::time::sleep(wait).await;
    }
    let completed = Clock::now();
    let from = cx
        .templates
        .step_outputs(operation)
        .and_then(|o| o.get("from_region"))
        .and_then(|v| v.as_str())
        .map(str::to_string);
    if let Some(from) = from {
        cx.state.completed_failovers.push(PastFailover {
            from,
            to: region.clone(),
            completed_at: completed,
            source: "this run".to_string(),
        });
    }
    // Read after the failover ended, always afresh; later steps may reuse it.
    let hub = cx.client.get_hub(&rg, &name).await.map_err(goes_on)?;
    super::hub_reading::remember(cx, &hub);
    let took = (completed - started_at).as_seconds_f64().max(0.0);
    let mut outputs = Map::new();
    outputs.insert("completed_at".into(), json!(rfc3339(completed)));
    outputs.insert(
        "duration_seconds".into(),
        json!((took * 1000.0).round() / 1000.0),
    );
    let lag = (completed - last_running).as_seconds_f64().max(0.0);
    outputs.insert(
        "detection_lag_seconds".into(),
        json!((lag * 1000.0).round() / 1000.0),
    );
    outputs.insert("state".into(), json!(hub.state()));
    outputs.insert("location".into(), json!(hub.primary_location()));
    Ok(StepDone::ran(
        format!(
            "failover completed after {polls} poll{}: hub {name} is {} in {}",
            if polls == 1 { "" } else { "s" },
            hub.state(),
            hub.primary_location()
        ),
        outputs,
    ))
}

/// `await: { until: { state, location } }`: reads the hub every interval until it matches.
async fn run_until(
    cx: &mut StepContext<'_>,
    spec: &AwaitSpec,
    until: &runbook_spec::HubCondition,
) -> Result<StepDone, StepFail> {
    let want_state = cx.render_opt(until.state.as_ref())?;
    let want_location = cx.render_opt(until.location.as_ref())?;
    let (rg, name) = cx.hub_coordinates();
    let timeout = spec.timeout.as_duration();
    let start = Instant::now();
    let started_at = Clock::now();
    let mut reads = 0u32;
    let wanted = [
        want_state.as_deref().map(|s| format!("state {s}")),
        want_location.as_deref().map(|l| format!("location {l}")),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" and ");
    loop {
        reads += 1;
        let hub = cx.client.get_hub(&rg, &name).await?;
        let state_ok = want_state
            .as_deref()
            .is_none_or(|w| hub.state().eq_ignore_ascii_case(w));
        let location_ok = want_location
            .as_deref()
            .is_none_or(|w| same_region(hub.primary_location(), w));
        if state_ok && location_ok {
            let took = (Clock::now() - started_at).as_seconds_f64().max(0.0);
            let mut outputs = Map::new();
            outputs.insert("completed_at".into(), json!(Clock::now_text()));
            outputs.insert(
                "duration_seconds".into(),
                json!((took * 1000.0).round() / 1000.0),
            );
            outputs.insert("state".into(), json!(hub.state()));
            outputs.insert("location".into(), json!(hub.primary_location()));
            return Ok(StepDone::ran(
                format!(
                    "hub {name} reached {wanted} after {reads} read{}",
                    if reads == 1 { "" } else { "s" }
                ),
                outputs,
            ));
        }
        let elapsed = cx.clock.runbook_time(start.elapsed());
        if elapsed >= timeout {
            return Err(StepFail::new(
                ErrorCode::AwaitTimeout,
                format!(
                    "hub {name} did not reach {wanted} within {}: it is {} in {}",
                    spec.timeout,
                    hub.state(),
                    hub.primary_location()
                ),
            )
            .final_());
        }
        cx.progress(
            format!("waiting for {wanted} (read {reads})"),
            elapsed,
            Some(timeout),
            Some(hub.state().to_string()),
        );
        let wait = cx.clock.wait_for(spec.interval.as_duration()).min(
            cx.clock
                .wait_for(timeout.saturating_sub(elapsed))
                .max(Duration::from_millis(1)),
        );
        tokio::time::sleep(wait).await;
    }
}
