//! A hub's identity for the failover history when the record cannot name it: the hub (or its
//! subscription or resource group) is a parameter marked secret, so the DR log and journal
//! show `***` where the name would be, and the cooldown check could never match them.
//!
//! Such a record carries instead a keyed fingerprint of the identity (HMAC-SHA256 of the
//! subscription, resource group and hub, compared case-insensitively as the history does),
//! under a key that lives on this machine only: `$XDG_STATE_HOME/runbook/history.key` (or
//! `~/.local/state/runbook/history.key`), 32 random bytes made on first use, readable by the
//! user alone. Whoever holds a DR log elsewhere (a CI artifact, a ticket) cannot test guesses
//! of the name against it without that file; a drill on this machine the next day matches
//! it. Without a home directory, or with a key file that cannot be read or made, no
//! fingerprint is written or matched, and the history is as blind to the hub as before (the
//! preflight's Activity Log check still sees Azure's record).
//!
//! Data flow: `Session::open` (off the runtime) loads the key once per process
//! (`machine_key`) and, for a masked target, puts `fingerprint(target)` into the run request;
//! the runner writes it into `run_started`, the DR log copies it; `HistoryIndex` indexes
//! masked records by it and looks a hub up by its fingerprint as well as its name.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::OnceLock;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::target::HubTarget;

/// What a fingerprint starts with, so a later scheme can be told apart.
const SCHEME: &str = "hmac-sha256:";

/// The key file's name inside the state directory.
const KEY_FILE: &str = "history.key";

/// The machine's key for hub fingerprints.
#[derive(Clone)]
pub struct HistoryKey([u8; 32]);

impl std::fmt::Debug for HistoryKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HistoryKey(..)")
    }
}

impl HistoryKey {
    /// The fingerprint of `target`'s identity under this key.
    pub fn fingerprint(&self, target: &HubTarget) -> String {
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&self.0).expect("HMAC takes a key of any length");
        mac.update(
            crate::failover_history::owner_key(
                &target.subscription,
                &target.resource_group,
                &target.hub,
            )
            .as_bytes(),
        );
        let digest = mac.finalize().into_bytes();
        let mut out = String::with_capacity(SCHEME.len() + 64);
        out.push_str(SCHEME);
        for b in digest {
            out.push_str(&format!("{b:02x}"));
        }
        out
    }
}

/// This machine's key, loaded (or made) on first use. Blocking file I/O: call it off the
/// runtime.
pub fn machine_key() -> Option<&'static HistoryKey> {
    static KEY: OnceLock<Option<HistoryKey>> = OnceLock::new();
    KEY.get_or_init(|| {
        let path = key_path()?;
        match load_or_create(&path) {
            Ok(key) => Some(key),
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "no history key: a hub named by a secret parameter is not matched in the failover history");
                None
            }
        }
    })
    .as_ref()
}

/// `$XDG_STATE_HOME/runbook/history.key`, else `$HOME/.local/state/runbook/history.key`.
fn key_path() -> Option<PathBuf> {
    let non_empty = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    let state = non_empty("XDG_STATE_HOME")
        .or_else(|| non_empty("HOME").map(|h| h.join(".local").join("state")))?;
    Some(state.join("runbook").join(KEY_FILE))
}

/// Reads the key at `path`, or makes it there if there is none. A file that exists but does
/// not hold a key is an error, never overwritten: records fingerprinted under it would
/// silently stop matching.
fn load_or_create(path: &std::path::Path) -> std::io::Result<HistoryKey> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| std::io::Error::other(e.to_string()))?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(mut file) => {
            file.write_all(&bytes)?;
            file.sync_all()?;
            Ok(HistoryKey(bytes))
        }
        // Made by an earlier run, or by another drill at this moment: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => read_key(path),
        Err(e) => Err(e),
    }
}

fn read_key(path: &std::path::Path) -> std::io::Result<HistoryKey> {
    let mut held = Vec::with_capacity(33);
    std::fs::File::open(path)?.take(33).read_to_end(&mut held)?;
    let key: [u8; 32] = held.try_into().map_err(|_| {
        std::io::Error::other(
            "the file does not hold a 32-byte key; move it aside to make a new one",
        )
    })?;
    Ok(HistoryKey(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(hub: &str) -> HubTarget {
        HubTarget::sample(hub)
    }

    #[test]
    fn a_key_is_made_once_and_read_back_by_the_next_run() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("state").join("runbook").join(KEY_FILE);
        let first = load_or_create(&path).expect("made");
        let second = load_or_create(&path).expect("read");
        assert_eq!(first.0, second.0);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o077, 0, "the key is the user's alone: {mode:o}");
        }
    }

    #[test]
    fn a_file_that_holds_no_key_is_refused_and_left_alone() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(KEY_FILE);
        std::fs::write(&path, "not a key").expect("write");
        assert!(load_or_create(&path).is_err());
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "not a key");
    }

    #[test]
    fn the_fingerprint_ignores_case_and_differs_by_hub_and_by_key() {
        let dir = tempfile::tempdir().expect("tempdir");
        let key = load_or_create(&dir.path().join("a")).expect("key a");
        let other = load_or_create(&dir.path().join("b")).expect("key b");
        let f = key.fingerprint(&target("secret-hub"));
        assert!(f.starts_with(SCHEME) && f.len() == SCHEME.len() + 64, "{f}");
        assert_eq!(f, key.fingerprint(&target("SECRET-HUB")));
        assert_ne!(f, key.fingerprint(&target("other-hub")));
        assert_ne!(f, other.fingerprint(&target("secret-hub")));
        assert!(!f.contains("secret"), "{f}");
    }
}
