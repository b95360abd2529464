//! Reports people can read: one or more DR logs in, Markdown or one self-contained HTML page
//! out.
//!
//! Data flows one way: `read` reads the DR log JSON into `Drill`s, the run record's own
//! `runbook_record::DrLog` (leniently, so older logs still render; `drill` answers when a run
//! started and ended and the like); `summary`, `preflight`, `steps`, `timeline` and `trend`
//! each turn them into one part of the report (the verdict and objectives, what the preflight
//! found, shown first under the verdict, the step table, the SVG timeline, the RTO trend over
//! drills of the same hub); `markdown` and `html` lay those parts out. Every piece of text
//! that comes from a log is escaped for where it lands (`escape`). Nothing here reads the
//! network or the clock: the same logs always give the same report. DR logs are masked for
//! secrets when written, and the report adds nothing that is not in them.
//!
//! A fleet page is its own flow: `fleet` reads fleet directories (their `fleet.json` and each
//! hub's DR log) into one `Fleet`, `rto_stats` gives its RTO distribution, and `fleet_html`
//! and `fleet_markdown` lay it out.

mod drill;
mod escape;
mod fleet;
mod fleet_html;
mod fleet_markdown;
mod fmt;
mod html;
mod markdown;
mod preflight;
mod read;
mod recovery_chart;
mod rto_stats;
mod steps;
mod summary;
mod timeline;
mod trend;

use std::path::Path;

/// One run's DR log, as the report reads it: the run record's own type.
pub type Drill = runbook_record::DrLog;

pub use fleet::is_fleet_dir;
pub use read::{from_value, parse};

/// The report's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// GitHub-flavoured Markdown, e.g. for `$GITHUB_STEP_SUMMARY`.
    Markdown,
    /// One HTML file with inline CSS and SVG: no scripts, no external assets.
    Html,
}

impl Format {
    /// The format a file name asks for: `.md`/`.markdown` or `.html`/`.htm`.
    pub fn from_path(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "md" | "markdown" => Some(Format::Markdown),
            "html" | "htm" => Some(Format::Html),
            _ => None,
        }
    }
}

/// Renders the report of `drills` (in the order given; the trend orders by time itself).
pub fn render(drills: &[Drill], format: Format) -> String {
    match format {
        Format::Markdown => markdown::render(drills),
        Format::Html => html::render(drills),
    }
}

/// Reads the DR log at `path`: one log, or a JSON array of logs (a fleet's).
pub fn read_file(path: &Path) -> Result<Vec<Drill>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    read::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Renders one fleet page from the fleet directories `dirs` (one fleet, or its shards).
pub fn render_fleet(dirs: &[&Path], format: Format) -> Result<String, String> {
    let f = fleet::read(dirs)?;
    Ok(match format {
        Format::Markdown => fleet_markdown::render(&f),
        Format::Html => fleet_html::render(&f),
    })
}
