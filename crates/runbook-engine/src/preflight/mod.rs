//! Preflight: whether Azure would refuse the drill's failover, learned from Azure's own records
//! before anything is done.
//!
//! Data flow: `reads` makes the ARM reads (the hub, its Activity Log, the locks at hub,
//! resource group and subscription, the caller's permissions; the group and subscription locks
//! shared across a fleet through `SharedReads`), then each check is a pure function of what
//! was read: `history` (cooldown, the Activity Log merged with the local DR logs and journals),
//! and `checks` (locks, data residency, permissions). The result is a
//! `runbook_record::PreflightRecord`: `runbook preflight` prints it, and the runner emits it
//! before a fresh run's first step and stops the run (exit 3, nothing changed) when a check
//! refuses. Nothing here writes to Azure.

mod checks;
mod history;
mod reads;

use iothub_arm::{ArmClient, IotHub};
use runbook_record::{PreflightCheck, PreflightOutcome, PreflightRecord};

use crate::clock::Clock;
use crate::cooldown::{CooldownPolicy, PastFailover};
use crate::target::HubTarget;

pub use checks::FAILOVER_ACTION;
pub use history::{LoggedFailover, failovers};
pub use reads::{ACTIVITY_LOG_LOOKBACK, ACTIVITY_LOG_PAGES, SharedReads};

/// Everything a preflight of one hub works from.
#[derive(Debug)]
pub struct PreflightRequest<'a> {
    pub client: &'a ArmClient,
    pub target: &'a HubTarget,
    /// A reading of the hub the caller already holds (a fleet's target listing).
    pub hub: Option<IotHub>,
    /// The hub's completed failovers the local files record.
    pub local: &'a [PastFailover],
    /// Where those came from, for the evidence.
    pub local_source: &'a str,
    pub clock: Clock,
    pub policy: CooldownPolicy,
    pub shared: &'a SharedReads,
}

/// A preflight's answer: the record, and the hub as it was read (for the run to reuse).
#[derive(Debug)]
pub struct Preflight {
    pub record: PreflightRecord,
    pub hub: Option<IotHub>,
}

/// Reads and checks one hub (see the module doc).
pub async fn run(req: PreflightRequest<'_>) -> Preflight {
    let now = Clock::now();
    let read = reads::read_all(req.client, req.target, req.hub, req.shared, now).await;
    let direction = read
        .hub
        .as_ref()
        .ok()
        .and_then(|h| h.secondary_location().map(|to| (h.primary_location(), to)));
    let cooldown = history::check(&history::CooldownInputs {
        activity: read.activity.as_ref().map_err(String::as_str),
        hub_id: &read.hub_id,
        local: req.local,
        local_source: req.local_source,
        direction,
        now,
        clock: &req.clock,
        policy: req.policy,
    });
    let checks = vec![
        cooldown,
        checks::locks(&read.locks, &read.hub_id),
        checks::data_residency(&read.hub),
        checks::permissions(&read.permissions),
    ];
    Preflight {
        record: PreflightRecord {
            time: crate::clock::rfc3339(now),
            reads: read.reads,
            checks,
        },
        hub: read.hub.ok(),
    }
}

/// Why a run stops on this preflight, in one sentence naming each refusal; `None` when none
/// refused.
pub fn refusal_reason(record: &PreflightRecord) -> Option<String> {
    let refused: Vec<&PreflightCheck> = record.refusals().collect();
    if refused.is_empty() {
        return None;
    }
    let parts: Vec<String> = refused
        .iter()
        .map(|c| {
            let next = c
                .next_allowed
                .as_deref()
                .map(|t| format!(" (next failover allowed at {t})"))
                .unwrap_or_default();
            format!("{}: {}{next}", c.check.as_str(), c.summary)
        })
        .collect();
    Some(format!(
        "preflight: Azure would refuse the failover: {}",
        parts.join("; ")
    ))
}

/// Whether the record lets a failover go ahead.
pub fn allows(record: &PreflightRecord) -> bool {
    record.outcome() != PreflightOutcome::Refused
}
