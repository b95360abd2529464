//! Which `runbook` wrote a record: the DR log and the fleet log carry it (`runbook_version`),
//! so a log found months later says what produced it.
//!
//! The binary knows its commit and build date and sets the text once at start
//! ([`set_writer`]); libraries and tests that never set it get the package version alone.

use std::sync::OnceLock;

static WRITER: OnceLock<String> = OnceLock::new();

/// Sets what records name as their writer (e.g. `runbook 0.1.0 (1a2b3c4d5e6f 2026-12-03)`).
/// Only the first call counts: a process has one version.
pub fn set_writer(text: impl Into<String>) {
    let _ = WRITER.set(text.into());
}

/// What records name as their writer.
pub fn writer() -> String {
    WRITER
        .get()
        .cloned()
        .unwrap_or_else(|| format!("runbook {}", env!("CARGO_PKG_VERSION")))
}
