//! `runbook schema runbook|dr-log|test|fleet-log|scenario`: prints a JSON Schema, for editors and tooling.

use std::io::Write;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SchemaName {
    /// The runbook language (for `yaml-language-server: $schema=`).
    Runbook,
    /// The DR log `runbook exec` writes.
    DrLog,
    /// Test files (`*.test.yaml`) that `runbook test` runs.
    Test,
    /// The fleet log (`fleet.json`) a fleet runbook's `runbook exec` writes.
    FleetLog,
    /// Emulator scenario files (`runbook emulator --scenario`, a test case's `scenario:`).
    Scenario,
}

#[derive(Debug, clap::Args)]
pub struct SchemaArgs {
    /// Which schema to print.
    #[arg(value_enum)]
    pub name: SchemaName,
}

pub fn run(args: &SchemaArgs) -> i32 {
    let text = match args.name {
        SchemaName::Runbook => runbook_spec::schema::runbook_schema_text(),
        SchemaName::DrLog => runbook_record::dr_log_schema_text(),
        SchemaName::Test => runbook_test::schema::test_schema_text(),
        SchemaName::FleetLog => runbook_record::fleet_log_schema_text(),
        SchemaName::Scenario => iothub_emulator::scenario_schema_text(),
    };
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Ok(()) => crate::exit_code::SUCCESS,
        Err(_) => crate::exit_code::INVALID,
    }
}
