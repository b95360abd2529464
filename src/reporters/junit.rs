//! `--junit PATH`: the DR log as a JUnit XML test suite (one test case per step), so CI
//! systems show a drill like a test run.

use runbook_record::{DrLog, StepStatus};

pub(crate) fn esc(s: &str) -> String {
    // XML 1.0 cannot carry most control characters, even escaped; ARM messages can hold them.
    let s: String = s
        .chars()
        .map(|c| {
            if c.is_control() && !matches!(c, '\t' | '\n' | '\r') {
                '\u{FFFD}'
            } else {
                c
            }
        })
        .collect();
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

pub fn render(log: &DrLog) -> String {
    let failures = log
        .steps
        .iter()
        .filter(|s| s.status == StepStatus::Failed)
        .count();
    let skipped = log
        .steps
        .iter()
        .filter(|s| matches!(s.status, StepStatus::Skipped | StepStatus::Cancelled))
        .count();
    let total_ms: u64 = log.steps.iter().map(|s| s.duration_ms).sum();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuites name=\"runbook\" tests=\"{}\" failures=\"{failures}\" skipped=\"{skipped}\" time=\"{:.3}\">\n",
        log.steps.len(),
        total_ms as f64 / 1000.0
    ));
    out.push_str(&format!(
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" skipped=\"{skipped}\" time=\"{:.3}\" timestamp=\"{}\">\n",
        esc(&log.runbook.name),
        log.steps.len(),
        total_ms as f64 / 1000.0,
        esc(&log.start_time)
    ));
    for s in &log.steps {
        out.push_str(&format!(
            "    <testcase classname=\"{}.{}\" name=\"{}\" time=\"{:.3}\"",
            esc(&log.runbook.name),
            esc(s.section.as_str()),
            esc(&s.step),
            s.duration_ms as f64 / 1000.0
        ));
        match s.status {
            StepStatus::Success => out.push_str("/>\n"),
            StepStatus::Warning => out.push_str(&format!(
                ">\n      <system-out>warning: {}</system-out>\n    </testcase>\n",
                esc(&s.details)
            )),
            StepStatus::Failed => {
                let code = s.error.as_ref().map_or("Failed", |e| e.code.as_str());
                out.push_str(&format!(
                    ">\n      <failure type=\"{}\" message=\"{}\"/>\n    </testcase>\n",
                    esc(code),
                    esc(&s.details)
                ));
            }
            StepStatus::Skipped | StepStatus::Cancelled => out.push_str(&format!(
                ">\n      <skipped message=\"{}\"/>\n    </testcase>\n",
                esc(&s.details)
            )),
        }
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}
