//! Human output: one line per step (✓ / ⚠ / ✗ / - / ⊘, duration, details); during `await`,
//! `sleep` and health re-checks a live line with elapsed time, the timeout and the hub's state.
//!
//! On a terminal the live line is an indicatif spinner on stderr; otherwise progress is printed
//! as plain lines (polls only, not every tick). `NO_COLOR` and non-terminals get no colour.
//! Every line is escaped (`terminal_text`) before colour is added: ARM's text reaches the
//! terminal shown, never acted on.

use std::io::{IsTerminal, Write};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use runbook_engine::EventSink;
use runbook_record::{RunEvent, SectionName, StepStatus};

use crate::terminal_text::escape;

#[derive(Debug)]
pub struct Human {
    live: Option<ProgressBar>,
    interactive: bool,
    color: bool,
}

impl Human {
    pub fn new() -> Self {
        let interactive = std::io::stderr().is_terminal() && std::io::stdout().is_terminal();
        let color = interactive && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        Self {
            live: None,
            interactive,
            color,
        }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    fn clear_live(&mut self) {
        if let Some(pb) = self.live.take() {
            pb.finish_and_clear();
        }
    }

    /// One line of output, escaped.
    fn line(&mut self, text: &str) {
        self.raw_line(&escape(text));
    }

    /// One line, escaped, then coloured whole.
    fn painted_line(&mut self, code: &str, text: &str) {
        let text = self.paint(code, &escape(text));
        self.raw_line(&text);
    }

    /// A coloured mark, then the escaped text.
    fn marked_line(&mut self, code: &str, mark: &str, text: &str) {
        let text = format!("{} {}", self.paint(code, mark), escape(text));
        self.raw_line(&text);
    }

    /// Only for text already escaped.
    fn raw_line(&mut self, text: &str) {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{text}");
        let _ = out.flush();
    }
}

pub fn fmt_duration(ms: u64) -> String {
    if ms < 1000 {
        format!("{ms}ms")
    } else if ms < 60_000 {
        format!("{:.1}s", ms as f64 / 1000.0)
    } else if ms < 3_600_000 {
        format!("{}m{:02}s", ms / 60_000, (ms % 60_000) / 1000)
    } else {
        format!("{}h{:02}m", ms / 3_600_000, (ms % 3_600_000) / 60_000)
    }
}

impl EventSink for Human {
    fn emit(&mut self, event: &RunEvent) {
        match event {
            RunEvent::RunStarted {
                runbook,
                target,
                dry_run,
                log_path,
                ..
            } => {
                let t = |k: &str| {
                    target
                        .get(k)
                        .and_then(|v| v.as_str())
                        .unwrap_or("")
                        .to_string()
                };
                self.line(&format!(
                    "runbook {} on hub {} (resource group {}, subscription {}){}",
                    runbook.name,
                    t("hub"),
                    t("resource_group"),
                    t("subscription"),
                    if *dry_run {
                        " — DRY RUN: nothing will be changed"
                    } else {
                        ""
                    }
                ));
                self.line(&format!("DR log: {log_path}"));
            }
            RunEvent::StepStarted {
                step,
                name,
                attempt,
                ..
            } => {
                if self.interactive {
                    let pb = ProgressBar::new_spinner();
                    pb.set_style(
                        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {msg}")
                            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                    );
                    let retry = if *attempt > 1 {
                        format!(" (attempt {attempt})")
                    } else {
                        String::new()
                    };
                    pb.set_message(escape(&format!("{name} [{step}]{retry}")).into_owned());
                    pb.enable_steady_tick(Duration::from_millis(120));
                    self.clear_live();
                    self.live = Some(pb);
                }
            }
            RunEvent::StepProgress {
                step,
                message,
                elapsed_ms,
                timeout_ms,
                hub_state,
            } => {
                // The spinner shows a live elapsed clock of its own; plain lines carry the
                // elapsed time as of the event.
                let mut tail = String::new();
                if let Some(t) = timeout_ms {
                    tail.push_str(&format!(", timeout {}", fmt_duration(*t)));
                }
                if let Some(s) = hub_state {
                    tail.push_str(&format!(", hub {s}"));
                }
                if let Some(pb) = &self.live {
                    pb.set_message(escape(&format!("{step}: {message}{tail}")).into_owned());
                } else if !message.starts_with("sleeping") {
                    self.line(&format!(
                        "  … {step}: {message}, {} elapsed{tail}",
                        fmt_duration(*elapsed_ms)
                    ));
                }
            }
            RunEvent::StepRetrying {
                step,
                attempt,
                delay_ms,
                error,
            } => {
                self.clear_live();
                let msg = format!(
                    "  ↻ {step}: attempt {attempt} failed ({error}); retrying in {}",
                    fmt_duration(*delay_ms)
                );
                self.painted_line("33", &msg);
            }
            RunEvent::TargetRegionKnown { region, source } => {
                self.clear_live();
                self.line(&format!("failover target: {region} ({source})"));
            }
            RunEvent::PreflightChecked { preflight } => {
                self.clear_live();
                self.line("preflight (what Azure would refuse the failover for):");
                for line in crate::commands::preflight::check_lines(&preflight.checks) {
                    self.line(&line);
                }
            }
            // Journal-only: the terminal shows the failover once ARM accepts it.
            RunEvent::FailoverIntent { .. } => {}
            RunEvent::FailoverStarted { region, .. } => {
                self.clear_live();
                let msg =
                    format!("  ! failover to {region} started: from here on the hub is changing");
                self.painted_line("33", &msg);
            }
            RunEvent::StepFinished { record } => {
                self.clear_live();
                let (mark, code) = match record.status {
                    StepStatus::Success => ("✓", "32"),
                    StepStatus::Warning => ("⚠", "33"),
                    StepStatus::Failed => ("✗", "31"),
                    StepStatus::Skipped => ("-", "2"),
                    StepStatus::Cancelled => ("⊘", "31"),
                };
                let section = if record.section == SectionName::Steps {
                    String::new()
                } else {
                    format!("[{}] ", record.section)
                };
                // Retries are how throttling and flaky ARM calls show: worth seeing at 3 a.m.
                let mut extra = String::new();
                if record.attempts > 1 {
                    extra.push_str(&format!(", {} attempts", record.attempts));
                }
                if record.http_retries > 0 {
                    let noun = if record.http_retries == 1 {
                        "ARM request"
                    } else {
                        "ARM requests"
                    };
                    extra.push_str(&format!(", {} {noun} retried", record.http_retries));
                }
                let text = format!(
                    "{section}{} ({}{extra}) {}",
                    record.step,
                    fmt_duration(record.duration_ms),
                    record.details
                );
                self.marked_line(code, mark, &text);
            }
            RunEvent::ObjectivesMeasured { objectives } => {
                self.clear_live();
                // A run that never failed over measured nothing: one line says why.
                if let Some(first) = objectives.first()
                    && objectives.iter().all(|o| o.met.is_none())
                {
                    let text = format!("- objectives: {}", first.details);
                    self.painted_line("2", &text);
                    return;
                }
                for o in objectives {
                    let (mark, code, verdict) = match o.met {
                        Some(true) => ("✓", "32", "met"),
                        Some(false) if o.advisory => ("⚠", "33", "missed (advisory)"),
                        Some(false) => ("✗", "31", "MISSED"),
                        None => ("-", "2", "not measured"),
                    };
                    let measured = o.measured.as_deref().unwrap_or("-");
                    let text = format!(
                        "objective {}: {verdict}: measured {measured}, target {}",
                        o.objective, o.target
                    );
                    self.marked_line(code, mark, &text);
                }
            }
            RunEvent::RunFinished { .. } => self.clear_live(),
        }
    }
}
