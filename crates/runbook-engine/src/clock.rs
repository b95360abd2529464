//! Engine time: real wall-clock timestamps, and waits that can be scaled.
//!
//! Against the emulator a drill's waits (sleep, poll intervals, retry delays) are multiplied by
//! the same time scale the emulator applies to its failovers, so a two-hour drill takes
//! seconds on a laptop and milliseconds in tests. Against Azure the scale is always 1.

use std::time::Duration;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Clock {
    scale: f64,
}

impl Default for Clock {
    fn default() -> Self {
        Self::real()
    }
}

impl Clock {
    pub fn real() -> Self {
        Self { scale: 1.0 }
    }

    /// Waits are multiplied by `scale` (clamped to (0, 1]).
    pub fn scaled(scale: f64) -> Self {
        let scale = if scale.is_finite() && scale > 0.0 {
            scale.min(1.0)
        } else {
            1.0
        };
        Self { scale }
    }

    pub fn scale(&self) -> f64 {
        self.scale
    }

    /// The real length of a wait the runbook calls `d`.
    pub fn wait_for(&self, d: Duration) -> Duration {
        if self.scale == 1.0 {
            d
        } else {
            d.mul_f64(self.scale)
        }
    }

    /// The runbook-time length of a real `d` (for progress against runbook timeouts).
    pub fn runbook_time(&self, d: Duration) -> Duration {
        if self.scale == 1.0 {
            d
        } else {
            d.div_f64(self.scale)
        }
    }

    pub fn now() -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }

    pub fn now_text() -> String {
        rfc3339(Self::now())
    }
}

pub fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}
