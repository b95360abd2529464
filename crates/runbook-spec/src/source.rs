//! Reading a runbook file into memory, with the input limits applied before any parsing.
//!
//! A path goes in; a `SourceFile` (name + UTF-8 text) comes out, or one diagnostic that says in
//! one line why the file cannot be read (missing, a directory, too large, not UTF-8, empty).
//! The text is kept so diagnostics can quote the offending line.

use std::path::Path;

use crate::diagnostic::Diagnostic;

/// Files larger than this are refused before parsing: a runbook is a page of YAML, and a
/// multi-megabyte one is a mistake or an attack.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;

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
    pub fn read(path: &Path) -> Result<Self, Box<Diagnostic>> {
        let name = path.display().to_string();
        let fail = |message: String| Box::new(Diagnostic::file_error(&name, message));
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
            fail(format!(
                "not valid UTF-8 (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ))
        })?;
        Ok(Self { name, text })
    }

    /// The text of 1-based `line`, without its line ending.
    pub fn line_text(&self, line: u32) -> Option<&str> {
        let idx = usize::try_from(line).ok()?.checked_sub(1)?;
        self.text
            .split('\n')
            .nth(idx)
            .map(|l| l.strip_suffix('\r').unwrap_or(l))
    }
}
