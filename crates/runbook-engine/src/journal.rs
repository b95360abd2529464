//! The journal: `<log>.jsonl`, one line per event, flushed and fsync'd as it happens.
//!
//! A killed process leaves every event up to the kill on disk, so the DR log can be rebuilt
//! and `runbook resume` can continue without repeating a failover. `read` parses a journal
//! back, tolerating a torn last line (the process died mid-write).

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use crate::event::{EventSink, RunEvent};

#[derive(Debug)]
pub struct JournalWriter {
    path: PathBuf,
    file: File,
    /// The first write error, reported once at the end rather than on every event.
    error: Option<std::io::Error>,
}

impl JournalWriter {
    /// Creates a new journal; refuses to overwrite an existing one unless `append`.
    pub fn open(path: &Path, append: bool) -> std::io::Result<Self> {
        let mut opts = OpenOptions::new();
        if append {
            opts.append(true);
        } else {
            opts.write(true).create_new(true);
        }
        let file = opts.open(path)?;
        Ok(Self {
            path: path.to_path_buf(),
            file,
            error: None,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn take_error(&mut self) -> Option<std::io::Error> {
        self.error.take()
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
