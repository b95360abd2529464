//! Writing the DR log: atomically, and never over an existing file.
//!
//! Two halves: `stage` writes the JSON to a temporary file in the same directory and fsyncs
//! it; `Staged::publish` hard-links it to the final name (which fails if that name exists),
//! removes the temporary and fsyncs the directory. A reader never sees a half-written log,
//! and an earlier drill's log is never replaced. The session stages while the journal syncs
//! the run's end and publishes after the journal has it on disk (or has failed), so the two
//! syncs overlap but the log never appears before the end it reports is durable.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::dr_log::DrLog;

/// Default name: `dr_failover_<hub>_<YYYYmmdd_HHMMSS>.json` (UTC), like the seed scripts.
/// When the hub's name is (or holds) a secret, a hash of it stands in for the name, so the
/// file name shown and the file written are the same and neither reveals it.
pub fn default_log_name(
    hub: &str,
    now: time::OffsetDateTime,
    redactor: &crate::redact::Redactor,
) -> PathBuf {
    let shown = if redactor.text(hub) == hub {
        hub.to_string()
    } else {
        use sha2::{Digest, Sha256};
        let digest = Sha256::digest(hub.as_bytes());
        let hash: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
        format!("hub-{hash}")
    };
    let safe: String = shown
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let stamp = format!(
        "{:04}{:02}{:02}_{:02}{:02}{:02}",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second()
    );
    PathBuf::from(format!("dr_failover_{safe}_{stamp}.json"))
}

/// The journal path beside a log: `<log>.jsonl`.
pub fn journal_path(log: &Path) -> PathBuf {
    let mut s = log.as_os_str().to_os_string();
    s.push(".jsonl");
    PathBuf::from(s)
}

/// Writes `log` to `path`, which must not exist: `stage` then `publish`.
pub fn write_new(path: &Path, log: &DrLog) -> std::io::Result<()> {
    stage(path, log)?.publish()
}

/// A DR log on disk under a temporary name, waiting to be published under its own.
#[derive(Debug)]
pub struct Staged {
    tmp: PathBuf,
    path: PathBuf,
    published: bool,
}

/// Writes `log` to a temporary file beside `path` and fsyncs it.
pub fn stage(path: &Path, log: &DrLog) -> std::io::Result<Staged> {
    let mut text = serde_json::to_vec_pretty(log).map_err(std::io::Error::other)?;
    text.push(b'\n');
    let (mut f, tmp) = create_temp_beside(path)?;
    // From here on the temporary file is ours: dropping `staged` on an error removes it.
    let staged = Staged {
        tmp,
        path: path.to_path_buf(),
        published: false,
    };
    f.write_all(&text)?;
    f.sync_all()?;
    Ok(staged)
}

/// A new file `.<name>.<pid>-<n>.tmp` beside `path`. The process id alone could be taken: a
/// run killed while its log was staged leaves its temporary file, and a later process (in a
/// fresh container, say) may have the same id; the next `n` is tried instead.
fn create_temp_beside(path: &Path) -> std::io::Result<(std::fs::File, PathBuf)> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "dr-log.json".to_string());
    let mut n = 0;
    loop {
        let tmp = dir.join(format!(".{name}.{}-{n}.tmp", std::process::id()));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
        {
            Ok(f) => return Ok((f, tmp)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && n < 100 => n += 1,
            Err(e) => return Err(e),
        }
    }
}

impl Staged {
    /// Gives the log its name (never over an existing file) and makes the name durable.
    pub fn publish(mut self) -> std::io::Result<()> {
        let linked = link_new(&self.tmp, &self.path);
        let _ = std::fs::remove_file(&self.tmp);
        self.published = true;
        linked?;
        sync_parent_dir(&self.path)
    }
}

impl Drop for Staged {
    /// A log staged but never published (its run's end could not be awaited) leaves no file.
    fn drop(&mut self) {
        if !self.published {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

fn link_new(tmp: &Path, path: &Path) -> std::io::Result<()> {
    match std::fs::hard_link(tmp, path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(e),
        // Some filesystems have no hard links; a rename is still atomic, and the existence
        // check just before it keeps the never-overwrite promise but for a narrow race.
        Err(_) if !path.exists() => std::fs::rename(tmp, path),
        Err(e) => Err(e),
    }
}

/// fsyncs the directory holding `path`, so a new name in it survives a crash.
pub fn sync_parent_dir(path: &Path) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    std::fs::File::open(dir)?.sync_all()
}

/// A free name for the DR log of a resumed run whose first log exists: `x.json` ->
/// `x.resumed.json`, `x.resumed-2.json`, ...
pub fn resumed_log_name(log: &Path) -> PathBuf {
    let stem = log
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let ext = log
        .extension()
        .map(|e| format!(".{}", e.to_string_lossy()))
        .unwrap_or_default();
    let mut n = 1;
    loop {
        let suffix = if n == 1 {
            ".resumed".to_string()
        } else {
            format!(".resumed-{n}")
        };
        let candidate = log.with_file_name(format!("{stem}{suffix}{ext}"));
        if !candidate.exists() {
            return candidate;
        }
        n += 1;
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::dr_log::RunbookIdentity;

    fn log() -> DrLog {
        DrLog::blank(RunbookIdentity {
            name: "drill".into(),
            path: "drill.yaml".into(),
            sha256: "00".into(),
        })
    }

    #[test]
    fn a_temporary_file_left_by_another_process_with_this_id_is_stepped_around_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("dr.json");
        let stale = dir
            .path()
            .join(format!(".dr.json.{}-0.tmp", std::process::id()));
        std::fs::write(&stale, "another run's").unwrap();
        write_new(&path, &log()).unwrap();
        let written: DrLog =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(written, log());
        assert_eq!(std::fs::read_to_string(&stale).unwrap(), "another run's");
        let mut names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(
            names,
            [
                stale.file_name().unwrap().to_string_lossy().into_owned(),
                "dr.json".to_string()
            ]
        );
    }

    #[test]
    fn a_staged_log_never_published_leaves_no_file_and_a_published_one_only_its_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("dr.json");
        drop(stage(&path, &log()).unwrap());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        stage(&path, &log()).unwrap().publish().unwrap();
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["dr.json"]);
        let again = stage(&path, &log()).unwrap().publish().unwrap_err();
        assert_eq!(again.kind(), std::io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
