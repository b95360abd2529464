//! A journal that stops recording refuses the failover: with the process's file-size limit
//! at 1 KiB (SIGXFSZ caught, so writes fail with EFBIG the way a full disk fails them), the
//! journal writer thread fails on the drill's first large record, and the failover step ends
//! `JournalUnavailable` without a POST; the run is aborted with nothing changed.
//!
//! Its own test binary: the limit is the whole process's.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use runbook_engine::{ErrorCode, RunStatus, Session, StepStatus};
use support::*;
use tokio::signal::unix::{SignalKind, signal};

/// SIGXFSZ on Linux (x86-64 and arm64).
const SIGXFSZ: i32 = 25;

/// Sets this process's soft file-size limit (`prlimit` from util-linux).
fn limit_file_size(limit: &str) {
    let status = std::process::Command::new("prlimit")
        .arg(format!("--pid={}", std::process::id()))
        .arg(format!("--fsize={limit}:"))
        .status()
        .expect("prlimit runs");
    assert!(status.success(), "prlimit --fsize={limit}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_journal_that_cannot_be_written_refuses_the_failover() {
    // Caught, the signal no longer ends the process: the write returns EFBIG instead.
    let _xfsz = signal(SignalKind::from_raw(SIGXFSZ)).expect("SIGXFSZ handler");
    let emu = emulator().await;
    let dir = tempfile::tempdir().unwrap();
    let p = prepared(dir.path(), DRILL);
    let session = Session::open(request(dir.path(), &p, None), None, SCALE)
        .await
        .expect("the session opens");

    limit_file_size("1024");
    let outcome = session.run(deps(client(&emu))).await;
    limit_file_size("unlimited");

    assert!(posts(&emu).is_empty(), "a failover started unrecorded");
    let why = outcome
        .run
        .sink_failure
        .clone()
        .expect("the journal failed");
    assert!(why.contains("writing the journal"), "{why}");
    assert_eq!(
        outcome.run.status,
        RunStatus::Aborted,
        "{:?}",
        outcome.run.reason
    );
    // The DR log is written while the limit still holds, so it is lost too: a lost log turns
    // the run's 3 into 1, so no script reads "nothing to look at" (see `SessionOutcome`).
    assert!(
        outcome.log_error.is_some(),
        "the DR log cannot be written either"
    );
    assert_eq!(outcome.exit_code(), 1, "aborted, and its DR log lost");
    let log = outcome.run.log.expect("the DR log, in memory");
    let fo = log.steps.iter().find(|s| s.step == "fo").unwrap();
    assert_eq!(fo.status, StepStatus::Failed);
    let error = fo.error.as_ref().expect("an error");
    assert_eq!(error.code, ErrorCode::JournalUnavailable);
    assert!(
        error.message.contains("not failing over"),
        "{}",
        error.message
    );
    // The steps after it never ran.
    let wait = log.steps.iter().find(|s| s.step == "wait").unwrap();
    assert!(wait.is_not_run(), "{}", wait.details);
}
