//! `runbook completions SHELL` and `runbook man`: shell completions and a man page, generated
//! from the same clap definition the binary parses with, so they cannot drift from it.

use std::io::Write;

use clap::CommandFactory;

use crate::cli::Cli;
use crate::exit_code;

#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  runbook completions bash > ~/.local/share/bash-completion/completions/runbook
  runbook completions zsh > \"${fpath[1]}/_runbook\"
  runbook completions fish > ~/.config/fish/completions/runbook.fish
  runbook completions powershell >> $PROFILE")]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: Shell,
}

/// The shells completions are generated for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
    Powershell,
}

#[derive(Debug, clap::Args)]
#[command(after_help = "\
Example:
  runbook man > /usr/local/share/man/man1/runbook.1 && man runbook")]
pub struct ManArgs {}

pub fn completions(args: &CompletionsArgs) -> i32 {
    let shell = match args.shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
        Shell::Powershell => clap_complete::Shell::PowerShell,
    };
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "runbook", &mut out);
    write_out(&out)
}

pub fn man(_: &ManArgs) -> i32 {
    let mut out = Vec::new();
    if let Err(e) = clap_mangen::Man::new(Cli::command()).render(&mut out) {
        errln!("error: cannot render the man page: {e}");
        return exit_code::INVALID;
    }
    write_out(&out)
}

fn write_out(bytes: &[u8]) -> i32 {
    match std::io::stdout().lock().write_all(bytes) {
        Ok(()) => exit_code::SUCCESS,
        Err(_) => exit_code::INVALID,
    }
}
