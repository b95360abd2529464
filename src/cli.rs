//! The command-line grammar (clap). Parsing only; each command lives in `commands/`.

use clap::{Parser, Subcommand};

use crate::commands::{schema::SchemaArgs, validate::ValidateArgs};

const AFTER_HELP: &str = "\
Exit codes:
  0  succeeded (warnings allowed) / runbooks valid
  1  the drill failed after it changed something
  2  invalid runbook, bad arguments or missing configuration
  3  aborted before any change (precheck failed, confirmation declined or missing)
  4  a rollback or finally step failed
  130 interrupted (a failover that started goes on in Azure)

Examples:
  runbook validate runbooks/*.yaml
  runbook validate --format json drill.yaml
  runbook schema runbook > runbook.schema.json";

/// Declarative runbooks for Azure IoT Hub disaster-recovery drills.
#[derive(Debug, Parser)]
#[command(name = "runbook", version, about, after_help = AFTER_HELP)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check runbooks without touching Azure: syntax, schema, references, templates.
    Validate(ValidateArgs),
    /// Print a JSON Schema (the runbook language).
    Schema(SchemaArgs),
}
