//! Writing the DR log: atomically, and never over an existing file.
//!
//! Two halves: `stage` writes the JSON to a temporary file in the same directory and fsyncs
//! it; `Staged::publish` hard-links it to the final name (which fails if that name exists),
//! removes the temporary and fsyncs the directory. A reader never sees a half-written log,
//! and an earlier drill's log is never replaced. The session stages while the journal syncs
//! the run's end and publishes after, so the two syncs overlap but the log never appears
//! before the journal holds the end it reports.

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
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "dr-log.json".to_string());
    let staged = Staged {
        tmp: dir.join(format!(".{name}.{}.tmp", std::process::id())),
        path: path.to_path_buf(),
        published: false,
    };
    let mut text = serde_json::to_vec_pretty(log).map_err(std::io::Error::other)?;
    text.push(b'\n');
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&staged.tmp)?;
    f.write_all(&text)?;
    f.sync_all()?;
    Ok(staged)
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
