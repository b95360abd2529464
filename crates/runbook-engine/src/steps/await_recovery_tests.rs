//! The judgement of `await-recovery`: minutes in, recovery times and messages out.
use super::*;
use time::macros::datetime;

fn minute(start: OffsetDateTime, c: f64, min: f64, t: f64) -> Minute {
    Minute {
        start,
        connected: Some(c),
        connected_min: Some(min),
        telemetry: Some(t),
    }
}

fn target() -> Target {
    Target {
        devices: 1200.0,
        telemetry: 1200.0,
        need_devices: 1140.0,
        need_telemetry: 1080.0,
        endpoint: None,
    }
}

#[test]
fn recovery_is_the_end_of_the_first_minute_over_the_share_and_held_a_whole_minute() {
    let origin = datetime!(2026-01-01 10:00:30 UTC);
    let at = |m: i64| datetime!(2026-01-01 10:00:00 UTC) + time::Duration::minutes(m);
    let minutes = [
        minute(at(0), 1200.0, 0.0, 600.0), // before the origin: not judged
        minute(at(1), 0.0, 0.0, 0.0),
        minute(at(2), 1150.0, 900.0, 1100.0),
        minute(at(3), 1190.0, 1160.0, 1190.0),
    ];
    let j = judge(&minutes, origin, origin, &target(), Clock::real());
    assert_eq!(j.device_recovery, Some(150.0));
    assert_eq!(j.telemetry_recovery, Some(150.0));
    assert_eq!(j.held, Some(210.0));
    assert_eq!(
        standing(&target(), &j),
        "1,190 of 1,200 devices back (99.2%), telemetry at 99.2% of its baseline, 3m30s after the failover"
    );
}

#[test]
fn minutes_before_the_failover_completed_do_not_count_as_recovered() {
    // Devices that had not noticed the failover yet look connected; only minutes after it
    // completed can show them back.
    let origin = datetime!(2026-01-01 10:00:00 UTC);
    let settled = origin + time::Duration::minutes(2);
    let minutes: Vec<Minute> = (0..4)
        .map(|m| minute(origin + time::Duration::minutes(m), 1200.0, 1200.0, 1200.0))
        .collect();
    let j = judge(&minutes, origin, settled, &target(), Clock::real());
    assert_eq!(j.device_recovery, Some(180.0));
    assert_eq!(j.held, Some(180.0));
}

#[test]
fn minutes_are_runbook_time_under_a_scaled_clock() {
    let clock = Clock::scaled(0.01);
    let origin = datetime!(2026-01-01 10:00:00 UTC);
    // At 0.01 a minute is 0.6 s.
    let minutes = [minute(
        origin + time::Duration::milliseconds(600),
        1200.0,
        1200.0,
        1200.0,
    )];
    let j = judge(&minutes, origin, origin, &target(), clock);
    assert_eq!(j.held.map(f64::round), Some(120.0));
}

#[test]
fn devices_that_never_come_back_are_counted_as_missing() {
    let origin = datetime!(2026-01-01 10:00:00 UTC);
    let minutes = [minute(origin, 1080.0, 1080.0, 1080.0)];
    let j = judge(&minutes, origin, origin, &target(), Clock::real());
    assert_eq!(j.held, None);
    let spec: AwaitRecoverySpec =
        serde_json::from_value(json!({"baseline": "pre", "timeout": "1h"}))
            .unwrap_or_else(|e| panic!("{e}"));
    let text = not_recovered(&spec, &target(), &j, &[], 60);
    assert!(text.contains("1,080 of 1,200 devices back (90%)"), "{text}");
    assert!(text.contains("120 devices missing"), "{text}");
    assert!(
        text.starts_with("not recovered within 1h (95% needed: 1,140 devices"),
        "{text}"
    );
}
