//! The `runbook` command line: parses arguments, dispatches to a command, exits with its code.
//!
//! Commands return documented exit codes (`exit_code`); usage errors from clap exit with 2.

#[macro_use]
mod output;
mod azure_args;
mod cli;
mod commands;
mod confirm_prompt;
mod exit_code;
mod prepare;
mod reporters;
mod runtime;

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
        cli::Command::Exec(args) => commands::exec::run(args),
        cli::Command::Plan(args) => commands::plan::run(args),
        cli::Command::Resume(args) => commands::resume::run(args),
        cli::Command::Emulator(args) => commands::emulator::run(args),
        cli::Command::Validate(args) => commands::validate::run(args),
        cli::Command::Schema(args) => commands::schema::run(args),
    };
    std::process::exit(code);
}
