//! Resume of a failover whose request may have reached ARM: the journal holds its intent but
//! not ARM's answer (the process died, or was frozen and killed, while the POST was in flight).
//!
//! Such a request is an outcome to find out, never a reason to post again. The hub is read:
//! `FailingOver`, or already `Active` in the intended region, means the failover started (it
//! is recorded as started at the intent's time and tracked by the hub's state, as when ARM's
//! answer is lost). `Active` in the region it was leaving, with that region still primary,
//! means the request left no trace: only then may the step fail over again, and it says so.
//! Anything else (another region, another state, an unreadable hub) fails the step as
//! `FailoverOutcomeUnknown` without a POST, the hub counted as possibly changed.

use runbook_record::ErrorCode;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::context::StepContext;
use crate::clock::Clock;
use crate::event::RunEvent;
use crate::outcome::{StepDone, StepFail};
use crate::region::same_region;
use crate::run_state::{PendingIntent, TrackedFailover};

/// What the hub says about an unanswered failover request.
pub(super) enum IntentOutcome {
    /// The failover started (or already completed): the step is done.
    Started(StepDone),
    /// The hub is untouched in the region it was leaving: the step may fail over, with this
    /// note in its details.
    Untouched(String),
}

pub(super) async fn settle_intent(
    cx: &mut StepContext<'_>,
    intent: &PendingIntent,
) -> Result<IntentOutcome, StepFail> {
    let step = cx.step;
    let (rg, name) = cx.hub_coordinates();
    let PendingIntent {
        time,
        from_region,
        region,
    } = intent;
    let mut outputs = Map::new();
    outputs.insert("region".into(), json!(region));
    outputs.insert("from_region".into(), json!(from_region));
    let hub = match cx.client.get_hub(&rg, &name).await {
        Ok(h) => h,
        Err(e) => {
            let mut f = StepFail::new(
                ErrorCode::FailoverOutcomeUnknown,
                format!(
                    "the interrupted run asked ARM to fail {name} over to {region} at {time} and recorded no answer; the hub cannot be read now ({e}), so the failover was not requested again: check the hub, then resume again"
                ),
            )
            .final_()
            .with_outputs(outputs);
            f.changed = true;
            return Err(f);
        }
    };
    let state = hub.state().to_string();
    let primary = hub.primary_location().to_string();
    let failing_over = state.eq_ignore_ascii_case("FailingOver");
    let arrived = state.eq_ignore_ascii_case("Active") && same_region(&primary, region);
    if failing_over || arrived {
        let started_at = OffsetDateTime::parse(time, &Rfc3339).map_err(|e| {
            StepFail::new(
                ErrorCode::JournalUnavailable,
                format!("the journal's failover intent has an unreadable time `{time}`: {e}"),
            )
            .final_()
        })?;
        cx.state.changed = true;
        let _ = cx
            .events
            .emit_durable(RunEvent::FailoverStarted {
                step: step.to_string(),
                time: time.clone(),
                region: region.clone(),
                operation: Value::Null,
            })
            .await;
        cx.state.failovers.insert(
            step.to_string(),
            TrackedFailover::HubOnly {
                region: region.clone(),
                started_at,
            },
        );
        outputs.insert("started_at".into(), json!(time));
        let seen = if failing_over {
            format!("hub {name} is FailingOver")
        } else {
            format!("hub {name} is already Active in {region}")
        };
        let mut done = StepDone::ran(
            format!(
                "the interrupted run asked ARM to fail {name} over from {from_region} to {region} at {time} and recorded no answer; {seen}, so the failover started then and was not requested again (tracked by the hub's state)"
            ),
            outputs,
        );
        done.warning = true;
        return Ok(IntentOutcome::Started(done));
    }
    let untouched = state.eq_ignore_ascii_case("Active") && same_region(&primary, from_region);
    if untouched {
        let note = format!(
            "the interrupted run's failover request (intent at {time}) left no trace: hub {name} is Active in {from_region}, the region it was leaving, so the failover was requested again"
        );
        cx.progress(note.clone(), std::time::Duration::ZERO, None, Some(state));
        return Ok(IntentOutcome::Untouched(note));
    }
    let mut f = StepFail::new(
        ErrorCode::FailoverOutcomeUnknown,
        format!(
            "the interrupted run asked ARM to fail {name} over from {from_region} to {region} at {time} and recorded no answer; the hub is now {state} in {primary}, which proves neither, so the failover was not requested again: check the hub before acting (read at {})",
            Clock::now_text()
        ),
    )
    .final_()
    .with_outputs(outputs);
    f.changed = true;
    Err(f)
}
