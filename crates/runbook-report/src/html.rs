//! The HTML report: one self-contained page (inline CSS and SVG, no script, no font, image or
//! stylesheet to fetch), readable offline, printable, and in a browser's dark or light mode.
//!
//! Each drill is a section that opens with its verdict, large and coloured, then the
//! objectives (target against measured), the timeline, the devices and telemetry per minute
//! (when the drill waited for them, `recovery_chart`), the facts of the run and the step
//! table. Several drills get an overview first; hubs drilled more than once get a trend.
//! Every piece of log text goes through `escape::html`.

use crate::Drill;
use crate::escape::{html, with_code};
use crate::fmt;
use crate::steps::{self, status_tone, status_word};
use crate::summary::{Outcome, Summary, Verdict, objective_title, target_text};
use crate::timeline;
use crate::trend;

const STYLE: &str = r#"
:root { color-scheme: light; --fg: #1f2328; --muted: #57606a; --line: #d0d7de; --bg: #ffffff;
  --good: #1a7f37; --good-bg: #dafbe1; --bad: #cf222e; --bad-bg: #ffebe9;
  --caution: #9a6700; --caution-bg: #fff8c5; --neutral: #57606a; --neutral-bg: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg);
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", Arial, sans-serif; }
main { max-width: 1080px; margin: 0 auto; padding: 24px 28px 40px; }
h1 { font-size: 26px; margin: 4px 0 6px; }
h2 { font-size: 19px; margin: 30px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 16px; margin: 18px 0 6px; }
.verdict { border: 2px solid; border-left-width: 14px; border-radius: 8px; padding: 16px 22px; margin: 8px 0 8px; }
.verdict-word { font-size: 46px; font-weight: 800; letter-spacing: 0.04em; margin: 0; line-height: 1.1; }
.verdict .sentence { font-size: 17px; margin: 6px 0 4px; }
.verdict .when { color: var(--muted); margin: 0; }
.tone-good { border-color: var(--good); background: var(--good-bg); } .tone-good .verdict-word { color: var(--good); }
.tone-bad { border-color: var(--bad); background: var(--bad-bg); } .tone-bad .verdict-word { color: var(--bad); }
.tone-caution { border-color: var(--caution); background: var(--caution-bg); } .tone-caution .verdict-word { color: var(--caution); }
.tone-neutral { border-color: var(--neutral); background: var(--neutral-bg); } .tone-neutral .verdict-word { color: var(--neutral); }
table { border-collapse: collapse; width: 100%; margin: 6px 0; }
th, td { text-align: left; vertical-align: top; padding: 6px 9px; border-bottom: 1px solid var(--line); }
th { background: var(--neutral-bg); font-weight: 600; white-space: nowrap; }
td.num, th.num { text-align: right; white-space: nowrap; }
td.nowrap { white-space: nowrap; }
code { font: 13px ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; }
.badge { display: inline-block; padding: 2px 9px; border-radius: 12px; font-weight: 700; font-size: 13px; white-space: nowrap; border: 1px solid; }
.badge.tone-good { color: var(--good); } .badge.tone-bad { color: var(--bad); }
.badge.tone-caution { color: var(--caution); } .badge.tone-neutral { color: var(--neutral); }
.objectives td.measured { font-weight: 700; font-size: 16px; white-space: nowrap; }
.objectives td.target { white-space: nowrap; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 18px; margin: 6px 0; }
.facts dt { color: var(--muted); } .facts dd { margin: 0; overflow-wrap: break-word; }
.st-good { color: var(--good); } .st-bad { color: var(--bad); } .st-caution { color: var(--caution); } .st-neutral { color: var(--neutral); }
.details { overflow-wrap: break-word; }
table.steps { font-size: 14px; } table.steps th { white-space: normal; }
table.steps td.details { min-width: 13em; }
table.objectives td.details { min-width: 18em; }
svg { display: block; max-width: 100%; height: auto; }
svg text { font: 13px system-ui, "DejaVu Sans", Arial, sans-serif; fill: var(--fg); }
svg .tick, svg .dur, svg .axis-title { fill: var(--muted); font-size: 12px; }
svg .grid { stroke: var(--line); stroke-width: 1; }
svg .bar-good { fill: #2da44e; } svg .bar-bad { fill: #cf222e; }
svg .bar-caution { fill: #d4a72c; } svg .bar-neutral { fill: #afb8c1; }
svg .marker line { stroke-width: 2; }
svg .marker text { font-weight: 700; font-size: 12px; }
svg .mark-failover line { stroke: #bc4c00; stroke-dasharray: 6 4; } svg .mark-failover text { fill: #bc4c00; }
svg .mark-recovered line { stroke: var(--good); } svg .mark-recovered text { fill: var(--good); }
svg .mark-target line { stroke: var(--bad); stroke-dasharray: 2 3; } svg .mark-target text { fill: var(--bad); }
svg.sparkline polyline { fill: none; stroke: #0969da; stroke-width: 2; }
svg.sparkline circle { fill: #0969da; }
.legend { color: var(--muted); font-size: 13px; margin: 4px 0; }
.legend span { margin-right: 14px; white-space: nowrap; }
.swatch { display: inline-block; width: 12px; height: 12px; border-radius: 2px; vertical-align: -1px; margin-right: 4px; }
.note { color: var(--muted); font-size: 13px; }
footer { color: var(--muted); font-size: 13px; margin-top: 36px; border-top: 1px solid var(--line); padding-top: 10px; }
section.drill + section.drill { margin-top: 48px; padding-top: 12px; border-top: 4px double var(--line); }
@media print { main { max-width: none; padding: 0; } section.drill { break-before: page; } section.drill:first-of-type { break-before: auto; } tr, svg { break-inside: avoid; } }
"#;

pub fn render(drills: &[Drill]) -> String {
    let title = match drills {
        [one] => {
            let s = Summary::of(one);
            format!("DR drill {}: {}", s.verdict.word(), s.title)
        }
        many => format!("DR drill report: {} drills", many.len()),
    };
    let mut out = String::new();
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.push_str(&format!("<title>{}</title>\n", html(&title)));
    out.push_str(&format!(
        "<style>{STYLE}</style>\n</head>\n<body>\n<main>\n"
    ));
    if drills.len() > 1 {
        overview(&mut out, drills);
    }
    for (i, d) in drills.iter().enumerate() {
        drill(&mut out, d, i + 1, drills.len() == 1);
    }
    let trends = trend::trends(drills);
    if !trends.is_empty() {
        out.push_str("<section class=\"trend\"><h2>Trend over drills</h2>\n");
        for t in &trends {
            trend_section(&mut out, t);
        }
        out.push_str("</section>\n");
    }
    let (by, written) = fmt::provenance(drills);
    out.push_str(&format!(
        "<footer>Generated by <code>runbook report</code> ({}) from the DR log",
        html(&by)
    ));
    if drills.len() > 1 {
        out.push('s');
    }
    out.push_str(&html(&written));
    out.push_str(". All times are UTC. The DR log JSON is the record of the run; this page is drawn from it.</footer>\n");
    out.push_str("</main>\n</body>\n</html>\n");
    out
}

fn overview(out: &mut String, drills: &[Drill]) {
    let not_passed = drills
        .iter()
        .filter(|d| !matches!(Verdict::of(d), Verdict::Passed | Verdict::DryRun))
        .count();
    let (tone, word, sentence) = if not_passed == 0 {
        (
            "good",
            "PASSED",
            format!("All {} drills passed.", drills.len()),
        )
    } else {
        (
            "bad",
            "FAILED",
            format!("{not_passed} of {} drills did not pass.", drills.len()),
        )
    };
    out.push_str(&format!(
        "<header class=\"verdict tone-{tone}\" id=\"verdict\"><p class=\"verdict-word\">{word}</p><h1>DR drill report</h1><p class=\"sentence\">{}</p></header>\n",
        html(&sentence)
    ));
    // Drills that waited for their devices add how long they took (absent otherwise).
    let recovery = drills.iter().any(|d| d.recovery.is_some());
    out.push_str(&format!(
        "<table class=\"overview\"><thead><tr><th>Verdict</th><th>Hub</th><th>Regions</th><th>Started (UTC)</th><th>Objectives met</th>{}</tr></thead><tbody>\n",
        if recovery { "<th>Devices back</th>" } else { "" }
    ));
    for (i, d) in drills.iter().enumerate() {
        let s = Summary::of(d);
        let regions = s
            .facts
            .iter()
            .find(|(k, _)| *k == "Regions")
            .map_or("-", |(_, v)| v.as_str());
        let objectives = if d.objectives.is_empty() {
            "-".to_string()
        } else {
            format!("{} of {}", s.met, d.objectives.len())
        };
        out.push_str(&format!(
            "<tr><td><a href=\"#drill-{}\" class=\"badge tone-{}\">{}</a></td><td>{}</td><td>{}</td><td class=\"nowrap\">{}</td><td>{}</td>{}</tr>\n",
            i + 1,
            s.verdict.tone(),
            s.verdict.word(),
            html(&d.hub_name),
            html(regions),
            html(&fmt::utc_text(&d.start_time)),
            objectives,
            if recovery {
                format!(
                    "<td class=\"nowrap\">{}</td>",
                    html(&crate::recovery_chart::back_in(d))
                )
            } else {
                String::new()
            }
        ));
    }
    out.push_str("</tbody></table>\n");
}

fn drill(out: &mut String, d: &Drill, n: usize, alone: bool) {
    let s = Summary::of(d);
    out.push_str(&format!("<section class=\"drill\" id=\"drill-{n}\">\n"));
    // The first thing on the page (or in the section) is the verdict.
    let id = if alone { " id=\"verdict\"" } else { "" };
    let mark = match s.verdict {
        Verdict::Passed => "✔ ",
        Verdict::Failed | Verdict::Interrupted => "✘ ",
        Verdict::Aborted => "⚠ ",
        Verdict::DryRun => "",
    };
    let heading = if alone { "h1" } else { "h2" };
    let mut when = fmt::utc_text(&d.start_time);
    if let Some((_, r)) = s.facts.iter().find(|(k, _)| *k == "Regions") {
        when.push_str(" · ");
        when.push_str(r);
    }
    out.push_str(&format!(
        "<header class=\"verdict tone-{}\"{id}><p class=\"verdict-word\">{mark}{}</p><{heading}>{}</{heading}><p class=\"sentence\">{}</p><p class=\"when\">{}</p></header>\n",
        s.verdict.tone(),
        s.verdict.word(),
        html(&s.title),
        html(&s.sentence),
        html(&when)
    ));

    let sub = if alone { "h2" } else { "h3" };
    crate::preflight::html_section(out, d, sub);
    if !d.objectives.is_empty() {
        out.push_str(&format!("<{sub}>Objectives</{sub}>\n"));
        out.push_str("<table class=\"objectives\"><thead><tr><th>Objective</th><th>Target</th><th>Measured</th><th>Result</th><th>How it was measured</th></tr></thead><tbody>\n");
        for o in &d.objectives {
            let outcome = Outcome::of(o);
            out.push_str(&format!(
                "<tr class=\"objective\" data-objective=\"{}\"><td>{}<br><code>{}</code>{}</td><td class=\"target\">{}</td><td class=\"measured\">{}</td><td><span class=\"badge tone-{}\">{}</span></td><td class=\"details\">{}</td></tr>\n",
                html(&o.objective),
                html(&objective_title(&o.objective)),
                html(&o.objective),
                if o.advisory {
                    " <span class=\"note\">advisory</span>"
                } else {
                    ""
                },
                html(&target_text(o)),
                html(o.measured.as_deref().unwrap_or("-")),
                outcome.tone(),
                html(outcome.word()),
                with_code(&o.details)
            ));
        }
        out.push_str("</tbody></table>\n");
    }

    out.push_str(&format!("<{sub}>Timeline</{sub}>\n"));
    let (svg, note) = timeline::svg(d, n);
    out.push_str(&svg);
    out.push_str("\n<p class=\"legend\"><span><i class=\"swatch\" style=\"background:#2da44e\"></i>succeeded</span><span><i class=\"swatch\" style=\"background:#d4a72c\"></i>warning</span><span><i class=\"swatch\" style=\"background:#cf222e\"></i>failed or interrupted</span><span><i class=\"swatch\" style=\"background:#afb8c1\"></i>skipped</span></p>\n");
    if let Some(note) = note {
        out.push_str(&format!("<p class=\"note\">{}</p>\n", html(&note)));
    }

    if let Some(chart) = crate::recovery_chart::svg(d, n) {
        out.push_str(&format!("<{sub}>Devices and telemetry</{sub}>\n"));
        out.push_str(&chart);
        out.push('\n');
        out.push_str(&crate::recovery_chart::legend(d).unwrap_or_default());
    }

    out.push_str(&format!("<{sub}>Summary</{sub}>\n<dl class=\"facts\">\n"));
    for (k, v) in &s.facts {
        out.push_str(&format!("<dt>{k}</dt><dd>{}</dd>\n", html(v)));
    }
    out.push_str("</dl>\n");

    out.push_str(&format!("<{sub}>Steps</{sub}>\n"));
    out.push_str("<table class=\"steps\"><thead><tr><th class=\"num\">#</th><th>Step</th><th>Kind</th><th>Status</th><th>Started (UTC)</th><th class=\"num\">Duration</th><th class=\"num\">Attempts</th><th class=\"num\">ARM retries</th><th>Details</th></tr></thead><tbody>\n");
    for r in steps::rows(d) {
        let (mark, word) = status_word(r.status);
        let mut step = String::new();
        if let Some(sec) = &r.section {
            step.push_str(&format!("[{}] ", html(sec.as_str())));
        }
        match &r.name {
            Some(name) => step.push_str(&format!("{}<br><code>{}</code>", html(name), html(&r.id))),
            None => step.push_str(&format!("<code>{}</code>", html(&r.id))),
        }
        out.push_str(&format!(
            "<tr class=\"step\"><td class=\"num\">{}</td><td>{step}</td><td class=\"nowrap\">{}</td><td class=\"nowrap st-{}\">{mark} {word}</td><td class=\"nowrap\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"details\">{}</td></tr>\n",
            r.number,
            html(r.kind.as_str()),
            status_tone(r.status),
            html(&r.started),
            html(&r.duration),
            r.attempts,
            r.http_retries,
            with_code(&r.details)
        ));
    }
    out.push_str("</tbody></table>\n</section>\n");
}

fn trend_section(out: &mut String, t: &trend::Trend) {
    out.push_str(&format!("<h3>{}</h3>\n", html(&t.hub)));
    match t.rto_series() {
        Some(values) => out.push_str(&format!(
            "<p class=\"note\">RTO, oldest to newest ({}):</p>\n{}\n",
            html(&trend::scale_text(&values)),
            trend::sparkline_svg("RTO", &values)
        )),
        None => out.push_str(
            "<p class=\"note\">RTO measured by fewer than two of these drills: no RTO trend to draw.</p>\n",
        ),
    }
    out.push_str("<table class=\"trend-table\"><thead><tr><th>Drill started (UTC)</th><th>Verdict</th><th class=\"num\">RTO</th><th>RTO target</th><th class=\"num\">Failover</th></tr></thead><tbody>\n");
    for p in &t.points {
        let rto = p.rto.map_or_else(|| "-".to_string(), fmt::seconds);
        let met = match p.rto_met {
            Some(true) => " ✔",
            Some(false) => " ✘",
            None => "",
        };
        out.push_str(&format!(
            "<tr><td class=\"nowrap\">{}</td><td><span class=\"badge tone-{}\">{}</span></td><td class=\"num\">{}{met}</td><td>{}</td><td class=\"num\">{}</td></tr>\n",
            html(&p.started_text),
            p.verdict.tone(),
            p.verdict.word(),
            html(&rto),
            html(p.rto_target.as_deref().unwrap_or("-")),
            html(&p.failover.map_or_else(|| "-".to_string(), fmt::seconds))
        ));
    }
    out.push_str("</tbody></table>\n");
}
