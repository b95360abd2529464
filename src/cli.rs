//! The command-line grammar (clap). Parsing only; each command lives in `commands/`.

use clap::{Parser, Subcommand};

use crate::commands::completions::{CompletionsArgs, ManArgs};
use crate::commands::init::InitArgs;
use crate::commands::report::ReportArgs;
use crate::commands::{
    emulator::EmulatorArgs, exec::ExecArgs, plan::PlanArgs, preflight::PreflightArgs,
    resume::ResumeArgs, schema::SchemaArgs, test::TestArgs, validate::ValidateArgs,
};

const AFTER_HELP: &str = "\
Exit codes:
  0  succeeded (warnings allowed) / runbooks valid
  1  the drill failed after it changed something, or missed a recovery objective; or its
     DR log could not be written (instead of 0 or 3)
  2  invalid runbook, bad arguments or missing configuration; another drill holds the hub
  3  aborted before any change (precheck failed, failover cooldown, confirmation declined
     or missing)
  4  a rollback or finally step failed
  130 interrupted (a failover that started goes on in Azure)

Examples:
  runbook exec runbooks/drill.yaml --emulator --yes     # a full drill, no Azure needed
  runbook exec runbooks/drill.yaml --dry-run            # against Azure, changing nothing
  runbook exec runbooks/drill.yaml --set target_region=westus --log drill.json
  runbook plan runbooks/drill.yaml                      # the ARM calls it would make
  runbook resume drill.json.jsonl                       # continue an interrupted run
  runbook report drill.json -o drill.html               # a report people can read
  runbook validate runbooks/*.yaml
  runbook validate --format json drill.yaml
  runbook test runbooks/                                # each runbook's test cases, emulated
  runbook schema runbook > runbook.schema.json
  runbook init drills                                   # a starter runbook and its tests
  runbook completions bash > ~/.local/share/bash-completion/completions/runbook";

/// Declarative runbooks for Azure IoT Hub disaster-recovery drills.
#[derive(Debug, Parser)]
#[command(
    name = "runbook",
    version = crate::build_info::LONG_VERSION,
    about,
    after_help = AFTER_HELP
)]
pub struct Cli {
    /// Diagnostics on stderr: -v for HTTP calls and step decisions, -vv for everything.
    /// RUST_LOG overrides.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a drill and write its DR log (JSON) and journal (<log>.jsonl).
    Exec(ExecArgs),
    /// Show the resolved steps and the ARM calls each would make, calling nothing.
    Plan(PlanArgs),
    /// Check, read-only, whether Azure would refuse the drill's failover now: Activity Log and
    /// local history (cooldown), locks, data residency, permissions.
    Preflight(PreflightArgs),
    /// Continue an interrupted run from its journal, without repeating a failover.
    Resume(ResumeArgs),
    /// Serve the ARM IoT Hub emulator on 127.0.0.1 until Ctrl-C.
    Emulator(EmulatorArgs),
    /// Check runbooks without touching Azure: syntax, schema, references, templates.
    Validate(ValidateArgs),
    /// Run runbooks' test cases (*.test.yaml) against emulated Azure, with golden DR logs.
    Test(TestArgs),
    /// Print a JSON Schema: runbook, test file, scenario, DR log or fleet log.
    Schema(SchemaArgs),
    /// Render DR logs as a report people can read: Markdown or self-contained HTML.
    Report(ReportArgs),
    /// Write a starter runbook and its test file (they pass validate and test as written).
    Init(InitArgs),
    /// Print shell completions: bash, zsh, fish or powershell.
    Completions(CompletionsArgs),
    /// Print the man page (roff).
    Man(ManArgs),
}
