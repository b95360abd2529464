//! Judging a case's run against its `expect:` block: each expectation that does not hold
//! becomes one sentence saying what was expected, what happened, and enough context (the
//! step's own details, the run's reason) to see why without opening the log.

use serde_json::Value;

use crate::load::Case;
use crate::run::CaseRun;

/// Every expectation of `case` that `run` does not meet, in the order the file lists them.
pub fn judge(case: &Case, run: &CaseRun) -> Vec<String> {
    let mut out = Vec::new();
    let log = &run.log;
    // Why the run ended as it did, when it says: ": step `x` failed: ...".
    let reason = log["status_reason"]
        .as_str()
        .map(|r| format!(": {r}"))
        .unwrap_or_default();
    if let Some(exit) = case.expect.exit
        && exit != run.exit
    {
        out.push(format!(
            "exit code {}, expected {exit} (the run {}{reason})",
            run.exit,
            text(&log["status"])
        ));
    }
    if let Some(status) = case.expect.status {
        let want = serde_json::to_value(status).unwrap_or_default();
        if log["status"] != want {
            out.push(format!(
                "the run {}, expected {}{reason}",
                text(&log["status"]),
                text(&want)
            ));
        }
    }
    for (id, status) in &case.expect.steps {
        let want = serde_json::to_value(status).unwrap_or_default();
        let record = log["steps"]
            .as_array()
            .and_then(|steps| steps.iter().find(|s| s["step"] == id.as_str()));
        match record {
            None => out.push(format!("step `{id}` has no record in the DR log")),
            Some(r) if r["status"] != want => out.push(format!(
                "step `{id}` is {}, expected {}: {}",
                text(&r["status"]),
                text(&want),
                r["details"].as_str().unwrap_or_default()
            )),
            Some(_) => {}
        }
    }
    for (field, want) in &case.expect.log {
        let got = &log[field.as_str()];
        let set = !got.is_null();
        let ok = match want.as_str() {
            Some("present") => set,
            Some("absent") => !set,
            _ => same(got, want),
        };
        if !ok {
            let wanted = match want.as_str() {
                Some("present") => "set".to_string(),
                Some("absent") => "not set".to_string(),
                _ => want.to_string(),
            };
            out.push(format!("DR log `{field}` is {got}, expected {wanted}"));
        }
    }
    for (name, want) in &case.expect.objectives {
        let found = log["objectives"]
            .as_array()
            .and_then(|all| all.iter().find(|o| o["objective"] == name.as_str()));
        match found {
            None => out.push(format!("objective `{name}` has no result in the DR log")),
            Some(o) if o["met"].as_bool() != want.met() => {
                let got = match o["met"].as_bool() {
                    Some(true) => "met",
                    Some(false) => "missed",
                    None => "not measured",
                };
                out.push(format!(
                    "objective `{name}` was {got}, expected {}: {}",
                    want.name().replace('_', " "),
                    o["details"].as_str().unwrap_or_default()
                ));
            }
            Some(_) => {}
        }
    }
    for (check, want) in case.expect.preflight.named() {
        let found = log["preflight"]["checks"]
            .as_array()
            .and_then(|all| all.iter().find(|c| c["check"] == check.as_str()));
        match found {
            None => out.push(format!(
                "preflight check `{}` has no result in the DR log",
                check.as_str()
            )),
            Some(c) if c["outcome"] != want.as_str() => out.push(format!(
                "preflight check `{}` {}, expected {}: {}",
                check.as_str(),
                c["outcome"].as_str().unwrap_or("?"),
                want.as_str(),
                c["summary"].as_str().unwrap_or_default()
            )),
            Some(_) => {}
        }
    }
    for (text, pattern, count) in &case.requests {
        let n = pattern.count(&run.requests);
        if n != *count {
            out.push(format!(
                "{n} `{text}` request{} made, expected {count}",
                if n == 1 { " was" } else { "s were" }
            ));
        }
    }
    out
}

/// Equal as JSON, with numbers compared by value (`1` and `1.0` are the same count). An
/// object matches when every field it names matches (`recovery: { devices_missing: 118 }`
/// need not spell out the per-minute series).
fn same(got: &Value, want: &Value) -> bool {
    match (got, want) {
        (Value::Object(g), Value::Object(w)) => w
            .iter()
            .all(|(k, wv)| same(g.get(k).unwrap_or(&Value::Null), wv)),
        _ => match (got.as_f64(), want.as_f64()) {
            (Some(a), Some(b)) => a == b,
            _ => got == want,
        },
    }
}

fn text(v: &Value) -> String {
    v.as_str().map_or_else(|| v.to_string(), str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_compare_by_value_and_strings_exactly() {
        assert!(same(&serde_json::json!(1180), &serde_json::json!(1180.0)));
        assert!(!same(
            &serde_json::json!("westus"),
            &serde_json::json!("westus2")
        ));
        assert!(!same(&serde_json::json!(null), &serde_json::json!(0)));
    }
}
