//! ARM's subscription throttling, emulated: a token bucket for reads and one for writes per
//! subscription, as ARM keeps per subscription and principal.
//!
//! The pipeline (`app`) asks `Throttle::admit` for every ARM request after auth: GETs draw from
//! the reads bucket, every other method from the writes bucket. A request with a token goes on
//! and its answer carries `x-ms-ratelimit-remaining-subscription-reads` (or `-writes`); one
//! without gets 429 `TooManyRequests` with the `Retry-After` until the next token. Refill runs
//! in emulated time: `per_second` tokens per emulated second, so `time_scale` speeds it up.

use crate::scenario::{BucketSpec, Throttling};
use parking_lot::Mutex;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// Which budget a request spends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Budget {
    Reads,
    Writes,
}

impl Budget {
    pub fn of(method: &str) -> Budget {
        if method.eq_ignore_ascii_case("GET") || method.eq_ignore_ascii_case("HEAD") {
            Budget::Reads
        } else {
            Budget::Writes
        }
    }

    pub fn header(self) -> &'static str {
        match self {
            Budget::Reads => "x-ms-ratelimit-remaining-subscription-reads",
            Budget::Writes => "x-ms-ratelimit-remaining-subscription-writes",
        }
    }
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// What `admit` decided.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Admission {
    /// Go on; this many whole tokens are left.
    Admitted { remaining: u64 },
    /// 429: the next token comes after this much emulated time.
    Throttled { retry_after: Duration },
}

#[derive(Debug)]
pub(crate) struct Throttle {
    reads: Option<BucketSpec>,
    writes: Option<BucketSpec>,
    time_scale: f64,
    /// (subscription lowercased, budget) -> bucket, created full on first use.
    buckets: Mutex<HashMap<(String, bool), Bucket>>,
}

impl Throttle {
    pub fn new(spec: &Throttling, time_scale: f64) -> Throttle {
        Throttle {
            reads: spec.reads,
            writes: spec.writes,
            time_scale,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Spends one token of `subscription`'s `budget`, or says how long until there is one.
    pub fn admit(&self, subscription: &str, budget: Budget, now: Instant) -> Option<Admission> {
        let spec = match budget {
            Budget::Reads => self.reads?,
            Budget::Writes => self.writes?,
        };
        let burst = f64::from(spec.burst);
        // Tokens per real second: a faster clock refills faster.
        let rate = spec.per_second / self.time_scale;
        let mut buckets = self.buckets.lock();
        let bucket = buckets
            .entry((subscription.to_ascii_lowercase(), budget == Budget::Reads))
            .or_insert(Bucket {
                tokens: burst,
                at: now,
            });
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * rate).min(burst);
        bucket.at = bucket.at.max(now);
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            return Some(Admission::Admitted {
                remaining: bucket.tokens.floor() as u64,
            });
        }
        // In emulated seconds, as ARM would state it (the clock scales it back for the wire).
        let emulated = (1.0 - bucket.tokens) / spec.per_second;
        Some(Admission::Throttled {
            retry_after: Duration::from_secs_f64(emulated.max(0.001)),
        })
    }
}
