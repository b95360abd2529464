//! Reports as their readers see them: `runbook exec --report` and `runbook report` through the
//! real binary, and the HTML opened in a real headless browser.
//!
//! The browser is Debian's Chromium run as a subprocess (no CDP crate): `--dump-dom` of a copy
//! of the report with a probe script appended (the report itself has none) says where the
//! verdict and the timeline's bars were laid out and in which colours; `--screenshot` writes a
//! PNG under this test's output folder, checked for its size and against a blank page's. The
//! browser is `$RUNBOOK_CHROMIUM`, `chromium` or `chromium-browser`; without one the HTML
//! checks still run and a note says the browser part needs Chromium, except under `CI=true`,
//! where a missing browser fails the test. Objectives are tested here too: a missed one fails
//! the drill (exit 1) and is in the DR log, the journal and the report.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;

use serde_json::Value;
use support::*;

/// `exec_emulated` plus `--report REPORT`.
fn exec_with_report(runbook: &str, report: &str, extra: &[&str]) -> Exec {
    let mut args = vec!["--yes", "--report", report];
    args.extend_from_slice(extra);
    exec_emulated(runbook, &args)
}

/// Every `src=`/`href=` value in `html`.
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

/// The structure a reader depends on, without a browser: verdict, one bar per step, nothing
/// fetched from elsewhere.
fn assert_html_structure(html: &str, verdict: &str, steps: usize) {
    assert!(html.starts_with("<!DOCTYPE html>"), "not an HTML page");
    assert!(
        html.contains(&format!("{verdict}</p>")) && html.contains("id=\"verdict\""),
        "verdict {verdict} not shown"
    );
    assert_eq!(
        html.matches("<svg class=\"timeline\"").count(),
        1,
        "one timeline"
    );
    assert_eq!(
        html.matches("<rect class=\"bar ").count(),
        steps,
        "one bar per step"
    );
    assert!(!html.contains("<script"), "the report needs no JavaScript");
    assert!(!html.contains("<link"), "no linked stylesheet or icon");
    for l in links(html) {
        assert!(
            !l.starts_with("http://") && !l.starts_with("https://") && !l.starts_with("//"),
            "an external URL: {l}"
        );
    }
}

/// Appended to a copy of the report: measures what the reader sees and writes it into the DOM
/// for `--dump-dom`.
const PROBE: &str = r#"<script>
(function () {
  function box(el) {
    if (!el) return null;
    var r = el.getBoundingClientRect(), cs = getComputedStyle(el);
    return { top: r.top, left: r.left, width: r.width, height: r.height, color: cs.color,
             shown: cs.display !== 'none' && cs.visibility !== 'hidden' && parseFloat(cs.opacity) > 0 };
  }
  var word = document.querySelector('#verdict .verdict-word');
  var bars = Array.prototype.map.call(document.querySelectorAll('svg.timeline rect.bar'), function (b) {
    var r = b.getBoundingClientRect();
    return { step: b.getAttribute('data-step'), width: r.width, height: r.height, top: r.top, fill: getComputedStyle(b).fill };
  });
  var out = { verdict_text: word ? word.textContent : null, verdict: box(word),
              timeline: box(document.querySelector('svg.timeline')), bars: bars };
  var pre = document.createElement('pre');
  pre.id = 'probe-result';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>"#;

/// Width and height from a PNG's IHDR, after checking the signature.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert!(bytes.len() > 24, "PNG too short");
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    assert_eq!(&bytes[12..16], b"IHDR", "PNG without IHDR first");
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    (be(&bytes[16..20]), be(&bytes[20..24]))
}

fn screenshot(browser: &Path, page: &Path, png: &Path) -> Vec<u8> {
    let _ = std::fs::remove_file(png);
    support::browser::run(browser, &[format!("--screenshot={}", png.display())], page);
    std::fs::read(png).expect("chromium wrote the screenshot")
}

#[test]
fn exec_report_html_is_readable_in_a_browser() {
    let e = exec_with_report("runbooks/drill.yaml", "drill.html", &[]);
    assert_eq!(e.code, 0, "stdout:\n{}\nstderr:\n{}", e.stdout, e.stderr);
    let log = check_log(&e);
    let steps = log["steps"].as_array().unwrap().len();
    let html = std::fs::read_to_string(e.dir.path().join("drill.html")).expect("report written");
    assert_html_structure(&html, "PASSED", steps);
    assert!(html.contains("Recovery time (RTO)") && html.contains("MET"));

    let Some(browser) =
        support::browser::browser_or_note("exec_report_html_is_readable_in_a_browser")
    else {
        return;
    };
    let seen = support::browser::probe(&browser, &html, PROBE, e.dir.path());
    // The verdict: on the first screen, shown, in the "good" green.
    assert!(
        seen["verdict_text"].as_str().unwrap().contains("PASSED"),
        "{seen}"
    );
    let v = &seen["verdict"];
    assert_eq!(v["shown"], true, "{seen}");
    assert!(
        v["width"].as_f64().unwrap() > 100.0 && v["height"].as_f64().unwrap() > 20.0,
        "{seen}"
    );
    assert!(
        v["top"].as_f64().unwrap() < 200.0,
        "the verdict is not at the top: {seen}"
    );
    assert_eq!(
        v["color"], "rgb(26, 127, 55)",
        "the verdict is not green: {seen}"
    );
    // The timeline: laid out wide, within the screenshot, a visible bar for every step.
    let t = &seen["timeline"];
    assert_eq!(t["shown"], true, "{seen}");
    assert!(t["width"].as_f64().unwrap() > 600.0, "{seen}");
    assert!(
        t["top"].as_f64().unwrap() + t["height"].as_f64().unwrap() < 2000.0,
        "{seen}"
    );
    let bars = seen["bars"].as_array().unwrap();
    assert_eq!(bars.len(), steps, "{seen}");
    for b in bars {
        assert!(
            b["width"].as_f64().unwrap() >= 1.0 && b["height"].as_f64().unwrap() >= 10.0,
            "{b}"
        );
        // The drill's wait for the devices warns: the failover moved the built-in Event
        // Hub-compatible endpoint its consumers read. A warned step's bar is amber.
        let fill = if b["step"] == "device_recovery" {
            "rgb(212, 167, 44)"
        } else {
            "rgb(45, 164, 78)"
        };
        assert_eq!(b["fill"], fill, "a succeeded step's bar is green: {b}");
    }

    // The screenshot, kept under this test's output folder for a human to look at.
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report_cli");
    std::fs::create_dir_all(&out).unwrap();
    let png = screenshot(
        &browser,
        &e.dir.path().join("drill.html"),
        &out.join("drill.png"),
    );
    assert_eq!(png_size(&png), (1280, 2000));
    let blank_page = e.dir.path().join("blank.html");
    std::fs::write(&blank_page, "<!DOCTYPE html><html><body></body></html>").unwrap();
    let blank = screenshot(&browser, &blank_page, &out.join("blank.png"));
    assert_eq!(png_size(&blank), (1280, 2000));
    assert!(
        png.len() > 5 * blank.len(),
        "the report's screenshot ({} bytes) is hardly bigger than a blank page's ({} bytes): {}",
        png.len(),
        blank.len(),
        out.join("drill.png").display()
    );
    eprintln!("screenshot: {}", out.join("drill.png").display());
}

#[test]
fn a_missed_objective_fails_the_drill_and_the_report_says_so() {
    let e = exec_with_report("tests/fixtures/exec/objective-missed.yaml", "drill.md", &[]);
    assert_eq!(e.code, 1, "stdout:\n{}\nstderr:\n{}", e.stdout, e.stderr);
    let log = check_log(&e);
    assert_eq!(log["status"], "failed");
    let reason = log["status_reason"].as_str().unwrap();
    assert!(
        reason.starts_with("objective `rto` missed: measured "),
        "{reason}"
    );
    assert!(reason.ends_with(", target 1ms"), "{reason}");
    let rto = &log["objectives"][0];
    assert_eq!(
        (rto["objective"].as_str(), rto["met"].as_bool()),
        (Some("rto"), Some(false))
    );
    assert!(rto["measured_value"].as_f64().unwrap() > 0.001);
    assert_eq!(log["objectives"][1]["advisory"], true);
    // The hub failed over as it should: a slow recovery is not rolled back.
    assert_eq!(step(log, "failback")["status"], "skipped");
    // The journal carries the measurements, so `resume` rebuilds the same log.
    let measured: Vec<&Value> = e
        .journal
        .iter()
        .filter(|ev| ev["event"] == "objectives_measured")
        .collect();
    assert_eq!(measured.len(), 1);
    assert_eq!(measured[0]["objectives"], log["objectives"]);
    // The report is written on failure too, and leads with it.
    let md = std::fs::read_to_string(e.dir.path().join("drill.md")).expect("report written");
    assert!(
        md.starts_with("# ❌ DR drill FAILED: objective-missed on myIoTHub"),
        "{md}"
    );
    assert!(md.contains("| Recovery time (RTO) | ≤ 1ms |"), "{md}");
    assert!(md.contains("❌ **MISSED**"), "{md}");
    assert!(e.stdout.contains("✗ objective rto: MISSED"), "{}", e.stdout);
}

#[test]
fn a_dry_run_reports_objectives_as_not_measured_and_passes() {
    let e = exec_emulated(
        "runbooks/drill.yaml",
        &["--dry-run", "--report", "dry.html"],
    );
    assert_eq!(e.code, 0, "stdout:\n{}\nstderr:\n{}", e.stdout, e.stderr);
    let log = check_log(&e);
    for o in log["objectives"].as_array().unwrap() {
        assert!(o["met"].is_null(), "{o}");
    }
    let html = std::fs::read_to_string(e.dir.path().join("dry.html")).unwrap();
    assert_html_structure(&html, "DRY RUN", log["steps"].as_array().unwrap().len());
    assert!(html.contains("NOT MEASURED"));
}

#[test]
fn exec_refuses_a_report_name_without_a_format_before_running() {
    let e = exec_emulated("runbooks/drill.yaml", &["--yes", "--report", "drill.pdf"]);
    assert_eq!(e.code, 2);
    assert!(
        e.stderr.contains("name the report .html or .md"),
        "{}",
        e.stderr
    );
    assert!(e.log.is_none() && e.journal.is_empty(), "nothing ran");
}

fn report_cmd(dir: &Path, args: &[&str]) -> std::process::Output {
    command(dir).arg("report").args(args).output().unwrap()
}

#[test]
fn report_renders_several_logs_with_the_trend_of_the_rto() {
    let fixtures = repo("crates/runbook-report/tests/fixtures");
    let dir = tempfile::tempdir().unwrap();
    let passed = fixtures.join("passed.json");
    let earlier = fixtures.join("earlier-drills.json");
    let args = [passed.to_str().unwrap(), earlier.to_str().unwrap()];
    let md = report_cmd(dir.path(), &args);
    assert_eq!(md.status.code(), Some(0));
    let md = String::from_utf8(md.stdout).unwrap();
    assert!(
        md.starts_with("# DR drill report: ✅ All 3 drills passed"),
        "{md}"
    );
    assert!(
        md.contains("## Trend over drills") && md.contains("RTO, oldest to newest: `"),
        "{md}"
    );

    let html = report_cmd(dir.path(), &[args[0], args[1], "-o", "fleet.html"]);
    assert_eq!(html.status.code(), Some(0));
    let html = std::fs::read_to_string(dir.path().join("fleet.html")).unwrap();
    assert!(html.contains("<svg class=\"sparkline\""));
    assert_eq!(html.matches("<svg class=\"timeline\"").count(), 3);
}

#[test]
fn report_refuses_what_is_not_a_dr_log() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("junk.json"), "{\"hello\": 1}").unwrap();
    let out = report_cmd(dir.path(), &["junk.json", "-o", "r.html"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("junk.json: not a DR log"), "{stderr}");
    assert!(!dir.path().join("r.html").exists(), "nothing written");
    let out = report_cmd(dir.path(), &["missing.json"]);
    assert_eq!(out.status.code(), Some(2));
    let out = report_cmd(dir.path(), &["junk.json", "-o", "r.txt"]);
    assert_eq!(out.status.code(), Some(2));
}
