//! The target hub's completed failovers, as far as earlier runs recorded them on disk.
//!
//! Scans one directory (where this run writes its DR log) for DR logs (`*.json`) and journals
//! (`*.jsonl`). Both carry step records: a `failover` step that ran gives the direction
//! (`from_region` -> `region`), and an `await` step that succeeded on it gives `completed_at`.
//! Files of other hubs (subscription, resource group and hub compared case-insensitively),
//! files of this very run (by `run_id`: its own failovers come from memory, so none counts
//! twice), files not touched within the lookback, files that do not parse, and anything past
//! `READ_LIMIT` bytes are left out: an old or odd file never fails a drill. A journal and the
//! DR log of the same run name the same failovers once (by run id and step id).
//!
//! A file's hub never changes, so once a file has been read the process remembers whose it is
//! (`OWNERS`) and skips other hubs' files unread: a fleet run writes a thousand hubs' logs into
//! one directory, and each hub's failover would otherwise parse all of them.

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, SystemTime};

use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::cooldown::PastFailover;
use crate::target::HubTarget;

/// At most this much of one file is read; a DR log or journal past it is cut and most likely
/// skipped as unparsable (a journal keeps its whole lines).
const READ_LIMIT: u64 = 16 * 1024 * 1024;

/// Files already read, and the hub (`owner_key`) each belongs to.
static OWNERS: OnceLock<Mutex<HashMap<PathBuf, String>>> = OnceLock::new();

fn owner_key(subscription: &str, resource_group: &str, hub: &str) -> String {
    let norm = |s: &str| s.trim().to_lowercase();
    format!(
        "{}\0{}\0{}",
        norm(subscription),
        norm(resource_group),
        norm(hub)
    )
}

/// The hub a file read earlier belongs to, if it was read.
fn known_owner(path: &Path) -> Option<String> {
    OWNERS.get()?.lock().ok()?.get(path).cloned()
}

fn remember_owner(path: &Path, owner: String) {
    if let Ok(mut owners) = OWNERS.get_or_init(|| Mutex::new(HashMap::new())).lock() {
        owners.insert(path.to_path_buf(), owner);
    }
}

/// The completed failovers of `target` recorded in `dir` by runs other than `this_run`, from
/// files modified within `lookback` (a file is written after what it records).
pub fn load(
    dir: &Path,
    target: &HubTarget,
    this_run: &str,
    lookback: Duration,
) -> Vec<PastFailover> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let oldest = SystemTime::now().checked_sub(lookback);
    let mut seen: HashSet<(String, String)> = HashSet::new();
    let mut out = Vec::new();
    let wanted = owner_key(&target.subscription, &target.resource_group, &target.hub);
    for entry in entries.flatten() {
        let path = entry.path();
        if known_owner(&path).is_some_and(|owner| owner != wanted) {
            continue;
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let journal = name.ends_with(".jsonl");
        if !journal && !name.ends_with(".json") {
            continue;
        }
        let Ok(meta) = entry.metadata() else { continue };
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
        remember_owner(
            &path,
            owner_key(&run.subscription, &run.resource_group, &run.hub),
        );
        if run.run_id == this_run || !run.is_for(target) {
            continue;
        }
        let source = path.display().to_string();
        for (step, mut f) in completed(&run.records) {
            if seen.insert((run.run_id.clone(), step)) {
                f.source = source.clone();
                out.push(f);
            }
        }
    }
    out
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
    records: Vec<Value>,
}

impl RunRecords {
    fn is_for(&self, t: &HubTarget) -> bool {
        let same = |a: &str, b: &str| a.trim().eq_ignore_ascii_case(b.trim());
        same(&self.subscription, &t.subscription)
            && same(&self.resource_group, &t.resource_group)
            && same(&self.hub, &t.hub)
    }
}

fn text(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// A DR log: an object with the DR log's identifying keys and its `steps`.
fn from_dr_log(text_: &str) -> Option<RunRecords> {
    let v: Value = serde_json::from_str(text_).ok()?;
    v.get("schema_version")?;
    let steps = v.get("steps")?.as_array()?;
    Some(RunRecords {
        run_id: v.get("run_id")?.as_str()?.to_string(),
        subscription: text(&v, "subscription"),
        resource_group: text(&v, "resource_group"),
        hub: text(&v, "hub_name"),
        records: steps.clone(),
    })
}

/// A journal: `run_started` first, then events; a torn or odd line is passed over.
fn from_journal(text_: &str) -> Option<RunRecords> {
    let mut lines = text_.lines().filter(|l| !l.trim().is_empty());
    let first: Value = serde_json::from_str(lines.next()?).ok()?;
    if first.get("event")?.as_str()? != "run_started" {
        return None;
    }
    let target = first.get("target")?;
    let records = lines
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|e| e.get("event").and_then(Value::as_str) == Some("step_finished"))
        .filter_map(|mut e| e.get_mut("record").map(Value::take))
        .collect();
    Some(RunRecords {
        run_id: first.get("run_id")?.as_str()?.to_string(),
        subscription: text(target, "subscription"),
        resource_group: text(target, "resource_group"),
        hub: text(target, "hub"),
        records,
    })
}

/// The failovers these step records show as completed, keyed by the failover step's id.
/// `source` is left empty for the caller.
pub(crate) fn completed(records: &[Value]) -> Vec<(String, PastFailover)> {
    let ran = |r: &Value| {
        matches!(
            r.get("status").and_then(Value::as_str),
            Some("success" | "warning")
        )
    };
    let mut latest: HashMap<String, &Value> = HashMap::new();
    for r in records {
        if let Some(step) = r.get("step").and_then(Value::as_str) {
            latest.insert(step.to_string(), r);
        }
    }
    let mut out = Vec::new();
    for r in latest.values() {
        if text(r, "kind") != "await" || !ran(r) {
            continue;
        }
        let operation = r
            .get("inputs")
            .map(|i| text(i, "operation"))
            .unwrap_or_default();
        let Some(failover) = latest.get(&operation) else {
            continue;
        };
        if text(failover, "kind") != "failover" || !ran(failover) {
            continue;
        }
        let outputs = |v: &Value, k: &str| v.get("outputs").map(|o| text(o, k)).unwrap_or_default();
        let (from, to) = (
            outputs(failover, "from_region"),
            outputs(failover, "region"),
        );
        let Ok(completed_at) = OffsetDateTime::parse(&outputs(r, "completed_at"), &Rfc3339) else {
            continue;
        };
        if from.is_empty() || to.is_empty() {
            continue;
        }
        out.push((
            operation,
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
        let records = s.as_array().cloned().unwrap_or_default();
        assert!(completed(&records).is_empty());
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
