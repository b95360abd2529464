//! Diagnostics: what is wrong with a runbook, where, and what to do about it.
//!
//! Every stage of loading (YAML, schema, typed model, semantic analysis) produces `Diagnostic`s.
//! They carry the file, a 1-based line:column, the field path (`steps[3].await.timeout`), the
//! message and an optional hint. `render` turns one into the human form
//! `FILE:LINE:COL: error: message` with the source line and a caret; `serde` gives the JSON form.

use serde::Serialize;

use crate::source::SourceFile;

/// 1-based line and column of a YAML node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    pub file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
    /// Dotted field path, e.g. `steps[3].await.timeout`; empty for the whole document.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub field: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn error(
        file: &str,
        pos: Option<Pos>,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            severity: Severity::Error,
            file: file.to_string(),
            line: pos.map(|p| p.line),
            column: pos.map(|p| p.column),
            field: field.into(),
            message: message.into(),
            hint: None,
        }
    }

    pub fn warning(
        file: &str,
        pos: Option<Pos>,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::error(file, pos, field, message)
        }
    }

    /// A whole-file problem (unreadable, empty, ...): no position.
    pub fn file_error(file: &str, message: impl Into<String>) -> Self {
        Self::error(file, None, "", message)
    }

    pub fn with_hint(mut self, hint: Option<String>) -> Self {
        self.hint = hint;
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The one-line header: `FILE:LINE:COL: error: field: message`.
    pub fn headline(&self) -> String {
        let mut out = self.file.clone();
        if let (Some(l), Some(c)) = (self.line, self.column) {
            out.push_str(&format!(":{l}:{c}"));
        }
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        out.push_str(&format!(": {sev}: "));
        if !self.field.is_empty() {
            out.push_str(&self.field);
            out.push_str(": ");
        }
        out.push_str(&self.message);
        out
    }

    /// The human form: headline, then the source line with a caret under the column, then the
    /// hint. `source` is the file's text when it is at hand.
    pub fn render(&self, source: Option<&SourceFile>) -> String {
        let mut out = self.headline();
        out.push('\n');
        let mut help_pad = "  ".to_string();
        if let (Some(src), Some(line), Some(col)) = (source, self.line, self.column)
            && let Some(text) = src.line_text(line)
        {
            let gutter = line.to_string();
            let pad = " ".repeat(gutter.len());
            let (text, col) = excerpt(text, col as usize);
            // Tabs would misplace the caret; mirror them in the padding.
            let lead: String = text
                .chars()
                .take(col.saturating_sub(1))
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            out.push_str(&format!("{pad} |\n{gutter} | {text}\n{pad} | {lead}^\n"));
            help_pad = format!("{pad} ");
        }
        if let Some(hint) = &self.hint {
            out.push_str(&format!("{help_pad}= help: {hint}\n"));
        }
        out
    }
}

/// Characters of a source line shown at most; longer lines (minified YAML, an attack) are cut
/// to a window around the column so the caret stays on screen.
const MAX_EXCERPT: usize = 100;

/// The part of `text` to quote and the caret's column within it.
fn excerpt(text: &str, col: usize) -> (String, usize) {
    let len = text.chars().count();
    if len <= MAX_EXCERPT {
        return (text.to_string(), col);
    }
    let start = col
        .saturating_sub(MAX_EXCERPT / 2)
        .min(len.saturating_sub(MAX_EXCERPT));
    let body: String = text.chars().skip(start).take(MAX_EXCERPT).collect();
    let (prefix, shift) = if start > 0 { ("…", 1) } else { ("", 0) };
    let suffix = if start + MAX_EXCERPT < len { "…" } else { "" };
    (format!("{prefix}{body}{suffix}"), col - start + shift)
}

/// `/steps/3/await/timeout` -> `steps[3].await.timeout`.
pub fn field_from_pointer(pointer: &str) -> String {
    let mut out = String::new();
    for seg in pointer.split('/').skip(1) {
        let seg = seg.replace("~1", "/").replace("~0", "~");
        if !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_digit()) {
            out.push_str(&format!("[{seg}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&seg);
        }
    }
    out
}
