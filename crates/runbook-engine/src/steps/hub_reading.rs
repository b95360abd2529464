//! Hub readings: the fields every reading step outputs, and the rule for reusing a reading
//! instead of asking ARM again.
//!
//! ARM's read budget (250 at once, 25 a second per subscription) is a fleet's clock, and a
//! drill reads the same hub resource several times within moments (`validate` then
//! `snapshot-metrics`; the `await`'s last look then the post-failover `validate`). Every GET
//! of the hub is stored in the run state (`remember`); a `validate` or a `snapshot-metrics`
//! takes the stored reading (`read_reusable`) when
//!
//! - it is younger than [`REUSE_WITHIN`] in runbook time, and
//! - no change was requested since it was taken: the failover step forgets the reading before
//!   its POST (`forget`), so nothing read before a failover is reused after it.
//!
//! The safety reads never reuse: the failover step reads the hub right before its POST (state,
//! secondary region), and the `await` reads it after the failover completes. A step's retry
//! reads afresh (the runner forgets the reading before retrying). A reused reading is named in
//! the step's record (`reused_reading`: from which step, how old).

use std::time::{Duration, Instant};

use iothub_arm::{ArmError, IotHub};
use runbook_record::ReusedReading;
use serde_json::{Map, Value, json};

use super::context::StepContext;
use crate::run_state::HubReading;

/// How old (in runbook time) a reading may be and still be reused. Generous because nothing
/// rests on it alone: before a change the failover's own read decides, after one the `await`
/// has just read the hub; a fleet's listing may wait this long for its hub's turn.
pub(crate) const REUSE_WITHIN: Duration = Duration::from_secs(600);

pub(crate) fn hub_outputs(hub: &IotHub) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("state".into(), json!(hub.state()));
    m.insert("provisioning_state".into(), json!(hub.provisioning_state()));
    m.insert("location".into(), json!(hub.primary_location()));
    m.insert(
        "secondary".into(),
        hub.secondary_location().map_or(Value::Null, |s| json!(s)),
    );
    m
}

/// The hub as a recent reading has it (noted in the step's record), or as ARM has it now.
pub(crate) async fn read_reusable(cx: &mut StepContext<'_>) -> Result<IotHub, ArmError> {
    let limit = cx.clock.wait_for(REUSE_WITHIN);
    if let Some(r) = cx.state.hub_reading.as_ref()
        && r.at.elapsed() <= limit
    {
        let age = cx.clock.runbook_time(r.at.elapsed());
        cx.state.reused_reading = Some(ReusedReading {
            from: r.from.clone(),
            age_ms: age.as_millis() as u64,
        });
        return Ok(r.hub.clone());
    }
    read_fresh(cx).await
}

/// The hub as ARM has it now, remembered for later steps.
pub(crate) async fn read_fresh(cx: &mut StepContext<'_>) -> Result<IotHub, ArmError> {
    let hub = cx
        .client
        .get_hub(&cx.target.resource_group, &cx.target.hub)
        .await?;
    remember(cx, &hub);
    Ok(hub)
}

/// Stores `hub`, just read by this step, for later steps.
pub(crate) fn remember(cx: &mut StepContext<'_>, hub: &IotHub) {
    cx.state.hub_reading = Some(HubReading {
        hub: hub.clone(),
        at: Instant::now(),
        from: cx.step.to_string(),
    });
}

/// A change is about to be requested: no earlier reading may stand for the hub any more.
pub(crate) fn forget(cx: &mut StepContext<'_>) {
    cx.state.hub_reading = None;
}
