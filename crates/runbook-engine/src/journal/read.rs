//! Reading a journal back, and opening one file for the writer: `create_new` for a new run,
//! `prepare_for_append` for a resumed one (a torn last line is cut off first).

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader};
use std::path::Path;

use crate::event::RunEvent;

/// Creates a new journal file; never opens an existing one. Blocking: call it off the runtime.
pub fn create_new(path: &Path) -> std::io::Result<File> {
    // The new name must survive a crash too, not just the bytes: the writer fsyncs the
    // directory when the file is handed to it (`JournalService::attach_created`), off the run's
    // path, before it acknowledges anything durable.
    OpenOptions::new().write(true).create_new(true).open(path)
}

/// Opens an existing journal to append to it, first cutting off a torn last line so the
/// journal stays one event per line. Blocking: call it off the runtime.
pub fn prepare_for_append(path: &Path) -> std::io::Result<File> {
    let file = OpenOptions::new().read(true).write(true).open(path)?;
    let bytes = std::fs::read(path)?;
    let keep = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
    if keep < bytes.len() {
        file.set_len(keep as u64)?;
        file.sync_data()?;
    }
    drop(file);
    OpenOptions::new().append(true).open(path)
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
