//! A client-side copy of ARM's throttling budget, so a fleet of drills waits for a token
//! instead of collecting 429s.
//!
//! ARM limits each subscription and principal to about 250 reads at once refilled 25 a second,
//! and 200 writes refilled 10 a second. An [`ArmBudget`] holds one [`TokenBucket`] for each;
//! every [`crate::ArmClient`] given the same `Arc<ArmBudget>` (through
//! [`crate::ClientOptions::budget`]) draws from it, and the transport awaits a token before
//! each attempt it sends (GETs from reads, the failover POST from writes). Waiting is by
//! reservation: a caller takes a token even when the bucket is empty and sleeps until the
//! refill covers it, so callers are served in arrival order with one short lock each.
//! A bucket for an emulator refills `1 / time_scale` times faster, as the emulator's does.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// A token bucket: `burst` at once, `per_second` more each second.
#[derive(Debug)]
pub struct TokenBucket {
    burst: f64,
    /// Tokens per real second.
    rate: f64,
    state: Mutex<State>,
    waits: AtomicU64,
    taken: AtomicU64,
}

#[derive(Debug)]
struct State {
    /// Negative when callers have reserved tokens not yet refilled.
    tokens: f64,
    at: Instant,
}

impl TokenBucket {
    /// A full bucket. `burst` below 1 counts as 1; a `per_second` that is not positive as 1.
    pub fn new(burst: u32, per_second: f64) -> TokenBucket {
        let burst = f64::from(burst.max(1));
        let rate = if per_second.is_finite() && per_second > 0.0 {
            per_second
        } else {
            1.0
        };
        TokenBucket {
            burst,
            rate,
            state: Mutex::new(State {
                tokens: burst,
                at: Instant::now(),
            }),
            waits: AtomicU64::new(0),
            taken: AtomicU64::new(0),
        }
    }

    /// Takes one token, returning how long the caller must wait before using it.
    pub fn reserve(&self) -> Duration {
        let now = Instant::now();
        let Ok(mut s) = self.state.lock() else {
            return Duration::ZERO;
        };
        let elapsed = now.saturating_duration_since(s.at).as_secs_f64();
        s.tokens = (s.tokens + elapsed * self.rate).min(self.burst);
        s.at = now;
        s.tokens -= 1.0;
        self.taken.fetch_add(1, Ordering::Relaxed);
        if s.tokens >= 0.0 {
            return Duration::ZERO;
        }
        self.waits.fetch_add(1, Ordering::Relaxed);
        Duration::from_secs_f64(-s.tokens / self.rate)
    }

    /// Takes one token, sleeping until it is there.
    pub async fn acquire(&self) {
        let wait = self.reserve();
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }

    /// How long a token taken now would wait, without taking it (zero while tokens are left).
    /// A scheduler uses it to start work where the budget answers soonest.
    pub fn backlog(&self) -> Duration {
        let Ok(s) = self.state.lock() else {
            return Duration::ZERO;
        };
        let elapsed = Instant::now().saturating_duration_since(s.at).as_secs_f64();
        let tokens = (s.tokens + elapsed * self.rate).min(self.burst) - 1.0;
        if tokens >= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(-tokens / self.rate)
        }
    }

    /// How many tokens were taken so far (waited for or not).
    pub fn taken(&self) -> u64 {
        self.taken.load(Ordering::Relaxed)
    }

    /// How many callers had to wait so far.
    pub fn waits(&self) -> u64 {
        self.waits.load(Ordering::Relaxed)
    }

    /// The most requests this bucket lets through in `elapsed` (burst plus refill).
    pub fn capacity_over(&self, elapsed: Duration) -> f64 {
        self.burst + self.rate * elapsed.as_secs_f64()
    }
}

/// One subscription's reads and writes budgets, shared by every client of that subscription.
#[derive(Debug)]
pub struct ArmBudget {
    pub reads: TokenBucket,
    pub writes: TokenBucket,
    /// 429s that came anyway (another principal, a smaller real budget); each is honoured.
    throttled: AtomicU64,
}

/// The client keeps this share of each burst unused: a request takes its token before it is
/// sent and ARM counts it when it arrives, so requests that overtake each other on the way
/// could otherwise land a few more at once than the bucket allowed. The reserve covers a delay
/// of `0.1 * burst / per_second` (1 s at ARM's read budget); a burst queued longer than that
/// behind a slow link can still draw a 429, which the transport honours and counts.
const BURST_RESERVE: f64 = 0.1;

impl ArmBudget {
    /// Buckets of the given sizes, in real time.
    pub fn new(reads: (u32, f64), writes: (u32, f64)) -> ArmBudget {
        let keep = |burst: u32| ((f64::from(burst) * (1.0 - BURST_RESERVE)).floor() as u32).max(1);
        ArmBudget {
            reads: TokenBucket::new(keep(reads.0), reads.1),
            writes: TokenBucket::new(keep(writes.0), writes.1),
            throttled: AtomicU64::new(0),
        }
    }

    /// ARM's defaults: reads 250 refilled 25/s, writes 200 refilled 10/s.
    pub fn arm_defaults() -> ArmBudget {
        ArmBudget::scaled((250, 25.0), (200, 10.0), 1.0)
    }

    /// Buckets whose `per_second` counts emulated seconds of an emulator running at
    /// `time_scale` (0.01: a second passes in 10 ms, so the refill is 100x faster).
    pub fn scaled(reads: (u32, f64), writes: (u32, f64), time_scale: f64) -> ArmBudget {
        let scale = if time_scale.is_finite() && time_scale > 0.0 {
            time_scale
        } else {
            1.0
        };
        ArmBudget::new((reads.0, reads.1 / scale), (writes.0, writes.1 / scale))
    }

    pub(crate) fn bucket(&self, write: bool) -> &TokenBucket {
        if write { &self.writes } else { &self.reads }
    }

    pub(crate) fn note_throttled(&self) {
        self.throttled.fetch_add(1, Ordering::Relaxed);
    }

    /// 429s received by clients sharing this budget.
    pub fn throttled(&self) -> u64 {
        self.throttled.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_is_free_then_each_token_waits_one_interval() {
        let bucket = TokenBucket::new(3, 10.0);
        for _ in 0..3 {
            assert_eq!(bucket.reserve(), Duration::ZERO);
        }
        let w1 = bucket.reserve();
        let w2 = bucket.reserve();
        assert!(
            w1 > Duration::from_millis(80) && w1 <= Duration::from_millis(100),
            "{w1:?}"
        );
        assert!(
            w2 > Duration::from_millis(180) && w2 <= Duration::from_millis(200),
            "{w2:?}"
        );
        assert_eq!(bucket.waits(), 2);
        // Looking does not take: the backlog stays what the next reserve would wait.
        let b = bucket.backlog();
        assert!(
            b > Duration::from_millis(280) && b <= Duration::from_millis(300),
            "{b:?}"
        );
        assert_eq!(bucket.waits(), 2);
        assert_eq!(TokenBucket::new(1, 1.0).backlog(), Duration::ZERO);
    }

    #[test]
    fn scaled_budget_refills_faster_and_keeps_a_reserve() {
        let budget = ArmBudget::scaled((250, 25.0), (200, 10.0), 0.01);
        // 90% of the burst, then 2,500 reads per real second.
        for _ in 0..225 {
            assert_eq!(budget.reads.reserve(), Duration::ZERO);
        }
        let w = budget.reads.reserve();
        assert!(w <= Duration::from_micros(400), "{w:?}");
        assert!(w > Duration::ZERO);
    }
}
