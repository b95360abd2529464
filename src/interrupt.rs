//! Ctrl-C and SIGTERM during a run: the first cancels the run's token (the engine stops
//! polling, records, runs `finally`, and the DR log is written); the second ends the process
//! at once, except while a failover request is in flight: then it waits for ARM's answer to
//! be journaled first (a third signal does not hurry it; `kill -9` still can, and resume
//! then finds out from the hub what became of the request).

use runbook_engine::{CancellationToken, ChangesInFlight};

use crate::exit_code;

/// Ctrl-C (or SIGTERM, as CI systems and service managers send) once: stop polling, record,
/// run `finally`, write the log. Twice: leave at once (the journal is already on disk, event by
/// event).
pub fn spawn_handler(cancel: CancellationToken, in_flight: ChangesInFlight) {
    use tokio::signal::unix::{SignalKind, signal};
    // Installed now, before the run goes on: a task spawned on a single-threaded runtime
    // first runs when the run yields, and a signal before that would end the process with
    // the default action instead of a clean interruption.
    let mut int = signal(SignalKind::interrupt()).ok();
    let mut term = signal(SignalKind::terminate()).ok();
    tokio::spawn(async move {
        let mut interrupted = async || {
            tokio::select! {
                Some(()) = next(int.as_mut()) => true,
                Some(()) = next(term.as_mut()) => true,
                else => false,
            }
        };
        if interrupted().await {
            errln!(
                "\ninterrupted: stopping after recording the current step (Ctrl-C again to quit at once)"
            );
            cancel.cancel();
            if interrupted().await {
                if in_flight.count() > 0 {
                    errln!(
                        "a failover request is in flight: waiting for ARM's answer so it is recorded, then quitting"
                    );
                    in_flight.wait_idle().await;
                }
                std::process::exit(exit_code::INTERRUPTED);
            }
        }
    });
}

/// The next delivery of a signal whose handler could be installed; never, for one that could not.
async fn next(signal: Option<&mut tokio::signal::unix::Signal>) -> Option<()> {
    match signal {
        Some(s) => s.recv().await,
        None => std::future::pending().await,
    }
}
