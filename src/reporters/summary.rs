//! The end-of-run summary on the terminal: status and reason, regions before and after, the
//! failover's duration, device counts, endpoint health, objectives met and where the DR log
//! is. Rendered from the finished DR log, so it says exactly what the log says.

use std::path::Path;

use runbook_record::{DrLog, RunStatus, SectionName, StepStatus};

pub fn render(log: &DrLog, path: &Path) -> String {
    let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".to_string());
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
    let mut s = format!("\n{status}: {} on {}\n", log.runbook.name, log.hub_name);
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
    s.push_str(&format!("  DR log:    {}\n", path.display()));
    s
}
