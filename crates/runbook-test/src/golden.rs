//! Golden DR logs: what a case's run is compared with in full.
//!
//! A case's DR log is redacted of what changes from run to run (times, ids, durations, poll
//! counts, the runbook's path and hash), pretty-printed, and compared with
//! `golden/<test file>/<case>.json` beside the test file. A difference is shown as a line diff.
//! `--update` writes the file; a missing golden is written on first run and reported as new,
//! except under CI (`CI=true`), where it fails: a golden nobody reviewed proves nothing.

use std::path::{Path, PathBuf};

use serde_json::Value;
use similar::{ChangeTag, TextDiff};

/// Where the golden of `case` in `test_file` lives.
pub fn path_for(test_file: &Path, case: &str) -> PathBuf {
    let name = test_file
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let stem = [".test.yaml", ".test.yml", ".yaml", ".yml"]
        .iter()
        .find_map(|s| name.strip_suffix(s))
        .unwrap_or(name);
    test_file
        .parent()
        .unwrap_or(Path::new("."))
        .join("golden")
        .join(stem)
        .join(format!("{case}.json"))
}

/// The DR log with run-to-run values (times, ids, durations, poll counts, objectives
/// measured in seconds) replaced by `[name]` placeholders.
pub fn redact(log: &Value) -> Value {
    redact_keeping_met(log, &[])
}

/// `redact`, except that the timed objectives named in `keep_met` keep their `met`: a case
/// that states the outcome (`expect.objectives`) controls it, so it is no longer noise.
pub fn redact_keeping_met(log: &Value, keep_met: &[&str]) -> Value {
    let mut v = log.clone();
    for key in [
        "run_id",
        "start_time",
        "end_time",
        "failover_started",
        "failover_completed",
        "failover_duration_seconds",
    ] {
        if !v[key].is_null() {
            v[key] = Value::String(format!("[{key}]"));
        }
    }
    // A timed objective's miss names what it measured, which is scheduling noise too.
    for key in ["error", "status_reason"] {
        if let Some(text) = v[key].as_str() {
            v[key] = Value::String(redact_measured(text));
        }
    }
    // Which build wrote the log is not the runbook's behaviour: left out of the comparison.
    if let Some(map) = v.as_object_mut() {
        map.remove("runbook_version");
    }
    if v["runbook"].is_object() {
        v["runbook"]["path"] = Value::String("[path]".into());
        v["runbook"]["sha256"] = Value::String("[sha256]".into());
    }
    // Objectives measured in time vary from run to run; counts and shares do not. Under a
    // scaled clock the machine's scheduling noise is magnified by the scale (1 ms late is 1 s
    // of emulated time at 0.001), so whether a timed objective was met is noise too.
    if let Some(objectives) = v.get_mut("objectives").and_then(Value::as_array_mut) {
        let timed = |o: &&mut Value| o["unit"] == "seconds" && !o["measured"].is_null();
        for o in objectives.iter_mut().filter(timed) {
            let kept = o["objective"]
                .as_str()
                .is_some_and(|name| keep_met.contains(&name));
            let keys: &[&str] = if kept {
                &["measured", "measured_value", "details"]
            } else {
                &["measured", "measured_value", "details", "met"]
            };
            for &key in keys {
                if !o[key].is_null() {
                    o[key] = Value::String(format!("[{key}]"));
                }
            }
        }
    }
    // The preflight's time, and the times its checks name (Activity Log events relative to
    // the emulator's start, the next allowed failover), move with the clock.
    // A run the preflight stopped names those times in its reason too.
    for key in ["status_reason", "error"] {
        redact_times_in(&mut v[key]);
    }
    if let Some(p) = v.get_mut("preflight").and_then(Value::as_object_mut) {
        p.insert("time".into(), Value::String("[time]".into()));
        if let Some(checks) = p.get_mut("checks").and_then(Value::as_array_mut) {
            for c in checks {
                redact_times_in(c);
            }
        }
    }
    if let Some(steps) = v["steps"].as_array_mut() {
        for s in steps {
            for key in ["timestamp", "ended_at", "duration_ms"] {
                if !s[key].is_null() {
                    s[key] = Value::String(format!("[{key}]"));
                }
            }
            // How old a reused hub reading was depends on scheduling; where it came from not.
            if !s["reused_reading"]["age_ms"].is_null() {
                s["reused_reading"]["age_ms"] = Value::String("[age_ms]".into());
            }
            if let Some(d) = s["details"].as_str() {
                s["details"] = Value::String(redact_text(d));
            }
            let recovery = s["kind"] == "await-recovery";
            if let Some(out) = s["outputs"].as_object_mut() {
                for key in [
                    "started_at",
                    "completed_at",
                    "duration_seconds",
                    "detection_lag_seconds",
                ] {
                    if out.contains_key(key) {
                        out.insert(key.into(), Value::String(format!("[{key}]")));
                    }
                }
                if let Some(monitor) = out.get_mut("monitor").and_then(Value::as_object_mut) {
                    redact_keys(monitor, &["minutes", "series"]);
                }
                if recovery {
                    redact_keys(out, RECOVERY_TIMING);
                }
            }
        }
    }
    if let Some(recovery) = v.get_mut("recovery").and_then(Value::as_object_mut) {
        redact_keys(recovery, RECOVERY_TIMING);
    }
    v
}

/// Every RFC 3339 UTC time (`2026-01-02T03:04:05Z`, fractions allowed) in the strings of
/// `v`, replaced by `[time]`.
fn redact_times_in(v: &mut Value) {
    match v {
        Value::String(s) => *s = redact_times(s),
        Value::Array(a) => a.iter_mut().for_each(redact_times_in),
        Value::Object(o) => o.values_mut().for_each(redact_times_in),
        _ => {}
    }
}

fn redact_times(text: &str) -> String {
    let b = text.as_bytes();
    let shape = |i: usize| -> Option<usize> {
        // YYYY-MM-DDTHH:MM:SS
        let pat = b"dddd-dd-ddTdd:dd:dd";
        if b.len() < i + pat.len() {
            return None;
        }
        for (k, p) in pat.iter().enumerate() {
            let c = b[i + k];
            let ok = if *p == b'd' {
                c.is_ascii_digit()
            } else {
                c == *p
            };
            if !ok {
                return None;
            }
        }
        let mut end = i + pat.len();
        if b.get(end) == Some(&b'.') {
            end += 1;
            while b.get(end).is_some_and(u8::is_ascii_digit) {
                end += 1;
            }
        }
        (b.get(end) == Some(&b'Z')).then_some(end + 1)
    };
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let mut copied = 0;
    while i < b.len() {
        if let Some(end) = shape(i) {
            out.push_str(&text[copied..i]);
            out.push_str("[time]");
            i = end;
            copied = end;
        } else {
            i += 1;
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// What an `await-recovery` saw depends on which minute the run happened to read last: the
/// minutes Azure Monitor's grain falls into, counted from the epoch, not from the drill.
/// The baseline, the thresholds and the endpoint stay; a case states the rest in `expect.log`.
const RECOVERY_TIMING: &[&str] = &[
    "series",
    "device_recovery_seconds",
    "telemetry_recovery_seconds",
    "held_seconds",
    "connected_devices",
    "telemetry_per_minute",
    "devices_missing",
];

fn redact_keys(map: &mut serde_json::Map<String, Value>, keys: &[&str]) {
    for &key in keys {
        if let Some(v) = map.get_mut(key)
            && !v.is_null()
        {
            *v = Value::String(format!("[{key}]"));
        }
    }
}

/// `objective `rto` missed: measured 4.2s, target 30m`: the measured time is redacted (a
/// count or a share, without the trailing `s`, is kept).
fn redact_measured(text: &str) -> String {
    let Some(at) = text.find("missed: measured ") else {
        return text.to_string();
    };
    let from = at + "missed: measured ".len();
    let end = text[from..].find(',').map_or(text.len(), |i| from + i);
    // A time as `seconds_text` writes it (`4.2s`, `30m41s`, `31m`, `1h`); a count or a share
    // (`100`, `96.5%`) is the drill's own and stays.
    let value = &text[from..end];
    let is_time =
        value.starts_with(|c: char| c.is_ascii_digit()) && value.ends_with(['s', 'm', 'h']);
    if is_time {
        format!("{}[measured]{}", &text[..from], &text[end..])
    } else {
        text.to_string()
    }
}

/// Poll and read counts in step details ("after 3 polls", "after 1 read") depend on
/// scheduling, not on the drill.
pub fn redact_text(details: &str) -> String {
    let mut out = String::with_capacity(details.len());
    let mut rest = details;
    while let Some(i) = rest.find("after ") {
        out.push_str(&rest[..i + 6]);
        rest = &rest[i + 6..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let after = &rest[digits..];
        // "1 poll" and "3 polls" are the same outcome; the plural must not differ either.
        if let Some(word) = [" poll", " read"].iter().find(|w| after.starts_with(**w))
            && digits > 0
        {
            out.push_str(&format!("[n]{word}s"));
            let tail = &after[word.len()..];
            rest = tail.strip_prefix('s').unwrap_or(tail);
        }
    }
    out.push_str(rest);
    out
}

/// The golden text of a DR log (`keep_met`: see `redact_keeping_met`).
pub fn render(log: &Value, keep_met: &[&str]) -> String {
    let mut s =
        serde_json::to_string_pretty(&redact_keeping_met(log, keep_met)).unwrap_or_default();
    s.push('\n');
    s
}

/// A line diff from `expected` (the golden) to `actual`, `-`/`+` marked, with three lines of
/// context around each change; ANSI colours when `color`.
pub fn diff(expected: &str, actual: &str, color: bool) -> String {
    let diff = TextDiff::from_lines(expected, actual);
    let mut out = String::new();
    for (i, group) in diff.grouped_ops(3).iter().enumerate() {
        if i > 0 {
            out.push_str("   ...\n");
        }
        for op in group {
            for change in diff.iter_changes(op) {
                let (sign, paint) = match change.tag() {
                    ChangeTag::Delete => ('-', "31"),
                    ChangeTag::Insert => ('+', "32"),
                    ChangeTag::Equal => (' ', ""),
                };
                let line = change.value().trim_end_matches('\n');
                if color && !paint.is_empty() {
                    out.push_str(&format!("\x1b[{paint}m{sign} {line}\x1b[0m\n"));
                } else {
                    out.push_str(&format!("{sign} {line}\n"));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn goldens_sit_beside_the_test_file() {
        assert_eq!(
            path_for(Path::new("runbooks/drill.test.yaml"), "happy-path"),
            Path::new("runbooks/golden/drill/happy-path.json")
        );
    }

    #[test]
    fn a_missed_timed_objective_in_the_reason_is_redacted_and_a_count_kept() {
        assert_eq!(
            redact_measured("objective `device_recovery` missed: measured 30m41s, target 20m"),
            "objective `device_recovery` missed: measured [measured], target 20m"
        );
        // Whole minutes or hours carry no seconds: a minute-grain measure often is one.
        for whole in ["31m", "1h", "1h2m"] {
            assert_eq!(
                redact_measured(&format!(
                    "objective `device_recovery` missed: measured {whole}, target 20m"
                )),
                "objective `device_recovery` missed: measured [measured], target 20m"
            );
        }
        let drift = "objective `max_device_drift` missed: measured 100, target 0";
        assert_eq!(redact_measured(drift), drift);
    }

    #[test]
    fn recovery_timing_is_redacted_and_the_baseline_kept() {
        let log = serde_json::json!({
            "recovery": { "baseline_connected_devices": 1180.0, "devices_missing": 3.0, "series": [] },
            "steps": [{ "kind": "await-recovery", "outputs": { "device_recovery_seconds": 360.0, "connected_devices_threshold": 1121.0 } }]
        });
        let r = redact(&log);
        assert_eq!(r["recovery"]["baseline_connected_devices"], 1180.0);
        assert_eq!(r["recovery"]["devices_missing"], "[devices_missing]");
        assert_eq!(r["recovery"]["series"], "[series]");
        assert_eq!(
            r["steps"][0]["outputs"]["device_recovery_seconds"],
            "[device_recovery_seconds]"
        );
        assert_eq!(
            r["steps"][0]["outputs"]["connected_devices_threshold"],
            1121.0
        );
    }

    #[test]
    fn poll_counts_are_redacted_and_other_numbers_kept() {
        assert_eq!(
            redact_text("completed after 3 polls; 1180 devices after 1 poll"),
            "completed after [n] polls; 1180 devices after [n] polls"
        );
        assert_eq!(redact_text("after 5 s"), "after 5 s");
        assert_eq!(redact_text("Active after 1 read"), "Active after [n] reads");
    }

    #[test]
    fn preflight_times_are_redacted_and_its_findings_kept() {
        assert_eq!(
            redact_times("completed at 2026-12-03T13:44:25Z, next at 2026-12-03T14:44:26.5Z."),
            "completed at [time], next at [time]."
        );
        assert_eq!(redact_times("2026-12-03 and 12:00"), "2026-12-03 and 12:00");
        let log = serde_json::json!({"preflight": {"time": "t", "reads": 6, "checks": [
            {"check": "cooldown", "outcome": "refused", "next_allowed": "2026-12-03T14:44:26Z",
             "summary": "at 2026-12-03T14:44:26Z", "evidence": ["x 2026-12-03T13:44:25Z"]}]}});
        let r = redact(&log);
        assert_eq!(r["preflight"]["time"], "[time]");
        assert_eq!(r["preflight"]["reads"], 6);
        assert_eq!(r["preflight"]["checks"][0]["next_allowed"], "[time]");
        assert_eq!(r["preflight"]["checks"][0]["outcome"], "refused");
        assert_eq!(r["preflight"]["checks"][0]["evidence"][0], "x [time]");
    }

    #[test]
    fn times_and_ids_are_redacted_but_outcomes_kept() {
        let log = serde_json::json!({
            "run_id": "abc", "start_time": "2026-01-01T00:00:00Z", "failover_started": null,
            "status": "succeeded", "runbook": { "name": "d", "path": "/x/d.yaml", "sha256": "00" },
            "steps": [{ "step": "a", "timestamp": "t", "ended_at": "t", "duration_ms": 5,
                        "details": "ok after 2 polls", "outputs": { "completed_at": "t", "location": "westus" } }]
        });
        let r = redact(&log);
        assert_eq!(r["run_id"], "[run_id]");
        assert_eq!(r["failover_started"], Value::Null, "unset stays unset");
        assert_eq!(r["status"], "succeeded");
        assert_eq!(r["runbook"]["path"], "[path]");
        assert_eq!(r["steps"][0]["duration_ms"], "[duration_ms]");
        assert_eq!(r["steps"][0]["details"], "ok after [n] polls");
        assert_eq!(r["steps"][0]["outputs"]["location"], "westus");
        assert_eq!(r["steps"][0]["outputs"]["completed_at"], "[completed_at]");
    }

    #[test]
    fn a_diff_shows_only_what_changed_with_context() {
        let a = "1\n2\n3\n4\n5\n6\n7\n8\n9\n";
        let b = "1\n2\n3\n4\nfive\n6\n7\n8\n9\n";
        let d = diff(a, b, false);
        assert!(d.contains("- 5\n+ five\n"), "{d}");
        assert!(!d.contains("  1\n"), "context is three lines: {d}");
        assert!(d.contains("  2\n"), "{d}");
    }
}
