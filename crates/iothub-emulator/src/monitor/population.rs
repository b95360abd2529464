//! A hub's device population over time: how many devices are connected at an instant, and
//! what one minute of connected devices and telemetry aggregates to.
//!
//! Inputs: the hub's `monitor:` knobs, its enabled devices and its failovers (start, end) as
//! the hub's state machine recorded them. Before any failover `connected × enabled` devices are
//! connected. While a failover runs none are and ingress stops. After it completes the devices
//! come back along a log-normal curve (the seed's median and p95), less the `never` fraction.
//! Everything is a pure function of those inputs and the time scale, so a test can compute the
//! exact numbers the API will serve: there is no randomness to seed.

use super::seed::{MonitorSeed, ReconnectSeed};
use time::OffsetDateTime;

/// Samples per minute: the resolution of a minute's aggregates.
pub(crate) const SAMPLES: u32 = 60;

/// One failover as the population sees it: devices drop at `start`, reconnect after `end`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Outage {
    pub start: OffsetDateTime,
    /// `None` while it runs.
    pub end: Option<OffsetDateTime>,
}

/// What the metrics of one minute are made from.
#[derive(Debug, Clone)]
pub(crate) struct Population {
    /// Devices connected in steady state.
    pub steady: f64,
    pub telemetry_per_minute: f64,
    pub reconnect: ReconnectSeed,
    pub outages: Vec<Outage>,
    /// Real seconds per emulated second.
    pub time_scale: f64,
}

/// Aggregates of one minute.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Minute {
    pub connected_avg: f64,
    pub connected_min: f64,
    pub connected_max: f64,
    /// Telemetry messages received in the minute.
    pub telemetry: f64,
}

impl Population {
    pub fn new(seed: &MonitorSeed, enabled: u64, outages: Vec<Outage>, time_scale: f64) -> Self {
        Population {
            steady: (enabled as f64 * seed.connected).round(),
            telemetry_per_minute: seed.telemetry_per_minute,
            reconnect: seed.reconnect,
            outages,
            time_scale,
        }
    }

    /// Devices connected at `t` (a whole number).
    pub fn connected_at(&self, t: OffsetDateTime) -> f64 {
        let Some(last) = self.outages.iter().rev().find(|o| o.start <= t) else {
            return self.steady;
        };
        match last.end {
            Some(end) if end <= t => {
                let real = (t - end).as_seconds_f64();
                let emulated = real / self.time_scale.max(f64::MIN_POSITIVE);
                let back = self.steady * (1.0 - self.reconnect.never);
                (back * reconnected_fraction(&self.reconnect, emulated)).round()
            }
            _ => 0.0,
        }
    }

    /// The aggregates of the minute of real length `len` starting at `start`: connected devices
    /// sampled `SAMPLES` times (mid-sample), telemetry summed over the same samples.
    pub fn minute(&self, start: OffsetDateTime, len: time::Duration) -> Minute {
        let step = len / SAMPLES;
        let mut sum = 0.0;
        let mut min = f64::INFINITY;
        let mut max = f64::NEG_INFINITY;
        for i in 0..SAMPLES {
            let c = self.connected_at(start + step * i + step / 2);
            sum += c;
            min = min.min(c);
            max = max.max(c);
        }
        Minute {
            connected_avg: sum / f64::from(SAMPLES),
            connected_min: min,
            connected_max: max,
            telemetry: (sum * self.telemetry_per_minute / f64::from(SAMPLES)).round(),
        }
    }
}

/// Share of the returning devices back `emulated` seconds after the failover completed:
/// the log-normal CDF with the seed's median and p95.
pub(crate) fn reconnected_fraction(seed: &ReconnectSeed, emulated: f64) -> f64 {
    let median = seed.median.as_secs_f64();
    if median <= 0.0 {
        return 1.0;
    }
    if emulated <= 0.0 {
        return 0.0;
    }
    // z of the 95th percentile of the standard normal.
    const Z95: f64 = 1.644_853_626_951_472_2;
    let ratio = seed.p95.as_secs_f64() / median;
    if ratio <= 1.0 {
        // No spread: everyone is back at the median.
        return if emulated >= median { 1.0 } else { 0.0 };
    }
    let sigma = ratio.ln() / Z95;
    normal_cdf((emulated / median).ln() / sigma)
}

/// Standard normal CDF through erf (Abramowitz & Stegun 7.1.26, error below 1.5e-7).
fn normal_cdf(z: f64) -> f64 {
    let x = z / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.327_591_1 * x.abs());
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let erf = 1.0 - poly * (-x * x).exp();
    let erf = if x >= 0.0 { erf } else { -erf };
    0.5 * (1.0 + erf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;
    use time::macros::datetime;

    fn seed(never: f64) -> ReconnectSeed {
        ReconnectSeed {
            median: Duration::from_secs(180),
            p95: Duration::from_secs(720),
            never,
        }
    }

    #[test]
    fn the_curve_passes_its_median_and_p95() {
        let s = seed(0.0);
        assert!((reconnected_fraction(&s, 180.0) - 0.5).abs() < 1e-6);
        assert!((reconnected_fraction(&s, 720.0) - 0.95).abs() < 1e-6);
        assert_eq!(reconnected_fraction(&s, 0.0), 0.0);
        assert!(reconnected_fraction(&s, 1e9) > 0.999_999);
    }

    #[test]
    fn devices_drop_during_a_failover_and_the_never_share_stays_away() {
        let start = datetime!(2025-01-01 10:00:00 UTC);
        let end = datetime!(2025-01-01 10:02:00 UTC);
        let p = Population {
            steady: 1000.0,
            telemetry_per_minute: 2.0,
            reconnect: seed(0.1),
            outages: vec![Outage {
                start,
                end: Some(end),
            }],
            time_scale: 1.0,
        };
        assert_eq!(p.connected_at(start - time::Duration::SECOND), 1000.0);
        assert_eq!(p.connected_at(start), 0.0);
        assert_eq!(p.connected_at(end - time::Duration::SECOND), 0.0);
        assert_eq!(p.connected_at(end + time::Duration::minutes(3)), 450.0);
        assert_eq!(p.connected_at(end + time::Duration::days(30)), 900.0);
        let before = p.minute(start - time::Duration::MINUTE, time::Duration::MINUTE);
        assert_eq!(before.connected_avg, 1000.0);
        assert_eq!(before.telemetry, 2000.0);
        let during = p.minute(start, time::Duration::MINUTE);
        assert_eq!((during.connected_max, during.telemetry), (0.0, 0.0));
    }
}
