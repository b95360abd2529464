//! The report as its readers get it, from checked-in DR logs (fixed times, so the output is
//! stable): the Markdown pinned by insta snapshots, the HTML checked for its structure (the
//! verdict first, one timeline bar per step, nothing fetched from elsewhere, log text
//! escaped). `tests/report_cli.rs` at the workspace root renders a live drill in a browser.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use runbook_report::{Drill, Format, read_file, render};

fn fixture(name: &str) -> Vec<Drill> {
    // The report names the runbook that made it; a fixed name keeps snapshots stable across
    // versions.
    runbook_record::writer::set_writer("runbook [version]");
    read_file(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name),
    )
    .expect("fixture reads")
}

#[test]
fn markdown_of_a_passed_drill() {
    insta::assert_snapshot!(render(&fixture("passed.json"), Format::Markdown));
}

#[test]
fn markdown_of_a_drill_that_missed_its_rto() {
    insta::assert_snapshot!(render(&fixture("failed.json"), Format::Markdown));
}

#[test]
fn markdown_of_a_dry_run() {
    insta::assert_snapshot!(render(&fixture("dry-run.json"), Format::Markdown));
}

#[test]
fn markdown_of_several_drills_shows_an_overview_and_the_rto_trend() {
    let mut drills = fixture("earlier-drills.json");
    drills.extend(fixture("passed.json"));
    drills.extend(fixture("failed.json"));
    insta::assert_snapshot!(render(&drills, Format::Markdown));
}

/// Every `src="..."` and `href="..."` value in `html`.
fn links(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attr in ["src=\"", "href=\"", "src='", "href='"] {
        let mut rest = html;
        while let Some(i) = rest.find(attr) {
            rest = &rest[i + attr.len()..];
            let end = rest.find(['"', '\'']).unwrap_or(rest.len());
            out.push(rest[..end].to_string());
        }
    }
    out
}

#[test]
fn html_is_one_self_contained_page_with_the_verdict_first() {
    let drills = fixture("failed.json");
    let html = render(&drills, Format::Html);
    assert!(html.starts_with("<!DOCTYPE html>"));
    // The verdict comes before anything else in the body.
    let body = &html[html.find("<main>").unwrap()..];
    let verdict = body.find("id=\"verdict\"").expect("a verdict");
    assert_eq!(
        body[..verdict].matches('<').count(),
        3,
        "only <main>, <section> and the verdict's <header> open before it: {}",
        &body[..verdict]
    );
    assert!(
        body.contains("<p class=\"verdict-word\">✘ FAILED</p>"),
        "{body}"
    );
    assert!(body.contains("objective `rto` missed: measured 40m44s, target 30m"));
    // One bar per step, in one SVG.
    assert_eq!(html.matches("<svg class=\"timeline\"").count(), 1);
    assert_eq!(
        html.matches("<rect class=\"bar ").count(),
        drills[0].steps.len()
    );
    // Nothing to fetch: no scripts, no external URLs, no stylesheet links.
    assert!(!html.contains("<script"), "no scripts");
    assert!(!html.contains("<link"), "no linked assets");
    for l in links(&html) {
        assert!(l.starts_with('#'), "a link out of the page: {l}");
    }
    assert!(!html.contains("http://") && !html.contains("https://"));
}

#[test]
fn log_text_is_escaped_in_html_and_markdown() {
    let drills = fixture("failed.json");
    let html = render(&drills, Format::Html);
    // The health check's details hold `<unhealthy>`, `|` and quotes.
    assert!(!html.contains("<unhealthy>"));
    assert!(
        html.contains("(&lt;unhealthy&gt;: telemetry-archive | needs &quot;all-healthy&quot;)")
    );
    let md = render(&drills, Format::Markdown);
    assert!(md.contains(r"(&lt;unhealthy&gt;: telemetry-archive \| needs "));
    // Each table row is one line with as many unescaped cell separators as the header.
    for line in md.lines().filter(|l| l.starts_with("| 9 |")) {
        let cells = line.replace(r"\|", "").matches('|').count();
        assert_eq!(cells, 10, "{line}");
    }
}

#[test]
fn hostile_log_text_cannot_inject_markup() {
    let mut drills = fixture("passed.json");
    drills[0].hub_name = "<img src=x onerror=alert(1)>".to_string();
    drills[0].steps[0].step = "a`b```c".to_string();
    drills[0].steps[0].details = "</td></tr><script>x</script>\n| evil |".to_string();
    let html = render(&drills, Format::Html);
    assert!(!html.contains("<img") && !html.contains("<script"));
    let md = render(&drills, Format::Markdown);
    assert!(!md.contains("<img") && !md.contains("<script") && !md.contains("a`b"));
    assert!(!md.contains("\n| evil |"));
}

#[test]
fn several_drills_of_one_hub_show_the_rto_trend_oldest_first() {
    let mut drills = fixture("passed.json");
    drills.extend(fixture("earlier-drills.json"));
    let html = render(&drills, Format::Html);
    assert_eq!(html.matches("<svg class=\"sparkline\"").count(), 1);
    let trend = &html[html.find("Trend over drills").unwrap()..];
    let may = trend.find("2026-05-14").unwrap();
    let aug = trend.find("2026-08-20").unwrap();
    let nov = trend.find("2026-11-26").unwrap();
    assert!(may < aug && aug < nov, "oldest first");
    // A single drill has no trend.
    assert!(!render(&fixture("passed.json"), Format::Html).contains("Trend over drills"));
}

#[test]
fn the_footer_names_the_runbook_that_wrote_the_log() {
    let mut drills = fixture("passed.json");
    drills[0].runbook_version = Some("runbook 9.9.9 (abc 2026-01-01)".into());
    let md = render(&drills, Format::Markdown);
    assert!(
        md.contains(
            "(runbook \\[version\\]) from the DR log written by runbook 9.9.9 (abc 2026-01-01)"
        ),
        "{md}"
    );
    let html = render(&drills, Format::Html);
    assert!(
        html.contains("written by runbook 9.9.9 (abc 2026-01-01)"),
        "{html}"
    );
}

#[test]
fn markdown_of_a_big_fleet_stays_under_githubs_job_summary_limit_and_says_what_it_left_out() {
    // Issue 19: a 429-hub fleet's Markdown was 1.09 MB; GitHub refuses a step summary over
    // 1 MiB.
    let one = fixture("passed.json");
    let drills: Vec<Drill> = (0..600).flat_map(|_| one.clone()).collect();
    let full: usize = one.len() * render(&one, Format::Markdown).len() * 600;
    assert!(
        full > 1_048_576,
        "the fixture is too small to test the cap ({full} bytes)"
    );
    let md = render(&drills, Format::Markdown);
    assert!(md.len() <= 1_000_000, "{} bytes", md.len());
    let (left_out, of) = left_out_count(&md);
    assert_eq!(of, 600);
    assert!(0 < left_out && left_out < 600, "{left_out} left out");
    // The overview still lists every drill, and the footer is there.
    assert!(md.trim_end().ends_with("All times are UTC._"));
    // A small report is not cut.
    assert!(!render(&fixture("passed.json"), Format::Markdown).contains("not shown in detail"));
}

/// The number in "**N of M drills not shown in detail**", and M.
fn left_out_count(md: &str) -> (usize, usize) {
    let at = md.find(" drills not shown in detail").expect("note");
    let start = md[..at].rfind("**").expect("bold") + 2;
    let (n, m) = md[start..at].split_once(" of ").expect("N of M");
    (n.parse().unwrap(), m.parse().unwrap())
}

#[test]
fn markdown_of_a_drill_that_waited_for_its_devices_lists_them_per_minute() {
    insta::assert_snapshot!(render(&fixture("recovered.json"), Format::Markdown));
}

#[test]
fn html_charts_devices_and_telemetry_with_the_failover_and_the_recovery_point() {
    let page = render(&fixture("recovered.json"), Format::Html);
    let chart_at = page
        .find("<svg class=\"recovery\"")
        .expect("a recovery chart");
    let chart = &page[chart_at..chart_at + page[chart_at..].find("</svg>").unwrap()];
    assert!(chart.contains("class=\"failover-window\""), "{chart}");
    assert!(chart.contains("class=\"series-devices\""), "{chart}");
    assert!(chart.contains("class=\"series-telemetry\""), "{chart}");
    assert!(chart.contains("devices back 4m40s"), "{chart}");
    // One point per published minute on each line.
    let devices = chart.split("class=\"series-devices\"").nth(1).unwrap();
    let points = devices.split("points=\"").nth(1).unwrap();
    let points = &points[..points.find('"').unwrap()];
    assert_eq!(points.split(' ').count(), 11, "{points}");
    // A drill that did not wait for its devices has no such chart.
    let plain = render(&fixture("passed.json"), Format::Html);
    assert!(!plain.contains("<svg class=\"recovery\""));
}

#[test]
fn an_overview_of_drills_that_waited_for_their_devices_says_how_long_each_took() {
    let mut drills = fixture("passed.json");
    drills.extend(fixture("recovered.json"));
    let md = render(&drills, Format::Markdown);
    assert!(md.contains("| Objectives met | Devices back |"), "{md}");
    assert!(md.contains(" | - |\n"), "the drill that did not wait: {md}");
    assert!(md.contains(" | 4m40s |\n"), "{md}");
    let page = render(&drills, Format::Html);
    assert!(page.contains("<th>Devices back</th>"));
    assert!(page.contains("<td class=\"nowrap\">4m40s</td>"));
    // Without any such drill the overview is as it was.
    let mut plain = fixture("passed.json");
    plain.extend(fixture("failed.json"));
    assert!(!render(&plain, Format::Markdown).contains("Devices back"));
}
