//! The end-of-run summary on the terminal: status and reason, regions before and after, the
//! failover's duration, device counts, endpoint health, objectives met and where the DR log
//! is. Rendered from the finished DR log, so it says exactly what the log says; when that log
//! could not be written, the summary leads with that instead of the verdict (a drill nobody
//! can audit did not succeed) and says where the journal is. Text from the log is escaped for
//! the terminal (`terminal_text`): a reason can carry whatever ARM's message held. Under a
//! scaled emulator the objectives line says its durations are in emulated time.

use runbook_record::{DrLog, RunStatus, SectionName, StepStatus};

use crate::run_ending::LogWrite;
use crate::terminal_text::escape;

pub fn render(log: &DrLog, write: &LogWrite<'_>) -> String {
    let (name, hub) = (esc(&log.runbook.name), esc(&log.hub_name));
    let (path, journal) = (
        esc(&write.path.display().to_string()),
        esc(&write.journal.display().to_string()),
    );
    let opt = |v: &Option<String>| v.as_deref().map_or_else(|| "-".to_string(), esc);
    let num = |v: Option<u64>| v.map_or_else(|| "-".to_string(), |n| n.to_string());
    let status = match log.status {
        RunStatus::Succeeded => "SUCCEEDED",
        RunStatus::Failed => "FAILED",
        RunStatus::Aborted => "ABORTED (nothing was changed)",
        RunStatus::Cancelled => "CANCELLED",
    };
    // A rollback or finally step that failed is exit 4 whatever the run's status: say which.
    let cleanup_failed: Vec<&str> = log
        .steps
        .iter()
        .filter(|r| r.section != SectionName::Steps && r.status == StepStatus::Failed)
        .map(|r| r.step.as_str())
        .collect();
    let status = if cleanup_failed.is_empty() || log.status == RunStatus::Cancelled {
        status.to_string()
    } else {
        format!(
            "{status}, AND CLEANUP FAILED (rollback/finally step {} failed; exit 4)",
            cleanup_failed.join(", ")
        )
    };
    let mut s = if write.written() {
        format!("\n{status}: {name} on {hub}\n")
    } else {
        let outcome = match log.status {
            RunStatus::Succeeded => "succeeded",
            RunStatus::Failed => "failed",
            RunStatus::Aborted => "aborted before any change",
            RunStatus::Cancelled => "was cancelled",
        };
        format!("\nDR LOG NOT WRITTEN: {name} on {hub} (the drill {outcome})\n")
    };
    if let Some(r) = &log.status_reason {
        s.push_str(&format!("  reason:    {}\n", esc(r)));
    }
    if log.pre_failover_location.is_some() || log.post_failover_location.is_some() {
        s.push_str(&format!(
            "  region:    {} -> {}\n",
            opt(&log.pre_failover_location),
            opt(&log.post_failover_location)
        ));
    }
    if let Some(d) = log.failover_duration_seconds {
        s.push_str(&format!("  failover:  {d:.1}s\n"));
    }
    if log.pre_failover_device_count.is_some() || log.post_failover_device_count.is_some() {
        s.push_str(&format!(
            "  devices:   {} -> {}\n",
            num(log.pre_failover_device_count),
            num(log.post_failover_device_count)
        ));
    }
    if let Some(h) = &log.post_failover_endpoint_health {
        s.push_str(&format!("  endpoints: {}/{} healthy\n", h.healthy, h.total));
    }
    if !log.objectives.is_empty() {
        let names = |met: Option<bool>| -> Vec<String> {
            log.objectives
                .iter()
                .filter(|o| o.met == met)
                .map(|o| esc(&o.objective))
                .collect()
        };
        let (met, missed, unmeasured) = (names(Some(true)), names(Some(false)), names(None));
        let mut line = if unmeasured.len() == log.objectives.len() {
            "not measured".to_string()
        } else {
            let mut line = format!("{} of {} met", met.len(), log.objectives.len());
            if !missed.is_empty() {
                line.push_str(&format!("; missed: {}", missed.join(", ")));
            }
            if !unmeasured.is_empty() {
                line.push_str(&format!("; not measured: {}", unmeasured.join(", ")));
            }
            line
        };
        // Under a scaled emulator, an RTO of 21 s may come from a 4 s run: say whose seconds.
        if let Some(scale) = log.time_scale.filter(|s| *s > 0.0 && *s != 1.0)
            && unmeasured.len() < log.objectives.len()
        {
            line.push_str(&format!(
                " (durations in emulated time, {}x faster than real)",
                (1.0 / scale).round()
            ));
        }
        s.push_str(&format!("  objectives: {line}\n"));
    }
    match &write.error {
        None => s.push_str(&format!("  DR log:    {path}\n")),
        Some(why) => {
            s.push_str(&format!(
                "  DR log:    NOT WRITTEN to {path} ({})\n",
                esc(why)
            ));
            let state = if write.journal_failed {
                "stopped during the run; this summary is the only full account"
            } else {
                "holds every event of this run"
            };
            s.push_str(&format!("  journal:   {journal} {state}\n"));
        }
    }
    s
}

fn esc(text: &str) -> String {
    escape(text).into_owned()
}
