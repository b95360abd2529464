//! The wait between attempts of a step under `retry:` (fixed or exponential, capped).

use std::time::Duration;

use runbook_spec::{Backoff, RetrySpec};

/// The wait after the `failed_attempt`-th attempt (1-based) failed.
pub(crate) fn backoff_delay(retry: &RetrySpec, failed_attempt: u32) -> Duration {
    let base = retry.delay.as_duration();
    let d = match retry.backoff {
        Backoff::Fixed => base,
        Backoff::Exponential => {
            base.saturating_mul(2u32.saturating_pow(failed_attempt.saturating_sub(1)))
        }
    };
    match retry.max_delay {
        Some(m) => d.min(m.as_duration()),
        None => d,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use runbook_spec::DurationSpec;

    fn spec(backoff: Backoff, max: Option<u64>) -> RetrySpec {
        RetrySpec {
            attempts: 5,
            backoff,
            delay: DurationSpec(Duration::from_secs(5)),
            max_delay: max.map(|s| DurationSpec(Duration::from_secs(s))),
        }
    }

    #[test]
    fn fixed_backoff_waits_the_delay_every_time() {
        let r = spec(Backoff::Fixed, None);
        assert_eq!(backoff_delay(&r, 1), Duration::from_secs(5));
        assert_eq!(backoff_delay(&r, 4), Duration::from_secs(5));
    }

    #[test]
    fn exponential_backoff_doubles_up_to_the_cap() {
        let r = spec(Backoff::Exponential, Some(30));
        let waits: Vec<u64> = (1..=5).map(|a| backoff_delay(&r, a).as_secs()).collect();
        assert_eq!(waits, vec![5, 10, 20, 30, 30]);
    }

    #[test]
    fn huge_attempt_counts_saturate_instead_of_overflowing() {
        let r = spec(Backoff::Exponential, None);
        assert!(backoff_delay(&r, 200) >= Duration::from_secs(5));
    }
}
