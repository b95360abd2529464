//! `runbook plan FILE`: the resolved steps and the ARM calls each would make. Calls nothing.

use std::path::PathBuf;
use std::sync::Arc;

use iothub_arm::{ArmClient, ClientOptions, Cloud};

use crate::exit_code;
use runbook_engine::prepare::prepare;

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
}

pub fn run(args: &PlanArgs) -> i32 {
    let p = match prepare(&args.file, &args.sets) {
        Ok(p) => p,
        Err(text) => {
            errln!("{text}");
            return exit_code::INVALID;
        }
    };
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
        redactor.value(&mut v);
        outln!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        return exit_code::SUCCESS;
    }
    let mut out = format!(
        "plan for {} on hub {} (resource group {}, subscription {})\n",
        plan.runbook, plan.target.hub, plan.target.resource_group, plan.target.subscription
    );
    for (i, s) in plan.steps.iter().enumerate() {
        let section = if s.section == "steps" {
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
