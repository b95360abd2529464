//! The directory the README's commands run in, as a new user's checkout would be: a copy of
//! `runbooks/` (without goldens, which a team writes on its first `runbook test`) and
//! `tests/fixtures/fleet/`, a home of its own, no Azure or CI variables, the `runbook` under
//! test first on PATH. Commands run through `sh -c`, so globs and redirections work as in a
//! shell; a `runbook emulator` line is started in the background and its port stands for
//! `PORT` in the lines after it.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

#[derive(Debug)]
pub struct LineOutput {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

#[derive(Debug)]
pub struct Sandbox {
    dir: tempfile::TempDir,
    emulator: Option<Child>,
    port: Option<String>,
}

impl Sandbox {
    pub fn new(repo: &Path) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        copy_dir(
            &repo.join("runbooks"),
            &dir.path().join("runbooks"),
            &["golden"],
        );
        copy_dir(
            &repo.join("tests/fixtures/fleet"),
            &dir.path().join("tests/fixtures/fleet"),
            &[],
        );
        // Where the README sends completions and the man page.
        for d in [
            "home/.local/share/bash-completion/completions",
            "home/.local/share/man/man1",
        ] {
            std::fs::create_dir_all(dir.path().join(d)).expect("home dirs");
        }
        Self {
            dir,
            emulator: None,
            port: None,
        }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, rel: &str, text: &str) {
        let p = self.path(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("parent dir");
        }
        std::fs::write(p, text).expect("write block");
    }

    fn command(&self, line: &str) -> Command {
        let bin = Path::new(env!("CARGO_BIN_EXE_runbook"));
        let path = format!(
            "{}:{}",
            bin.parent().expect("bin dir").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let mut cmd = Command::new("sh");
        cmd.arg("-c").arg(line).current_dir(self.root());
        cmd.env("PATH", path)
            .env("HOME", self.path("home"))
            .env("RUNBOOK_LOCK_DIR", self.path("locks"))
            .env("NO_COLOR", "1")
            .env("GITHUB_STEP_SUMMARY", self.path("step-summary.md"))
            .env_remove("CI")
            .env_remove("RUST_LOG")
            .env_remove("RUNBOOK_HISTORY_DIR");
        for (k, _) in std::env::vars() {
            if k.starts_with("AZURE_") || k.starts_with("IDENTITY_") || k.starts_with("MSI_") {
                cmd.env_remove(k);
            }
        }
        cmd.stdin(Stdio::null());
        cmd
    }

    /// `line` as the README writes it, with `PORT` standing for the background emulator's.
    fn expand(&self, line: &str) -> Result<String, String> {
        match (&self.port, line.contains("PORT")) {
            (_, false) => Ok(line.to_owned()),
            (Some(p), true) => Ok(line.replace("PORT", p)),
            (None, true) => Err(format!(
                "`{line}` uses PORT but no `runbook emulator` ran before it"
            )),
        }
    }

    /// Runs one command line to its end.
    pub fn run_line(&self, line: &str) -> Result<LineOutput, String> {
        let line = self.expand(line)?;
        let out = self
            .command(&line)
            .output()
            .map_err(|e| format!("cannot run `{line}`: {e}"))?;
        Ok(LineOutput {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        })
    }

    /// Starts `runbook emulator ...` in the background and waits for the line naming its
    /// address, whose port `PORT` then stands for.
    pub fn start_emulator(&mut self, line: &str) -> Result<String, String> {
        self.stop_emulator();
        // `exec` so the child is the emulator itself, and killing it stops it.
        let mut child = self
            .command(&format!("exec {line}"))
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start `{line}`: {e}"))?;
        let stdout = child.stdout.take().expect("piped stdout");
        let mut first = String::new();
        BufReader::new(stdout)
            .read_line(&mut first)
            .map_err(|e| format!("`{line}`: {e}"))?;
        self.emulator = Some(child);
        let port = first
            .trim()
            .rsplit(':')
            .next()
            .filter(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
            .ok_or_else(|| format!("`{line}` did not print its address; it printed {first:?}"))?;
        self.port = Some(port.to_owned());
        Ok(first)
    }

    pub fn stop_emulator(&mut self) {
        if let Some(mut child) = self.emulator.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        self.port = None;
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.stop_emulator();
    }
}

fn copy_dir(from: &Path, to: &Path, skip: &[&str]) {
    std::fs::create_dir_all(to).expect("create dir");
    for entry in std::fs::read_dir(from).expect("read dir").flatten() {
        let name = entry.file_name();
        if skip.iter().any(|s| name == *s) {
            continue;
        }
        let (src, dst) = (entry.path(), to.join(&name));
        if src.is_dir() {
            copy_dir(&src, &dst, &[]);
        } else {
            std::fs::copy(&src, &dst).expect("copy file");
        }
    }
}
