//! The preflight section: what Azure's records said before the first step, one row per check
//! (outcome, what was found, where from, and the evidence of any check that did not pass).
//! Shown first in each drill, right under the verdict: a refusal there explains everything
//! after it. Absent when the log has no preflight (no failover in the runbook, older logs).

use runbook_record::{PreflightCheck, PreflightOutcome};

use crate::Drill;
use crate::escape::{html, markdown as md, with_code};

fn mark(o: PreflightOutcome) -> (&'static str, &'static str) {
    match o {
        PreflightOutcome::Passed => ("✅", "good"),
        PreflightOutcome::Warning => ("⚠️", "caution"),
        PreflightOutcome::Refused => ("❌", "bad"),
    }
}

/// What a row says besides the summary: the next allowed time, and the evidence of a check
/// that did not pass.
fn extra(c: &PreflightCheck) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(t) = &c.next_allowed {
        out.push(format!("next failover allowed at {t} (UTC)"));
    }
    if c.outcome != PreflightOutcome::Passed {
        out.extend(c.evidence.iter().cloned());
    }
    out
}

fn heading(d: &Drill) -> Option<String> {
    let p = d.preflight.as_ref()?;
    Some(format!(
        "Preflight ({} ARM reads, {})",
        p.reads,
        crate::fmt::utc_text(&p.time)
    ))
}

/// The Markdown section, or nothing.
pub fn markdown(out: &mut String, d: &Drill, sub: &str) {
    let (Some(p), Some(title)) = (&d.preflight, heading(d)) else {
        return;
    };
    out.push_str(&format!("{sub} {}\n\n", md(&title)));
    out.push_str("| Check | Result | Found | Source |\n|---|---|---|---|\n");
    for c in &p.checks {
        let (emoji, _) = mark(c.outcome);
        let mut found = md(&c.summary);
        for e in extra(c) {
            found.push_str(&format!("<br>• {}", md(&e)));
        }
        out.push_str(&format!(
            "| {} | {emoji} **{}** | {found} | {} |\n",
            md(c.check.as_str()),
            c.outcome.as_str(),
            md(&c.source)
        ));
    }
    out.push('\n');
}

/// The HTML section, or nothing.
pub fn html_section(out: &mut String, d: &Drill, sub: &str) {
    let (Some(p), Some(title)) = (&d.preflight, heading(d)) else {
        return;
    };
    out.push_str(&format!("<{sub}>{}</{sub}>\n", html(&title)));
    out.push_str("<table class=\"preflight\"><thead><tr><th>Check</th><th>Result</th><th>Found</th><th>Source</th></tr></thead><tbody>\n");
    for c in &p.checks {
        let (_, tone) = mark(c.outcome);
        let mut found = with_code(&c.summary);
        let items = extra(c);
        if !items.is_empty() {
            found.push_str("<ul>");
            for e in items {
                found.push_str(&format!("<li>{}</li>", with_code(&e)));
            }
            found.push_str("</ul>");
        }
        out.push_str(&format!(
            "<tr class=\"check\" data-check=\"{}\"><td><code>{}</code></td><td><span class=\"badge tone-{tone}\">{}</span></td><td class=\"details\">{found}</td><td>{}</td></tr>\n",
            c.check.as_str(),
            c.check.as_str(),
            c.outcome.as_str(),
            html(&c.source)
        ));
    }
    out.push_str("</tbody></table>\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use runbook_record::{PreflightCheckName, PreflightRecord, RunbookIdentity};

    fn drill() -> Drill {
        let mut d = Drill::blank(RunbookIdentity {
            name: "n".into(),
            path: "p".into(),
            sha256: "s".into(),
        });
        d.preflight = Some(PreflightRecord {
            time: "2026-12-03T14:00:00Z".into(),
            reads: 6,
            checks: vec![PreflightCheck {
                check: PreflightCheckName::Locks,
                outcome: PreflightOutcome::Refused,
                summary: "ReadOnly lock `freeze` <b>".into(),
                source: "ARM locks".into(),
                evidence: vec!["on the resource group | rg".into()],
                next_allowed: None,
            }],
        });
        d
    }

    #[test]
    fn each_check_is_a_row_with_its_evidence_escaped() {
        let d = drill();
        let mut md_out = String::new();
        markdown(&mut md_out, &d, "###");
        assert!(md_out.starts_with("### Preflight (6 ARM reads"), "{md_out}");
        assert!(md_out.contains("❌ **refused**"), "{md_out}");
        assert!(md_out.contains("on the resource group \\| rg"), "{md_out}");
        assert!(!md_out.contains("<b>"), "{md_out}");
        let mut h = String::new();
        html_section(&mut h, &d, "h2");
        assert!(h.contains("data-check=\"locks\""), "{h}");
        assert!(h.contains("<code>freeze</code>"), "{h}");
        assert!(h.contains("&lt;b&gt;"), "{h}");
        let mut none = String::new();
        markdown(&mut none, &Drill::blank(d.runbook.clone()), "###");
        assert!(none.is_empty());
    }
}
