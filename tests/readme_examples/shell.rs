//! Command examples run as written. An `sh` block is a list of commands, one a line, each
//! followed by an optional `# comment`; every one must exit 0. `cargo run --release --` stands
//! for the `runbook` under test. A `console` block is `$ command` lines, each followed by the
//! output it prints (stdout and stderr, as a terminal shows them), compared after normalising
//! what changes from run to run (durations, the parallelism, the sandbox's path).

use regex::Regex;

use crate::blocks::Block;
use crate::sandbox::Sandbox;

/// One command of an `sh` block: the line without its comment, and `cargo run --release --`
/// turned into `runbook`. Blank and comment-only lines are `None`.
pub fn command_of(line: &str) -> Option<String> {
    let code = match line.find(" #") {
        Some(i) => &line[..i],
        None if line.trim_start().starts_with('#') => "",
        None => line,
    };
    let code = code.trim();
    if code.is_empty() {
        return None;
    }
    Some(match code.strip_prefix("cargo run --release -- ") {
        Some(rest) => format!("runbook {rest}"),
        None => code.to_owned(),
    })
}

pub fn run_sh(block: &Block, sandbox: &mut Sandbox) -> Result<usize, String> {
    let mut ran = 0;
    for line in block.body.lines() {
        let Some(cmd) = command_of(line) else {
            continue;
        };
        if !cmd.starts_with("runbook ") {
            return Err(format!(
                "{}: `{cmd}` is not a runbook command; mark the block (```sh tooling, or \
                 ```sh azure) if it cannot run here",
                block.name()
            ));
        }
        ran += 1;
        if cmd.starts_with("runbook emulator") {
            sandbox
                .start_emulator(&cmd)
                .map_err(|e| format!("{}: {e}", block.name()))?;
            continue;
        }
        let out = sandbox
            .run_line(&cmd)
            .map_err(|e| format!("{}: {e}", block.name()))?;
        if out.code != 0 {
            return Err(format!(
                "{}: `{cmd}` exits {} as written:\n--- stdout\n{}--- stderr\n{}",
                block.name(),
                out.code,
                out.stdout,
                out.stderr
            ));
        }
    }
    sandbox.stop_emulator();
    Ok(ran)
}

pub fn run_console(block: &Block, sandbox: &mut Sandbox) -> Result<usize, String> {
    let mut runs: Vec<(String, String)> = Vec::new();
    for line in block.body.lines() {
        if let Some(cmd) = line.strip_prefix("$ ") {
            runs.push((cmd.to_owned(), String::new()));
        } else if let Some((_, expected)) = runs.last_mut() {
            expected.push_str(line);
            expected.push('\n');
        } else {
            return Err(format!(
                "{}: output before any `$ command`; an output excerpt is a ```text block",
                block.name()
            ));
        }
    }
    if runs.is_empty() {
        return Err(format!(
            "{}: a console block with no `$ command`",
            block.name()
        ));
    }
    for (cmd, expected) in &runs {
        let out = sandbox
            .run_line(&format!("{cmd} 2>&1"))
            .map_err(|e| format!("{}: {e}", block.name()))?;
        let root = sandbox.root().display().to_string();
        let (want, got) = (normalise(expected, &root), normalise(&out.stdout, &root));
        if want != got {
            return Err(format!(
                "{}: `{cmd}` (exit {}) prints, normalised:\n{got}--- the README shows, normalised:\n{want}",
                block.name(),
                out.code
            ));
        }
    }
    Ok(runs.len())
}

/// Durations, the number of cases run at once and the sandbox path, which differ between runs
/// and machines, become placeholders.
pub fn normalise(text: &str, sandbox_root: &str) -> String {
    let text = text.replace(sandbox_root, "[sandbox]");
    let duration = Regex::new(r"\b\d+(\.\d+)? ?(ms|s)\b").expect("regex");
    let jobs = Regex::new(r"\b\d+ at a time\b").expect("regex");
    let text = duration.replace_all(&text, "[duration]");
    jobs.replace_all(&text, "[n] at a time").into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_lose_comments_and_cargo_run_becomes_runbook() {
        assert_eq!(command_of("# only a comment"), None);
        assert_eq!(command_of("   "), None);
        assert_eq!(
            command_of("cargo run --release -- exec a.yaml --yes   # a drill").as_deref(),
            Some("runbook exec a.yaml --yes")
        );
        assert_eq!(
            command_of("runbook test runbooks/").as_deref(),
            Some("runbook test runbooks/")
        );
    }

    #[test]
    fn normalising_hides_durations_and_parallelism_only() {
        assert_eq!(
            normalise(
                "NEW x (16 ms)\nfinished in 0.03 s\n2 at a time, 1 passed\n",
                "/tmp/x"
            ),
            "NEW x ([duration])\nfinished in [duration]\n[n] at a time, 1 passed\n"
        );
    }
}
