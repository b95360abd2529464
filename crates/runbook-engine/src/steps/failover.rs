//! `failover`: starts a manual failover to the paired region.
//!
//! Just before the call it reads the hub: the target is the hub's current secondary (a region
//! that is not is refused before any call, since ARM would refuse it too), and a hub that is
//! not Active is refused. Then Azure's failover limits are checked against the hub's known
//! history (`cooldown`): a failover they forbid fails with `FailoverCooldown` before anything
//! is changed, dry run included, unless `--force-cooldown`. Under `--dry-run` everything up to
//! the POST runs for real and the POST is left out. The accepted operation's handle is emitted
//! as `FailoverStarted`, so the journal holds it before anything else happens. When ARM's
//! answer is lost (the connection broke after the request was sent) the step does NOT post
//! again: it watches the hub for a while to learn whether the failover began, and tracks it by
//! the hub's state if so.

use std::time::Duration;

use runbook_record::ErrorCode;
use runbook_spec::FailoverSpec;
use serde_json::{Map, Value, json};

use super::context::StepContext;
use super::failover_intent::{IntentOutcome, settle_intent};
use crate::clock::{Clock, rfc3339};
use crate::cooldown::{self, CooldownPolicy};
use crate::event::RunEvent;
use crate::outcome::{StepDone, StepFail};
use crate::region::same_region;
use crate::run_state::TrackedFailover;

/// How often, and how far apart, the hub is read to learn whether a failover whose answer was
/// lost began. ARM flips the hub to `FailingOver` asynchronously after accepting the request.
const RECONCILE_READS: u32 = 6;
const RECONCILE_GAP: Duration = Duration::from_secs(10);

/// What `--force-cooldown` overrode, for the step's details.
struct ForcedCooldown {
    note: String,
    /// The check would have refused: the step ends as a warning.
    would_refuse: bool,
}

/// A failover POST whose answer was lost.
struct LostAnswer<'a> {
    step: &'a str,
    from: &'a str,
    region: &'a str,
    cause: iothub_arm::ArmError,
}

pub(crate) async fn run(
    cx: &mut StepContext<'_>,
    spec: &FailoverSpec,
) -> Result<StepDone, StepFail> {
    let step = cx.step;
    // From here on the hub may change: no reading taken before stands for it any more, and
    // this step reads the hub itself right before its POST.
    super::hub_reading::forget(cx);
    // Resume after a crash during this step's POST: find out first what became of it.
    let mut resumed_note: Option<String> = None;
    if let Some(intent) = cx.state.pending_intents.remove(step) {
        match settle_intent(cx, &intent).await? {
            IntentOutcome::Started(done) => return Ok(done),
            IntentOutcome::Untouched(note) => resumed_note = Some(note),
        }
    }
    let wanted = cx.render_opt(spec.region.as_ref())?;
    let (rg, name) = cx.hub_coordinates();
    let hub = cx.client.get_hub(&rg, &name).await?;
    let from = hub.primary_location().to_string();
    let Some(secondary) = hub.secondary_location().map(str::to_string) else {
        return Err(StepFail::new(
            ErrorCode::NoPairedRegion,
            format!("hub {name} has no secondary region, so it cannot fail over"),
        )
        .final_());
    };
    let region = match wanted {
        Some(r) if !same_region(&r, &secondary) => {
            return Err(StepFail::new(
                ErrorCode::RegionNotPaired,
                format!(
                    "cannot fail {name} over to {r}: a manual failover can only go to the hub's paired region, which is {secondary} (the hub is in {from})"
                ),
            )
            .final_());
        }
        Some(_) | None => secondary,
    };
    if !hub.state().eq_ignore_ascii_case("Active") {
        return Err(StepFail::new(
            ErrorCode::HubNotActive,
            format!(
                "hub {name} is {}, not Active; ARM accepts a failover only from Active",
                hub.state()
            ),
        )
        .final_());
    }
    let mut outputs = Map::new();
    outputs.insert("region".into(), json!(region));
    outputs.insert("from_region".into(), json!(from));
    let forced = failover_cooldown(cx, &name, &from, &region)?;
    let annotate = |mut done: StepDone| {
        if let Some(note) = &resumed_note {
            done.details = format!("{}; {note}", done.details);
        }
        if let Some(f) = &forced {
            done.details = format!("{}; {}", done.details, f.note);
            done.warning |= f.would_refuse;
        }
        done
    };
    if cx.dry_run {
        let mut done = StepDone::skipped(format!(
            "dry run: would fail {name} over from {from} to {region}"
        ));
        done.dry_run_skip = true;
        return Ok(annotate(done));
    }
    // The intent is on disk before the request leaves: whatever happens to this process
    // from here on, a resume finds out what became of it instead of posting again.
    let intent = RunEvent::FailoverIntent {
        step: step.to_string(),
        time: Clock::now_text(),
        from_region: from.clone(),
        region: region.clone(),
    };
    if let Err(why) = cx.events.emit_durable(intent).await {
        let mut f = StepFail::new(
            ErrorCode::JournalUnavailable,
            format!("not failing over: the journal cannot record the failover's intent ({why}), so it could not be resumed or audited"),
        )
        .final_()
        .with_outputs(outputs);
        f.aborts_run = true;
        return Err(f);
    }
    let in_flight = cx.in_flight.begin();
    let answer = cx.client.begin_manual_failover(&rg, &name, &region).await;
    let result = match answer {
        Ok(op) => {
            let started = rfc3339(op.started_at);
            cx.state.changed = true;
            // Durable: a resume re-attaches to this operation instead of asking again.
            let _ = cx
                .events
                .emit_durable(RunEvent::FailoverStarted {
                    step: step.to_string(),
                    time: started.clone(),
                    region: region.clone(),
                    operation: serde_json::to_value(&op).unwrap_or_default(),
                })
                .await;
            cx.state
                .failovers
                .insert(step.to_string(), TrackedFailover::Operation(Box::new(op)));
            outputs.insert("started_at".into(), json!(started));
            Ok(annotate(StepDone::ran(
                format!("failover of {name} from {from} to {region} accepted by ARM"),
                outputs,
            )))
        }
        Err(e @ iothub_arm::ArmError::FailoverOutcomeUnknown { .. }) => {
            let lost = LostAnswer {
                step,
                from: &from,
                region: &region,
                cause: e,
            };
            reconcile_unknown(cx, lost, outputs).await
        }
        Err(e) => Err(StepFail::from(e).final_().with_outputs(outputs)),
    };
    drop(in_flight);
    result
}

/// Azure's failover limits against the hub's known history (earlier DR logs and journals
/// beside this run's, and this run's own failovers). Refuses the step before any change,
/// or under `--force-cooldown` returns the note to record instead.
fn failover_cooldown(
    cx: &StepContext<'_>,
    name: &str,
    from: &str,
    to: &str,
) -> Result<Option<ForcedCooldown>, StepFail> {
    if cx.cooldown == CooldownPolicy::PrivateEmulator {
        return Ok(None);
    }
    let mut history = cx.state.history.clone();
    history.extend(cx.state.completed_failovers.iter().cloned());
    let refusal = cooldown::check(&history, from, to, Clock::now(), &cx.clock);
    match (cx.cooldown, refusal) {
        (CooldownPolicy::Forced, Some(r)) => Ok(Some(ForcedCooldown {
            note: format!(
                "--force-cooldown: the local failover cooldown check was overridden; it would have refused: {}. Azure's own limit still applies",
                r.message
            ),
            would_refuse: true,
        })),
        (CooldownPolicy::Forced, None) => Ok(Some(ForcedCooldown {
            note: "--force-cooldown: the local failover cooldown check was overridden (the known history allowed this failover anyway)".to_string(),
            would_refuse: false,
        })),
        (_, Some(r)) => Err(StepFail::new(
            ErrorCode::FailoverCooldown,
            format!(
                "not failing {name} over from {from} to {to}: {}. To go ahead anyway, re-run with --force-cooldown (Azure's own limit still applies)",
                r.message
            ),
        )
        .final_()),
        (_, None) => Ok(None),
    }
}

/// ARM's answer to the POST was lost. Watch the hub: once it is failing over (or already in
/// the target region) the failover started and is tracked by the hub's state. If it never
/// shows, the step fails without a second POST: the operator decides, having checked.
async fn reconcile_unknown(
    cx: &mut StepContext<'_>,
    lost: LostAnswer<'_>,
    mut outputs: Map<String, Value>,
) -> Result<StepDone, StepFail> {
    let LostAnswer {
        step,
        from,
        region,
        cause,
    } = lost;
    let (rg, name) = cx.hub_coordinates();
    let started_at = Clock::now();
    let mut last_seen = String::from("unknown");
    for read in 0..RECONCILE_READS {
        if read > 0 {
            tokio::time::sleep(cx.clock.wait_for(RECONCILE_GAP)).await;
        }
        let hub = match cx.client.get_hub(&rg, &name).await {
            Ok(h) => h,
            Err(e) => {
                last_seen = format!("unreadable ({e})");
                continue;
            }
        };
        let began = hub.state().eq_ignore_ascii_case("FailingOver")
            || same_region(hub.primary_location(), region);
        if began {
            let started = rfc3339(started_at);
            cx.state.changed = true;
            let _ = cx
                .events
                .emit_durable(RunEvent::FailoverStarted {
                    step: step.to_string(),
                    time: started.clone(),
                    region: region.to_string(),
                    operation: Value::Null,
                })
                .await;
            cx.state.failovers.insert(
                step.to_string(),
                TrackedFailover::HubOnly {
                    region: region.to_string(),
                    started_at,
                },
            );
            outputs.insert("started_at".into(), json!(started));
            let mut done = StepDone::ran(
                format!(
                    "ARM's answer was lost, but hub {name} is {} toward {region}: the failover started and is tracked by the hub's state",
                    hub.state()
                ),
                outputs,
            );
            done.warning = true;
            return Ok(done);
        }
        last_seen = format!("{} in {}", hub.state(), hub.primary_location());
    }
    let mut f = StepFail::new(
        ErrorCode::FailoverOutcomeUnknown,
        format!(
            "{cause}; over {RECONCILE_READS} reads the hub was last {last_seen} (it was in {from}), so no failover was observed. It was not posted again, to avoid a double failover: check the hub before re-running"
        ),
    )
    .final_()
    .with_outputs(outputs);
    // Not observed is not proof: treat the hub as possibly changed.
    f.changed = true;
    Err(f)
}
