//! `runbook plan` of a fleet runbook: the rollout, the hubs in run order (listed through ARM
//! only with --resolve, or in an emulator with --scenario), then the steps on the first hub.

use std::sync::Arc;

use iothub_arm::{ArmClient, ClientOptions, StaticTokenCredential, TokenCredential};
use runbook_engine::PreparedFleet;
use runbook_engine::{HubTarget, Redactor};
use runbook_fleet::{Budgets, NoClients, Shard, limits, partition, resolve, select};

use super::connect::connect;
use crate::azure_args::TargetArgs;
use crate::exit_code;

/// `runbook plan` of a fleet runbook: the rollout, the hubs (listed when they can be without
/// ARM, or with --resolve / --scenario), then the steps as they would run on the first hub.
pub fn plan(p: &PreparedFleet, args: &crate::commands::plan::PlanArgs) -> i32 {
    let Some(targets) = p.loaded.runbook.targets.as_ref() else {
        return exit_code::INVALID;
    };
    let Some(runtime) = crate::runtime::start() else {
        return exit_code::INVALID;
    };
    let resolved = runtime.block_on(async {
        if !targets.is_selector() {
            return resolve(targets, &p.params.values, &NoClients)
                .await
                .map(Some);
        }
        if !args.resolve && args.scenario.is_none() {
            return Ok(None);
        }
        let target = TargetArgs {
            emulator: args.scenario.is_some(),
            scenario: args.scenario.clone(),
            time_scale: None,
            auth: args.auth.clone(),
            cloud: args.cloud.clone(),
            arm_endpoint: args.arm_endpoint.clone(),
        };
        // Setup errors suggest --emulator, which is exec's; plan's way to the emulator is
        // --scenario.
        let conn = connect(&target, &[], Budgets::ARM)
            .await
            .map_err(|e| for_plan(&e.0))?;
        let hubs = resolve(targets, &p.params.values, &*conn.clients).await;
        if let Some(emu) = conn.emulator {
            emu.shutdown().await;
        }
        hubs.map(Some)
    });
    runtime.shutdown_background();
    let resolved = match resolved {
        Ok(r) => r,
        Err(e) => {
            errln!("error: {e}");
            return exit_code::INVALID;
        }
    };
    let redactor = Redactor::new(p.params.secret_values());
    let mut out = format!("plan for fleet {}\n", p.loaded.runbook.name);
    let hubs = resolved.map(|r| {
        for d in &r.duplicates {
            out.push_str(&format!("note: {d}\n"));
        }
        select(
            r.hubs,
            p.loaded.runbook.rollout.as_ref(),
            &args.only,
            args.limit,
        )
    });
    let shards = match (args.shards, &hubs) {
        (None, _) => None,
        (Some(n), Some(hubs)) => Some(partition(hubs, usize::from(n))),
        (Some(_), None) => {
            errln!(
                "error: --shards needs the hubs: add --resolve to list them through ARM, or --scenario FILE"
            );
            return exit_code::INVALID;
        }
    };
    match (&hubs, &shards) {
        (Some(hubs), Some(shards)) => {
            out.push_str(&format!(
                "{} hubs in {} shards (runbook exec {} --shard I/{}, each with its own --fleet-dir)\n",
                hubs.len(),
                shards.len(),
                p.identity.path,
                shards.len()
            ));
            for s in shards {
                out.push_str(&shard_text(s, shards.len()));
            }
        }
        (Some(hubs), None) => {
            let (conc, errors) = limits(p.loaded.runbook.rollout.as_ref(), hubs.len());
            out.push_str(&format!(
                "{} hubs, at most {conc} at once; no new hub starts once {errors} failed\n",
                hubs.len()
            ));
            for (i, h) in hubs.iter().enumerate() {
                out.push_str(&hub_line(i, h));
            }
        }
        (None, _) => out.push_str(
            "hubs: chosen at run time by listing the subscription's hubs (add --resolve to list them through ARM now, or --scenario FILE against the emulator)\n",
        ),
    }
    let first = hubs
        .as_ref()
        .and_then(|h| h.first().cloned())
        .unwrap_or(HubTarget {
            subscription: "(subscription)".into(),
            resource_group: "(resource group)".into(),
            hub: "(hub)".into(),
        });
    let credential: Arc<dyn TokenCredential> = Arc::new(StaticTokenCredential::new("plan"));
    let options = ClientOptions {
        cloud: iothub_arm::Cloud::parse(&args.cloud).unwrap_or_default(),
        endpoint: args.arm_endpoint.clone(),
        ..ClientOptions::default()
    };
    let Ok(client) = ArmClient::new(credential, first.subscription.clone(), options) else {
        return exit_code::INVALID;
    };
    let plan =
        runbook_engine::plan::plan(&p.loaded.runbook, &first, p.params.values.clone(), &client);
    if args.json {
        let (max_concurrency, max_errors) = match &hubs {
            Some(h) => {
                let (c, e) = limits(p.loaded.runbook.rollout.as_ref(), h.len());
                (Some(c), Some(e))
            }
            None => (None, None),
        };
        let shards = shards.as_ref().map(|all| {
            all.iter()
                .map(|s| {
                    serde_json::json!({
                        "shard": format!("{}/{}", s.index, all.len()),
                        "subscriptions": s.subscriptions(),
                        "budget_divisor": s.budget_divisor,
                        "hubs": s.hubs,
                    })
                })
                .collect::<Vec<_>>()
        });
        let mut v = serde_json::json!({
            "fleet": p.loaded.runbook.name,
            "shards": shards,
            // null: chosen at run time by listing the subscription (see --resolve, --scenario).
            "hubs": hubs,
            "max_concurrency": max_concurrency,
            "max_errors": max_errors,
            "steps_on_first_hub": plan,
        });
        redactor.text_value(&mut v);
        outln!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        return exit_code::SUCCESS;
    }
    out.push_str(&format!("\nsteps, as on hub {}:\n", first.hub));
    for (i, s) in plan.steps.iter().enumerate() {
        out.push_str(&format!("{:>2}. {} ({})\n", i + 1, s.id, s.kind));
        for c in &s.calls {
            out.push_str(&format!("    {} {}\n", c.method, c.url));
        }
    }
    out!("{}", redactor.text(&out));
    exit_code::SUCCESS
}

/// A connection error reworded for `plan`: it reaches the emulator with --scenario, not
/// --emulator.
fn for_plan(message: &str) -> String {
    message
        .replace(
            "add --emulator to try the runbook without Azure",
            "use --scenario FILE instead of --resolve to list the hubs in the emulator",
        )
        .replace(
            "(to try the runbook without Azure, add --emulator)",
            "(to list the hubs without Azure, use --scenario FILE instead of --resolve)",
        )
}

fn hub_line(i: usize, h: &HubTarget) -> String {
    format!(
        "{:>4}. {} (resource group {}, subscription {})\n",
        i + 1,
        h.hub,
        h.resource_group,
        h.subscription
    )
}

/// One shard of `plan --shards N`: its subscriptions, its budget share, its hubs in run order.
fn shard_text(s: &Shard, count: usize) -> String {
    let budget = if s.budget_divisor > 1 {
        format!("1/{} of the subscription's ARM budget", s.budget_divisor)
    } else {
        "the whole ARM budget of each".to_string()
    };
    let mut out = format!(
        "shard {}/{count}: {} hubs; subscriptions {} ({budget})\n",
        s.index,
        s.hubs.len(),
        if s.hubs.is_empty() {
            "none".to_string()
        } else {
            s.subscriptions().join(", ")
        },
    );
    for (i, h) in s.hubs.iter().enumerate() {
        out.push_str(&hub_line(i, h));
    }
    out
}
