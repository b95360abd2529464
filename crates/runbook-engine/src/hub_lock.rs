//! One drill per hub at a time: an OS file lock per hub, naming its holder.
//!
//! `HubKey` turns where a run points (ARM endpoint host and port, subscription, resource
//! group, hub; lowercased, since Azure names are case-insensitive) into a readable,
//! filesystem-safe file name plus a short hash of the full key. `HubLock::acquire` opens
//! `<dir>/<name>.lock` (creating the directory if missing), takes an exclusive lock with
//! `File::try_lock`, and then writes the holder's details (`LockHolder`, JSON) into the file.
//! A second process that finds the lock taken reads those details back to say who holds it,
//! and is refused with `LockError::Busy`.
//!
//! The OS releases the lock when the holder's file is closed or its process dies, so a killed
//! run never leaves a stale lock to clean up by hand. The file itself is never deleted: a
//! process deleting it could race a newcomer that already opened (and locked) the old inode
//! while a third locks a fresh file of the same name, and both would think they hold it.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::target::HubTarget;

/// At most this much of a lock file is read back: it holds one small JSON object.
const HOLDER_READ_LIMIT: u64 = 64 * 1024;

/// The identity of a hub as far as locking goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HubKey {
    /// `host[:port]/subscription/resource_group/hub`, lowercased.
    full: String,
    /// A secret parameter is part of the key: names and messages show only its hash.
    secret: bool,
    hub: String,
    resource_group: String,
    subscription: String,
}

impl HubKey {
    /// The key for `target` reached through the ARM endpoint `authority` (its host, with the
    /// port when it is not the scheme's default: two emulators on one machine are two hubs).
    pub fn new(authority: &str, target: &HubTarget) -> Self {
        let lower = |s: &str| s.trim().to_lowercase();
        let (subscription, resource_group, hub) = (
            lower(&target.subscription),
            lower(&target.resource_group),
            lower(&target.hub),
        );
        Self {
            full: format!(
                "{}/{subscription}/{resource_group}/{hub}",
                authority.to_lowercase()
            ),
            hub,
            resource_group,
            subscription,
            secret: false,
        }
    }

    /// As `new`, but when a secret (see `Redactor`) is part of the target, the key is shown
    /// only as its hash: in the lock file's name, in its holder details and in messages.
    pub fn with_secrets(
        authority: &str,
        target: &HubTarget,
        redactor: &crate::redact::Redactor,
    ) -> Self {
        let mut key = Self::new(authority, target);
        let parts = [&target.subscription, &target.resource_group, &target.hub];
        key.secret = parts.iter().any(|p| redactor.text(p) != **p);
        key
    }

    /// The key as it may be shown: the full key, or `hub sha256:<hash>` when a secret is in it.
    pub fn shown(&self) -> String {
        if self.secret {
            format!("sha256:{}", self.hash(12))
        } else {
            self.full.clone()
        }
    }

    fn hash(&self, bytes: usize) -> String {
        let digest = Sha256::digest(self.full.as_bytes());
        digest
            .iter()
            .take(bytes)
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// The full key, as hashed into the file name.
    pub fn as_str(&self) -> &str {
        &self.full
    }

    /// `hub__rg__sub-prefix-HASH.lock`: readable in `ls`, unique by the hash of the full key
    /// (the readable part is shortened and sanitised, so it alone may collide).
    pub fn file_name(&self) -> String {
        if self.secret {
            return format!("hub-{}.lock", self.hash(12));
        }
        let hash = self.hash(6);
        let sub: String = self.subscription.chars().take(8).collect();
        format!(
            "{}__{}__{}-{hash}.lock",
            sanitize(&self.hub, 50),
            sanitize(&self.resource_group, 50),
            sanitize(&sub, 8)
        )
    }
}

/// Keeps `[a-z0-9._-]`, replaces anything else with `_`, at most `max` characters.
fn sanitize(s: &str, max: usize) -> String {
    let out: String = s
        .chars()
        .take(max)
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    // A name made only of dots would be `.`/`..` or hidden; never start with one.
    if out.is_empty() || out.starts_with('.') {
        format!("_{out}")
    } else {
        out
    }
}

/// Who holds a hub's lock, as written into the lock file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockHolder {
    pub pid: u32,
    pub host: String,
    /// `exec` or `resume`.
    pub command: String,
    /// The DR log the holder will write.
    pub log_path: String,
    /// When the holder took the lock (RFC 3339, UTC).
    pub started_at: String,
    /// The hub key, so a reader of the file knows which hub it is about.
    pub hub: String,
}

impl LockHolder {
    /// The current process as a holder.
    pub fn this_process(command: &str, log_path: &str, key: &HubKey) -> Self {
        Self {
            pid: std::process::id(),
            host: host_name(),
            command: command.to_string(),
            log_path: log_path.to_string(),
            started_at: crate::clock::Clock::now_text(),
            hub: key.shown(),
        }
    }
}

impl std::fmt::Display for LockHolder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "`runbook {}` pid {} on {}, started {}, writing the DR log {}",
            self.command, self.pid, self.host, self.started_at, self.log_path
        )
    }
}

/// This machine's name, for telling an SRE where the other drill runs.
fn host_name() -> String {
    let from_file = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty());
    from_file
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .unwrap_or_else(|| "unknown host".to_string())
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("{}", busy_message(.hub, .path, .holder.as_deref()))]
    Busy {
        hub: String,
        path: PathBuf,
        /// `None` when the holder had not yet written its details, or they did not parse.
        holder: Option<Box<LockHolder>>,
    },
    #[error("cannot use the hub lock {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

fn busy_message(hub: &str, path: &Path, holder: Option<&LockHolder>) -> String {
    let who = match holder {
        Some(h) => h.to_string(),
        None => "another process (it has not written its details yet)".to_string(),
    };
    format!(
        "another drill is already running on hub {hub}: {who}. Only one drill may run on a hub at a time; wait for it to finish (the lock {} is released when that process exits)",
        path.display()
    )
}

/// A held hub lock. Dropping it (or the process ending) releases it.
#[derive(Debug)]
pub struct HubLock {
    file: File,
    path: PathBuf,
}

impl HubLock {
    /// Takes the lock for `key` in `dir`, or says who holds it. Never waits.
    pub fn acquire(dir: &Path, key: &HubKey, holder: &LockHolder) -> Result<Self, LockError> {
        let path = dir.join(key.file_name());
        let io = |source| LockError::Io {
            path: path.clone(),
            source,
        };
        std::fs::create_dir_all(dir).map_err(|source| LockError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        // Not truncated on open: until the lock is ours, the file holds the holder's details.
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(LockError::Busy {
                    hub: key.shown(),
                    holder: read_holder(&mut file),
                    path,
                });
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(io(e)),
        }
        let text = serde_json::to_vec(holder).map_err(|e| io(std::io::Error::other(e)))?;
        file.set_len(0)
            .and_then(|()| file.seek(SeekFrom::Start(0)))
            .and_then(|_| file.write_all(&text))
            .and_then(|()| file.write_all(b"\n"))
            .and_then(|()| file.sync_data())
            .map_err(io)?;
        Ok(Self { file, path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Releases the lock now (dropping does the same).
    pub fn release(self) {
        let _ = self.file.unlock();
    }
}

/// The holder's details from a lock file someone else holds; `None` if not (yet) readable.
fn read_holder(file: &mut File) -> Option<Box<LockHolder>> {
    file.seek(SeekFrom::Start(0)).ok()?;
    let mut text = String::new();
    file.take(HOLDER_READ_LIMIT)
        .read_to_string(&mut text)
        .ok()?;
    serde_json::from_str(text.trim()).ok().map(Box::new)
}

/// Where hub locks live when nobody says: `<temp>/runbook-locks`.
pub fn default_lock_dir() -> PathBuf {
    std::env::temp_dir().join("runbook-locks")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(hub: &str) -> HubTarget {
        HubTarget::sample(hub)
    }

    fn key(hub: &str) -> HubKey {
        HubKey::new("Management.Azure.com", &target(hub))
    }

    #[test]
    fn a_second_lock_is_refused_with_the_holder_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().expect("tempdir");
        let k = key("contoso-hub");
        let first = LockHolder::this_process("exec", "/logs/a.json", &k);
        let held = HubLock::acquire(dir.path(), &k, &first).expect("first lock");

        let second = LockHolder::this_process("exec", "/logs/b.json", &k);
        match HubLock::acquire(dir.path(), &k, &second) {
            Err(LockError::Busy { holder, path, .. }) => {
                assert_eq!(holder.as_deref(), Some(&first));
                assert_eq!(path, held.path());
                let text = LockError::Busy {
                    hub: k.as_str().into(),
                    path,
                    holder,
                }
                .to_string();
                assert!(
                    text.contains(&format!("pid {}", std::process::id())),
                    "{text}"
                );
                assert!(text.contains("/logs/a.json"), "{text}");
            }
            other => panic!("expected Busy, got {other:?}"),
        }

        drop(held);
        let again = HubLock::acquire(dir.path(), &k, &second).expect("lock after drop");
        // The file now names the new holder.
        let text = std::fs::read_to_string(again.path()).expect("lock file");
        assert!(text.contains("/logs/b.json"), "{text}");
        assert!(!text.contains("/logs/a.json"), "{text}");
        again.release();
    }

    #[test]
    fn different_hubs_do_not_share_a_lock() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (a, b) = (key("hub-a"), key("hub-b"));
        let _ha = HubLock::acquire(dir.path(), &a, &LockHolder::this_process("exec", "a", &a))
            .expect("a");
        let _hb = HubLock::acquire(dir.path(), &b, &LockHolder::this_process("exec", "b", &b))
            .expect("b");
    }

    #[test]
    fn the_key_ignores_case_and_the_file_name_is_safe_and_readable() {
        let upper = HubKey::new(
            "127.0.0.1:8443",
            &HubTarget {
                subscription: "SUB".into(),
                resource_group: "My/RG".into(),
                hub: "Contoso-HUB".into(),
            },
        );
        let lower = HubKey::new(
            "127.0.0.1:8443",
            &HubTarget {
                subscription: "sub".into(),
                resource_group: "my/rg".into(),
                hub: "contoso-hub".into(),
            },
        );
        assert_eq!(upper, lower);
        assert_eq!(upper.as_str(), "127.0.0.1:8443/sub/my/rg/contoso-hub");
        let name = upper.file_name();
        assert!(name.starts_with("contoso-hub__my_rg__sub-"), "{name}");
        assert!(name.ends_with(".lock"), "{name}");
        assert!(!name.contains('/'), "{name}");
        // Another port is another hub (another emulator).
        let other = HubKey::new(
            "127.0.0.1:9000",
            &HubTarget {
                subscription: "sub".into(),
                resource_group: "my/rg".into(),
                hub: "contoso-hub".into(),
            },
        );
        assert_ne!(other.file_name(), name);
    }
}
