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

    /// The fd an `openat` of a path ending in `name` returned (on its line, or on the line
    /// where strace shows it resumed), and the line of the open.
    fn opened(&self, name: &str) -> (usize, String) {
        let i = self.find(0, &format!("{name}\", O_"));
        let pid = self.lines[i].split(' ').next().unwrap().to_string();
        let result_line = if self.lines[i].contains("<unfinished ...>") {
            self.find_from_pid(i, &pid, "<... openat resumed>")
        } else {
            i
        };
        let fd = self.lines[result_line]
            .rsplit("= ")
            .next()
            .unwrap()
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        (i, fd)
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
        on_path("strace"),
        "strace (apt-get install -y strace)",
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
        .args(against(&emu))
        .args(["--yes", "--log", "dr.json"]);
    assert_exit(&output_of(cmd).await, 0);
    let trace = Trace::parse(&std::fs::read_to_string(&trace_file).unwrap());

    let (_, journal) = trace.opened("dr.json.jsonl");
    let line_of = |event: &str| format!(r#"write({journal}, "{{\"event\":\"{event}\""#);
    let intent = trace.find(0, &line_of("failover_intent"));
    let post = trace.find(intent, "\"POST /subscriptions");
    assert!(
        trace.synced_between(&journal, intent, post),
        "the intent (line {intent}) was not synced before the POST (line {post})"
    );

    let started = trace.find(post, &line_of("failover_started"));
    let next_request = trace.find(started, "\"GET /subscriptions");
    assert!(
        trace.synced_between(&journal, started, next_request),
        "the accepted operation (line {started}) was not synced before the next request (line {next_request})"
    );

    let finished = trace.find(started, &line_of("run_finished"));
    let (staged, staged_fd) = trace.opened(".tmp");
    let linked = trace.find(staged, "dr.json\", 0) = 0");
    assert!(
        trace.synced_between(&journal, finished, linked),
        "the run's end (line {finished}) was not synced before the DR log got its name (line {linked})"
    );
    assert!(
        trace.synced_between(&staged_fd, staged, linked),
        "the DR log's content was not synced before it got its name (line {linked})"
    );
    assert!(
        trace.syncs.iter().any(|(i, _)| *i > linked),
        "the directory was not synced after the DR log got its name"
    );
}
