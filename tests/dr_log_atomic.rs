//! The DR log is written atomically: a reader never sees a partial file, even when the process
//! is killed while writing it.
//!
//! Each round runs a drill and watches its directory as fast as it can; the moment anything of
//! the log shows up (the writer's temporary file or the log's own name), the process is killed
//! with SIGKILL. A writer that wrote the log in place would be caught with an empty or partial
//! `dr.json`; an atomic one leaves either no log or a whole one. Every read of `dr.json` along
//! the way must be whole too. Many rounds, since where inside the write the kill lands is up to
//! the scheduler; the check holds for any of them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;
use std::process::Stdio;

use support::*;

const ROUNDS: usize = 25;

/// Whether a file of the log's write is in `dir`: `dr.json` or the writer's `.dr.json.*.tmp`.
fn log_write_seen(dir: &Path) -> bool {
    std::fs::read_dir(dir).unwrap().flatten().any(|e| {
        let name = e.file_name();
        let name = name.to_string_lossy();
        name == "dr.json" || (name.starts_with(".dr.json.") && name.ends_with(".tmp"))
    })
}

/// `dr.json`, if present, is a whole DR log.
fn assert_whole_if_present(dir: &Path, round: usize) -> bool {
    match std::fs::read(dir.join("dr.json")) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
        Err(e) => panic!("round {round}: reading dr.json: {e}"),
        Ok(bytes) => {
            let log: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                panic!(
                    "round {round}: a partial DR log ({} bytes): {e}",
                    bytes.len()
                )
            });
            assert_log_matches_schema(&log);
            true
        }
    }
}

#[test]
fn a_dr_log_is_never_seen_partial_even_when_the_writer_is_killed_mid_write() {
    let (mut killed_mid_write, mut whole_logs) = (0, 0);
    for round in 0..ROUNDS {
        let dir = tempfile::tempdir().unwrap();
        let mut child = command(dir.path())
            .arg("exec")
            .arg(repo("runbooks/drill.yaml"))
            .args([
                "--emulator",
                "--time-scale",
                "0.001",
                "--yes",
                "--log",
                "dr.json",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .start();
        let mut waited = 0u64;
        loop {
            if log_write_seen(dir.path()) {
                // Kill first, look after: the kill must land during the write if it can.
                let _ = child.kill();
                let status = child.wait().unwrap();
                if status.code().is_none() {
                    killed_mid_write += 1;
                }
                break;
            }
            if let Some(status) = child.try_wait().unwrap() {
                panic!("round {round}: the drill ended ({status}) without writing its log");
            }
            assert_whole_if_present(dir.path(), round);
            waited += 1;
            assert!(waited < 50_000_000, "round {round}: no log write seen");
            std::thread::yield_now();
        }
        if assert_whole_if_present(dir.path(), round) {
            whole_logs += 1;
        }
    }
    // Whatever the split, every log seen was whole; say how the rounds went.
    println!(
        "{ROUNDS} rounds: {killed_mid_write} killed while writing, {whole_logs} left a whole log"
    );
}
