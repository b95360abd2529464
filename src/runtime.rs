//! The async runtimes the networked commands (`exec`, `resume`, `emulator`) run on.
//!
//! A fleet, `runbook test` and the standalone emulator serve many hubs at once and get a
//! multi-threaded runtime. One hub's drill is a chain of requests, each waiting on the last;
//! it runs on the calling thread alone (`start_single`), where a request to the in-process
//! emulator and its answer never cross threads. File I/O still goes to the blocking pool and
//! the journal has its own thread, so nothing slow runs on that one thread.

/// A multi-threaded tokio runtime, or `None` after saying why it could not start.
pub fn start() -> Option<tokio::runtime::Runtime> {
    report(
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build(),
    )
}

/// A runtime on the calling thread, for one hub's run; `None` after saying why it could not
/// start.
pub fn start_single() -> Option<tokio::runtime::Runtime> {
    report(
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build(),
    )
}

fn report(built: std::io::Result<tokio::runtime::Runtime>) -> Option<tokio::runtime::Runtime> {
    match built {
        Ok(r) => Some(r),
        Err(e) => {
            errln!("error: cannot start the async runtime: {e}");
            None
        }
    }
}
