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

use crate::dr_log::StepRecord;
use crate::event::RunEvent;
use crate::runner::Engine;

impl Engine {
    /// At the start of a fresh run: the first failover's region if parameters decide it,
    /// else remember to take it from the first reading of the hub.
    pub(crate) fn announce_planned_region(&mut self, rb: &Runbook) {
        let Some(spec) = rb.steps.iter().find_map(|s| match &s.kind {
            StepKind::Failover(f) => Some(f),
            _ => None,
        }) else {
            return;
        };
        let rendered = spec
            .region
            .as_ref()
            .and_then(|t| self.ctx.render(t).ok())
            .map(|r| r.trim().to_string())
            .filter(|r| !r.is_empty());
        match rendered {
            Some(region) => self.emit_target_region(region, "the failover step's region"),
            None => self.target_region_pending = true,
        }
    }

    /// After a main step: a reading of the hub before any failover names its paired region.
    pub(crate) fn learn_region_from(&mut self, record: &StepRecord) {
        if !self.target_region_pending || !self.failovers.is_empty() {
            return;
        }
        if let Some(secondary) = record
            .outputs
            .get("secondary")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
        {
            let source = format!("the hub's paired region, read by step `{}`", record.step);
            self.emit_target_region(secondary.to_string(), &source);
        }
    }

    fn emit_target_region(&mut self, region: String, source: &str) {
        self.target_region_pending = false;
        self.emitter.emit(RunEvent::TargetRegionKnown {
            region,
            source: source.to_string(),
        });
    }
}
