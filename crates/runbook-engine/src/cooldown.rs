//! Azure's failover limits, checked against the failovers we know of before asking for another.
//!
//! Azure allows at most two failovers and two failbacks per IoT hub per day, about an hour
//! apart. Modelled as two rules over completed failovers (`PastFailover`, gathered by
//! `failover_history` from earlier DR logs and journals plus this run's own): (1) a new
//! failover needs at least `COOLDOWN` since the end of the hub's last completed failover;
//! (2) at most `PER_DIRECTION_PER_DAY` completed failovers in the same direction (from->to
//! region) within any rolling `WINDOW`. `check` is pure: history, direction, now and the clock
//! in; `None` or a `CooldownRefusal` (the failover that blocks, and when the next is allowed)
//! out. The durations scale with the engine's `Clock` like every other wait.

use std::time::Duration;

use time::OffsetDateTime;

use crate::clock::Clock;
use crate::region::same_region;

/// Time from the end of the last completed failover to the next request.
pub const COOLDOWN: Duration = Duration::from_secs(3600);
/// Completed failovers allowed per direction within `WINDOW`.
pub const PER_DIRECTION_PER_DAY: usize = 2;
/// The rolling window of the per-direction limit.
pub const WINDOW: Duration = Duration::from_secs(24 * 3600);

/// How a run treats the local failover history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CooldownPolicy {
    /// Refuse a failover the history forbids (the default against Azure or a shared emulator).
    #[default]
    Enforce,
    /// `--force-cooldown`: go ahead, noting what the check would have said.
    Forced,
    /// The hub lives in this process's own emulator and was born with the run: no file on disk
    /// can describe it, and the emulator enforces whatever limits its scenario asks for.
    PrivateEmulator,
}

impl CooldownPolicy {
    /// Whether the hub lives in an emulator inside this process (`--emulator`, `runbook
    /// test`): it was born with the run and ends with it, so nothing outlives the process.
    pub fn in_process_emulator(self) -> bool {
        self == CooldownPolicy::PrivateEmulator
    }

    /// Where a failover that outlives a step carries on, for the messages that say so: never
    /// "in Azure" for an emulated hub.
    pub fn failover_goes_on(self) -> &'static str {
        if self.in_process_emulator() {
            "in the in-process emulator until this run ends"
        } else {
            "in Azure"
        }
    }
}

/// A failover of the target hub that completed.
#[derive(Debug, Clone, PartialEq)]
pub struct PastFailover {
    pub from: String,
    pub to: String,
    pub completed_at: OffsetDateTime,
    /// Where we learned of it: a DR log or journal path, or "this run".
    pub source: String,
}

impl PastFailover {
    fn describe(&self) -> String {
        format!(
            "{} -> {} completed at {} (recorded in {})",
            self.from,
            self.to,
            seconds(self.completed_at, false),
            self.source
        )
    }
}

/// Why a new failover must wait.
#[derive(Debug, Clone, PartialEq)]
pub struct CooldownRefusal {
    /// The failover that most recently completed, or the oldest one that fills the daily quota.
    pub blocking: PastFailover,
    pub next_allowed: OffsetDateTime,
    pub message: String,
}

/// RFC 3339 in whole seconds; `up` rounds up, so a "next allowed" time is never early.
fn seconds(t: OffsetDateTime, up: bool) -> String {
    let whole = t.replace_nanosecond(0).unwrap_or(t);
    let t = if up && t.nanosecond() > 0 {
        whole + time::Duration::SECOND
    } else {
        whole
    };
    crate::clock::rfc3339(t)
}

/// Whether a failover `from` -> `to` may be requested at `now`, given `history`.
pub fn check(
    history: &[PastFailover],
    from: &str,
    to: &str,
    now: OffsetDateTime,
    clock: &Clock,
) -> Option<CooldownRefusal> {
    let cooldown = clock.wait_for(COOLDOWN);
    let window = clock.wait_for(WINDOW);
    let scaled = if clock.scale() == 1.0 {
        String::new()
    } else {
        format!(
            " (scaled by the time scale {}: {:.1} s)",
            clock.scale(),
            cooldown.as_secs_f64()
        )
    };
    let mut refusals = Vec::new();

    if let Some(last) = history
        .iter()
        .filter(|f| f.completed_at <= now)
        .max_by_key(|f| f.completed_at)
        && now - last.completed_at < cooldown
    {
        let next = last.completed_at + cooldown;
        refusals.push(CooldownRefusal {
            blocking: last.clone(),
            next_allowed: next,
            message: format!(
                "the hub's last failover, {}, ended less than an hour ago{scaled}; Azure allows a new failover only an hour after the last one completed. The next failover is allowed at {} (UTC)",
                last.describe(),
                seconds(next, true)
            ),
        });
    }

    let mut same_way: Vec<&PastFailover> = history
        .iter()
        .filter(|f| same_region(&f.from, from) && same_region(&f.to, to))
        .filter(|f| f.completed_at <= now && now - f.completed_at < window)
        .collect();
    if same_way.len() >= PER_DIRECTION_PER_DAY {
        same_way.sort_by_key(|f| f.completed_at);
        // Enough of them must leave the window that one fewer than the limit remain.
        let frees = same_way[same_way.len() - PER_DIRECTION_PER_DAY];
        let next = frees.completed_at + window;
        let listed: Vec<String> = same_way.iter().map(|f| f.describe()).collect();
        refusals.push(CooldownRefusal {
            blocking: frees.clone(),
            next_allowed: next,
            message: format!(
                "the hub already failed over from {from} to {to} {} times in the last 24 hours{}: {}; Azure allows at most {PER_DIRECTION_PER_DAY} failovers in each direction per day. The next failover from {from} to {to} is allowed at {} (UTC)",
                same_way.len(),
                if scaled.is_empty() { String::new() } else { format!(" (scaled by the time scale {})", clock.scale()) },
                listed.join("; "),
                seconds(next, true)
            ),
        });
    }
    // Both rules must pass: the later of the two answers says when.
    refusals.into_iter().max_by_key(|r| r.next_allowed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn past(from: &str, to: &str, at: OffsetDateTime) -> PastFailover {
        PastFailover {
            from: from.into(),
            to: to.into(),
            completed_at: at,
            source: "log.json".into(),
        }
    }

    const NOW: OffsetDateTime = datetime!(2026-11-26 12:00 UTC);

    #[test]
    fn a_failover_within_the_hour_is_refused_until_an_hour_after_it_ended() {
        let h = [past("westus2", "westus", datetime!(2026-11-26 11:50 UTC))];
        let r = check(&h, "westus", "westus2", NOW, &Clock::real()).expect("refused");
        assert_eq!(r.next_allowed, datetime!(2026-11-26 12:50 UTC));
        assert!(r.message.contains("2026-11-26T12:50:00Z"), "{}", r.message);
        assert!(r.message.contains("westus2 -> westus"), "{}", r.message);
        assert!(r.message.contains("log.json"), "{}", r.message);
        assert!(
            check(
                &h,
                "westus",
                "westus2",
                datetime!(2026-11-26 12:51 UTC),
                &Clock::real()
            )
            .is_none()
        );
    }

    #[test]
    fn the_third_failover_in_one_direction_within_a_day_is_refused() {
        let h = [
            past("westus2", "westus", datetime!(2026-11-26 01:00 UTC)),
            past("westus", "westus2", datetime!(2026-11-26 03:00 UTC)),
            past("West US 2", "westus", datetime!(2026-11-26 05:00 UTC)),
        ];
        let r = check(&h, "westus2", "westus", NOW, &Clock::real()).expect("refused");
        assert_eq!(r.next_allowed, datetime!(2026-11-27 01:00 UTC));
        assert!(r.message.contains("2 times"), "{}", r.message);
        // The other direction has one: allowed.
        assert!(check(&h, "westus", "westus2", NOW, &Clock::real()).is_none());
    }

    #[test]
    fn the_rules_scale_with_the_clock() {
        let h = [past("a", "b", NOW - time::Duration::seconds(30))];
        let scaled = Clock::scaled(0.01);
        // An hour at 0.01 is 36 s.
        let r = check(&h, "b", "a", NOW, &scaled).expect("refused");
        assert_eq!(r.next_allowed, NOW + time::Duration::seconds(6));
        assert!(check(&h, "b", "a", NOW + time::Duration::seconds(7), &scaled).is_none());
    }
}
