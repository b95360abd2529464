//! What this binary is: its version, the commit it was built from and the build date
//! (set by `build.rs`), for `--version` and for the records it writes.

/// `0.1.0 (1a2b3c4d5e6f 2026-12-03)`: what `runbook --version` prints after the name.
pub const LONG_VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("RUNBOOK_GIT_COMMIT"),
    " ",
    env!("RUNBOOK_BUILD_DATE"),
    ")"
);

/// What DR logs, fleet logs and reports name as their writer.
pub fn writer() -> String {
    format!("runbook {LONG_VERSION}")
}
