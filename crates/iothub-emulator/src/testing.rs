//! Test support shared by every test suite that drives the emulator (cargo feature `testing`).
//!
//! What each suite used to write for itself: start an emulator in process on 127.0.0.1:0 at a
//! time scale (`start`, `start_yaml`), wait for a condition with a bound instead of sleeping
//! (`eventually`), and read the request log (`requests_matching`, `count_requests`,
//! `failover_posts`). Nothing here mocks anything: the emulator is the real server, and these
//! only start it and look at it. For events a test controls rather than polls, see the
//! emulator's holds and `complete: manual` failovers (`Emulator::wait_for_hold`,
//! `Emulator::complete_failover`).
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use iothub_emulator::testing::{eventually, failover_posts, start_yaml};
//! use std::time::Duration;
//! let emu = start_yaml("hubs: [{ name: myIoTHub }]", 0.001).await?;
//! // ... drive a client against emu.base_url() ...
//! eventually(Duration::from_secs(10), || async { failover_posts(&emu) == 1 }).await?;
//! # Ok(()) }
//! ```

use crate::{Emulator, EmulatorConfig, EmulatorError, RecordedRequest, Scenario};
use std::future::Future;
use std::time::{Duration, Instant};

/// Starts `scenario` on an ephemeral loopback port, emulated time running at `time_scale`
/// (0.001: a 2 s failover takes 2 ms), with no failover limits.
pub async fn start(scenario: Scenario, time_scale: f64) -> Result<Emulator, EmulatorError> {
    Emulator::start(
        scenario,
        EmulatorConfig {
            time_scale,
            ..EmulatorConfig::default()
        },
    )
    .await
}

/// `start` with a scenario given as YAML text (errors name it `test scenario`).
pub async fn start_yaml(yaml: &str, time_scale: f64) -> Result<Emulator, EmulatorError> {
    let scenario = Scenario::from_yaml(yaml, "test scenario")
        .map_err(|e| EmulatorError::Scenario(e.to_string()))?;
    start(scenario, time_scale).await
}

/// What `eventually` waits for: `true`, or `Some(value)`.
pub trait Ready {
    /// What `eventually` hands back once ready.
    type Value;
    /// `Some` once the condition holds.
    fn ready(self) -> Option<Self::Value>;
}

impl Ready for bool {
    type Value = ();
    fn ready(self) -> Option<()> {
        self.then_some(())
    }
}

impl<T> Ready for Option<T> {
    type Value = T;
    fn ready(self) -> Option<T> {
        self
    }
}

/// `eventually` gave up: the condition did not hold within the limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the condition did not hold within {0:?}")]
pub struct TimedOut(pub Duration);

/// Checks `condition` until it returns `true` (or `Some`), at most for `limit`. Checks run back
/// to back with a 1 ms pause, so a wait ends as soon as the state it waits for exists; the
/// limit only bounds a test that would otherwise hang, it is not a timing assertion.
pub async fn eventually<R, F, Fut>(limit: Duration, mut condition: F) -> Result<R::Value, TimedOut>
where
    R: Ready,
    F: FnMut() -> Fut,
    Fut: Future<Output = R>,
{
    let deadline = Instant::now() + limit;
    loop {
        if let Some(value) = condition().await.ready() {
            return Ok(value);
        }
        if Instant::now() >= deadline {
            return Err(TimedOut(limit));
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

/// The recorded requests with this method (case-insensitive) whose path contains
/// `path_contains` (case-insensitive, like a fault rule's `path`), in arrival order.
pub fn requests_matching(
    emu: &Emulator,
    method: &str,
    path_contains: &str,
) -> Vec<RecordedRequest> {
    let needle = path_contains.to_lowercase();
    emu.requests()
        .into_iter()
        .filter(|r| {
            r.method.eq_ignore_ascii_case(method) && r.path.to_lowercase().contains(&needle)
        })
        .collect()
}

/// How many requests `requests_matching` finds.
pub fn count_requests(emu: &Emulator, method: &str, path_contains: &str) -> usize {
    requests_matching(emu, method, path_contains).len()
}

/// How many failover POSTs reached the emulator (whatever it answered, dropped ones included).
pub fn failover_posts(emu: &Emulator) -> usize {
    emu.requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path.to_lowercase().ends_with("/failover"))
        .count()
}
