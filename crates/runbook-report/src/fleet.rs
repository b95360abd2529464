//! The fleet page's model: one or more fleet directories (shards of one fleet) in, one
//! `Fleet` out, which `fleet_html` and `fleet_markdown` lay out.
//!
//! Each directory's `fleet.json` (the run record's `FleetLog`) lists its hubs; each hub's own
//! DR log, read through this crate's lenient reader, adds what the fleet log does not carry:
//! the steps, the ARM retries and throttled steps, and the `rto` objective's measurement.
//! Only those few facts are kept per hub, so 10,000 hubs cost little memory. Hubs are
//! ordered failures first (then by subscription, resource group and name), and each gets a
//! unique anchor for its section. Nothing here reads the clock or the network.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use runbook_record::code::ErrorCode;
use runbook_record::fleet::{
    FLEET_LOG_NAME, FleetCounts, FleetHubRecord, FleetHubStatus, FleetLog, fleet_exit_code,
};
use runbook_record::status::StepStatus;

use crate::rto_stats::RtoStats;

/// Whether `path` is a fleet directory (it holds a fleet log).
pub fn is_fleet_dir(path: &Path) -> bool {
    path.is_dir() && path.join(FLEET_LOG_NAME).is_file()
}

/// One fleet directory as read.
#[derive(Debug)]
pub struct Shard {
    /// The directory as given on the command line.
    pub dir: String,
    pub log: FleetLog,
}

/// One step of a hub's run, as the hub's section lists it.
#[derive(Debug, Clone)]
pub struct StepBrief {
    pub id: String,
    pub status: StepStatus,
    pub duration_ms: u64,
}

/// One hub of the fleet: its fleet-log record and the few facts its DR log adds.
#[derive(Debug)]
pub struct Hub {
    pub rec: FleetHubRecord,
    /// Index into `Fleet::shards`.
    pub shard: usize,
    /// The id of its section on the page (unique on the page).
    pub anchor: String,
    /// Its recovery time in seconds (see `Fleet::rto_source`).
    pub rto: Option<f64>,
    /// Requests the ARM client re-sent (429s, 5xx, dropped connections), from its DR log.
    pub http_retries: u64,
    /// Steps that ended throttled by ARM.
    pub throttled_steps: usize,
    pub steps: Vec<StepBrief>,
    /// The first failed step, if any.
    pub failed_step: Option<String>,
    /// Why its DR log is not part of the page (a hub that ran, whose log is missing).
    pub log_note: Option<String>,
}

/// One subscription's share of the fleet.
#[derive(Debug, Default)]
pub struct Subscription {
    pub id: String,
    pub counts: FleetCounts,
    pub http_retries: u64,
    pub throttled_steps: usize,
}

impl Subscription {
    /// Hubs that ran to an end (not never-started, not interrupted).
    pub fn finished(&self) -> usize {
        self.counts.total - self.counts.not_started - self.counts.cancelled
    }
}

/// The fleet's one-word verdict, from the fleet exit code all shards' hubs fold to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FleetVerdict {
    Passed,
    DryRun,
    Failed,
    /// Some hub stopped before any change or never started; none failed.
    Incomplete,
    Interrupted,
}

impl FleetVerdict {
    pub fn word(self) -> &'static str {
        match self {
            FleetVerdict::Passed => "PASSED",
            FleetVerdict::DryRun => "DRY RUN",
            FleetVerdict::Failed => "FAILED",
            FleetVerdict::Incomplete => "INCOMPLETE",
            FleetVerdict::Interrupted => "INTERRUPTED",
        }
    }

    pub fn tone(self) -> &'static str {
        match self {
            FleetVerdict::Passed => "good",
            FleetVerdict::DryRun => "neutral",
            FleetVerdict::Failed | FleetVerdict::Interrupted => "bad",
            FleetVerdict::Incomplete => "caution",
        }
    }

    pub fn emoji(self) -> &'static str {
        match self {
            FleetVerdict::Passed => "✅",
            FleetVerdict::DryRun => "🧪",
            FleetVerdict::Failed | FleetVerdict::Interrupted => "❌",
            FleetVerdict::Incomplete => "⚠️",
        }
    }
}

/// The whole fleet, ready to lay out.
#[derive(Debug)]
pub struct Fleet {
    pub shards: Vec<Shard>,
    /// Failures first, then by subscription, resource group and hub name.
    pub hubs: Vec<Hub>,
    pub counts: FleetCounts,
    pub subscriptions: Vec<Subscription>,
    pub verdict: FleetVerdict,
    pub exit_code: i32,
    pub rto: Option<RtoStats>,
    /// What `rto` measures: the runbooks' `rto` objective, else the failover duration.
    pub rto_source: &'static str,
    /// 429s ARM answered, summed over the shards' fleet logs.
    pub throttled_429s: u64,
    pub started_at: String,
    pub ended_at: String,
    /// Runbook names, distinct, in shard order.
    pub runbooks: Vec<String>,
}

/// Reads the fleet directories `dirs` into one fleet. A directory without a readable fleet
/// log, or a hub DR log that is there but unreadable, is an error naming the file.
pub fn read(dirs: &[&Path]) -> Result<Fleet, String> {
    let mut shards = Vec::new();
    let mut hubs = Vec::new();
    for (i, dir) in dirs.iter().enumerate() {
        let path = dir.join(FLEET_LOG_NAME);
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
        let log: FleetLog = serde_json::from_str(&text)
            .map_err(|e| format!("{}: not a fleet log: {e}", path.display()))?;
        for rec in &log.hubs {
            hubs.push(hub(dir, i, rec.clone())?);
        }
        shards.push(Shard {
            dir: dir.display().to_string(),
            log,
        });
    }
    Ok(assemble(shards, hubs))
}

/// One hub, with what its DR log adds when it has one.
fn hub(dir: &Path, shard: usize, rec: FleetHubRecord) -> Result<Hub, String> {
    let mut h = Hub {
        rec,
        shard,
        anchor: String::new(),
        rto: None,
        http_retries: 0,
        throttled_steps: 0,
        steps: Vec::new(),
        failed_step: None,
        log_note: None,
    };
    h.rto = h.rec.failover_duration_seconds;
    let path = dir.join(&h.rec.log);
    if !path.is_file() {
        if h.rec.run_id.is_some() {
            h.log_note = Some(format!("its DR log {} is missing", h.rec.log));
        }
        return Ok(h);
    }
    let log = crate::read_file(&path)?
        .into_iter()
        .next()
        .ok_or_else(|| format!("{}: no DR log in it", path.display()))?;
    if let Some(o) = log.objectives.iter().find(|o| o.objective == "rto") {
        h.rto = o.measured_value;
    }
    for s in &log.steps {
        h.http_retries += s.http_retries;
        if s.error
            .as_ref()
            .is_some_and(|e| e.code == ErrorCode::Throttled)
        {
            h.throttled_steps += 1;
        }
        if s.status == StepStatus::Failed && h.failed_step.is_none() {
            h.failed_step = Some(s.step.clone());
        }
        h.steps.push(StepBrief {
            id: s.step.clone(),
            status: s.status,
            duration_ms: s.duration_ms,
        });
    }
    Ok(h)
}

/// Where a status sorts: the ones that need a look first.
fn rank(status: FleetHubStatus) -> u8 {
    match status {
        FleetHubStatus::Failed => 0,
        FleetHubStatus::Error => 1,
        FleetHubStatus::Aborted => 2,
        FleetHubStatus::Cancelled => 3,
        FleetHubStatus::NotStarted => 4,
        FleetHubStatus::Succeeded => 5,
    }
}

fn assemble(shards: Vec<Shard>, mut hubs: Vec<Hub>) -> Fleet {
    hubs.sort_by(|a, b| {
        (
            rank(a.rec.status),
            &a.rec.subscription,
            &a.rec.resource_group,
            &a.rec.hub,
        )
            .cmp(&(
                rank(b.rec.status),
                &b.rec.subscription,
                &b.rec.resource_group,
                &b.rec.hub,
            ))
    });
    let mut taken = HashSet::new();
    for h in &mut hubs {
        h.anchor = anchor(&h.rec.hub, &mut taken);
    }
    let records: Vec<FleetHubRecord> = hubs.iter().map(|h| h.rec.clone()).collect();
    let interrupted = shards.iter().any(|s| s.log.interrupted);
    let exit_code = fleet_exit_code(&records, interrupted);
    let dry_run = !shards.is_empty() && shards.iter().all(|s| s.log.dry_run);
    let verdict = match exit_code {
        0 if dry_run => FleetVerdict::DryRun,
        0 => FleetVerdict::Passed,
        3 => FleetVerdict::Incomplete,
        130 => FleetVerdict::Interrupted,
        _ => FleetVerdict::Failed,
    };
    let mut subs: BTreeMap<&str, Subscription> = BTreeMap::new();
    for h in &hubs {
        let s = subs
            .entry(h.rec.subscription.as_str())
            .or_insert_with(|| Subscription {
                id: h.rec.subscription.clone(),
                ..Subscription::default()
            });
        s.http_retries += h.http_retries;
        s.throttled_steps += h.throttled_steps;
    }
    for s in subs.values_mut() {
        let of_sub: Vec<FleetHubRecord> = records
            .iter()
            .filter(|r| r.subscription == s.id)
            .cloned()
            .collect();
        s.counts = FleetCounts::of(&of_sub);
    }
    let subscriptions = subs.into_values().collect();
    let from_objective = hubs
        .iter()
        .any(|h| h.rto.is_some() && h.rto != h.rec.failover_duration_seconds);
    let rtos: Vec<f64> = hubs.iter().filter_map(|h| h.rto).collect();
    let mut runbooks: Vec<String> = Vec::new();
    for s in &shards {
        if !runbooks.contains(&s.log.runbook.name) {
            runbooks.push(s.log.runbook.name.clone());
        }
    }
    Fleet {
        counts: FleetCounts::of(&records),
        subscriptions,
        verdict,
        exit_code,
        rto: RtoStats::of(&rtos),
        rto_source: if from_objective {
            "the `rto` objective as measured"
        } else {
            "the failover's duration"
        },
        throttled_429s: shards.iter().map(|s| s.log.throttled_429s).sum(),
        started_at: shards
            .iter()
            .map(|s| s.log.started_at.clone())
            .min()
            .unwrap_or_default(),
        ended_at: shards
            .iter()
            .map(|s| s.log.ended_at.clone())
            .max()
            .unwrap_or_default(),
        runbooks,
        shards,
        hubs,
    }
}

/// `hub-<name>` with anything but letters, digits, `-` and `_` made `-`; a name seen before
/// (the same hub name in two subscriptions) gets `-2`, `-3`...
fn anchor(name: &str, taken: &mut HashSet<String>) -> String {
    let clean: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let base = format!("hub-{clean}");
    let mut id = base.clone();
    let mut n = 1;
    while !taken.insert(id.clone()) {
        n += 1;
        id = format!("{base}-{n}");
    }
    id
}

/// The sentence under the verdict: "18 of 20 hubs succeeded; 2 failed."
pub fn sentence(f: &Fleet) -> String {
    let c = &f.counts;
    let mut parts = Vec::new();
    for (n, word) in [
        (c.failed, "failed after a change"),
        (c.error, "could not start"),
        (c.aborted, "stopped before any change"),
        (c.cancelled, "were interrupted"),
        (c.not_started, "never started"),
    ] {
        if n > 0 {
            parts.push(format!("{n} {word}"));
        }
    }
    let head = format!(
        "{} of {} hub{} succeeded",
        c.succeeded,
        c.total,
        if c.total == 1 { "" } else { "s" }
    );
    if parts.is_empty() {
        format!("{head}.")
    } else {
        format!("{head}; {}.", parts.join(", "))
    }
}

/// A status as the page writes it, with its tone.
pub fn status_text(s: FleetHubStatus) -> (&'static str, &'static str) {
    match s {
        FleetHubStatus::Succeeded => ("succeeded", "good"),
        FleetHubStatus::Failed => ("failed", "bad"),
        FleetHubStatus::Error => ("error", "bad"),
        FleetHubStatus::Aborted => ("aborted", "caution"),
        FleetHubStatus::Cancelled => ("interrupted", "bad"),
        FleetHubStatus::NotStarted => ("not started", "neutral"),
    }
}

/// Counts by status, in the page's order, as (label, count, tone).
pub fn count_list(c: &FleetCounts) -> [(&'static str, usize, &'static str); 6] {
    [
        ("succeeded", c.succeeded, "good"),
        ("failed", c.failed, "bad"),
        ("error", c.error, "bad"),
        ("aborted", c.aborted, "caution"),
        ("interrupted", c.cancelled, "bad"),
        ("not started", c.not_started, "neutral"),
    ]
}

/// Who made the page and who wrote the fleet logs, for the footer: ("runbook 0.2.0",
/// " written by runbook 0.1.0").
pub fn provenance(f: &Fleet) -> (String, String) {
    crate::fmt::provenance_of(
        f.shards
            .iter()
            .filter_map(|s| s.log.runbook_version.as_deref()),
    )
}

/// A fleet of `n` hubs without DR logs, the first `failed` of them failed, for tests.
#[cfg(test)]
pub(crate) fn synthetic(n: usize, failed: usize) -> Fleet {
    #![allow(clippy::unwrap_used)]
    let hubs: Vec<serde_json::Value> = (0..n)
        .map(|i| {
            serde_json::json!({
                "subscription": format!("00000000-0000-0000-0000-00000000000{}", i % 3),
                "resource_group": "myResourceGroup",
                "hub": format!("hub-{i:05}"),
                "status": if i < failed { "failed" } else { "succeeded" },
                "reason": if i < failed { Some("step `wait` failed") } else { None },
                "changed": true, "log": format!("hub-{i:05}.json"), "journal": "j",
                "failover_duration_seconds": (i % 40) as f64 * 0.5,
            })
        })
        .collect();
    let log: FleetLog = serde_json::from_value(serde_json::json!({
        "schema_version": "1", "fleet_run_id": "f", "dry_run": false,
        "runbook": { "name": "rb", "path": "rb.yaml", "sha256": "0" },
        "started_at": "2026-11-26T03:15:00Z", "ended_at": "2026-11-26T03:45:00Z",
        "exit_code": 1, "max_concurrency": 5, "max_errors": 0, "stopped_by_max_errors": false,
        "interrupted": false, "throttled_429s": 0, "params": {},
        "counts": FleetCounts::default(), "hubs": hubs,
    }))
    .unwrap();
    let hubs = log
        .hubs
        .iter()
        .map(|rec| hub(Path::new("/nonexistent"), 0, rec.clone()).unwrap())
        .collect();
    assemble(
        vec![Shard {
            dir: "fleet".into(),
            log,
        }],
        hubs,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_are_unique_and_plain() {
        let mut taken = HashSet::new();
        assert_eq!(anchor("Hub.One", &mut taken), "hub-hub-one");
        assert_eq!(anchor("hub.one", &mut taken), "hub-hub-one-2");
        assert_eq!(anchor("a\"<b", &mut taken), "hub-a--b");
    }

    #[test]
    fn failures_come_first_and_the_verdict_folds_every_hub() {
        let f = synthetic(10, 2);
        let order: Vec<&str> = f.hubs.iter().map(|h| h.rec.hub.as_str()).collect();
        assert_eq!(&order[..2], &["hub-00000", "hub-00001"]);
        assert_eq!(f.verdict, FleetVerdict::Failed);
        assert_eq!((f.counts.failed, f.counts.succeeded), (2, 8));
        assert_eq!(f.subscriptions.len(), 3);
        assert_eq!(f.rto.as_ref().map(|r| r.count), Some(10));
        assert_eq!(
            sentence(&f),
            "8 of 10 hubs succeeded; 2 failed after a change."
        );
    }
}
