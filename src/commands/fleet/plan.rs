//! `runbook plan` of a fleet runbook: the rollout, the hubs in run order (listed through ARM
//! only with --resolve, or in an emulator with --scenario), then the steps on the first hub.

use std::sync::Arc;

use iothub_arm::{ArmClient, ClientOptions, StaticTokenCredential, TokenCredential};
use runbook_engine::PreparedFleet;
use runbook_engine::{HubTarget, Redactor};
use runbook_fleet::{Budgets, NoClients, limits, resolve, select};

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
    match &hubs {
        Some(hubs) => {
            let (conc, errors) = limits(p.loaded.runbook.rollout.as_ref(), hubs.len());
            out.push_str(&format!(
                "{} hubs, at most {conc} at once; no new hub starts once {errors} failed\n",
                hubs.len()
            ));
            for (i, h) in hubs.iter().enumerate() {
                out.push_str(&format!(
                    "{:>4}. {} (resource group {}, subscription {})\n",
                    i + 1,
                    h.hub,
                    h.resource_group,
                    h.subscription
                ));
            }
        }
        None => out.push_str(
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
        let mut v = serde_json::json!({
            "fleet": p.loaded.runbook.name,
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
