//! The hubs' completed failovers, as far as earlier runs recorded them on disk.
//!
//! The history directory (a single run's DR-log directory, a fleet directory's parent, or
//! `--history-dir`) is scanned once per run, off the runtime, while the hub lock is held:
//! its DR logs (`*.json`) and journals (`*.jsonl`), and those of the fleet directories
//! directly inside it (a subdirectory holding a `fleet.json`), so `drills/2026-12-04/` sees
//! what `drills/2026-12-03/` did. Both kinds of file are read as typed records: a DR log
//! through `runbook_record::lenient` (a log written by an older version, or trimmed, still
//! reads), a journal line by line by its `event` tag (its `run_started`, and its
//! `step_finished` records read leniently the same way). A `failover` step record that ran
//! gives the direction (`from_region` -> `region`), and an `await` record that succeeded on
//! it gives `completed_at`. `HistoryIndex` keeps them by hub (subscription, resource group
//! and hub compared case-insensitively) and run, so a fleet scans once for all its hubs.
//! Files not touched within the lookback, files that do not parse, and anything past
//! `READ_LIMIT` bytes are left out: an old or odd file never fails a drill. Runs whose hubs
//! lived in their own process's emulator (`--emulator`; a journal's `run_started` or a fleet
//! log says so) are left out too: those hubs ended with that process. A journal and the
//! DR log of the same run name the same failovers once (by run id and step id), and a run's
//! own files are left out of its history (its own failovers come from memory). A record whose
//! hub a secret parameter masked is kept under its keyed fingerprint (`hub_fingerprint`), and
//! a hub is looked up by its fingerprint as well as its name.

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use runbook_record::lenient;
use runbook_record::{DrLog, StepKindName, StepRecord, StepStatus};
use serde::Deserialize;
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::cooldown::PastFailover;
use crate::hub_fingerprint::{HistoryKey, machine_key};
use crate::redact::MASK;
use crate::target::HubTarget;

/// At most this much of one file is read; a DR log or journal past it is cut and most likely
/// skipped as unparsable (a journal keeps its whole lines).
const READ_LIMIT: u64 = 16 * 1024 * 1024;

/// A fleet directory is recognised by this file (see `runbook-fleet`).
const FLEET_LOG_NAME: &str = "fleet.json";

/// A hub's identity as the history compares it: case-insensitive, surrounding spaces ignored.
pub(crate) fn owner_key(subscription: &str, resource_group: &str, hub: &str) -> String {
    let norm = |s: &str| s.trim().to_lowercase();
    format!(
        "{}\0{}\0{}",
        norm(subscription),
        norm(resource_group),
        norm(hub)
    )
}

/// Completed failovers found in a history directory, by hub and run.
#[derive(Debug, Clone, Default)]
pub struct HistoryIndex {
    /// hub key (or, for a record that masks the hub, its fingerprint) -> (run id, step id,
    /// failover) in the order found.
    by_hub: HashMap<String, Vec<(String, String, PastFailover)>>,
    /// This machine's fingerprint key, when some record was found under a fingerprint.
    fingerprints: Option<&'static HistoryKey>,
}

impl HistoryIndex {
    /// Scans `dir` and the fleet directories directly inside it, keeping files modified within
    /// `lookback` (a file is written after the failovers it records). Blocking file I/O: call
    /// it off the runtime.
    pub fn scan(dir: &Path, lookback: Duration) -> Self {
        let mut index = Self::default();
        let mut seen: HashSet<(String, String)> = HashSet::new();
        let oldest = SystemTime::now().checked_sub(lookback);
        let mut runs: Vec<(RunRecords, String)> = Vec::new();
        // Runs whose hubs lived in an emulator inside their own process: those hubs ended with
        // it, so their failovers are no other run's history (a DR log does not say so; its
        // journal's `run_started` does).
        let mut emulated: HashSet<String> = HashSet::new();
        for path in history_files(dir) {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let journal = name.ends_with(".jsonl");
            if !journal && (!name.ends_with(".json") || name == FLEET_LOG_NAME) {
                continue;
            }
            let Ok(meta) = std::fs::metadata(&path) else {
                continue;
            };
            if !meta.is_file() {
                continue;
            }
            if let (Some(oldest), Ok(modified)) = (oldest, meta.modified())
                && modified < oldest
            {
                continue;
            }
            let Some(text) = read_capped(&path) else {
                continue;
            };
            let parsed = if journal {
                from_journal(&text)
            } else {
                from_dr_log(&text)
            };
            let Some(run) = parsed else { continue };
            if run.in_process_emulator {
                emulated.insert(run.run_id.clone());
            }
            runs.push((run, path.display().to_string()));
        }
        for (run, source) in runs {
            if emulated.contains(&run.run_id) {
                continue;
            }
            // A masked identity (`***`) names no hub; its fingerprint does, on this machine.
            let masked = [&run.subscription, &run.resource_group, &run.hub]
                .iter()
                .any(|part| part.contains(MASK));
            let key = match &run.hub_fingerprint {
                Some(fingerprint) if masked => {
                    index.fingerprints = machine_key();
                    fingerprint.clone()
                }
                _ => owner_key(&run.subscription, &run.resource_group, &run.hub),
            };
            for (step, mut f) in completed(&run.records) {
                if seen.insert((run.run_id.clone(), step.clone())) {
                    f.source = source.clone();
                    index.by_hub.entry(key.clone()).or_default().push((
                        run.run_id.clone(),
                        step,
                        f,
                    ));
                }
            }
        }
        index
    }

    /// The completed failovers of `target` recorded by runs other than `this_run`.
    pub fn for_hub(&self, target: &HubTarget, this_run: &str) -> Vec<PastFailover> {
        let named = owner_key(&target.subscription, &target.resource_group, &target.hub);
        let fingerprinted = self.fingerprints.map(|k| k.fingerprint(target));
        [Some(named), fingerprinted]
            .into_iter()
            .flatten()
            .filter_map(|key| self.by_hub.get(&key))
            .flatten()
            .filter(|(run, _, _)| run != this_run)
            .map(|(_, _, f)| f.clone())
            .collect()
    }
}

/// The files of `dir`, then those of each fleet directory directly inside it (but for a
/// fleet whose hubs lived in its own process's emulator).
fn history_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        if !is_dir {
            files.push(path);
        } else if path.join(FLEET_LOG_NAME).is_file()
            && !emulated_fleet(&path.join(FLEET_LOG_NAME))
            && let Ok(inner) = std::fs::read_dir(&path)
        {
            files.extend(inner.flatten().map(|e| e.path()));
        }
    }
    files
}

/// Whether a fleet log says its hubs lived in the fleet process's own emulator.
fn emulated_fleet(fleet_log: &Path) -> bool {
    #[derive(Deserialize)]
    struct Marker {
        #[serde(default)]
        in_process_emulator: bool,
    }
    read_capped(fleet_log)
        .and_then(|t| serde_json::from_str::<Marker>(&t).ok())
        .is_some_and(|m| m.in_process_emulator)
}

/// The completed failovers of `target` recorded in `dir` (and its fleet directories) by runs
/// other than `this_run`, from files modified within `lookback`.
#[cfg(test)]
fn load(dir: &Path, target: &HubTarget, this_run: &str, lookback: Duration) -> Vec<PastFailover> {
    HistoryIndex::scan(dir, lookback).for_hub(target, this_run)
}

fn read_capped(path: &Path) -> Option<String> {
    let file = std::fs::File::open(path).ok()?;
    let mut bytes = Vec::new();
    file.take(READ_LIMIT).read_to_end(&mut bytes).ok()?;
    String::from_utf8(bytes).ok()
}

/// What one file says about one run.
struct RunRecords {
    run_id: String,
    subscription: String,
    resource_group: String,
    hub: String,
    /// Step records, in the order written (a later record of a step replaces an earlier one).
    records: Vec<StepRecord>,
    /// The run's hubs lived in its own process's emulator (known from a journal only).
    in_process_emulator: bool,
    /// The hub's keyed fingerprint, recorded when a secret masks its identity.
    hub_fingerprint: Option<String>,
}

/// The hub a journal's `run_started` names (its `target`).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct JournalTarget {
    subscription: String,
    resource_group: String,
    hub: String,
}

/// What the history needs of a journal line: the run's start and the step records. A line
/// is typed by its `event` tag; every other event is passed over unread.
#[derive(Debug, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
enum JournalLine {
    RunStarted {
        run_id: String,
        #[serde(default)]
        target: JournalTarget,
        #[serde(default)]
        in_process_emulator: bool,
        #[serde(default)]
        hub_fingerprint: Option<String>,
    },
    StepFinished {
        record: Value,
    },
    #[serde(other)]
    Other,
}

/// A DR log, read leniently (fields an older or trimmed log lacks read as empty).
fn from_dr_log(text: &str) -> Option<RunRecords> {
    let value: Value = serde_json::from_str(text).ok()?;
    // Other JSON files share the directory (test files, reports' data): only a DR log
    // carries a schema version.
    value.get("schema_version")?;
    let log: DrLog = lenient::dr_log_from_value(value).ok()?;
    Some(RunRecords {
        run_id: log.run_id,
        subscription: log.subscription,
        resource_group: log.resource_group,
        hub: log.hub_name,
        records: log.steps,
        in_process_emulator: false,
        hub_fingerprint: log.hub_fingerprint,
    })
}

/// A journal: `run_started` first, then events; a torn or unreadable line is passed over.
/// Step records are read leniently, as a DR log's are.
fn from_journal(text: &str) -> Option<RunRecords> {
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let JournalLine::RunStarted {
        run_id,
        target,
        in_process_emulator,
        hub_fingerprint,
    } = serde_json::from_str(lines.next()?).ok()?
    else {
        return None;
    };
    let records = lines
        .filter_map(|l| match serde_json::from_str(l).ok()? {
            JournalLine::StepFinished { record } => lenient::step_record_from_value(record).ok(),
            _ => None,
        })
        .collect();
    Some(RunRecords {
        run_id,
        subscription: target.subscription,
        resource_group: target.resource_group,
        hub: target.hub,
        records,
        in_process_emulator,
        hub_fingerprint,
    })
}

/// The failovers these step records show as completed, keyed by the failover step's id.
/// `source` is left empty for the caller.
pub(crate) fn completed(records: &[StepRecord]) -> Vec<(String, PastFailover)> {
    let ran = |r: &StepRecord| matches!(r.status, StepStatus::Success | StepStatus::Warning);
    let output = |r: &StepRecord, key: &str| {
        r.outputs
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let mut latest: HashMap<&str, &StepRecord> = HashMap::new();
    for r in records {
        latest.insert(r.step.as_str(), r);
    }
    let mut out = Vec::new();
    for r in latest.values() {
        if r.kind != StepKindName::Await || !ran(r) {
            continue;
        }
        let Some(operation) = r.inputs.get("operation").and_then(Value::as_str) else {
            continue;
        };
        let Some(failover) = latest.get(operation) else {
            continue;
        };
        if failover.kind != StepKindName::Failover || !ran(failover) {
            continue;
        }
        let (from, to) = (output(failover, "from_region"), output(failover, "region"));
        let Ok(completed_at) = OffsetDateTime::parse(&output(r, "completed_at"), &Rfc3339) else {
            continue;
        };
        if from.is_empty() || to.is_empty() {
            continue;
        }
        out.push((
            operation.to_string(),
            PastFailover {
                from,
                to,
                completed_at,
                source: String::new(),
            },
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn target() -> HubTarget {
        HubTarget {
            subscription: "sub".into(),
            resource_group: "rg".into(),
            hub: "hub".into(),
        }
    }

    fn steps(completed_at: &str) -> Value {
        json!([
            {"step": "f", "kind": "failover", "status": "success", "inputs": {},
             "outputs": {"region": "westus", "from_region": "westus2"}},
            {"step": "w", "kind": "await", "status": "success", "inputs": {"operation": "f"},
             "outputs": {"completed_at": completed_at}},
        ])
    }

    fn dr_log(run_id: &str, hub: &str, completed_at: &str) -> String {
        json!({"schema_version": "1", "run_id": run_id, "subscription": "SUB",
               "resource_group": "RG", "hub_name": hub, "steps": steps(completed_at)})
        .to_string()
    }

    #[test]
    fn reads_completed_failovers_of_the_same_hub_once_per_run() {
        let dir = tempfile::tempdir().expect("tempdir");
        let at = "2026-11-26T11:50:00Z";
        std::fs::write(dir.path().join("a.json"), dr_log("r1", "HUB", at)).expect("write");
        // The same run's journal names the same failover: counted once.
        let journal = [
            json!({"event": "run_started", "run_id": "r1",
                   "target": {"subscription": "sub", "resource_group": "rg", "hub": "hub"}}),
            json!({"event": "step_finished", "record": steps(at)[0]}),
            json!({"event": "step_finished", "record": steps(at)[1]}),
        ]
        .iter()
        .map(Value::to_string)
        .collect::<Vec<_>>()
        .join("\n")
            + "\n{\"torn";
        std::fs::write(dir.path().join("a.json.jsonl"), journal).expect("write");
        std::fs::write(dir.path().join("other.json"), dr_log("r2", "other-hub", at))
            .expect("write");
        std::fs::write(dir.path().join("mine.json"), dr_log("me", "hub", at)).expect("write");
        std::fs::write(dir.path().join("junk.json"), "{not json").expect("write");
        std::fs::write(dir.path().join("list.json"), "[1, 2]").expect("write");

        let found = load(dir.path(), &target(), "me", Duration::from_secs(3600));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].from, "westus2");
        assert_eq!(found[0].to, "westus");
        assert_eq!(rfc(found[0].completed_at), at);
    }

    fn rfc(t: OffsetDateTime) -> String {
        crate::clock::rfc3339(t)
    }

    #[test]
    fn a_failover_without_a_successful_await_is_not_completed() {
        let mut s = steps("2026-11-26T11:50:00Z");
        s[1]["status"] = json!("failed");
        let log = runbook_record::lenient::dr_log_from_value(json!({"steps": s})).expect("reads");
        assert_eq!(log.steps.len(), 2);
        assert!(completed(&log.steps).is_empty());
        s[1]["status"] = json!("success");
        let log = runbook_record::lenient::dr_log_from_value(json!({"steps": s})).expect("reads");
        assert_eq!(completed(&log.steps).len(), 1);
    }

    #[test]
    fn runs_against_their_own_in_process_emulator_are_no_history() {
        let dir = tempfile::tempdir().expect("tempdir");
        let at = "2026-11-26T11:50:00Z";
        // A single run under --emulator: its DR log does not say so, its journal does.
        std::fs::write(dir.path().join("emu.json"), dr_log("e1", "hub", at)).expect("write");
        let started = json!({"event": "run_started", "run_id": "e1", "in_process_emulator": true,
                             "target": {"subscription": "sub", "resource_group": "rg", "hub": "hub"}});
        std::fs::write(dir.path().join("emu.json.jsonl"), started.to_string()).expect("write");
        // A fleet under --emulator: its fleet log says so.
        let fleet = dir.path().join("fleet-emu");
        std::fs::create_dir(&fleet).expect("mkdir");
        std::fs::write(fleet.join("fleet.json"), r#"{"in_process_emulator": true}"#)
            .expect("write");
        std::fs::write(fleet.join("hub.json"), dr_log("e2", "hub", at)).expect("write");
        assert!(load(dir.path(), &target(), "me", Duration::from_secs(3600)).is_empty());

        // The same fleet against a real ARM (or a standalone emulator) is history.
        std::fs::write(fleet.join("fleet.json"), "{}").expect("write");
        assert_eq!(
            load(dir.path(), &target(), "me", Duration::from_secs(3600)).len(),
            1
        );
    }

    #[test]
    fn a_missing_directory_is_no_history() {
        let found = load(
            Path::new("/nonexistent/dir"),
            &target(),
            "me",
            Duration::from_secs(1),
        );
        assert!(found.is_empty());
    }
}
