//! The journal writer: one thread that owns every open journal file, fed by a channel.
//!
//! A run holds a `JournalHandle`; `append` serializes the event and queues the line. The
//! thread takes everything queued at once, writes each line to its file in order, then
//! fsyncs each file that received a durable line (one `fdatasync` per file per batch: a
//! group commit, shared by every hub of a fleet) and only then acknowledges those lines.
//! The run awaits the acknowledgement of a durable event before it goes on, so "the intent
//! is on disk" is a fact when the failover's POST is sent. A write or sync error stops that
//! file for good; every later append to it is refused with the same message, and
//! `JournalHandle::failure` reports it so no change starts unrecorded.

use std::collections::HashMap;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;

use crate::event::RunEvent;

/// What a durable append resolves to: `Err` says why the journal cannot record it.
pub type Ack = oneshot::Receiver<Result<(), String>>;

/// At most this many queued commands are taken into one batch, so acknowledgements of the
/// first ones are not held back behind a flood of progress lines.
const MAX_BATCH: usize = 4096;

enum Op {
    Open {
        file: File,
        path: PathBuf,
        failure: Arc<Mutex<Option<String>>>,
        /// A journal just created: its directory is fsync'd first, so its name survives a
        /// crash as well as its bytes.
        sync_dir: bool,
    },
    Line {
        bytes: Vec<u8>,
        ack: Option<oneshot::Sender<Result<(), String>>>,
    },
    Close,
}

struct Command {
    file: u64,
    op: Op,
}

/// The writer thread's handle: cheap to clone, one per process (or per fleet).
#[derive(Clone)]
pub struct JournalService {
    tx: mpsc::Sender<Command>,
    next_id: Arc<AtomicU64>,
}

impl std::fmt::Debug for JournalService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JournalService").finish_non_exhaustive()
    }
}

impl JournalService {
    /// Starts the writer thread. It ends by itself once every handle and clone is dropped,
    /// after writing what was queued.
    pub fn start() -> std::io::Result<Self> {
        let (tx, rx) = mpsc::channel::<Command>();
        std::thread::Builder::new()
            .name("runbook-journal".into())
            .spawn(move || writer_loop(&rx))?;
        Ok(Self {
            tx,
            next_id: Arc::new(AtomicU64::new(1)),
        })
    }

    /// Hands an existing journal, opened by `journal::prepare_for_append`, to the writer and
    /// returns the handle the run appends through.
    pub fn attach(&self, file: File, path: &Path) -> JournalHandle {
        self.attach_file(file, path, false)
    }

    /// As `attach`, for a journal `journal::create_new` just made. The writer fsyncs its
    /// directory at once, while the run goes on; every later acknowledgement (the first is a
    /// failover's intent) comes after it, and a failure refuses them all.
    pub fn attach_created(&self, file: File, path: &Path) -> JournalHandle {
        self.attach_file(file, path, true)
    }

    fn attach_file(&self, file: File, path: &Path, sync_dir: bool) -> JournalHandle {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let failure = Arc::new(Mutex::new(None));
        let handle = JournalHandle {
            tx: self.tx.clone(),
            id,
            path: path.to_path_buf(),
            failure: failure.clone(),
        };
        if self
            .tx
            .send(Command {
                file: id,
                op: Op::Open {
                    file,
                    path: path.to_path_buf(),
                    failure,
                    sync_dir,
                },
            })
            .is_err()
        {
            handle.fail("the journal writer has stopped".to_string());
        }
        handle
    }
}

/// One run's journal, as the run sees it.
pub struct JournalHandle {
    tx: mpsc::Sender<Command>,
    id: u64,
    path: PathBuf,
    failure: Arc<Mutex<Option<String>>>,
}

impl std::fmt::Debug for JournalHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JournalHandle")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl JournalHandle {
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Why this journal stopped recording, if it did.
    pub fn failure(&self) -> Option<String> {
        self.failure.lock().ok().and_then(|f| f.clone())
    }

    fn fail(&self, why: String) {
        record_failure(&self.failure, &self.path, &why);
    }

    /// Queues `event`. A durable event returns the acknowledgement to await: it resolves once
    /// the line and everything before it are fsync'd, or with why they could not be.
    pub fn append(&self, event: &RunEvent, durable: bool) -> Option<Ack> {
        let mut bytes = match serde_json::to_vec(event) {
            Ok(b) => b,
            Err(e) => {
                self.fail(e.to_string());
                return durable.then(|| refused(self.failure()));
            }
        };
        bytes.push(b'\n');
        let (ack_tx, ack_rx) = if durable {
            let (t, r) = oneshot::channel();
            (Some(t), Some(r))
        } else {
            (None, None)
        };
        let sent = self.tx.send(Command {
            file: self.id,
            op: Op::Line { bytes, ack: ack_tx },
        });
        if sent.is_err() {
            self.fail("the journal writer has stopped".to_string());
            return durable.then(|| refused(self.failure()));
        }
        ack_rx
    }
}

impl Drop for JournalHandle {
    fn drop(&mut self) {
        let _ = self.tx.send(Command {
            file: self.id,
            op: Op::Close,
        });
    }
}

/// An acknowledgement that is already a refusal.
fn refused(why: Option<String>) -> Ack {
    let (t, r) = oneshot::channel();
    let _ = t.send(Err(
        why.unwrap_or_else(|| "the journal is unavailable".into())
    ));
    r
}

/// Keeps the first failure of a journal, worded for the operator.
fn record_failure(slot: &Mutex<Option<String>>, path: &Path, why: &str) {
    if let Ok(mut f) = slot.lock() {
        f.get_or_insert(format!(
            "writing the journal {} failed: {why}",
            path.display()
        ));
    }
}

struct OpenFile {
    file: File,
    path: PathBuf,
    shared: Arc<Mutex<Option<String>>>,
    failure: Option<String>,
    needs_sync: bool,
    closing: bool,
}

impl OpenFile {
    fn fail(&mut self, e: &std::io::Error) {
        self.failure = Some(e.to_string());
        record_failure(&self.shared, &self.path, &e.to_string());
    }
}

/// Crash tests only: after writing (and syncing) this many lines, or the first line of this
/// event kind (`run_finished`), the process stops itself (SIGSTOP) so the test can act at that
/// event boundary. Unset in normal use.
pub const CRASH_TEST_STOP_AFTER: &str = "RUNBOOK_CRASH_TEST_STOP_AFTER_EVENT";

/// Tests only: wait this many milliseconds before each sync, so that a run which went on
/// before its durable event's acknowledgement is caught acting before the sync (the strace
/// test of the sync order). Unset in normal use.
pub const TEST_SYNC_DELAY_MS: &str = "RUNBOOK_TEST_SYNC_DELAY_MS";

fn sync_delay_from_env() -> Option<std::time::Duration> {
    let ms: u64 = std::env::var(TEST_SYNC_DELAY_MS).ok()?.parse().ok()?;
    Some(std::time::Duration::from_millis(ms))
}

/// Where `CRASH_TEST_STOP_AFTER` stops the process.
enum StopAt {
    Count(u64),
    Event(String),
}

impl StopAt {
    fn from_env() -> Option<Self> {
        let v = std::env::var(CRASH_TEST_STOP_AFTER).ok()?;
        Some(match v.parse() {
            Ok(n) => StopAt::Count(n),
            Err(_) => StopAt::Event(format!("{{\"event\":\"{v}\"")),
        })
    }

    fn reached(&self, lines_written: u64, line: &[u8]) -> bool {
        match self {
            StopAt::Count(n) => *n == lines_written,
            StopAt::Event(prefix) => line.starts_with(prefix.as_bytes()),
        }
    }
}

/// Freezes the whole process with SIGSTOP: every thread stops where it is, nothing after the
/// line just written reaches the disk or the network, and the test then sends SIGKILL.
fn stop_for_crash_test(open: &mut OpenFile) -> ! {
    if let Err(e) = open.file.sync_data() {
        open.fail(&e);
    }
    let _ = std::process::Command::new("kill")
        .args(["-STOP", &std::process::id().to_string()])
        .status();
    // The stop reaches this thread only when some thread takes the signal; until then (and
    // after a SIGCONT) nothing more may be written: the run waits for acknowledgements that
    // never come, so it cannot pass a durable point either.
    loop {
        std::thread::park();
    }
}

fn writer_loop(rx: &mpsc::Receiver<Command>) {
    let mut files: HashMap<u64, OpenFile> = HashMap::new();
    let stop_after = StopAt::from_env();
    let sync_delay = sync_delay_from_env();
    let mut lines_written: u64 = 0;
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(c) => batch.push(c),
                Err(_) => break,
            }
        }
        let mut acks: Vec<(u64, oneshot::Sender<Result<(), String>>)> = Vec::new();
        for Command { file, op } in batch {
            match op {
                Op::Open {
                    file: f,
                    path,
                    failure,
                    sync_dir,
                } => {
                    let mut open = OpenFile {
                        file: f,
                        path,
                        shared: failure,
                        failure: None,
                        needs_sync: false,
                        closing: false,
                    };
                    if sync_dir && let Err(e) = crate::log_file::sync_parent_dir(&open.path) {
                        open.fail(&e);
                    }
                    files.insert(file, open);
                }
                Op::Line { bytes, ack } => {
                    if let Some(open) = files.get_mut(&file)
                        && open.failure.is_none()
                    {
                        if let Err(e) = open.file.write_all(&bytes) {
                            open.fail(&e);
                        }
                        open.needs_sync |= ack.is_some();
                        lines_written += 1;
                        if stop_after
                            .as_ref()
                            .is_some_and(|s| s.reached(lines_written, &bytes))
                        {
                            stop_for_crash_test(open);
                        }
                    }
                    if let Some(ack) = ack {
                        acks.push((file, ack));
                    }
                }
                Op::Close => {
                    if let Some(open) = files.get_mut(&file) {
                        open.closing = true;
                    }
                }
            }
        }
        for open in files.values_mut() {
            if open.needs_sync && open.failure.is_none() {
                if let Some(delay) = sync_delay {
                    std::thread::sleep(delay);
                }
                if let Err(e) = open.file.sync_data() {
                    open.fail(&e);
                }
                open.needs_sync = false;
            }
        }
        for (file, ack) in acks {
            let result = match files.get(&file) {
                Some(OpenFile { failure: None, .. }) => Ok(()),
                Some(OpenFile {
                    failure: Some(e), ..
                }) => Err(e.clone()),
                None => Err("the journal was not open".to_string()),
            };
            let _ = ack.send(result);
        }
        files.retain(|_, f| !f.closing);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn progress(n: u64) -> RunEvent {
        RunEvent::StepProgress {
            step: "s".into(),
            message: format!("tick {n}"),
            elapsed_ms: n,
            timeout_ms: None,
            hub_state: None,
        }
    }

    #[tokio::test]
    async fn a_durable_append_is_acknowledged_after_every_earlier_line_is_written() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("j.jsonl");
        let service = JournalService::start().expect("writer thread");
        let handle = service.attach_created(
            crate::journal::read::create_new(&path).expect("create"),
            &path,
        );
        for n in 0..50 {
            assert!(handle.append(&progress(n), false).is_none());
        }
        let ack = handle
            .append(&progress(50), true)
            .expect("durable append acks");
        ack.await.expect("ack sent").expect("written and synced");
        let back = crate::journal::read(&path).expect("readable");
        assert_eq!(back.events.len(), 51);
        assert_eq!(back.events[50], progress(50));
    }

    #[tokio::test]
    async fn a_journal_that_cannot_be_written_refuses_durable_appends_with_the_reason() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("ro.jsonl");
        std::fs::write(&path, b"").expect("file");
        // A file opened read-only: every write fails, as on a full or read-only disk.
        let read_only = File::open(&path).expect("open");
        let service = JournalService::start().expect("writer thread");
        let handle = service.attach(read_only, &path);
        let ack = handle
            .append(&progress(1), true)
            .expect("durable append acks");
        let err = ack.await.expect("ack sent").expect_err("the write fails");
        assert!(!err.is_empty());
        assert!(
            handle
                .failure()
                .is_some_and(|f| f.contains("ro.jsonl") && f.contains("failed")),
            "{:?}",
            handle.failure()
        );
    }
}
