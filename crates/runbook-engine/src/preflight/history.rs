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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use time::macros::datetime;

    const HUB: &str = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Devices/IotHubs/h";
    const NOW: OffsetDateTime = datetime!(2026-11-26 12:00 UTC);

    fn event(op: &str, status: &str, at: &str, corr: &str, resource: &str) -> ActivityLogEvent {
        serde_json::from_value(json!({
            "operationName": {"value": op}, "status": {"value": status},
            "eventTimestamp": at, "correlationId": corr, "resourceId": resource
        }))
        .unwrap_or_else(|e| panic!("{e}"))
    }

    fn log(events: Vec<ActivityLogEvent>) -> ActivityLog {
        ActivityLog {
            events,
            pages: 1,
            truncated: false,
        }
    }

    fn local(at: OffsetDateTime) -> PastFailover {
        PastFailover {
            from: "westus2".into(),
            to: "westus".into(),
            completed_at: at,
            source: "day1/hub.json".into(),
        }
    }

    fn judge(
        activity: Result<&ActivityLog, &str>,
        local: &[PastFailover],
        policy: CooldownPolicy,
    ) -> PreflightCheck {
        check(&CooldownInputs {
            activity,
            hub_id: HUB,
            local,
            local_source: "DR logs and journals in .",
            direction: Some(("westus", "westus2")),
            now: NOW,
            clock: &Clock::real(),
            policy,
        })
    }

    const OP: &str = "Microsoft.Devices/IotHubs/failover/action";

    #[test]
    fn operations_are_grouped_by_correlation_and_only_the_hubs_failovers_count() {
        let l = log(vec![
            event(
                "MICROSOFT.DEVICES/IOTHUBS/FAILOVER/ACTION",
                "Succeeded",
                "2026-11-26T11:40:00Z",
                "c1",
                &HUB.to_lowercase(),
            ),
            event(OP, "Started", "2026-11-26T11:38:00Z", "c1", HUB),
            event(
                OP,
                "Succeeded",
                "2026-11-26T11:50:00Z",
                "c2",
                &format!("{HUB}2"),
            ),
            event(
                "Microsoft.Devices/IotHubs/write",
                "Succeeded",
                "2026-11-26T11:55:00Z",
                "c3",
                HUB,
            ),
            event(OP, "Failed", "2026-11-26T11:30:00Z", "c4", HUB),
        ]);
        let ops = failovers(&l, HUB);
        assert_eq!(ops.len(), 2, "{ops:?}");
        let done = ops
            .iter()
            .find(|o| o.correlation_id == "c1")
            .unwrap_or_else(|| panic!("{ops:?}"));
        // The first event's spelling is the one recorded; the end is the Succeeded event.
        assert_eq!(done.operation, OP);
        assert_eq!(done.completed_at, Some(datetime!(2026-11-26 11:40 UTC)));
        assert!(ops.iter().any(|o| o.correlation_id == "c4" && o.failed));

        let c = judge(Ok(&l), &[], CooldownPolicy::Enforce);
        assert_eq!(c.outcome, PreflightOutcome::Refused, "{c:?}");
        assert_eq!(c.source, "Activity Log");
        assert_eq!(c.next_allowed.as_deref(), Some("2026-11-26T12:40:00Z"));
        assert!(c.summary.contains("--force-cooldown"), "{}", c.summary);
        assert!(
            c.evidence.iter().any(|e| e.contains("failed")),
            "{:?}",
            c.evidence
        );
    }

    #[test]
    fn the_later_answer_wins_and_names_its_source() {
        let l = log(vec![event(
            OP,
            "Succeeded",
            "2026-11-26T11:20:00Z",
            "c1",
            HUB,
        )]);
        // The local file's failover ended later: it decides.
        let c = judge(
            Ok(&l),
            &[local(datetime!(2026-11-26 11:30 UTC))],
            CooldownPolicy::Enforce,
        );
        assert_eq!(c.outcome, PreflightOutcome::Refused);
        assert_eq!(c.source, "local files");
        assert_eq!(c.next_allowed.as_deref(), Some("2026-11-26T12:30:00Z"));
        assert!(c.summary.contains("day1/hub.json"), "{}", c.summary);
        // An older local one: the Activity Log decides.
        let c = judge(
            Ok(&l),
            &[local(datetime!(2026-11-26 11:00 UTC))],
            CooldownPolicy::Enforce,
        );
        assert_eq!(c.source, "Activity Log");
        assert_eq!(c.next_allowed.as_deref(), Some("2026-11-26T12:20:00Z"));
        // Forced: a warning that still says why.
        let c = judge(Ok(&l), &[], CooldownPolicy::Forced);
        assert_eq!(c.outcome, PreflightOutcome::Warning);
        assert!(
            c.summary.contains("--force-cooldown: not refused here"),
            "{}",
            c.summary
        );
    }

    #[test]
    fn an_unreadable_activity_log_falls_back_to_the_local_files_and_says_so() {
        let c = judge(Err("403 AuthorizationFailed"), &[], CooldownPolicy::Enforce);
        assert_eq!(c.outcome, PreflightOutcome::Warning);
        assert_eq!(c.source, "local files (Activity Log unreadable)");
        assert!(
            c.evidence
                .iter()
                .any(|e| e.contains("403 AuthorizationFailed"))
        );
        let c = judge(
            Err("429"),
            &[local(datetime!(2026-11-26 11:30 UTC))],
            CooldownPolicy::Enforce,
        );
        assert_eq!(c.outcome, PreflightOutcome::Refused);
        assert_eq!(c.source, "local files");
    }

    #[test]
    fn a_failover_with_no_end_recorded_refuses_and_old_ones_only_inform() {
        let l = log(vec![event(
            OP,
            "Started",
            "2026-11-26T11:55:00Z",
            "c1",
            HUB,
        )]);
        let c = judge(Ok(&l), &[], CooldownPolicy::Enforce);
        assert_eq!(c.outcome, PreflightOutcome::Refused);
        assert!(c.summary.contains("no end recorded"), "{}", c.summary);
        // Two completed more than an hour ago: passed, the unknown direction said.
        let mut l = log(vec![
            event(OP, "Succeeded", "2026-11-26T08:00:00Z", "a", HUB),
            event(OP, "Succeeded", "2026-11-26T10:00:00Z", "b", HUB),
        ]);
        l.truncated = true;
        let c = judge(Ok(&l), &[], CooldownPolicy::Enforce);
        assert_eq!(c.outcome, PreflightOutcome::Passed, "{c:?}");
        assert!(
            c.evidence
                .iter()
                .any(|e| e.contains("does not record their direction")),
            "{:?}",
            c.evidence
        );
        assert!(
            c.evidence.iter().any(|e| e.contains("stopped")),
            "{:?}",
            c.evidence
        );
    }
}
