//! The journal: `<log>.jsonl`, one line per event, so a killed process leaves a record that
//! `runbook resume` continues from without repeating a change.
//!
//! Writing (`writer`): one writer thread per process (`JournalService`) owns every open
//! journal file. A run's `JournalHandle` queues each event's line to it over a channel and
//! never touches the file itself, so no runtime worker blocks on a write or an fsync. Events
//! that `resume` needs to avoid repeating a change (`RunEvent::is_durable`: a failover's
//! intent before its POST and the accepted operation after it, the run's end) are
//! acknowledged only after their bytes, and every line before them, are fsync'd, and the run
//! awaits that acknowledgement. A new journal's directory is fsync'd by the writer as soon as
//! the file is handed over, before any acknowledgement. The writer batches whatever is queued into one group commit,
//! so a fleet's hubs share fsyncs. Everything else is written in order but not synced: a
//! killed process loses nothing the kernel already has, and a machine crash at worst re-runs
//! a read-only step.
//!
//! Reading (`read`): parses a journal back, tolerating a torn last line (the process died
//! mid-write); `prepare_for_append` cuts such a line off before a resumed run appends.

mod read;
mod writer;

pub use read::{JournalContents, JournalError, create_new, prepare_for_append, read};
pub use writer::{Ack, JournalHandle, JournalService};
