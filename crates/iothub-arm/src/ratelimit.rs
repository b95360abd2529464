//! ARM's throttling budget, read from `x-ms-ratelimit-remaining-subscription-reads`
//! and `-writes` on every response and kept as the latest value seen.

use reqwest::header::HeaderMap;
use time::OffsetDateTime;

/// The remaining subscription-level request budget ARM last reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RateLimitInfo {
    /// Remaining reads in the current window.
    pub remaining_reads: Option<u64>,
    /// Remaining writes in the current window.
    pub remaining_writes: Option<u64>,
    /// When the last of these values was observed.
    pub observed_at: Option<OffsetDateTime>,
}

impl RateLimitInfo {
    /// Updates the values the response carries; absent headers keep the previous value.
    pub fn update(&mut self, headers: &HeaderMap) {
        let read = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
        };
        let reads = read("x-ms-ratelimit-remaining-subscription-reads");
        let writes = read("x-ms-ratelimit-remaining-subscription-writes");
        if reads.is_some() {
            self.remaining_reads = reads;
        }
        if writes.is_some() {
            self.remaining_writes = writes;
        }
        if reads.is_some() || writes.is_some() {
            self.observed_at = Some(OffsetDateTime::now_utc());
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn keeps_latest_values_per_header() {
        let mut info = RateLimitInfo::default();
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-ms-ratelimit-remaining-subscription-reads",
            HeaderValue::from_static("11999"),
        );
        info.update(&headers);
        assert_eq!(info.remaining_reads, Some(11999));
        assert_eq!(info.remaining_writes, None);
        assert!(info.observed_at.is_some());

        let mut headers = HeaderMap::new();
        headers.insert(
            "x-ms-ratelimit-remaining-subscription-writes",
            HeaderValue::from_static("1199"),
        );
        info.update(&headers);
        assert_eq!(info.remaining_reads, Some(11999));
        assert_eq!(info.remaining_writes, Some(1199));
    }
}
