//! Where the drill is going, known before the first step.
//!
//! The DR log's `target_region` used to be filled by the failover step, so a drill stopped by
//! a precheck left it `null`: the log of an aborted drill did not say where it was going. Now
//! the runner announces it as early as it can be known, as a `TargetRegionKnown` event that
//! the DR-log builder and the journal take like any other:
//! - at the start of a fresh run, from the first failover step's `region` when that renders
//!   from parameters and target alone;
//! - otherwise after the first main step that read the hub, from its paired `secondary`,
//!   the only region a manual failover can go to.
//!
//! A runbook without a failover step announces nothing. The failover itself still has the
//! last word: `FailoverStarted` carries the region actually posted.

use runbook_spec::{Runbook, StepKind};
use serde_json::Value;

use crate::context::TemplateContext;
use crate::dr_log::StepRecord;
use crate::emitter::Emitter;
use crate::event::RunEvent;
use crate::run_state::RunState;

/// At the start of a fresh run: the first failover's region if parameters decide it,
/// else remember (in `state`) to take it from the first reading of the hub.
pub(crate) fn announce_planned(
    rb: &Runbook,
    templates: &mut TemplateContext,
    events: &mut Emitter,
    state: &mut RunState,
) {
    let Some(spec) = rb.steps.iter().find_map(|s| match &s.kind {
        StepKind::Failover(f) => Some(f),
        _ => None,
    }) else {
        return;
    };
    let rendered = spec
        .region
        .as_ref()
        .and_then(|t| templates.render(t).ok())
        .map(|r| r.trim().to_string())
        .filter(|r| !r.is_empty());
    match rendered {
        Some(region) => announce(region, "the failover step's region", events, state),
        None => state.target_region_pending = true,
    }
}

/// After a main step: a reading of the hub before any failover names its paired region.
pub(crate) fn learn_from(record: &StepRecord, events: &mut Emitter, state: &mut RunState) {
    if !state.target_region_pending || !state.failovers.is_empty() {
        return;
    }
    if let Some(secondary) = record
        .outputs
        .get("secondary")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
    {
        let source = format!("the hub's paired region, read by step `{}`", record.step);
        announce(secondary.to_string(), &source, events, state);
    }
}

fn announce(region: String, source: &str, events: &mut Emitter, state: &mut RunState) {
    state.target_region_pending = false;
    events.emit(RunEvent::TargetRegionKnown {
        region,
        source: source.to_string(),
    });
}
