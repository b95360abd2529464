//! Retry decisions, as azure-core makes them: which statuses are retried, how long
//! to back off, and how to read the server's `Retry-After`.
//!
//! Pure functions; [`crate::transport`] calls them between attempts and does the
//! sleeping. Semantics (from azure_core's `RetryPolicy` / `ExponentialRetryPolicy`):
//! - retried statuses: 408, 429, 500, 502, 503, 504; connection errors are retried too;
//! - wait = max(server `Retry-After`, exponential backoff); the backoff doubles from
//!   `initial_delay`, is capped at `max_delay`, and has ±20% jitter (azure_core adds
//!   0-255 ms instead, which would swamp the tiny delays tests use);
//! - `Retry-After` headers, first present wins: `x-ms-retry-after-ms`, `retry-after-ms`
//!   (milliseconds), `Retry-After` (seconds or HTTP-date);
//! - the server's wish is honoured on every retried response (as Python's azure-core
//!   does; Rust's azure_core reads it on 429/503 only, where ARM sends it anyway);
//! - stop after `max_retries` retries, once `max_elapsed` has passed, or when the
//!   server asks for a wait that would end beyond `max_elapsed`.

use std::time::Duration;

use reqwest::header::HeaderMap;
use time::OffsetDateTime;

use crate::{models::timefmt::parse_http_date, options::RetryOptions};

/// Statuses azure-core retries for idempotent requests.
pub const RETRYABLE_STATUSES: [u16; 6] = [408, 429, 500, 502, 503, 504];

/// Statuses after which a non-idempotent request (the failover POST) is known not to
/// have been acted on, so it is safe to send again: the server explicitly declined.
pub const SAFE_FOR_POST: [u16; 3] = [408, 429, 503];

/// True when azure-core would retry an idempotent request that got `status`.
pub fn is_retryable_status(status: u16) -> bool {
    RETRYABLE_STATUSES.contains(&status)
}

/// The server's requested delay, from the first of `x-ms-retry-after-ms`,
/// `retry-after-ms` and `Retry-After` that parses. An HTTP-date in the past means 0.
pub fn retry_after(headers: &HeaderMap, now: OffsetDateTime) -> Option<Duration> {
    let millis = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|v| v.is_finite() && *v >= 0.0)
            .map(|ms| Duration::from_secs_f64(ms / 1000.0))
    };
    millis("x-ms-retry-after-ms")
        .or_else(|| millis("retry-after-ms"))
        .or_else(|| {
            let text = headers.get("retry-after")?.to_str().ok()?.trim();
            if let Ok(seconds) = text.parse::<u64>() {
                return Some(Duration::from_secs(seconds));
            }
            let at = parse_http_date(text)?;
            let wait = at - now;
            Some(if wait.is_negative() {
                Duration::ZERO
            } else {
                wait.unsigned_abs()
            })
        })
}

/// The backoff before retry number `retry` (1-based), without the server's wish.
pub fn backoff(options: &RetryOptions, retry: u32) -> Duration {
    let exponent = retry.saturating_sub(1).min(30);
    let base = options
        .initial_delay
        .saturating_mul(1u32 << exponent)
        .min(options.max_delay);
    let jitter: f64 = rand::random_range(0.8..=1.2);
    base.mul_f64(jitter).min(options.max_delay)
}

/// How long to wait before retry number `retry`: the longer of backoff and `Retry-After`.
pub fn delay(options: &RetryOptions, retry: u32, server: Option<Duration>) -> Duration {
    let policy = backoff(options, retry);
    server.map_or(policy, |s| s.max(policy))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use reqwest::header::HeaderValue;
    use time::macros::datetime;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        map
    }

    const NOW: OffsetDateTime = datetime!(2022-09-13 18:04:00 UTC);

    #[test]
    fn retry_after_seconds() {
        assert_eq!(
            retry_after(&headers(&[("retry-after", "7")]), NOW),
            Some(Duration::from_secs(7))
        );
    }

    #[test]
    fn retry_after_http_date() {
        let h = headers(&[("retry-after", "Tue, 13 Sep 2022 18:04:32 GMT")]);
        assert_eq!(retry_after(&h, NOW), Some(Duration::from_secs(32)));
        let past = headers(&[("retry-after", "Tue, 13 Sep 2022 18:00:00 GMT")]);
        assert_eq!(retry_after(&past, NOW), Some(Duration::ZERO));
    }

    #[test]
    fn millisecond_headers_win_in_azure_core_order() {
        let h = headers(&[
            ("retry-after", "5"),
            ("retry-after-ms", "250"),
            ("x-ms-retry-after-ms", "40"),
        ]);
        assert_eq!(retry_after(&h, NOW), Some(Duration::from_millis(40)));
        let h = headers(&[("retry-after", "5"), ("retry-after-ms", "250")]);
        assert_eq!(retry_after(&h, NOW), Some(Duration::from_millis(250)));
    }

    #[test]
    fn garbage_retry_after_is_ignored() {
        assert_eq!(retry_after(&headers(&[("retry-after", "soon")]), NOW), None);
        assert_eq!(retry_after(&HeaderMap::new(), NOW), None);
    }

    #[test]
    fn backoff_doubles_with_jitter_and_caps() {
        let options = RetryOptions {
            max_retries: 8,
            initial_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(1000),
            max_elapsed: Duration::from_secs(60),
        };
        for (retry, base) in [(1u32, 100u64), (2, 200), (3, 400)] {
            let d = backoff(&options, retry).as_millis() as u64;
            assert!(
                d >= base * 8 / 10 && d <= base * 12 / 10,
                "retry {retry}: {d}ms"
            );
        }
        assert!(backoff(&options, 20) <= Duration::from_millis(1000));
    }

    #[test]
    fn server_wish_wins_when_longer() {
        let options = RetryOptions {
            initial_delay: Duration::from_millis(1),
            ..RetryOptions::default()
        };
        assert_eq!(
            delay(&options, 1, Some(Duration::from_secs(2))),
            Duration::from_secs(2)
        );
    }

    #[test]
    fn retryable_statuses_match_azure_core() {
        for s in [408, 429, 500, 502, 503, 504] {
            assert!(is_retryable_status(s));
        }
        for s in [200, 400, 401, 403, 404, 409, 501] {
            assert!(!is_retryable_status(s));
        }
    }
}
