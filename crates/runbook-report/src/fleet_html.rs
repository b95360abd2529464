//! The fleet page in HTML: one self-contained file (inline CSS and SVG, no script, nothing to
//! fetch) that stays small at 10,000 hubs.
//!
//! From the top: the verdict, the counts by status, the failures with their reasons, the RTO
//! distribution (an SVG histogram), each subscription's progress and throttling, the shards,
//! one table row per hub linking to its section, then the hubs' sections: reason, times,
//! devices, ARM retries and a one-line list of its steps. Per-hub markup is kept terse
//! because it is repeated 10,000 times. Every piece of log text goes through `escape::html`.

use std::fmt::Write as _;

use crate::escape::{html, with_code};
use crate::fleet::{self, Fleet, Hub, count_list, status_text};
use crate::fmt;
use crate::rto_stats::{RtoStats, edge_label, label};
use crate::steps::{status_tone, status_word};
use runbook_record::status::StepStatus;

/// Hub rows per table and hub sections per block: each block is laid out only when it comes
/// into view (`content-visibility: auto`), which is what lets a 10,000-hub page open quickly.
const CHUNK: usize = 200;

const STYLE: &str = r#"
:root { color-scheme: light; --fg: #1f2328; --muted: #57606a; --line: #d0d7de; --bg: #fff;
  --good: #1a7f37; --good-bg: #dafbe1; --bad: #cf222e; --bad-bg: #ffebe9;
  --caution: #9a6700; --caution-bg: #fff8c5; --neutral: #57606a; --neutral-bg: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg);
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", Arial, sans-serif; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 28px 40px; }
h1 { font-size: 26px; margin: 4px 0 6px; }
h2 { font-size: 19px; margin: 30px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 15px; margin: 0 0 2px; }
.verdict { border: 2px solid; border-left-width: 14px; border-radius: 8px; padding: 16px 22px; margin: 8px 0; }
.verdict-word { font-size: 46px; font-weight: 800; letter-spacing: 0.04em; margin: 0; line-height: 1.1; }
.verdict .sentence { font-size: 17px; margin: 6px 0 4px; } .verdict .when { color: var(--muted); margin: 0; }
.tone-good { border-color: var(--good); background: var(--good-bg); } .tone-good .verdict-word, .tone-good b { color: var(--good); }
.tone-bad { border-color: var(--bad); background: var(--bad-bg); } .tone-bad .verdict-word, .tone-bad b { color: var(--bad); }
.tone-caution { border-color: var(--caution); background: var(--caution-bg); } .tone-caution .verdict-word, .tone-caution b { color: var(--caution); }
.tone-neutral { border-color: var(--neutral); background: var(--neutral-bg); } .tone-neutral .verdict-word, .tone-neutral b { color: var(--neutral); }
.counts { display: flex; flex-wrap: wrap; gap: 10px; margin: 12px 0; }
.count { border: 1px solid; border-radius: 8px; padding: 6px 14px; min-width: 110px; }
.count b { display: block; font-size: 24px; }
.count.zero { opacity: 0.45; }
table { border-collapse: collapse; width: 100%; margin: 6px 0; }
th, td { text-align: left; vertical-align: top; padding: 4px 8px; border-bottom: 1px solid var(--line); }
th { background: var(--neutral-bg); font-weight: 600; white-space: nowrap; }
td.n, th.n { text-align: right; white-space: nowrap; }
td > code, td > a { white-space: nowrap; }
code { font: 13px ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; }
.st-good { color: var(--good); } .st-bad { color: var(--bad); font-weight: 600; } .st-caution { color: var(--caution); font-weight: 600; } .st-neutral { color: var(--neutral); }
.badge { display: inline-block; padding: 0 8px; border-radius: 10px; font-weight: 700; font-size: 12px; border: 1px solid; }
.stats { display: flex; gap: 28px; margin: 6px 0 10px; } .stats div { font-size: 13px; color: var(--muted); }
.stats b { display: block; font-size: 22px; color: var(--fg); }
.bar { background: var(--neutral-bg); border: 1px solid var(--line); height: 14px; width: 160px; display: flex; }
.bar span { display: block; height: 100%; } .bar .g { background: #2da44e; } .bar .b { background: #cf222e; } .bar .c { background: #d4a72c; }
svg { display: block; max-width: 100%; height: auto; }
svg text { font: 12px system-ui, "DejaVu Sans", Arial, sans-serif; fill: var(--muted); }
svg rect.bin { fill: #0969da; } svg .axis { stroke: var(--line); }
.note { color: var(--muted); font-size: 13px; }
.chunk { content-visibility: auto; } .chunk.rows { contain-intrinsic-size: auto 5400px; }
.chunk.sections { contain-intrinsic-size: auto 16000px; }
table.hubs { table-layout: fixed; margin: 0; }
table.hubs td, table.hubs th { padding: 2px 8px; font-size: 14px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
table.hubs th:nth-child(1) { width: 20%; } table.hubs th:nth-child(2) { width: 31%; } table.hubs th:nth-child(3) { width: 19%; }
table.hubs th:nth-child(4) { width: 12%; } table.hubs th:nth-child(5) { width: 8%; } table.hubs th:nth-child(6) { width: 10%; }
table.hubs th:nth-child(n+5) { text-align: right; }
table.hubs td:nth-child(2) { font: 13px/1.6 ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; white-space: nowrap; }
table.hubs td:nth-child(n+5) { text-align: right; white-space: nowrap; }
section.hub { border-top: 1px solid var(--line); padding: 6px 0; }
section.hub:target { background: #fff8c5; }
section.hub p { margin: 2px 0; font-size: 14px; } section.hub .m { color: var(--muted); }
footer { color: var(--muted); font-size: 13px; margin-top: 36px; border-top: 1px solid var(--line); padding-top: 10px; }
@media print { main { max-width: none; padding: 0; } tr { break-inside: avoid; } }
"#;

pub fn render(f: &Fleet) -> String {
    // Roughly what a hub costs (row and section), so the page is built without regrowing.
    let mut out = String::with_capacity(8_192 + f.hubs.len() * 640);
    let title = format!(
        "Fleet drill {}: {}",
        f.verdict.word(),
        f.runbooks.join(", ")
    );
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = write!(
        out,
        "<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n",
        html(&title)
    );
    head(&mut out, f);
    failures(&mut out, f);
    rto(&mut out, f.rto.as_ref(), f.rto_source);
    subscriptions(&mut out, f);
    shards(&mut out, f);
    hub_table(&mut out, f);
    out.push_str("<h2 id=\"hub-details\">Hub details</h2>\n");
    for (i, h) in f.hubs.iter().enumerate() {
        if i % CHUNK == 0 {
            if i > 0 {
                out.push_str("</div>\n");
            }
            out.push_str("<div class=\"chunk sections\">\n");
        }
        hub_section(&mut out, f, h);
    }
    if !f.hubs.is_empty() {
        out.push_str("</div>\n");
    }
    let (by, written) = fleet::provenance(f);
    let _ = write!(
        out,
        "<footer>Generated by <code>runbook report</code> ({}) from the fleet log{}{}. All times are UTC. The fleet log and the hubs' DR logs are the record of the run; this page is drawn from them.</footer>\n</main>\n</body>\n</html>\n",
        html(&by),
        if f.shards.len() > 1 { "s" } else { "" },
        html(&written)
    );
    out
}

fn head(out: &mut String, f: &Fleet) {
    let _ = write!(
        out,
        "<h1>Fleet drill: {}</h1>\n<header class=\"verdict tone-{}\" id=\"verdict\"><p class=\"verdict-word\">{}</p><p class=\"sentence\">{}</p><p class=\"when\">{} to {} · {} fleet director{} · exit code {}</p></header>\n",
        html(&f.runbooks.join(", ")),
        f.verdict.tone(),
        f.verdict.word(),
        html(&fleet::sentence(f)),
        html(&fmt::utc_text(&f.started_at)),
        html(&fmt::utc_text(&f.ended_at)),
        f.shards.len(),
        if f.shards.len() == 1 { "y" } else { "ies" },
        f.exit_code
    );
    out.push_str("<div class=\"counts\" id=\"counts\">");
    let _ = write!(
        out,
        "<div class=\"count tone-neutral\" data-status=\"total\"><b>{}</b>hubs</div>",
        f.counts.total
    );
    for (label, n, tone) in count_list(&f.counts) {
        let _ = write!(
            out,
            "<div class=\"count tone-{tone}{}\" data-status=\"{label}\"><b>{n}</b>{label}</div>",
            if n == 0 { " zero" } else { "" }
        );
    }
    out.push_str("</div>\n");
}

fn failures(out: &mut String, f: &Fleet) {
    let bad: Vec<&Hub> = f
        .hubs
        .iter()
        .filter(|h| h.rec.status != runbook_record::fleet::FleetHubStatus::Succeeded)
        .collect();
    out.push_str("<h2 id=\"failures\">Failures first</h2>\n");
    if bad.is_empty() {
        out.push_str("<p>Every hub succeeded.</p>\n");
        return;
    }
    out.push_str("<table class=\"failures\"><thead><tr><th>Hub</th><th>Subscription</th><th>Status</th><th>Failed step</th><th>Reason</th></tr></thead><tbody>\n");
    for h in bad {
        let (word, tone) = status_text(h.rec.status);
        let _ = writeln!(
            out,
            "<tr><td><a href=\"#{}\">{}</a></td><td><code>{}</code></td><td class=\"st-{tone}\">{word}</td><td>{}</td><td>{}</td></tr>",
            h.anchor,
            html(&h.rec.hub),
            html(&h.rec.subscription),
            h.failed_step
                .as_deref()
                .map_or_else(|| "-".to_string(), |s| format!("<code>{}</code>", html(s))),
            with_code(h.rec.reason.as_deref().unwrap_or("-"))
        );
    }
    out.push_str("</tbody></table>\n");
}

fn rto(out: &mut String, stats: Option<&RtoStats>, source: &str) {
    out.push_str("<h2 id=\"rto\">Recovery time (RTO) across the fleet</h2>\n");
    let Some(s) = stats else {
        out.push_str("<p>No hub measured a recovery time (no failover was made).</p>\n");
        return;
    };
    let _ = writeln!(
        out,
        "<div class=\"stats\"><div><b>{}</b>p50</div><div><b>{}</b>p95</div><div><b>{}</b>max</div><div><b>{}</b>hubs measured</div></div>",
        label(s.p50),
        label(s.p95),
        label(s.max),
        s.count
    );
    let _ = writeln!(
        out,
        "<p class=\"note\">Measured as {}.</p>",
        with_code(source)
    );
    // The histogram: one bar per bin, its count above it, the bin's lower edge below
    // (fine enough to tell the bins apart).
    let (w, h, left, base) = (720.0_f64, 200.0_f64, 10.0_f64, 170.0_f64);
    let slot = (w - 2.0 * left) / s.bins.len() as f64;
    let top = s.bins.iter().map(|b| b.count).max().unwrap_or(1).max(1) as f64;
    let _ = write!(
        out,
        "<svg class=\"histogram\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-label=\"RTO histogram\">"
    );
    for (i, b) in s.bins.iter().enumerate() {
        let x = left + slot * i as f64;
        let bh = (b.count as f64 / top) * (base - 24.0);
        let _ = write!(
            out,
            "<rect class=\"bin\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{bh:.1}\" data-count=\"{}\"><title>{} to {}: {} hubs</title></rect><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text><text x=\"{x:.1}\" y=\"{:.1}\">{}</text>",
            x + 2.0,
            base - bh,
            slot - 4.0,
            b.count,
            label(b.from),
            label(b.to),
            b.count,
            x + slot / 2.0,
            base - bh - 4.0,
            b.count,
            base + 16.0,
            edge_label(b.from, b.to - b.from)
        );
    }
    let _ = writeln!(
        out,
        "<line class=\"axis\" x1=\"{left}\" y1=\"{base}\" x2=\"{}\" y2=\"{base}\"/></svg>",
        w - left
    );
}

fn subscriptions(out: &mut String, f: &Fleet) {
    out.push_str("<h2 id=\"subscriptions\">Subscriptions: progress and throttling</h2>\n");
    out.push_str("<table class=\"subscriptions\"><thead><tr><th>Subscription</th><th class=\"n\">Hubs</th><th>Progress</th><th class=\"n\">Finished</th><th class=\"n\">Succeeded</th><th class=\"n\">Failed or error</th><th class=\"n\">ARM retries</th><th class=\"n\">Throttled steps</th></tr></thead><tbody>\n");
    for s in &f.subscriptions {
        let c = &s.counts;
        let pct = |n: usize| {
            if c.total == 0 {
                0.0
            } else {
                100.0 * n as f64 / c.total as f64
            }
        };
        let bad = c.failed + c.error + c.cancelled;
        let _ = writeln!(
            out,
            "<tr><td><code>{}</code></td><td class=\"n\">{}</td><td><div class=\"bar\" title=\"{} of {} finished\"><span class=\"g\" style=\"width:{:.1}%\"></span><span class=\"b\" style=\"width:{:.1}%\"></span><span class=\"c\" style=\"width:{:.1}%\"></span></div></td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            html(&s.id),
            c.total,
            s.finished(),
            c.total,
            pct(c.succeeded),
            pct(bad),
            pct(c.aborted),
            s.finished(),
            c.succeeded,
            c.failed + c.error,
            s.http_retries,
            s.throttled_steps
        );
    }
    out.push_str("</tbody></table>\n");
    let _ = writeln!(
        out,
        "<p class=\"note\">ARM retries: requests the ARM client re-sent during the hubs' steps (429s, 5xx, dropped connections), from the DR logs. 429s ARM answered despite the client-side budget: <b>{}</b> in all (per fleet directory below).</p>",
        f.throttled_429s
    );
}

fn shards(out: &mut String, f: &Fleet) {
    out.push_str("<h2 id=\"shards\">Fleet directories</h2>\n<table class=\"shards\"><thead><tr><th>Directory</th><th>Fleet run</th><th>Started (UTC)</th><th>Ended (UTC)</th><th class=\"n\">Hubs</th><th class=\"n\">Exit code</th><th class=\"n\">429s</th><th>Notes</th></tr></thead><tbody>\n");
    for s in &f.shards {
        let l = &s.log;
        let mut notes = Vec::new();
        if l.dry_run {
            notes.push("dry run");
        }
        if l.interrupted {
            notes.push("interrupted");
        }
        if l.stopped_by_max_errors {
            notes.push("stopped by max_errors");
        }
        let _ = writeln!(
            out,
            "<tr><td><code>{}</code></td><td><code>{}</code></td><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
            html(&s.dir),
            html(&l.fleet_run_id),
            html(&fmt::utc_text(&l.started_at)),
            html(&fmt::utc_text(&l.ended_at)),
            l.hubs.len(),
            l.exit_code,
            l.throttled_429s,
            notes.join(", ")
        );
    }
    out.push_str("</tbody></table>\n");
}

fn hub_table(out: &mut String, f: &Fleet) {
    const HEAD: &str = "<div class=\"chunk rows\"><table class=\"hubs\"><thead><tr><th>Hub</th><th>Subscription</th><th>Resource group</th><th>Status</th><th>RTO</th><th>ARM retries</th></tr></thead><tbody>\n";
    out.push_str("<h2 id=\"hubs\">Hubs</h2>\n");
    out.push_str(HEAD);
    for (i, h) in f.hubs.iter().enumerate() {
        // Tables of CHUNK rows with fixed column widths, so they line up as one.
        if i > 0 && i % CHUNK == 0 {
            out.push_str("</tbody></table></div>\n");
            out.push_str(HEAD);
        }
        let (word, tone) = status_text(h.rec.status);
        let _ = writeln!(
            out,
            "<tr><td><a href=\"#{}\">{}</a></td><td>{}</td><td>{}</td><td class=\"st-{tone}\">{word}</td><td>{}</td><td>{}</td></tr>",
            h.anchor,
            html(&h.rec.hub),
            html(&h.rec.subscription),
            html(&h.rec.resource_group),
            h.rto.map_or_else(|| "-".to_string(), label),
            h.http_retries
        );
    }
    out.push_str("</tbody></table></div>\n");
}

fn hub_section(out: &mut String, f: &Fleet, h: &Hub) {
    let (word, tone) = status_text(h.rec.status);
    let _ = write!(
        out,
        "<section class=\"hub\" id=\"{}\"><h3>{} <span class=\"badge st-{tone}\">{word}</span></h3>",
        h.anchor,
        html(&h.rec.hub)
    );
    if let Some(r) = &h.rec.reason {
        let _ = write!(out, "<p>{}</p>", with_code(r));
    }
    if let Some(n) = &h.log_note {
        let _ = write!(out, "<p class=\"st-caution\">{}</p>", html(n));
    }
    // Its subscription and resource group are in its row: the section is repeated 10,000
    // times, so it says only what the row does not.
    let mut meta = Vec::new();
    if let Some(s) = &h.rec.started_at {
        let ended = h.rec.ended_at.as_deref().and_then(fmt::parse_time);
        meta.push(match (fmt::parse_time(s), ended) {
            (Some(a), Some(b)) => format!("{} to {}", fmt::clock(a), fmt::clock(b)),
            (Some(a), None) => format!("from {}", fmt::clock(a)),
            _ => html(s),
        });
    }
    if let Some(r) = h.rto {
        meta.push(format!("RTO {}", label(r)));
    }
    if h.rec.pre_failover_device_count.is_some() || h.rec.post_failover_device_count.is_some() {
        meta.push(format!(
            "devices {} → {}",
            fmt::opt_num(h.rec.pre_failover_device_count),
            fmt::opt_num(h.rec.post_failover_device_count)
        ));
    }
    if h.http_retries > 0 {
        meta.push(format!("ARM retries {}", h.http_retries));
    }
    if f.shards.len() > 1 {
        meta.push(format!("in <code>{}</code>", html(&f.shards[h.shard].dir)));
    }
    if h.rec.run_id.is_some() {
        meta.push(format!("DR log <code>{}</code>", html(&h.rec.log)));
    }
    if !meta.is_empty() {
        let _ = write!(out, "<p class=\"m\">{}</p>", meta.join(" · "));
    }
    if !h.steps.is_empty() {
        out.push_str("<p>");
        for (i, s) in h.steps.iter().enumerate() {
            if i > 0 {
                out.push_str(" · ");
            }
            // A succeeded step is plain text: most are, and markup costs bytes per hub.
            if s.status == StepStatus::Success {
                let _ = write!(out, "{} {}", html(&s.id), fmt::millis(s.duration_ms));
            } else {
                let _ = write!(
                    out,
                    "<span class=\"st-{}\">{} {} ({})</span>",
                    status_tone(s.status),
                    html(&s.id),
                    fmt::millis(s.duration_ms),
                    status_word(s.status).1
                );
            }
        }
        out.push_str("</p>");
    }
    out.push_str("</section>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hub_text_cannot_inject_markup() {
        let mut f = crate::fleet::synthetic(3, 1);
        f.hubs[0].rec.reason = Some("<script>alert(1)</script> `a<b`".into());
        f.hubs[0].rec.hub = "h\"><img src=x>".into();
        let page = render(&f);
        assert!(!page.contains("<script") && !page.contains("<img"));
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt; <code>a&lt;b</code>"));
    }

    #[test]
    fn every_hub_has_a_row_and_a_section() {
        let page = render(&crate::fleet::synthetic(50, 3));
        assert_eq!(page.matches("<section class=\"hub\" id=\"hub-").count(), 50);
        assert_eq!(
            page.matches("<tr><td><a href=\"#hub-").count(),
            53,
            "50 rows and 3 failures"
        );
        assert!(page.contains("<p class=\"verdict-word\">FAILED</p>"));
        // Laid out a block at a time: 450 hubs are three tables and three blocks of sections.
        let big = render(&crate::fleet::synthetic(450, 0));
        assert_eq!(
            big.matches("<div class=\"chunk rows\"><table class=\"hubs\">")
                .count(),
            3
        );
        assert_eq!(big.matches("<div class=\"chunk sections\">").count(), 3);
        assert_eq!(big.matches("<div").count(), big.matches("</div>").count());
    }
}
