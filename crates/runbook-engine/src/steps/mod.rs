//! One file per step kind. Each kind is a function of a `StepContext` (what the runner lends a
//! step for one attempt, see `context`) and the kind's spec: it calls the ARM client, and
//! returns the step's outputs and a one-line `details` sentence, or a `StepFail` with ARM's
//! code and message. `run` dispatches a step to its kind; the runner owns everything around
//! it (`when`, `confirm`, retries, timeout, Ctrl-C, the record).

mod await_failover;
mod await_recovery;
mod compare_devices;
pub(crate) mod context;
mod failover;
mod failover_intent;
mod health_check;
mod hub_reading;
mod minute_series;
mod sleep;
mod snapshot;
mod validate;

use runbook_spec::StepKind;

pub(crate) use context::StepContext;

use crate::outcome::{StepDone, StepFail};

/// Runs one attempt of a step's kind.
pub(crate) async fn run(cx: &mut StepContext<'_>, kind: &StepKind) -> Result<StepDone, StepFail> {
    match kind {
        StepKind::Validate(v) => validate::run(cx, v).await,
        StepKind::SnapshotMetrics(s) => snapshot::run(cx, s).await,
        StepKind::Failover(f) => failover::run(cx, f).await,
        StepKind::Await(a) => await_failover::run(cx, a).await,
        StepKind::CompareDevices(c) => compare_devices::run(cx, c),
        StepKind::HealthCheck(h) => health_check::run(cx, h).await,
        StepKind::Sleep(d) => sleep::run(cx, *d).await,
        StepKind::AwaitRecovery(r) => await_recovery::run(cx, r).await,
    }
}
