//! Reading a runbook file into memory, with the input limits applied before any parsing.
//!
//! A path goes in; a `SourceFile` (name + UTF-8 text) comes out, or one diagnostic that says in
//! one line why the file cannot be read (missing, a directory, too large, not UTF-8). Text that
//! is not UTF-8 is also decoded lossily, so that diagnostic can quote the offending line.
//! The text is kept so diagnostics can quote the offending line.

use std::path::Path;

use crate::diagnostic::{Diagnostic, Pos};

/// Files larger than this are refused before parsing: a runbook is a page of YAML, and a
/// multi-megabyte one is a mistake or an attack.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// Why a file could not be read: one diagnostic, plus, for text that is not UTF-8, a lossy
/// decoding (invalid bytes shown as U+FFFD) so the offending line can still be quoted.
#[derive(Debug, Clone)]
pub struct ReadFailure {
    pub diagnostic: Diagnostic,
    pub lossy: Option<SourceFile>,
}

/// A runbook's text and the name diagnostics use for it.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub name: String,
    pub text: String,
}

impl SourceFile {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            text: text.into(),
        }
    }

    /// Reads `path` with the size limit applied.
    pub fn read(path: &Path) -> Result<Self, Box<ReadFailure>> {
        let name = path.display().to_string();
        let fail = |message: String| {
            Box::new(ReadFailure {
                diagnostic: Diagnostic::file_error(&name, message),
                lossy: None,
            })
        };
        let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => fail("no such file".to_string()),
            std::io::ErrorKind::PermissionDenied => fail("permission denied".to_string()),
            _ => fail(format!("cannot read: {e}")),
        })?;
        if meta.is_dir() {
            return Err(fail(
                "is a directory, expected a runbook YAML file".to_string(),
            ));
        }
        if meta.len() > MAX_FILE_BYTES {
            return Err(fail(format!(
                "file is {} bytes, over the {} byte limit for a runbook",
                meta.len(),
                MAX_FILE_BYTES
            )));
        }
        let bytes = std::fs::read(path).map_err(|e| fail(format!("cannot read: {e}")))?;
        // The size can change between stat and read; check again on what was read.
        if bytes.len() as u64 > MAX_FILE_BYTES {
            return Err(fail(format!(
                "file is over the {MAX_FILE_BYTES} byte limit for a runbook"
            )));
        }
        let text = String::from_utf8(bytes).map_err(|e| {
            let diagnostic = not_utf8(&name, e.as_bytes(), e.utf8_error());
            let lossy = String::from_utf8_lossy(e.as_bytes()).into_owned();
            Box::new(ReadFailure {
                diagnostic,
                lossy: Some(Self::new(&name, lossy)),
            })
        })?;
        Ok(Self { name, text })
    }

    /// The text of 1-based `line`, without its line ending.
    pub fn line_text(&self, line: u32) -> Option<&str> {
        let idx = usize::try_from(line).ok()?.checked_sub(1)?;
        lines(&self.text).nth(idx)
    }
}

/// The lines of `text` as YAML counts them: `\r\n`, `\n` and a lone `\r` each end a line, so
/// that a line number from the parser names the line shown under it.
pub fn lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let t = rest?;
        match t.find(['\r', '\n']) {
            Some(i) => {
                let skip = if t[i..].starts_with("\r\n") { 2 } else { 1 };
                rest = Some(&t[i + skip..]);
                Some(&t[..i])
            }
            None => {
                rest = None;
                Some(t)
            }
        }
    })
}

/// Locates the first invalid byte (line, column in characters) so the SRE can find it; the
/// line itself cannot be quoted, since it is not text.
fn not_utf8(name: &str, bytes: &[u8], e: std::str::Utf8Error) -> Diagnostic {
    let valid = &bytes[..e.valid_up_to()];
    let line_start = valid.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
    // The prefix is valid UTF-8 by definition, so this never loses characters.
    let column = String::from_utf8_lossy(&valid[line_start..])
        .chars()
        .count()
        + 1;
    let bad = bytes.get(e.valid_up_to()).copied().unwrap_or(0);
    let pos = Pos {
        line: u32::try_from(line).unwrap_or(u32::MAX),
        column: u32::try_from(column).unwrap_or(u32::MAX),
    };
    Diagnostic::error(
        name,
        Some(pos),
        "",
        format!("not valid UTF-8: byte 0x{bad:02X} is not part of a UTF-8 character"),
    )
    .with_hint(Some("save the runbook as UTF-8".to_string()))
}
