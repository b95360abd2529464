//! `runbook preflight FILE`: whether Azure would refuse the drill's failover now, read-only.
//!
//! Flow: prepare (load, params, target; exit 2 on bad input) -> connect as `exec` does
//! (Azure, `--arm-endpoint`, or `--emulator` with `--scenario`) -> the hub's local failover
//! history (the DR logs and journals in `--history-dir`, default the current directory; none
//! with `--emulator`) -> `runbook_engine::preflight::run` (the reads and the checks) -> one
//! line per check, or `--output json` -> exit 0 when nothing refuses, 3 when Azure would.
//! A fleet runbook (`targets:`) goes to `commands::fleet::preflight`: a per-check summary and
//! a per-hub table. Nothing is written anywhere, in Azure or on disk.

use std::path::PathBuf;

use runbook_engine::preflight::{PreflightRequest, SharedReads};
use runbook_engine::session::{HistoryIndex, history_lookback};
use runbook_engine::{
    AnyPrepared, Clock, CooldownPolicy, PreflightCheck, PreflightOutcome, PreflightRecord, Redactor,
};

use crate::azure_args::TargetArgs;
use crate::commands::exec::Output;
use crate::exit_code;

#[derive(Debug, clap::Args)]
#[command(after_help = "\
Checks, each passed / warning / refused with its evidence:
  cooldown        the hub's Activity Log (failovers from anywhere, no direction) and the local
                  DR logs and journals (--history-dir): an hour after the last failover, 2 per
                  direction per day; the later, stricter answer wins
  locks           ReadOnly management locks at the hub, its resource group, its subscription
  data_residency  enableDataResidency, or no paired (secondary) region: no failover at all
  permissions     a role assignment granting Microsoft.Devices/IotHubs/failover/action (a miss
                  is only a warning: Azure does not document the action's name)

Reads per hub: the hub, the Activity Log (1 page, at most 3), the locks at 3 scopes, the
permissions: 6. A fleet reads each subscription's lock list once for all its hubs and reuses
a selector's listing of the hubs: 2 per hub (3 for an explicit hub list, which is not
listed), plus one lock list per subscription.

Exit codes: 0 nothing refuses (warnings allowed), 2 invalid input or setup, 3 Azure would
refuse the failover (for a fleet: any hub).

Examples:
  runbook preflight runbooks/drill.yaml --set hub=contoso-hub   # against Azure
  runbook preflight runbooks/drill.yaml --emulator               # try it: no Azure needed
  runbook preflight fleet.yaml --output json --limit 100")]
pub struct PreflightArgs {
    /// The runbook whose hub (or fleet) to check.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Set a parameter: --set hub=contoso-hub (repeatable).
    #[arg(long = "set", value_name = "NAME=VALUE")]
    pub sets: Vec<String>,
    /// human (one line per check) or json (the preflight record).
    #[arg(long, value_enum, default_value_t = Output::Human)]
    pub output: Output,
    /// Where the local failover history is read: the DR logs and journals in DIR and in the
    /// fleet directories directly inside it. Default: the current directory. Not used with
    /// --emulator.
    #[arg(long, value_name = "DIR", env = "RUNBOOK_HISTORY_DIR")]
    pub history_dir: Option<PathBuf>,
    /// Fleets: at most this many hubs, in run order.
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    #[command(flatten)]
    pub target: TargetArgs,
}

pub fn run(args: &PreflightArgs) -> i32 {
    let prepared = match args.target.prepare(&args.file, &args.sets) {
        Ok(AnyPrepared::Single(p)) => *p,
        Ok(AnyPrepared::Fleet(p)) => return crate::commands::fleet::preflight::run(&p, args),
        Err(text) => {
            errln!("{text}");
            return exit_code::INVALID;
        }
    };
    if args.limit.is_some() {
        errln!("error: --limit applies to fleet runbooks (`targets:`)");
        return exit_code::INVALID;
    }
    let redactor = Redactor::new(prepared.params.secret_values());
    let Some(runtime) = crate::runtime::start() else {
        return exit_code::INVALID;
    };
    let target = prepared.target.clone();
    let answer = runtime.block_on(async {
        let conn = args.target.connect(&target).await?;
        let local = local_history(args, &target, conn.time_scale);
        let shared = SharedReads::new();
        let done = runbook_engine::preflight::run(PreflightRequest {
            client: &conn.client,
            target: &target,
            hub: None,
            local: &local,
            local_source: &history_source(args),
            clock: Clock::scaled(conn.time_scale),
            policy: CooldownPolicy::Enforce,
            shared: &shared,
        })
        .await;
        if let Some(emu) = conn.emulator {
            emu.shutdown().await;
        }
        Ok::<_, crate::azure_args::SetupError>(done.record)
    });
    runtime.shutdown_background();
    let record = match answer {
        Ok(r) => r,
        Err(e) => {
            errln!("error: {}", redactor.text(&e.0));
            return exit_code::INVALID;
        }
    };
    match args.output {
        Output::Json => {
            let mut value = serde_json::json!({
                "target": target.to_value(),
                "preflight": record,
            });
            redactor.structured_value(&mut value);
            outln!(
                "{}",
                serde_json::to_string_pretty(&value).unwrap_or_default()
            );
        }
        Output::Human => {
            outln!(
                "preflight of {} ({} ARM reads):",
                redactor.text(&target.hub),
                record.reads
            );
            for line in check_lines(&record.checks) {
                outln!("{}", redactor.text(&line));
            }
            outln!("{}", redactor.text(&verdict(&record)));
        }
    }
    exit_for(&record)
}

/// 3 when a check refuses, else 0.
pub fn exit_for(record: &PreflightRecord) -> i32 {
    if record.outcome() == PreflightOutcome::Refused {
        exit_code::ABORTED_BEFORE_CHANGE
    } else {
        exit_code::SUCCESS
    }
}

fn verdict(record: &PreflightRecord) -> String {
    match record.outcome() {
        PreflightOutcome::Refused => "Azure would refuse the failover now (exit 3)".to_string(),
        PreflightOutcome::Warning => "nothing refuses; see the warnings".to_string(),
        PreflightOutcome::Passed => "all clear".to_string(),
    }
}

/// The local failover history of `target`, as `exec` would load it (none with --emulator).
pub(crate) fn local_history(
    args: &PreflightArgs,
    target: &runbook_engine::HubTarget,
    time_scale: f64,
) -> Vec<runbook_engine::PastFailover> {
    history_index(args, time_scale)
        .map(|i| i.for_hub(target, ""))
        .unwrap_or_default()
}

pub(crate) fn history_index(args: &PreflightArgs, time_scale: f64) -> Option<HistoryIndex> {
    if args.target.emulator {
        return None;
    }
    let dir = args
        .history_dir
        .clone()
        .unwrap_or_else(|| PathBuf::from("."));
    Some(HistoryIndex::scan(&dir, history_lookback(time_scale)))
}

pub(crate) fn history_source(args: &PreflightArgs) -> String {
    if args.target.emulator {
        return "none: the hub lives in this process's emulator".to_string();
    }
    let dir = args
        .history_dir
        .clone()
        .unwrap_or_else(|| PathBuf::from("."));
    format!("DR logs and journals in {}", dir.display())
}

fn mark(outcome: PreflightOutcome) -> &'static str {
    match outcome {
        PreflightOutcome::Passed => "✓",
        PreflightOutcome::Warning => "⚠",
        PreflightOutcome::Refused => "✗",
    }
}

/// One line per check (`✓ cooldown: ... [source]`), its evidence indented below it unless it
/// passed: a clean hub reads as one line per check.
pub fn check_lines(checks: &[PreflightCheck]) -> Vec<String> {
    let mut out = Vec::new();
    for c in checks {
        let next = c
            .next_allowed
            .as_deref()
            .map(|t| format!(" (next failover allowed at {t})"))
            .unwrap_or_default();
        out.push(format!(
            "  {} {} {}: {}{next} [{}]",
            mark(c.outcome),
            c.outcome.as_str(),
            c.check.as_str(),
            c.summary,
            c.source
        ));
        if c.outcome != PreflightOutcome::Passed {
            out.extend(c.evidence.iter().map(|e| format!("      - {e}")));
        }
    }
    out
}
