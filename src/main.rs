//! The `runbook` command line: parses arguments, dispatches to a command, exits with its code.
//!
//! Commands return documented exit codes (`exit_code`); usage errors from clap exit with 2.

mod cli;
mod commands;
#[allow(dead_code)] // the drill codes are used once `exec` lands
mod exit_code;

use clap::Parser;

fn main() {
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                exit_code::INVALID
            } else {
                exit_code::SUCCESS
            };
            let _ = e.print();
            std::process::exit(code);
        }
    };
    let code = match &cli.command {
        cli::Command::Validate(args) => commands::validate::run(args),
        cli::Command::Schema(args) => commands::schema::run(args),
    };
    std::process::exit(code);
}
