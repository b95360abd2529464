//! What a run has learned so far, owned by the runner and lent to each step.
//!
//! The runner creates a `RunState` per run (resume fills it from the journal first, see
//! `resume`), hands it to every step through the `StepContext`, and reads it back to decide
//! the run's status and whether a rollback is needed. Steps write to it only what later steps
//! or the runner need: the failovers they started (`failovers`), failovers they saw complete
//! (for the cooldown of a failback), whether the hub was changed, whether a dry run left a
//! change out. It holds no I/O and nothing of the runner.

use std::collections::HashMap;

use iothub_arm::{FailoverOperation, IotHub};

use crate::cooldown::PastFailover;

/// A failover the run started: ARM's operation handle, or only the hub's word for it when
/// ARM's answer was lost.
#[derive(Debug, Clone)]
pub(crate) enum TrackedFailover {
    Operation(Box<FailoverOperation>),
    HubOnly {
        region: String,
        started_at: time::OffsetDateTime,
    },
}

/// A failover the interrupted run asked ARM for, with no answer on record.
#[derive(Debug, Clone)]
pub(crate) struct PendingIntent {
    pub time: String,
    pub from_region: String,
    pub region: String,
}

/// The run's state, see the module doc.
#[derive(Debug, Default)]
pub(crate) struct RunState {
    /// The hub may have been changed by this run (or by the interrupted run it resumes).
    pub changed: bool,
    /// Failovers started, by the failover step's id; `await` follows them.
    pub failovers: HashMap<String, TrackedFailover>,
    /// The hub's completed failovers from earlier runs (loaded by the session).
    pub history: Vec<PastFailover>,
    /// Failovers this run saw complete, for the cooldown of a later failover (a failback).
    pub completed_failovers: Vec<PastFailover>,
    /// Resume: failovers the interrupted run asked for without recording ARM's answer.
    pub pending_intents: HashMap<String, PendingIntent>,
    /// A dry run left out a failover: later readings see the hub unchanged, so their
    /// expectation misses are expected and only warn.
    pub dry_skipped_change: bool,
    /// The failover's region is not known yet: the next reading of the hub names it.
    pub target_region_pending: bool,
    /// The latest reading of the hub, which a later step may reuse (`steps::hub_reading`).
    pub hub_reading: Option<HubReading>,
    /// The reading the current step reused, for its record.
    pub reused_reading: Option<runbook_record::ReusedReading>,
}

/// A hub resource as ARM returned it, when and by what.
#[derive(Debug, Clone)]
pub(crate) struct HubReading {
    pub hub: IotHub,
    pub at: std::time::Instant,
    /// The step that read it, or `targets` (the fleet's listing).
    pub from: String,
}

impl RunState {
    /// A fresh run's state, knowing the hub's earlier failovers.
    pub fn new(history: Vec<PastFailover>) -> Self {
        Self {
            history,
            ..Self::default()
        }
    }
}
