//! The summary: the verdict first, then the objectives (target against measured) and the facts
//! of the run (hub, regions, times in UTC, devices, endpoints, which runbook ran).
//!
//! Built from one `Drill` as plain text; `markdown` and `html` escape and lay it out.

use crate::fmt;
use runbook_record::{ObjectiveResult as Objective, RunStatus};

use crate::Drill;
use crate::drill::DrillExt;

/// How the drill came out, as a reader should take it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Passed,
    Failed,
    /// Stopped before anything was changed.
    Aborted,
    Interrupted,
    /// A dry run: nothing was changed and nothing was proven.
    DryRun,
}

impl Verdict {
    pub fn of(d: &Drill) -> Verdict {
        match d.status {
            RunStatus::Succeeded if d.dry_run => Verdict::DryRun,
            RunStatus::Succeeded => Verdict::Passed,
            RunStatus::Aborted => Verdict::Aborted,
            RunStatus::Cancelled => Verdict::Interrupted,
            RunStatus::Failed => Verdict::Failed,
        }
    }

    /// The one word shown largest.
    pub fn word(self) -> &'static str {
        match self {
            Verdict::Passed => "PASSED",
            Verdict::Failed => "FAILED",
            Verdict::Aborted => "ABORTED",
            Verdict::Interrupted => "INTERRUPTED",
            Verdict::DryRun => "DRY RUN",
        }
    }

    /// A CSS class and a colour family: good, bad, caution or neutral.
    pub fn tone(self) -> &'static str {
        match self {
            Verdict::Passed => "good",
            Verdict::Failed | Verdict::Interrupted => "bad",
            Verdict::Aborted => "caution",
            Verdict::DryRun => "neutral",
        }
    }

    pub fn emoji(self) -> &'static str {
        match self {
            Verdict::Passed => "✅",
            Verdict::Failed | Verdict::Interrupted => "❌",
            Verdict::Aborted => "⚠️",
            Verdict::DryRun => "ℹ️",
        }
    }
}

/// How one objective came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Met,
    Missed,
    AdvisoryMiss,
    NotMeasured,
}

impl Outcome {
    pub fn of(o: &Objective) -> Outcome {
        match o.met {
            Some(true) => Outcome::Met,
            Some(false) if o.advisory => Outcome::AdvisoryMiss,
            Some(false) => Outcome::Missed,
            None => Outcome::NotMeasured,
        }
    }

    pub fn word(self) -> &'static str {
        match self {
            Outcome::Met => "MET",
            Outcome::Missed => "MISSED",
            Outcome::AdvisoryMiss => "MISSED (advisory)",
            Outcome::NotMeasured => "NOT MEASURED",
        }
    }

    pub fn tone(self) -> &'static str {
        match self {
            Outcome::Met => "good",
            Outcome::Missed => "bad",
            Outcome::AdvisoryMiss => "caution",
            Outcome::NotMeasured => "neutral",
        }
    }

    pub fn emoji(self) -> &'static str {
        match self {
            Outcome::Met => "✅",
            Outcome::Missed => "❌",
            Outcome::AdvisoryMiss => "⚠️",
            Outcome::NotMeasured => "➖",
        }
    }
}

/// What an objective is called in a report.
pub fn objective_title(name: &str) -> String {
    match name {
        "rto" => "Recovery time (RTO)".to_string(),
        "max_device_drift" => "Device drift, at most".to_string(),
        "min_healthy_endpoints" => "Healthy endpoints, at least".to_string(),
        "max_detection_lag" => "Detection lag, at most".to_string(),
        "device_recovery" => "Devices back (Azure Monitor)".to_string(),
        "telemetry_recovery" => "Telemetry back (Azure Monitor)".to_string(),
        other => other.to_string(),
    }
}

/// A target as a sentence fragment: `≤ 30m`, `≥ 100%`.
pub fn target_text(o: &Objective) -> String {
    let cmp = if o.objective.starts_with("min_") {
        "≥"
    } else {
        "≤"
    };
    let unit = if o.unit == "devices" && !o.target.ends_with('%') {
        " devices"
    } else {
        ""
    };
    format!("{cmp} {}{unit}", o.target)
}

/// The verdict and the facts of one drill, as plain text.
#[derive(Debug, Clone)]
pub struct Summary {
    pub verdict: Verdict,
    pub title: String,
    /// One sentence saying what the verdict rests on.
    pub sentence: String,
    /// Objectives met.
    pub met: usize,
    pub facts: Vec<(&'static str, String)>,
}

impl Summary {
    pub fn of(d: &Drill) -> Summary {
        let verdict = Verdict::of(d);
        let count = |o: Outcome| d.objectives.iter().filter(|x| Outcome::of(x) == o).count();
        let (met, missed, advisory_missed, not_measured) = (
            count(Outcome::Met),
            count(Outcome::Missed),
            count(Outcome::AdvisoryMiss),
            count(Outcome::NotMeasured),
        );
        let name = if d.runbook.name.is_empty() {
            "DR drill"
        } else {
            d.runbook.name.as_str()
        };
        let title = format!("{name} on {}", d.hub_name);
        let regions = regions(d);
        let mut sentence = match verdict {
            Verdict::Passed => format!("The drill passed: {}", moved(d, &regions)),
            Verdict::DryRun => {
                "Dry run: every reading was real, but nothing was changed, so no objective was measured."
                    .to_string()
            }
            _ => format!(
                "The drill {}: {}.",
                match verdict {
                    Verdict::Aborted => "was aborted",
                    Verdict::Interrupted => "was interrupted",
                    _ => "failed",
                },
                d.status_reason
                    .as_deref()
                    .unwrap_or("no reason was recorded")
                    .trim_end_matches('.')
            ),
        };
        if !d.objectives.is_empty() && verdict != Verdict::DryRun {
            let total = d.objectives.len();
            sentence.push_str(&format!(" Objectives: {met} of {total} met"));
            if missed > 0 {
                sentence.push_str(&format!(", {missed} missed"));
            }
            if advisory_missed > 0 {
                sentence.push_str(&format!(", {advisory_missed} advisory missed"));
            }
            if not_measured > 0 {
                sentence.push_str(&format!(", {not_measured} not measured"));
            }
            sentence.push('.');
        }
        Summary {
            verdict,
            title,
            sentence,
            met,
            facts: facts(d, regions),
        }
    }
}

/// `westus2 → westus`, or what is known of it.
fn regions(d: &Drill) -> Option<String> {
    let from = d.pre_failover_location.as_deref();
    let to = d
        .post_failover_location
        .as_deref()
        .or(d.target_region.as_deref());
    match (from, to) {
        (Some(a), Some(b)) if d.changed => Some(format!("{a} → {b}")),
        (Some(a), Some(b)) => Some(format!("{a} (target {b}, not failed over)")),
        (Some(a), None) => Some(a.to_string()),
        (None, Some(b)) => Some(format!("→ {b}")),
        (None, None) => None,
    }
}

fn moved(d: &Drill, regions: &Option<String>) -> String {
    match (d.changed, regions) {
        (true, Some(r)) => format!("{} failed over {r} and every check passed.", d.hub_name),
        _ => "every step passed.".to_string(),
    }
}

fn facts(d: &Drill, regions: Option<String>) -> Vec<(&'static str, String)> {
    let mut f: Vec<(&'static str, String)> = Vec::new();
    f.push(("Hub", d.hub_name.clone()));
    if !d.resource_group.is_empty() {
        f.push(("Resource group", d.resource_group.clone()));
    }
    if !d.subscription.is_empty() {
        f.push(("Subscription", d.subscription.clone()));
    }
    if let Some(r) = regions {
        f.push(("Regions", r));
    }
    let started = d.started();
    let ended = d.ended();
    f.push(("Started", fmt::utc_text(&d.start_time)));
    if let Some(e) = ended {
        f.push(("Ended", fmt::utc(e)));
    }
    if let (Some(s), Some(e)) = (started, ended) {
        f.push(("Took", fmt::seconds((e - s).as_seconds_f64())));
    }
    if let Some(scale) = d.time_scale.filter(|s| *s > 0.0 && *s != 1.0) {
        f.push((
            "Time",
            format!(
                "emulated, {}x faster than real: times above are real, objectives are in emulated time",
                (1.0 / scale).round()
            ),
        ));
    }
    if let Some(s) = &d.failover_started {
        let mut text = format!("requested {}", fmt::utc_text(s));
        if let Some(c) = &d.failover_completed {
            text.push_str(&format!(", completed {}", fmt::utc_text(c)));
        }
        if let Some(secs) = d.failover_duration_seconds {
            text.push_str(&format!(" ({})", fmt::seconds(secs)));
        }
        f.push(("Failover", text));
    }
    if d.pre_failover_device_count.is_some() || d.post_failover_device_count.is_some() {
        f.push((
            "Devices",
            format!(
                "{} before, {} after",
                fmt::opt_num(d.pre_failover_device_count),
                fmt::opt_num(d.post_failover_device_count)
            ),
        ));
    }
    if let Some(h) = &d.post_failover_endpoint_health {
        f.push((
            "Endpoints after",
            format!("{} of {} Healthy", h.healthy, h.total),
        ));
    }
    f.push((
        "Changed in Azure",
        if d.changed { "yes" } else { "no" }.to_string(),
    ));
    if d.dry_run {
        f.push((
            "Dry run",
            "yes: the failover was checked, not made".to_string(),
        ));
    }
    let mut runbook = d.runbook.name.clone();
    if !d.runbook.path.is_empty() {
        runbook.push_str(&format!(" ({})", d.runbook.path));
    }
    f.push(("Runbook", runbook));
    if !d.runbook.sha256.is_empty() {
        f.push(("Runbook SHA-256", d.runbook.sha256.clone()));
    }
    if !d.run_id.is_empty() {
        f.push(("Run id", d.run_id.clone()));
    }
    f
}
