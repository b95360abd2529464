//! Headless Chromium for the tests that look at a page as a reader does: Debian's Chromium as
//! a subprocess (no CDP crate), `--dump-dom` of a copy of the page with a probe script
//! appended, bounded in time. The browser is `$RUNBOOK_CHROMIUM`, `chromium` or
//! `chromium-browser`; without one a note says the browser part was skipped, except under
//! `CI=true`, where a missing browser fails the test.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn find() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("RUNBOOK_CHROMIUM").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| ["chromium", "chromium-browser"].map(|n| dir.join(n)))
        .find(|p| p.is_file())
}

/// The browser, or `None` with a note on stderr; under `CI=true` a missing browser fails.
pub fn browser_or_note(test: &str) -> Option<PathBuf> {
    super::tool_or_note(
        test,
        "the browser part",
        find(),
        "Chromium (apt-get install -y chromium, or set RUNBOOK_CHROMIUM; tried $RUNBOOK_CHROMIUM, chromium, chromium-browser on PATH)",
    )
}

/// Runs headless Chromium on `page` with `args`, bounded in time; returns its stdout.
pub fn run(browser: &Path, args: &[String], page: &Path) -> String {
    let profile = tempfile::tempdir().unwrap();
    let out_file = profile.path().join("stdout");
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--window-size=1280,2000",
        ])
        .arg(format!(
            "--user-data-dir={}",
            profile.path().join("profile").display()
        ))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_file).unwrap())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromium");
    let deadline = Instant::now() + Duration::from_secs(90);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish within 90 s on {}", page.display());
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "chromium failed: {status}");
    std::fs::read_to_string(out_file).unwrap()
}

/// Loads a copy of `html` with `probe` (a `<script>` that puts JSON into
/// `<pre id="probe-result">`) appended, and returns that JSON.
pub fn probe(browser: &Path, html: &str, probe: &str, dir: &Path) -> serde_json::Value {
    let page = dir.join("probe.html");
    std::fs::write(&page, html.replace("</body>", &format!("{probe}\n</body>"))).unwrap();
    let dom = run(browser, &["--dump-dom".to_string()], &page);
    let start = dom
        .find("<pre id=\"probe-result\">")
        .expect("the probe ran")
        + 23;
    let end = start + dom[start..].find("</pre>").unwrap();
    let json = dom[start..end]
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    serde_json::from_str(&json).expect("probe JSON")
}
