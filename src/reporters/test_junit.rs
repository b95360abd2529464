//! `runbook test --junit PATH`: the cases as a JUnit XML report, one `<testsuite>` per test
//! file and one `<testcase>` per case, so CI shows runbook tests beside its other tests.

use std::collections::BTreeMap;
use std::path::PathBuf;

use runbook_test::{CaseResult, Verdict};

use super::junit::esc;

pub fn render(results: &[CaseResult]) -> String {
    let mut by_file: BTreeMap<PathBuf, Vec<&CaseResult>> = BTreeMap::new();
    for r in results {
        by_file.entry(r.file.clone()).or_default().push(r);
    }
    let failures = results.iter().filter(|r| !r.passed()).count();
    let secs = |rs: &[&CaseResult]| rs.iter().map(|r| r.elapsed.as_secs_f64()).sum::<f64>();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuites name=\"runbook test\" tests=\"{}\" failures=\"{failures}\" time=\"{:.3}\">\n",
        results.len(),
        secs(&results.iter().collect::<Vec<_>>())
    ));
    for (file, cases) in &by_file {
        let failed = cases.iter().filter(|r| !r.passed()).count();
        let name = esc(&file.display().to_string());
        out.push_str(&format!(
            "  <testsuite name=\"{name}\" tests=\"{}\" failures=\"{failed}\" time=\"{:.3}\">\n",
            cases.len(),
            secs(cases)
        ));
        for r in cases {
            out.push_str(&format!(
                "    <testcase classname=\"{name}\" name=\"{}\" time=\"{:.3}\"",
                esc(&r.case),
                r.elapsed.as_secs_f64()
            ));
            match &r.verdict {
                Verdict::Failed(reasons) => {
                    let first = reasons
                        .first()
                        .map_or("", |s| s.lines().next().unwrap_or(""));
                    out.push_str(&format!(
                        ">\n      <failure message=\"{}\">{}</failure>\n    </testcase>\n",
                        esc(first),
                        esc(&reasons.join("\n"))
                    ));
                }
                _ => out.push_str("/>\n"),
            }
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}
