//! Where a run's files go, checked before anything runs: a side output (`--junit`,
//! `--report`, `report -o`) never lands on the run's own DR log or journal, on another side
//! output of the same run, or on an existing record (a DR log, a journal or a fleet log, told
//! apart by what the file holds, not by its name); and a new run's DR log and journal go to
//! names where nothing exists, not even a symlink.
//!
//! Paths are compared as the filesystem would resolve them (symlinks followed, `.` and `..`
//! gone), so `./v.json`, `v.json` and a link to it are one file. The checks only read; the
//! writers themselves keep their own guarantees (`log_file::write_new` never overwrites).

use std::io::{BufRead, Read};
use std::path::{Component, Path, PathBuf};

use runbook_engine::session::journal_path;

/// Checks `exec`'s files: the DR log at `log` (and its journal) is new, and neither side
/// output lands on a record.
pub fn check_exec(log: &Path, junit: Option<&Path>, report: Option<&Path>) -> Result<(), String> {
    check_new_log(log)?;
    check_side_outputs(log, &journal_path(log), junit, report)
}

/// The DR log of a new run, and its journal: nothing may exist at either name, a symlink
/// included. `exists()` follows links, so a dangling one passed for free, the drill ran, and
/// the log write failed at the end (`write_new` refuses any existing name): the link itself is
/// what is checked.
fn check_new_log(log: &Path) -> Result<(), String> {
    let journal = journal_path(log);
    for (what, path) in [("DR log", log), ("journal", journal.as_path())] {
        match std::fs::symlink_metadata(path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(format!(
                    "cannot use {} for the {what}: {e} (choose another --log)",
                    path.display()
                ));
            }
            Ok(meta) if meta.file_type().is_symlink() => {
                let target = std::fs::read_link(path)
                    .map(|t| format!(" (to {})", t.display()))
                    .unwrap_or_default();
                return Err(format!(
                    "the {what} path {} is a symlink{target}; runbook writes a run's record only to a new file, never through a link (choose another --log)",
                    path.display()
                ));
            }
            Ok(_) => {
                return Err(format!(
                    "the {what} {} already exists; runbook never overwrites a run's record (choose another --log)",
                    path.display()
                ));
            }
        }
    }
    Ok(())
}

/// Whether something, a dangling symlink included, is at `path` already: a run's record goes
/// elsewhere (`exists()` follows links and would say a dangling one is free).
pub fn is_taken(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok()
}

/// Checks that `--junit` and `--report` name neither the run's DR log (`log`) nor its
/// journal, nor each other, nor an existing record.
pub fn check_side_outputs(
    log: &Path,
    journal: &Path,
    junit: Option<&Path>,
    report: Option<&Path>,
) -> Result<(), String> {
    let outputs: Vec<(&str, &Path)> = [("--junit", junit), ("--report", report)]
        .into_iter()
        .filter_map(|(flag, path)| path.map(|p| (flag, p)))
        .collect();
    let (log_id, journal_id) = (resolve(log), resolve(journal));
    for (i, (flag, path)) in outputs.iter().enumerate() {
        let id = resolve(path);
        let own = if id == log_id {
            Some(format!("this run's DR log {}", log.display()))
        } else if id == journal_id {
            Some(format!("this run's journal {}", journal.display()))
        } else {
            None
        };
        if let Some(what) = own {
            return Err(format!(
                "{flag} {} would overwrite {what}; name another file",
                path.display()
            ));
        }
        if let Some((other_flag, other)) = outputs[..i].iter().find(|(_, o)| resolve(o) == id) {
            return Err(format!(
                "{other_flag} {} and {flag} {} name the same file; name two files",
                other.display(),
                path.display()
            ));
        }
        check_not_a_record(flag, path)?;
    }
    Ok(())
}

/// Refuses a file that holds a run's record: runbook writes records once and never over them.
pub fn check_not_a_record(flag: &str, path: &Path) -> Result<(), String> {
    match record_kind(path) {
        Some(kind) => Err(format!(
            "{flag} {} is {kind}; runbook never overwrites a run's record: name another file",
            path.display()
        )),
        None => Ok(()),
    }
}

/// What run record the existing file at `path` holds, if it holds one.
fn record_kind(path: &Path) -> Option<&'static str> {
    // Follows links: a link to a record would have the record overwritten through it.
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() {
        return None;
    }
    // Any journal line is an event, the first one included (the rest may be torn or corrupt).
    if first_line_is_event(path) {
        return Some("an existing journal");
    }
    // Records are small; a file far beyond any DR log is not read whole.
    if meta.len() > 256 * 1024 * 1024 {
        return None;
    }
    if runbook_report::read_file(path).is_ok() {
        return Some("an existing DR log");
    }
    if runbook_engine::fleet::log::read(path).is_ok() {
        return Some("an existing fleet log");
    }
    None
}

fn first_line_is_event(path: &Path) -> bool {
    let Ok(file) = std::fs::File::open(path) else {
        return false;
    };
    let mut line = String::new();
    // A journal line is short; a longer first line is not worth reading.
    let mut reader = std::io::BufReader::new(file).take(1024 * 1024);
    if reader.read_line(&mut line).is_err() {
        return false;
    }
    serde_json::from_str::<runbook_engine::RunEvent>(line.trim_end()).is_ok()
}

/// The file `path` names, as the filesystem resolves it: symlinks followed (dangling ones
/// too, as far as they go), relative paths made absolute, `.` and `..` folded.
fn resolve(path: &Path) -> PathBuf {
    resolve_at_depth(path, 0)
}

fn resolve_at_depth(path: &Path, depth: u8) -> PathBuf {
    if let Ok(real) = std::fs::canonicalize(path) {
        return real;
    }
    // A link whose target does not exist (yet): writing through it creates the target.
    if depth < 16
        && let Ok(target) = std::fs::read_link(path)
    {
        let target = match path.parent() {
            Some(dir) if target.is_relative() => dir.join(target),
            _ => target,
        };
        return resolve_at_depth(&target, depth + 1);
    }
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    match (absolute.parent(), absolute.file_name()) {
        (Some(dir), Some(name)) => match std::fs::canonicalize(dir) {
            Ok(dir) => dir.join(name),
            Err(_) => fold(&absolute),
        },
        _ => fold(&absolute),
    }
}

/// `a/./b/../c` -> `a/c`, without asking the filesystem.
fn fold(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn one_file_under_several_spellings_resolves_once() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir(d.join("sub")).unwrap();
        let plain = resolve(&d.join("v.json"));
        assert_eq!(resolve(&d.join("./sub/../v.json")), plain);
        std::os::unix::fs::symlink(d.join("v.json"), d.join("link")).unwrap();
        assert_eq!(resolve(&d.join("link")), plain, "a dangling link");
        std::fs::write(d.join("v.json"), "x").unwrap();
        assert_eq!(resolve(&d.join("link")), plain, "a link to a file");
        assert_ne!(resolve(&d.join("w.json")), plain);
    }

    #[test]
    fn records_are_told_by_content() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("a.xml"), "<testsuites/>").unwrap();
        std::fs::write(d.join("b.jsonl"), "{\"not\":\"an event\"}\n").unwrap();
        std::fs::write(d.join("c.json"), "[]").unwrap();
        for name in ["a.xml", "b.jsonl", "c.json", "missing.json"] {
            assert_eq!(record_kind(&d.join(name)), None, "{name}");
        }
        assert_eq!(record_kind(d), None, "a directory");
    }
}
