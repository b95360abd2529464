//! "Durable" means on disk, as the kernel saw it: a drill runs under `strace`, and the order of
//! its system calls proves that each event `resume` relies on was fsync'd before the run acted
//! on it.
//!
//! - the failover's intent: its journal line is written and the journal fdatasync'd before the
//!   failover POST is sent;
//! - the accepted operation (`failover_started`): synced before the next ARM request;
//! - the run's end (`run_finished`): synced, and the DR log's temporary file synced, before the
//!   log is linked to its name; the directory is synced after.
//!
//! The crash tests kill the process, which leaves the page cache intact and so cannot tell a
//! write from a sync; this test can. It needs `strace` (`apt-get install -y strace`; `.ci/run`
//! installs it). Without it a note says the test was skipped, except under `CI=true`, where a
//! missing `strace` fails it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::HashMap;

use support::*;

/// The traced calls of one process tree, in the order strace saw them.
struct Trace {
    lines: Vec<String>,
    /// Where each fsync/fdatasync that returned 0 returned: (line index, fd).
    syncs: Vec<(usize, String)>,
}

impl Trace {
    fn parse(text: &str) -> Trace {
        let lines: Vec<String> = text.lines().map(str::to_string).collect();
        let mut pending: HashMap<String, String> = HashMap::new();
        let mut syncs = Vec::new();
        for (i, line) in lines.iter().enumerate() {
            let Some((pid, call)) = line.split_once(' ') else {
                continue;
            };
            let call = call.trim_start();
            for name in ["fsync(", "fdatasync("] {
                if let Some(rest) = call.strip_prefix(name) {
                    let fd: String = rest.chars().take_while(char::is_ascii_digit).collect();
                    if rest.contains("<unfinished ...>") {
                        pending.insert(pid.to_string(), fd);
                    } else if rest.ends_with(" = 0") {
                        syncs.push((i, fd));
                    }
                }
            }
            if (call.starts_with("<... fsync resumed>")
                || call.starts_with("<... fdatasync resumed>"))
                && call.ends_with(" = 0")
                && let Some(fd) = pending.remove(pid)
            {
                syncs.push((i, fd));
            }
        }
        Trace { lines, syncs }
    }

    /// The first line at or after `from` that holds `needle`.
    fn find(&self, from: usize, needle: &str) -> usize {
        self.lines[from..]
            .iter()
            .position(|l| l.contains(needle))
            .map(|i| i + from)
            .unwrap_or_else(|| panic!("no call with {needle:?} after line {from}"))
    }

    /// The first `openat` at or after `from` of a path ending in `name`: its line, and the fd
    /// it returned.
    fn opened(&self, from: usize, name: &str) -> (usize, String) {
        let i = self.find(from, &format!("{name}\", O_"));
        let fd = self
            .result(i, "openat")
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        (i, fd)
    }

    /// What the call on line `i` returned: on its own line, or on the line where strace shows
    /// it resumed (other threads' calls came between).
    fn result(&self, i: usize, call: &str) -> &str {
        let pid = self.lines[i].split(' ').next().unwrap();
        let line = if self.lines[i].contains("<unfinished ...>") {
            &self.lines[self.find_from_pid(i, pid, &format!("<... {call} resumed>"))]
        } else {
            &self.lines[i]
        };
        line.rsplit("= ").next().unwrap().trim()
    }

    /// The first ARM request at or after `from`: the request line a client writes first.
    fn request(&self, from: usize) -> usize {
        self.lines[from..]
            .iter()
            .position(|l| {
                ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]
                    .iter()
                    .any(|m| l.contains(&format!("\"{m} /")))
            })
            .map(|i| i + from)
            .unwrap_or_else(|| panic!("no request after line {from}"))
    }

    fn find_from_pid(&self, from: usize, pid: &str, needle: &str) -> usize {
        self.lines[from..]
            .iter()
            .position(|l| l.starts_with(&format!("{pid} ")) && l.contains(needle))
            .map(|i| i + from)
            .unwrap_or_else(|| panic!("no call of {pid} with {needle:?} after line {from}"))
    }

    /// Whether a sync of `fd` returned strictly between lines `after` and `before`.
    fn synced_between(&self, fd: &str, after: usize, before: usize) -> bool {
        self.syncs
            .iter()
            .any(|(i, f)| f == fd && *i > after && *i < before)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_event_resume_relies_on_is_synced_before_the_run_acts_on_it() {
    let Some(strace) = tool_or_note(
        "journal_durability",
        "the whole test",
        on_path("strace").filter(|s| {
            // Installed is not enough: ptrace may be denied (a container without the right).
            std::process::Command::new(s)
                .args(["-f", "-o", "/dev/null", "true"])
                .status()
                .is_ok_and(|st| st.success())
        }),
        "a working strace (apt-get install -y strace; ptrace allowed)",
    ) else {
        return;
    };
    let emu = single_hub_emulator(0.001).await;
    let dir = tempfile::tempdir().unwrap();
    let trace_file = dir.path().join("strace.txt");
    let mut cmd = wrapper(dir.path(), strace.to_str().unwrap());
    cmd.args(["-f", "-qq", "-s", "300"])
        .args([
            "-e",
            "trace=openat,write,writev,sendto,sendmsg,fsync,fdatasync,linkat,link",
        ])
        .arg("-o")
        .arg(&trace_file)
        .arg(bin())
        .arg("exec")
        .arg(repo("runbooks/drill.yaml"))
        .args(against_url(emu.base_url(), "0.001"))
        .args(["--yes", "--log", "dr.json"])
        // Each sync waits first: a run that went on before its acknowledgement would act
        // within that time, before the sync returned, and be caught here.
        .env("RUNBOOK_TEST_SYNC_DELAY_MS", "300");
    assert_exit(&output_of(cmd).await, 0);
    let trace = Trace::parse(&std::fs::read_to_string(&trace_file).unwrap());

    let (_, journal) = trace.opened(0, "dr.json.jsonl");
    let line_of = |event: &str| format!(r#"write({journal}, "{{\"event\":\"{event}\""#);
    let intent = trace.find(0, &line_of("failover_intent"));
    let post = trace.request(intent);
    assert!(
        trace.lines[post].contains("\"POST /subscriptions"),
        "the request after the intent is the failover POST: {}",
        trace.lines[post]
    );
    assert!(
        trace.synced_between(&journal, intent, post),
        "the intent (line {intent}) was not synced before the POST (line {post})"
    );

    // The first request of any kind after the POST: the accepted operation must be written
    // and synced before it.
    let started = trace.find(post, &line_of("failover_started"));
    let next_request = trace.request(post + 1);
    assert!(
        started < next_request && trace.synced_between(&journal, started, next_request),
        "the accepted operation (line {started}) was not synced before the next request (line {next_request})"
    );

    let finished = trace.find(started, &line_of("run_finished"));
    let (staged, staged_fd) = trace.opened(0, ".tmp");
    let linked = trace.find(staged, "linkat(");
    assert!(
        trace.lines[linked].contains("\"dr.json\", 0") && trace.result(linked, "linkat") == "0",
        "the staged log is linked to its name: {}",
        trace.lines[linked]
    );
    assert!(
        trace.synced_between(&journal, finished, linked),
        "the run's end (line {finished}) was not synced before the DR log got its name (line {linked})"
    );
    assert!(
        trace.synced_between(&staged_fd, staged, linked),
        "the DR log's content was not synced before it got its name (line {linked})"
    );
    let (dir_opened, dir_fd) = trace.opened(linked, ".");
    assert!(
        trace.synced_between(&dir_fd, dir_opened, trace.lines.len()),
        "the directory (opened on line {dir_opened}) was not synced after the DR log got its name"
    );
}
