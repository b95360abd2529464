//! `runbook init [DIR]`: writes a starter runbook (`drill.yaml`) and its test file
//! (`drill.test.yaml`) that pass `runbook validate` and `runbook test` as written. Never
//! overwrites: an existing file is an error (exit 2) and nothing is written.

use std::path::PathBuf;

use crate::exit_code;

const RUNBOOK: &str = include_str!("drill.yaml");
const TESTS: &str = include_str!("drill.test.yaml");

#[derive(Debug, clap::Args)]
#[command(after_help = "\
Example:
  runbook init drills && cd drills && runbook validate drill.yaml && runbook test .")]
pub struct InitArgs {
    /// Where to write drill.yaml and drill.test.yaml (created if missing).
    #[arg(value_name = "DIR", default_value = ".")]
    pub dir: PathBuf,
}

pub fn run(args: &InitArgs) -> i32 {
    let files = [
        (args.dir.join("drill.yaml"), RUNBOOK),
        (args.dir.join("drill.test.yaml"), TESTS),
    ];
    if let Some((path, _)) = files.iter().find(|(p, _)| p.exists()) {
        errln!(
            "error: {} already exists; runbook init never overwrites (choose another DIR)",
            path.display()
        );
        return exit_code::INVALID;
    }
    if let Err(e) = std::fs::create_dir_all(&args.dir) {
        errln!("error: cannot create {}: {e}", args.dir.display());
        return exit_code::INVALID;
    }
    for (path, text) in &files {
        if let Err(e) = std::fs::write(path, text) {
            errln!("error: cannot write {}: {e}", path.display());
            return exit_code::INVALID;
        }
        outln!("wrote {}", path.display());
    }
    outln!(
        "next: runbook validate {0}  ·  runbook exec {0} --emulator --yes  ·  runbook test {1}",
        files[0].0.display(),
        args.dir.display()
    );
    exit_code::SUCCESS
}
