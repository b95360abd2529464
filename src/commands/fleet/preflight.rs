//! `runbook preflight` of a fleet runbook: every selected hub's preflight, within ARM's budgets.
//!
//! Flow: resolve the hubs as `exec` does (an explicit list without ARM, a selector through a
//! listing whose readings are reused), connect through `runbook-fleet`'s per-subscription
//! clients (each read waits for its subscription's token bucket), scan the history directory
//! once, then run the hubs' preflights a few at a time sharing one `SharedReads` (each
//! subscription's lock list read once for all its hubs): 2 reads per hub (Activity Log,
//! permissions) plus one lock list per subscription. Output: a per-check summary (how
//! many hubs passed, warned, were refused) and a per-hub table, or `--output json`.

use futures::StreamExt;
use runbook_engine::preflight::{PreflightRequest, SharedReads};
use runbook_engine::{
    Clock, CooldownPolicy, HubTarget, PreflightCheckName, PreflightOutcome, PreflightRecord,
    PreparedFleet, Redactor,
};
use runbook_fleet::{Budgets, ClientSource, listing_key, resolve, select};

use super::connect::connect;
use crate::commands::exec::Output;
use crate::commands::preflight::{PreflightArgs, history_index, history_source};
use crate::exit_code;

/// Hubs checked at once; the budgets, not this, bound the request rate.
const AT_ONCE: usize = 16;

pub fn run(p: &PreparedFleet, args: &PreflightArgs) -> i32 {
    for w in &p.loaded.warnings {
        err!("{}", w.render(Some(&p.loaded.source)));
    }
    let Some(targets) = p.loaded.runbook.targets.as_ref() else {
        return exit_code::INVALID;
    };
    let redactor = Redactor::new(p.params.secret_values());
    let Some(runtime) = crate::runtime::start() else {
        return exit_code::INVALID;
    };
    let result = runtime.block_on(async {
        let listed = if targets.is_selector() {
            Vec::new()
        } else {
            resolve(targets, &p.params.values, &runbook_fleet::NoClients)
                .await?
                .hubs
        };
        let conn = connect(&args.target, &listed, Budgets::ARM)
            .await
            .map_err(|e| e.0)?;
        let resolved = resolve(targets, &p.params.values, &*conn.clients).await?;
        let hubs = select(
            resolved.hubs,
            p.loaded.runbook.rollout.as_ref(),
            &[],
            args.limit,
        );
        if hubs.is_empty() {
            return Err("the fleet's targets select no hub".to_string());
        }
        let index = history_index(args, conn.time_scale);
        let source = history_source(args);
        let shared = SharedReads::for_fleet();
        let clock = Clock::scaled(conn.time_scale);
        let mut listing = resolved.listed;
        let jobs: Vec<(HubTarget, Option<iothub_arm::IotHub>)> = hubs
            .into_iter()
            .map(|h| {
                let l = listing.remove(&listing_key(&h)).map(|l| l.hub);
                (h, l)
            })
            .collect();
        let clients = conn.clients.clone();
        let results: Vec<(HubTarget, Result<PreflightRecord, String>)> =
            futures::stream::iter(jobs)
                .map(|(target, hub)| {
                    let (clients, shared, index, source) = (&clients, &shared, &index, &source);
                    async move {
                        let client = match clients.client(&target.subscription) {
                            Ok(c) => c,
                            Err(e) => return (target, Err(e)),
                        };
                        let local = index
                            .as_ref()
                            .map(|i| i.for_hub(&target, ""))
                            .unwrap_or_default();
                        let done = runbook_engine::preflight::run(PreflightRequest {
                            client: &client,
                            target: &target,
                            hub,
                            local: &local,
                            local_source: source,
                            clock,
                            policy: CooldownPolicy::Enforce,
                            shared,
                        })
                        .await;
                        (target, Ok(done.record))
                    }
                })
                .buffered(AT_ONCE)
                .collect()
                .await;
        if let Some(emu) = conn.emulator {
            emu.shutdown().await;
        }
        Ok((results, conn.clients.throttled()))
    });
    runtime.shutdown_background();
    let (results, throttled) = match result {
        Ok(r) => r,
        Err(e) => {
            errln!("error: {}", redactor.text(&e));
            return exit_code::INVALID;
        }
    };
    let refused = results.iter().any(|(_, r)| {
        r.as_ref()
            .map_or(true, |r| r.outcome() == PreflightOutcome::Refused)
    });
    match args.output {
        Output::Json => {
            let hubs: Vec<serde_json::Value> = results
                .iter()
                .map(|(t, r)| match r {
                    Ok(r) => serde_json::json!({"target": t.to_value(), "preflight": r}),
                    Err(e) => serde_json::json!({"target": t.to_value(), "error": e}),
                })
                .collect();
            let mut summary = summary_json(&results);
            summary["throttled"] = throttled.into();
            let mut value = serde_json::json!({"summary": summary, "hubs": hubs});
            redactor.structured_value(&mut value);
            outln!(
                "{}",
                serde_json::to_string_pretty(&value).unwrap_or_default()
            );
        }
        Output::Human => outln!("{}", redactor.text(&table(&results, throttled))),
    }
    if refused {
        exit_code::ABORTED_BEFORE_CHANGE
    } else {
        exit_code::SUCCESS
    }
}

type Results = [(HubTarget, Result<PreflightRecord, String>)];

fn outcome_of(r: &PreflightRecord, check: PreflightCheckName) -> Option<PreflightOutcome> {
    r.checks
        .iter()
        .find(|c| c.check == check)
        .map(|c| c.outcome)
}

fn counts(results: &Results, check: PreflightCheckName) -> [usize; 3] {
    let mut n = [0; 3];
    for (_, r) in results {
        if let Ok(r) = r
            && let Some(o) = outcome_of(r, check)
        {
            n[o as usize] += 1;
        }
    }
    n
}

fn summary_json(results: &Results) -> serde_json::Value {
    let mut checks = serde_json::Map::new();
    for check in PreflightCheckName::ALL {
        let [passed, warning, refused] = counts(results, check);
        checks.insert(
            check.as_str().to_string(),
            serde_json::json!({"passed": passed, "warning": warning, "refused": refused}),
        );
    }
    let reads: u32 = results
        .iter()
        .filter_map(|(_, r)| r.as_ref().ok())
        .map(|r| r.reads)
        .sum();
    serde_json::json!({
        "hubs": results.len(),
        "errors": results.iter().filter(|(_, r)| r.is_err()).count(),
        "reads": reads,
        "checks": checks,
    })
}

/// The per-check summary, then one row per hub (the first line of each refusal below it).
fn table(results: &Results, throttled: u64) -> String {
    let mut out = format!("preflight of {} hubs\n", results.len());
    for check in PreflightCheckName::ALL {
        let [passed, warning, refused] = counts(results, check);
        out.push_str(&format!(
            "  {:<15} {passed} passed, {warning} warning, {refused} refused\n",
            check.as_str()
        ));
    }
    let reads: u32 = results
        .iter()
        .filter_map(|(_, r)| r.as_ref().ok())
        .map(|r| r.reads)
        .sum();
    out.push_str(&format!(
        "  ARM reads by the preflights: {reads}; 429 answers: {throttled}\n\n"
    ));
    out.push_str(&format!(
        "{:<40} {:<9} {:<9} {:<15} {:<12} {}\n",
        "hub", "cooldown", "locks", "data_residency", "permissions", "reads"
    ));
    for (t, r) in results {
        let name = format!("{}/{}", t.resource_group, t.hub);
        match r {
            Err(e) => out.push_str(&format!("{name:<40} error: {e}\n")),
            Ok(r) => {
                let cell = |c| outcome_of(r, c).map_or("-", PreflightOutcome::as_str);
                out.push_str(&format!(
                    "{name:<40} {:<9} {:<9} {:<15} {:<12} {}\n",
                    cell(PreflightCheckName::Cooldown),
                    cell(PreflightCheckName::Locks),
                    cell(PreflightCheckName::DataResidency),
                    cell(PreflightCheckName::Permissions),
                    r.reads
                ));
                for c in r.refusals() {
                    out.push_str(&format!("    ✗ {}: {}\n", c.check.as_str(), c.summary));
                }
            }
        }
    }
    out
}
