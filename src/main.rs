//! The `runbook` command line: parses arguments, dispatches to a command, exits with its code.
//!
//! Commands return documented exit codes (`exit_code`); usage errors from clap exit with 2.

#[macro_use]
mod output;
mod azure_args;
mod build_info;
mod cli;
mod commands;
mod confirm_prompt;
mod hub_guard;
mod interrupt;
mod output_paths;

/// The documented exit codes, shared with the engine.
use runbook_record::exit_code;
mod reporters;
mod run_ending;
mod runtime;
mod terminal_text;

use clap::Parser;

fn main() {
    runbook_record::writer::set_writer(build_info::writer());
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
    init_diagnostics(cli.verbose);
    let code = match &cli.command {
        cli::Command::Exec(args) => commands::exec::run(args),
        cli::Command::Plan(args) => commands::plan::run(args),
        cli::Command::Preflight(args) => commands::preflight::run(args),
        cli::Command::Resume(args) => commands::resume::run(args),
        cli::Command::Emulator(args) => commands::emulator::run(args),
        cli::Command::Validate(args) => commands::validate::run(args),
        cli::Command::Test(args) => commands::test::run(args),
        cli::Command::Schema(args) => commands::schema::run(args),
        cli::Command::Report(args) => commands::report::run(args),
        cli::Command::Init(args) => commands::init::run(args),
        cli::Command::Completions(args) => commands::completions::completions(args),
        cli::Command::Man(args) => commands::completions::man(args),
    };
    std::process::exit(code);
}

/// `tracing` diagnostics to stderr, off unless asked for (`-v`, `RUST_LOG`): the terminal is
/// for the drill's own report.
fn init_diagnostics(verbose: u8) {
    let default = match verbose {
        0 => return init_filter(std::env::var("RUST_LOG").ok()),
        1 => "info,runbook_engine=debug,iothub_arm=debug",
        _ => "debug",
    };
    init_filter(Some(
        std::env::var("RUST_LOG").unwrap_or_else(|_| default.to_string()),
    ));
}

fn init_filter(filter: Option<String>) {
    let Some(filter) = filter else { return };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}
