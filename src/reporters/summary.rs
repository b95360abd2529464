//! The end-of-run summary on the terminal: status and reason, regions before and after, the
//! failover's duration, device counts, endpoint health, objectives met and where the DR log
//! is. Rendered from the finished DR log, so it says exactly what the log says; when that log
//! could not be written, the summary leads with that instead of the verdict (a drill nobody
//! can audit did not succeed) and says where the journal is.

use runbook_engine::{DrLog, RunStatus};

use crate::run_ending::LogWrite;

pub fn render(log: &DrLog, write: &LogWrite<'_>) -> String {
    let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".to_string());
    let num = |v: Option<u64>| v.map_or_else(|| "-".to_string(), |n| n.to_string());
    let status = match log.status {
        RunStatus::Succeeded => "SUCCEEDED",
        RunStatus::Failed => "FAILED",
        RunStatus::Aborted => "ABORTED (nothing was changed)",
        RunStatus::Cancelled => "CANCELLED",
    };
    let mut s = if write.written() {
        format!("\n{status}: {} on {}\n", log.runbook.name, log.hub_name)
    } else {
        let outcome = match log.status {
            RunStatus::Succeeded => "succeeded",
            RunStatus::Failed => "failed",
            RunStatus::Aborted => "aborted before any change",
            RunStatus::Cancelled => "was cancelled",
        };
        format!(
            "\nDR LOG NOT WRITTEN: {} on {} (the drill {outcome})\n",
            log.runbook.name, log.hub_name
        )
    };
    if let Some(r) = &log.status_reason {
        s.push_str(&format!("  reason:    {r}\n"));
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
        let names = |met: Option<bool>| -> Vec<&str> {
            log.objectives
                .iter()
                .filter(|o| o.met == met)
                .map(|o| o.objective.as_str())
                .collect()
        };
        let (met, missed, unmeasured) = (names(Some(true)), names(Some(false)), names(None));
        let line = if unmeasured.len() == log.objectives.len() {
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
        s.push_str(&format!("  objectives: {line}\n"));
    }
    match &write.error {
        None => s.push_str(&format!("  DR log:    {}\n", write.path.display())),
        Some(why) => {
            s.push_str(&format!(
                "  DR log:    NOT WRITTEN to {} ({why})\n",
                write.path.display()
            ));
            let journal = if write.journal_failed {
                "stopped during the run; this summary is the only full account"
            } else {
                "holds every event of this run"
            };
            s.push_str(&format!(
                "  journal:   {} {journal}\n",
                write.journal.display()
            ));
        }
    }
    s
}
