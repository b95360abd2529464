//! Emulated time: real durations from the scenario scaled by `EmulatorConfig::time_scale`.
//!
//! Every wait the emulator imposes (failover duration, fault delay, cooldown, the
//! `retry-after-ms` it advertises) goes through `Clock::scale`, so tests can run a 2 s failover
//! in 2 ms while the wire still says what Azure would say (`Retry-After` in whole seconds).

use std::time::Duration;

/// Azure's daily failover window: the per-direction limit counts failovers within it.
pub(crate) const FAILOVER_WINDOW: Duration = Duration::from_secs(24 * 3600);

/// The time scale and the default failover limits, fixed at start.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Clock {
    pub time_scale: f64,
    pub cooldown: Duration,
    /// Completed failovers allowed per direction per `FAILOVER_WINDOW`; `None`: no limit.
    pub per_direction_per_day: Option<u32>,
}

impl Clock {
    /// `d` in emulated time becomes this much real time.
    pub fn scale(&self, d: Duration) -> Duration {
        if self.time_scale == 1.0 {
            return d;
        }
        Duration::try_from_secs_f64(d.as_secs_f64() * self.time_scale).unwrap_or(Duration::MAX)
    }

    /// Whether clients need `retry-after-ms` to wait the scaled time.
    pub fn is_scaled(&self) -> bool {
        self.time_scale != 1.0
    }

    /// Real cooldown between two failovers of one hub.
    pub fn cooldown(&self) -> Duration {
        self.scale(self.cooldown)
    }

    /// Real length of the per-direction limit's rolling window.
    pub fn failover_window(&self) -> Duration {
        self.scale(FAILOVER_WINDOW)
    }

    /// The `Retry-After` header value ARM would send: whole seconds, rounded up, at least 1
    /// unless the wait is zero.
    pub fn retry_after_secs(d: Duration) -> u64 {
        let secs = d.as_secs();
        if d.subsec_nanos() > 0 { secs + 1 } else { secs }
    }

    /// The `retry-after-ms` value: the scaled wait in milliseconds.
    pub fn retry_after_ms(&self, d: Duration) -> u128 {
        self.scale(d).as_millis()
    }
}
