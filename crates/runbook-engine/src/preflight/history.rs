//! The cooldown check: Azure's failover limits against the hub's Activity Log and the local DR
//! logs and journals together.
//!
//! The Activity Log knows every failover, from wherever it was started, but not its direction;
//! the local files know the direction of the failovers this tool made. Activity Log events of a
//! failover action on the hub (matched case-insensitively, `ActivityLogEvent::
//! is_failover_action`) are grouped by correlation id into operations: one with a `Succeeded`
//! event completed then, one with only `Started`/`Accepted` is still running (or its end is
//! not recorded yet), a failed one is noted and not counted. The hour rule is judged on each
//! source, the per-direction rule on the local files (the only ones that know a direction),
//! and the later, stricter answer wins, naming the source that decided. An Activity Log that
//! could not be read leaves the local files alone to decide, and the check says so.

use std::collections::BTreeMap;

use iothub_arm::{ActivityLog, ActivityLogEvent};
use runbook_record::{PreflightCheck, PreflightCheckName, PreflightOutcome};
use time::OffsetDateTime;

use crate::clock::{Clock, rfc3339};
use crate::cooldown::{
    self, COOLDOWN, CooldownPolicy, PER_DIRECTION_PER_DAY, PastFailover, WINDOW,
};

/// One failover operation as the Activity Log shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct LoggedFailover {
    /// The `operationName.value` that matched, as Azure spelled it.
    pub operation: String,
    pub correlation_id: String,
    pub started_at: OffsetDateTime,
    /// When it succeeded; `None` while running (or when it failed, see `failed`).
    pub completed_at: Option<OffsetDateTime>,
    pub failed: bool,
    pub caller: Option<String>,
}

impl LoggedFailover {
    fn describe(&self) -> String {
        let who = self
            .caller
            .as_deref()
            .map(|c| format!(" by {c}"))
            .unwrap_or_default();
        let when = match (self.completed_at, self.failed) {
            (Some(t), _) => format!("completed at {}", stamp(t)),
            (None, true) => format!("started at {}, failed", stamp(self.started_at)),
            (None, false) => format!("started at {}, no end recorded", stamp(self.started_at)),
        };
        format!(
            "Activity Log: `{}` (correlation {}){who}, {when}; direction not recorded in the Activity Log",
            self.operation, self.correlation_id
        )
    }
}

fn stamp(t: OffsetDateTime) -> String {
    rfc3339(t.replace_nanosecond(0).unwrap_or(t))
}

/// The failover operations of `hub_id` in `log`, oldest first.
pub fn failovers(log: &ActivityLog, hub_id: &str) -> Vec<LoggedFailover> {
    let mut ops: BTreeMap<String, Vec<&ActivityLogEvent>> = BTreeMap::new();
    for (i, e) in log.events.iter().enumerate() {
        if !e.is_failover_action() || !e.is_about(hub_id) {
            continue;
        }
        let key = if e.correlation_id.is_empty() {
            format!("#{i}")
        } else {
            e.correlation_id.to_lowercase()
        };
        ops.entry(key).or_default().push(e);
    }
    let mut out: Vec<LoggedFailover> = ops
        .into_values()
        .filter_map(|events| {
            let first = events.iter().min_by_key(|e| e.event_timestamp)?;
            let status = |s: &str| {
                events
                    .iter()
                    .filter(|e| e.status().eq_ignore_ascii_case(s))
                    .map(|e| e.event_timestamp)
                    .max()
            };
            let failed = status("Failed").or(status("Canceled")).is_some();
            Some(LoggedFailover {
                operation: first.operation_name.value.clone(),
                correlation_id: first.correlation_id.clone(),
                started_at: first.event_timestamp,
                completed_at: status("Succeeded"),
                failed,
                caller: events.iter().find_map(|e| e.caller.clone()),
            })
        })
        .collect();
    out.sort_by_key(|f| f.started_at);
    out
}

/// A refusal candidate: when the next failover is allowed, why, and which source said so.
struct Answer {
    next: OffsetDateTime,
    source: &'static str,
    message: String,
}

/// What the cooldown check works from.
pub struct CooldownInputs<'a> {
    pub activity: Result<&'a ActivityLog, &'a str>,
    pub hub_id: &'a str,
    pub local: &'a [PastFailover],
    /// Where the local history came from, for the evidence (`none` for a private emulator).
    pub local_source: &'a str,
    /// The failover's direction, when the hub reading gave it.
    pub direction: Option<(&'a str, &'a str)>,
    pub now: OffsetDateTime,
    pub clock: &'a Clock,
    pub policy: CooldownPolicy,
}

/// Judges Azure's failover limits (see the module doc).
pub fn check(i: &CooldownInputs<'_>) -> PreflightCheck {
    let cooldown =
        time::Duration::try_from(i.clock.wait_for(COOLDOWN)).unwrap_or(time::Duration::HOUR);
    let window = time::Duration::try_from(i.clock.wait_for(WINDOW)).unwrap_or(time::Duration::DAY);
    let mut evidence = Vec::new();
    let mut answers: Vec<Answer> = Vec::new();

    // The local files: both rules, when the direction is known; the hour rule otherwise.
    let (from, to) = i.direction.unwrap_or(("", ""));
    if let Some(r) = cooldown::check(i.local, from, to, i.now, i.clock) {
        answers.push(Answer {
            next: r.next_allowed,
            source: "local files",
            message: r.message,
        });
    }
    match i.local.iter().max_by_key(|f| f.completed_at) {
        Some(last) => evidence.push(format!(
            "local files: last failover {} -> {} completed at {} ({})",
            last.from,
            last.to,
            stamp(last.completed_at),
            last.source
        )),
        None => evidence.push(format!(
            "local files: no failover of this hub ({})",
            i.local_source
        )),
    }

    let mut unreadable = None;
    match i.activity {
        Ok(log) => {
            let ops = failovers(log, i.hub_id);
            if ops.is_empty() {
                evidence.push(
                    "Activity Log: no failover action on the hub in the last 25 hours".to_string(),
                );
            }
            for op in &ops {
                evidence.push(op.describe());
            }
            if log.truncated {
                evidence.push(format!(
                    "Activity Log: read {} pages and stopped (more events exist); older failovers were not seen",
                    log.pages
                ));
            }
            if let Some(last) = ops
                .iter()
                .filter_map(|o| o.completed_at)
                .filter(|t| *t <= i.now)
                .max()
            {
                let op = ops.iter().find(|o| o.completed_at == Some(last));
                if i.now - last < cooldown {
                    let next = last + cooldown;
                    answers.push(Answer {
                        next,
                        source: "Activity Log",
                        message: format!(
                            "the Activity Log shows a failover of the hub (`{}`, correlation {}) that completed at {}; Azure allows the next failover an hour after it, at {} (UTC); the log does not record its direction",
                            op.map_or("", |o| o.operation.as_str()),
                            op.map_or("", |o| o.correlation_id.as_str()),
                            stamp(last),
                            stamp(next + time::Duration::seconds(i64::from(next.nanosecond() > 0)))
                        ),
                    });
                }
            }
            if let Some(running) = ops
                .iter()
                .filter(|o| o.completed_at.is_none() && !o.failed && i.now - o.started_at < window)
                .max_by_key(|o| o.started_at)
            {
                let next = running.started_at + cooldown;
                answers.push(Answer {
                    next,
                    source: "Activity Log",
                    message: format!(
                        "the Activity Log shows a failover of the hub (`{}`, correlation {}) started at {} with no end recorded: it may still be running; the next failover is allowed an hour after it ends, {} (UTC) at the earliest",
                        running.operation,
                        running.correlation_id,
                        stamp(running.started_at),
                        stamp(next)
                    ),
                });
            }
            let in_window = ops
                .iter()
                .filter_map(|o| o.completed_at)
                .filter(|t| *t <= i.now && i.now - *t < window)
                .count();
            if answers.is_empty() && in_window >= PER_DIRECTION_PER_DAY {
                evidence.push(format!(
                    "Activity Log: {in_window} failovers completed in the last 24 hours; it does not record their direction, so whether a third in the same direction (Azure allows {PER_DIRECTION_PER_DAY} per direction per day) would be refused cannot be told from it"
                ));
            }
        }
        Err(e) => {
            unreadable = Some(e.to_string());
            evidence.push(format!(
                "Activity Log: could not be read ({e}); the local files alone decided"
            ));
        }
    }

    let decided = answers.into_iter().max_by_key(|a| a.next);
    let (outcome, summary, source, next_allowed) = match decided {
        Some(a) => {
            let outcome = if i.policy == CooldownPolicy::Forced {
                PreflightOutcome::Warning
            } else {
                PreflightOutcome::Refused
            };
            let forced = if outcome == PreflightOutcome::Warning {
                " (--force-cooldown: not refused here; Azure's own limit still applies)"
            } else {
                ". To go ahead anyway, re-run with --force-cooldown (Azure's own limit still applies)"
            };
            (
                outcome,
                format!("{}{forced}", a.message),
                a.source.to_string(),
                Some(stamp(a.next + time::Duration::seconds(i64::from(a.next.nanosecond() > 0)))),
            )
        }
        None if unreadable.is_some() => (
            PreflightOutcome::Warning,
            "the Activity Log could not be read: only the local files were checked, and they allow a failover; one started elsewhere would not be seen".to_string(),
            "local files (Activity Log unreadable)".to_string(),
            None,
        ),
        None => (
            PreflightOutcome::Passed,
            "no recent failover of the hub: Azure's limits allow one now".to_string(),
            "Activity Log and local files".to_string(),
            None,
        ),
    };
    PreflightCheck {
        check: PreflightCheckName::Cooldown,
        outcome,
        summary,
        source,
        evidence,
        next_allowed,
    }
}
