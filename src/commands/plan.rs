//! `runbook plan FILE`: the resolved steps and the ARM calls each would make. Calls nothing
//! (a fleet runbook's hubs are listed through ARM only with --resolve, or in an emulator with
//! --scenario; see `commands::fleet::plan`).

use std::path::PathBuf;
use std::sync::Arc;

use iothub_arm::{ArmClient, ClientOptions, Cloud};

use crate::exit_code;
use runbook_engine::{
    AnyPrepared, EMULATOR_SUBSCRIPTION, prepare_any, prepare_any_with_subscription,
};

/// What a plan shows for a subscription the runbook needs but nothing has given yet.
const PLACEHOLDER_SUBSCRIPTION: &str = "(subscription)";
use runbook_record::SectionName;

#[derive(Debug, clap::Args)]
pub struct PlanArgs {
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Set a parameter: --set target_region=westus (repeatable).
    #[arg(long = "set", value_name = "NAME=VALUE")]
    pub sets: Vec<String>,
    /// Print the plan as JSON.
    #[arg(long)]
    pub json: bool,
    /// Azure cloud whose ARM endpoint the URLs use: public, china, usgov.
    #[arg(long, default_value = "public")]
    pub cloud: String,
    /// A custom ARM endpoint for the URLs.
    #[arg(long, value_name = "URL")]
    pub arm_endpoint: Option<url::Url>,
    /// Fleet runbooks: list the selected hubs through ARM (reads only; --auth as for exec).
    #[arg(long)]
    pub resolve: bool,
    /// Fleet runbooks: list the selected hubs in an in-process emulator seeded with FILE.
    #[arg(long, value_name = "FILE")]
    pub scenario: Option<PathBuf>,
    /// With --resolve: how to authenticate (as for exec).
    #[arg(
        long,
        value_name = "METHOD",
        default_value = "auto",
        env = "RUNBOOK_AUTH"
    )]
    pub auth: String,
    /// Fleet runbooks: only the hubs whose name matches (globs allowed; repeatable).
    #[arg(long = "target", value_name = "NAME")]
    pub only: Vec<String>,
    /// Fleet runbooks: at most the first N hubs.
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    /// Fleet runbooks: show how `exec --shard I/N` splits the hubs into N shards (which hubs
    /// and subscriptions each drills, and its share of each subscription's ARM budget).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1000))]
    pub shards: Option<u16>,
}

pub fn run(args: &PlanArgs) -> i32 {
    // Plan calls nothing, so a subscription nothing names yet shows as a placeholder (or, with
    // --scenario, is the emulator's); exec still requires it.
    let prepared = if args.resolve {
        prepare_any(&args.file, &args.sets)
    } else if args.scenario.is_some() {
        prepare_any_with_subscription(&args.file, &args.sets, EMULATOR_SUBSCRIPTION)
    } else {
        prepare_any_with_subscription(&args.file, &args.sets, PLACEHOLDER_SUBSCRIPTION)
    };
    let p = match prepared {
        Ok(AnyPrepared::Single(p)) => *p,
        Ok(AnyPrepared::Fleet(p)) => return crate::commands::fleet::plan(&p, args),
        Err(text) => {
            errln!("{text}");
            return exit_code::INVALID;
        }
    };
    if args.shards.is_some() {
        errln!("error: --shards applies to fleet runbooks (`targets:`); this one drills one hub");
        return exit_code::INVALID;
    }
    let cloud = match Cloud::parse(&args.cloud) {
        Ok(c) => c,
        Err(e) => {
            errln!("error: {e}");
            return exit_code::INVALID;
        }
    };
    let options = ClientOptions {
        cloud,
        endpoint: args.arm_endpoint.clone(),
        ..ClientOptions::default()
    };
    // The client is only used to build URLs; this credential is never asked for a token.
    let credential: Arc<dyn iothub_arm::TokenCredential> =
        Arc::new(iothub_arm::StaticTokenCredential::new("plan"));
    let subscription = if p.target.subscription.is_empty() {
        "(subscription)".to_string()
    } else {
        p.target.subscription.clone()
    };
    let client = match ArmClient::new(credential, subscription, options) {
        Ok(c) => c,
        Err(e) => {
            errln!("error: {e}");
            return exit_code::INVALID;
        }
    };
    let redactor = runbook_engine::Redactor::new(p.params.secret_values());
    let plan = runbook_engine::plan::plan(
        &p.loaded.runbook,
        &p.target,
        p.params.values.clone(),
        &client,
    );
    if args.json {
        let mut v = serde_json::to_value(&plan).unwrap_or_default();
        redactor.text_value(&mut v);
        outln!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        return exit_code::SUCCESS;
    }
    let mut out = format!(
        "plan for {} on hub {} (resource group {}, subscription {})\n",
        plan.runbook, plan.target.hub, plan.target.resource_group, plan.target.subscription
    );
    for (i, s) in plan.steps.iter().enumerate() {
        let section = if s.section == SectionName::Steps {
            String::new()
        } else {
            format!("[{}] ", s.section)
        };
        out.push_str(&format!(
            "\n{:>2}. {section}{} ({}) — {}\n",
            i + 1,
            s.id,
            s.kind,
            s.name
        ));
        if let Some(w) = &s.when {
            out.push_str(&format!("    when:    {w}\n"));
        }
        if let Some(c) = &s.confirm {
            out.push_str(&format!("    confirm: {c}\n"));
        }
        if !s.inputs.is_null() && s.inputs != serde_json::json!({}) {
            out.push_str(&format!("    inputs:  {}\n", s.inputs));
        }
        for c in &s.calls {
            out.push_str(&format!("    {} {}\n", c.method, c.url));
        }
    }
    out!("{}", redactor.text(&out));
    exit_code::SUCCESS
}
