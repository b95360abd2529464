//! Documentation that is executed (issue 19): every fenced block of `README.md` and
//! `crates/iothub-emulator/README.md` is checked, so no example drifts from what the binary
//! does. YAML blocks validate against the schema they belong to (`yaml.rs`); `sh` blocks run
//! command by command and `console` blocks compare their output, in a sandbox set up as a new
//! user's checkout (`shell.rs`, `sandbox.rs`). What is not run is said by the block's info
//! string (`azure`: needs Azure; `tooling`: cargo or scripts, not `runbook`) or its kind (an
//! output excerpt, a diagram, an API sketch); the test lists each such block by name and
//! asserts how many there are, so none disappears silently.
//!
//! `RUNBOOK_README=PATH` and `RUNBOOK_EMULATOR_README=PATH` check other copies instead (to
//! see the test fail on a broken one without touching the real READMEs).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "readme_examples/blocks.rs"]
mod blocks;
#[path = "readme_examples/sandbox.rs"]
mod sandbox;
#[path = "readme_examples/shell.rs"]
mod shell;
#[path = "readme_examples/yaml.rs"]
mod yaml;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use blocks::Block;
use sandbox::Sandbox;

/// Blocks not run, by reason, in both READMEs. A block that gains or loses a mark changes
/// these on purpose.
const EXPECTED_NOT_RUN: &[(&str, usize)] = &[
    (NEEDS_AZURE, 3),
    (TOOLING, 3),
    (EXCERPT, 2),
    (DIAGRAM, 2),
    (API_SKETCH, 1),
];
const NEEDS_AZURE: &str = "needs Azure (```… azure)";
const TOOLING: &str =
    "runs cargo or scripts, not runbook (```sh tooling; .ci/run runs the first block)";
const EXCERPT: &str = "an output excerpt with no command (```text)";
const DIAGRAM: &str = "a diagram (``` with no language)";
const API_SKETCH: &str = "a Rust API sketch (```rust,ignore)";

enum Verdict {
    Checked(String),
    NotRun(&'static str),
}

fn readme(var: &str, default: &str) -> PathBuf {
    match std::env::var_os(var) {
        Some(p) => PathBuf::from(p),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join(default),
    }
}

fn check_block(block: &Block, sandbox: &mut Sandbox) -> Result<Verdict, String> {
    if block.has_tag("azure") {
        return Ok(Verdict::NotRun(NEEDS_AZURE));
    }
    if block.has_tag("tooling") {
        return Ok(Verdict::NotRun(TOOLING));
    }
    let checked = |what: String| Ok(Verdict::Checked(what));
    match block.lang.as_str() {
        "yaml" => checked(yaml::check(block, sandbox)?.to_owned()),
        "sh" => checked(format!("{} command(s) run", shell::run_sh(block, sandbox)?)),
        "console" => checked(format!(
            "{} command(s) run, output compared",
            shell::run_console(block, sandbox)?
        )),
        // Compiled and run as a test of the emulator crate, which checks it is this text.
        "rust" => checked("crates/iothub-emulator/tests/readme.rs runs it".to_owned()),
        "rust,ignore" => Ok(Verdict::NotRun(API_SKETCH)),
        "text" => Ok(Verdict::NotRun(EXCERPT)),
        "" => Ok(Verdict::NotRun(DIAGRAM)),
        other => Err(format!(
            "{}: a ```{other} block the test does not know how to check",
            block.name()
        )),
    }
}

/// Checks every block of the given READMEs in order. Each section (heading) starts from a
/// fresh sandbox, as a reader trying that section would; within it a YAML block that names
/// its path is written before the commands after it run. Returns what was checked, what was
/// not run (by reason) and the failures.
fn check_readmes(paths: &[(&str, PathBuf)]) -> Outcome {
    let mut sandbox = Sandbox::new(Path::new(env!("CARGO_MANIFEST_DIR")));
    let (mut checked, mut not_run, mut failures) = (Vec::new(), BTreeMap::new(), Vec::new());
    let mut heading = String::new();
    for (label, path) in paths {
        let text = std::fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let blocks = match blocks::fenced_blocks(label, &text) {
            Ok(b) => b,
            Err(e) => {
                failures.push(e);
                continue;
            }
        };
        for block in &blocks {
            if block.heading != heading {
                heading.clone_from(&block.heading);
                sandbox = Sandbox::new(Path::new(env!("CARGO_MANIFEST_DIR")));
            }
            match check_block(block, &mut sandbox) {
                Ok(Verdict::Checked(what)) => checked.push(format!("{}: {what}", block.name())),
                Ok(Verdict::NotRun(why)) => not_run
                    .entry(why)
                    .or_insert_with(Vec::new)
                    .push(block.name()),
                Err(e) => failures.push(e),
            }
        }
    }
    Outcome {
        checked,
        not_run,
        failures,
    }
}

/// What `check_readmes` found: blocks checked (with how), blocks not run (by reason), failures.
struct Outcome {
    checked: Vec<String>,
    not_run: BTreeMap<&'static str, Vec<String>>,
    failures: Vec<String>,
}

#[test]
fn every_readme_example_runs_as_written() {
    let paths = [
        ("README.md", readme("RUNBOOK_README", "README.md")),
        (
            "crates/iothub-emulator/README.md",
            readme(
                "RUNBOOK_EMULATOR_README",
                "crates/iothub-emulator/README.md",
            ),
        ),
    ];
    let Outcome {
        checked,
        not_run,
        failures,
    } = check_readmes(&paths);
    println!("checked ({}):", checked.len());
    for c in &checked {
        println!("  {c}");
    }
    for (why, names) in &not_run {
        println!("not run, {why} ({}):", names.len());
        for n in names {
            println!("  {n}");
        }
    }
    assert!(
        failures.is_empty(),
        "{} README example(s) do not work as written:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    let counts: Vec<(&str, usize)> = EXPECTED_NOT_RUN
        .iter()
        .map(|(why, _)| (*why, not_run.get(why).map_or(0, Vec::len)))
        .collect();
    assert_eq!(
        counts, EXPECTED_NOT_RUN,
        "the blocks not run changed (listed above): mark a block on purpose and update the count"
    );
    assert!(checked.len() >= 15, "only {} blocks checked", checked.len());
}
