//! The fleet's terminal output: one line per hub event (started, failover accepted, step
//! failed, finished), each prefixed with where the fleet stands, and a summary line on a timer.

use std::sync::Mutex;
use std::time::Instant;

use runbook_engine::{HubTarget, RunEvent};
use runbook_fleet::{FleetObserver, Progress};
use runbook_record::{FleetHubRecord, FleetHubStatus};

/// Prints a line per hub event and, every few seconds, where the fleet stands.
pub(super) struct Printer {
    pub(super) started: Instant,
    pub(super) total: usize,
    pub(super) last: Mutex<Progress>,
}

impl Printer {
    fn tag(&self, p: Progress) -> String {
        format!(
            "[{:>w$}/{} done, {} running, {} failed, {} waiting]",
            p.done,
            self.total,
            p.running,
            p.failed,
            p.waiting,
            w = self.total.to_string().len()
        )
    }

    fn remember(&self, p: Progress) {
        if let Ok(mut last) = self.last.lock() {
            *last = p;
        }
    }

    pub(super) fn summary(&self) {
        let p = self.last.lock().map(|p| *p).unwrap_or_default();
        outln!(
            "{} after {:.0}s",
            self.tag(p),
            self.started.elapsed().as_secs_f64()
        );
    }
}

impl FleetObserver for Printer {
    fn hub_started(&self, hub: &HubTarget, progress: Progress) {
        self.remember(progress);
        outln!("{} {}: started", self.tag(progress), hub.hub);
    }

    fn hub_event(&self, hub: &HubTarget, event: &RunEvent) {
        match event {
            RunEvent::FailoverStarted { region, .. } => {
                outln!("  {}: failover to {region} accepted", hub.hub)
            }
            RunEvent::StepFinished { record } => {
                outln!(
                    "  {}: step {} failed: {}",
                    hub.hub,
                    record.step,
                    crate::terminal_text::escape(&record.details)
                )
            }
            _ => {}
        }
    }

    fn hub_finished(&self, r: &FleetHubRecord, progress: Progress) {
        self.remember(progress);
        let status = serde_json::to_value(r.status)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let failover = r
            .failover_duration_seconds
            .map(|s| format!(", failover {s:.1}s"))
            .unwrap_or_default();
        let reason = match (&r.reason, r.status) {
            (Some(why), s) if s != FleetHubStatus::Succeeded => {
                format!(": {}", crate::terminal_text::escape(why))
            }
            _ => String::new(),
        };
        outln!(
            "{} {}: {status}{failover}{reason}",
            self.tag(progress),
            r.hub
        );
    }

    fn stopping(&self, why: &str, progress: Progress) {
        self.remember(progress);
        outln!("{} {why}", self.tag(progress));
    }
}
