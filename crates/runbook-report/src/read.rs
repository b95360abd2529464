//! Reading DR logs for the report: one log or a JSON array of them, each read leniently
//! (`runbook_record::lenient`) so a log written by an older `runbook`, or trimmed by hand,
//! still renders.
//!
//! The shape is the run record's own (`runbook_record::DrLog`); this crate depends only on
//! that plain-data crate, so rendering pulls in no HTTP client and no async runtime.

use runbook_record::lenient::dr_log_from_value;
use serde_json::Value;

use crate::Drill;

/// Whether `v` looks like a DR log at all, before it is read as one.
fn check_shape(v: &Value) -> Result<(), String> {
    if !v.is_object() || v.get("steps").is_none() || v.get("status").is_none() {
        return Err("not a DR log (no `status` and `steps`)".to_string());
    }
    Ok(())
}

/// Reads one DR log from its JSON value.
pub fn from_value(v: Value) -> Result<Drill, String> {
    check_shape(&v)?;
    dr_log_from_value(v).map_err(|e| format!("not a DR log: {e}"))
}

/// Reads a DR log document: one log, or an array of logs.
pub fn parse(text: &str) -> Result<Vec<Drill>, String> {
    let v: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    match v {
        Value::Array(items) => {
            if items.is_empty() {
                return Err("an empty list: no DR log to report".to_string());
            }
            // Name the first item that is not a DR log at all before any that merely
            // fails to read as one.
            for (i, item) in items.iter().enumerate() {
                check_shape(item).map_err(|e| format!("item {i}: {e}"))?;
            }
            items
                .into_iter()
                .enumerate()
                .map(|(i, item)| from_value(item).map_err(|e| format!("item {i}: {e}")))
                .collect()
        }
        other => from_value(other).map(|d| vec![d]),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn an_old_log_without_objectives_reads() {
        let d = parse(
            r#"{"status":"succeeded","hub_name":"h","steps":[{"step":"a","status":"success"}]}"#,
        )
        .unwrap();
        assert_eq!(d.len(), 1);
        assert!(d[0].objectives.is_empty());
        assert_eq!(d[0].steps[0].step, "a");
    }

    #[test]
    fn other_json_is_refused_with_a_reason() {
        assert!(parse("[]").unwrap_err().contains("empty"));
        assert!(parse("{}").unwrap_err().contains("not a DR log"));
        assert!(parse("{").unwrap_err().contains("not JSON"));
        assert!(
            parse(r#"[{"status":"x","steps":[]}, 3]"#)
                .unwrap_err()
                .starts_with("item 1")
        );
        assert!(
            parse(r#"{"status":"x","steps":"no"}"#)
                .unwrap_err()
                .contains("not a DR log")
        );
    }
}
