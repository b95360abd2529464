//! The journal: `<log>.jsonl`, one line per event, flushed and fsync'd as it happens.
//!
//! A killed process leaves every event up to the kill on disk, so the DR log can be rebuilt
//! and `runbook resume` can continue without repeating a failover. `read` parses a journal
//! back, tolerating a torn last line (the process died mid-write); `open_for_resume` cuts such
//! a line off before appending, so the journal stays one event per line. A write error stops
//! the journal and is reported through `EventSink::failure`, so no failover starts unrecorded.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use crate::event::{EventSink, RunEvent};

#[derive(Debug)]
pub struct JournalWriter {
    path: PathBuf,
    file: File,
    /// The first write error; after it nothing more is written.
    error: Option<std::io::Error>,
}

impl JournalWriter {
    /// Creates a new journal; never opens an existing one.
    pub fn create(path: &Path) -> std::io::Result<Self> {
        let file = OpenOptions::new().write(true).create_new(true).open(path)?;
        // The new name must survive a crash too, not just the bytes.
        crate::log_file::sync_parent_dir(path)?;
        Ok(Self {
            path: path.to_path_buf(),
            file,
            error: None,
        })
    }

    /// Opens an existing journal to append to it, first cutting off a torn last line.
    pub fn open_for_resume(path: &Path) -> std::io::Result<Self> {
        let file = OpenOptions::new().read(true).write(true).open(path)?;
        let bytes = std::fs::read(path)?;
        let keep = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
        if keep < bytes.len() {
            file.set_len(keep as u64)?;
            file.sync_data()?;
        }
        drop(file);
        let file = OpenOptions::new().append(true).open(path)?;
        Ok(Self {
            path: path.to_path_buf(),
            file,
            error: None,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl EventSink for JournalWriter {
    fn emit(&mut self, event: &RunEvent) {
        if self.error.is_some() {
            return;
        }
        let mut line = match serde_json::to_string(event) {
            Ok(l) => l,
            Err(e) => {
                self.error = Some(std::io::Error::other(e));
                return;
            }
        };
        line.push('\n');
        // Progress ticks are not worth an fsync each; everything that changes state is.
        let durable = !matches!(event, RunEvent::StepProgress { .. });
        let res = self.file.write_all(line.as_bytes()).and_then(|()| {
            if durable {
                self.file.sync_data()
            } else {
                Ok(())
            }
        });
        if let Err(e) = res {
            self.error = Some(e);
        }
    }

    fn failure(&self) -> Option<String> {
        self.error
            .as_ref()
            .map(|e| format!("writing the journal {} failed: {e}", self.path.display()))
    }
}

/// A journal read back: its events, and whether the last line was torn.
#[derive(Debug)]
pub struct JournalContents {
    pub events: Vec<RunEvent>,
    pub torn_tail: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("cannot read journal {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}:{line}: not a runbook journal line: {message}")]
    Corrupt {
        path: String,
        line: usize,
        message: String,
    },
}

pub fn read(path: &Path) -> Result<JournalContents, JournalError> {
    let shown = path.display().to_string();
    let file = File::open(path).map_err(|source| JournalError::Io {
        path: shown.clone(),
        source,
    })?;
    let lines: Vec<String> = BufReader::new(file)
        .lines()
        .collect::<Result<_, _>>()
        .map_err(|source| JournalError::Io {
            path: shown.clone(),
            source,
        })?;
    let mut events = Vec::with_capacity(lines.len());
    let mut torn_tail = false;
    let last = lines.len().saturating_sub(1);
    for (i, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<RunEvent>(line) {
            Ok(e) => events.push(e),
            Err(_) if i == last => torn_tail = true,
            Err(e) => {
                return Err(JournalError::Corrupt {
                    path: shown,
                    line: i + 1,
                    message: e.to_string(),
                });
            }
        }
    }
    Ok(JournalContents { events, torn_tail })
}
