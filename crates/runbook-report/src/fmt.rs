//! Times and amounts as the report prints them: UTC with the date, durations that read like
//! a runbook writes them (`4.2s`, `6m30s`).

use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

/// An RFC 3339 timestamp, in UTC.
pub fn parse_time(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, &Rfc3339)
        .ok()
        .map(|t| t.to_offset(UtcOffset::UTC))
}

/// `2026-11-26 03:15:00 UTC`.
pub fn utc(t: OffsetDateTime) -> String {
    format!("{} {} UTC", date(t), clock(t))
}

/// `2026-11-26`.
pub fn date(t: OffsetDateTime) -> String {
    format!("{:04}-{:02}-{:02}", t.year(), u8::from(t.month()), t.day())
}

/// `03:15:00`.
pub fn clock(t: OffsetDateTime) -> String {
    format!("{:02}:{:02}:{:02}", t.hour(), t.minute(), t.second())
}

/// `03:15:00.4`: for axes whose ticks are closer than a second.
pub fn clock_tenths(t: OffsetDateTime) -> String {
    format!("{}.{}", clock(t), t.millisecond() / 100)
}

/// `03:15:00.412`: for axes a few seconds long.
pub fn clock_millis(t: OffsetDateTime) -> String {
    format!("{}.{:03}", clock(t), t.millisecond())
}

/// A timestamp from a log, in UTC, or the text as it was when it does not parse.
pub fn utc_text(s: &str) -> String {
    parse_time(s).map_or_else(|| s.to_string(), utc)
}

/// `2ms`, `3.2s`, `6m30s`, `1h02m`.
pub fn millis(ms: u64) -> String {
    if ms < 1_000 {
        return format!("{ms}ms");
    }
    seconds(ms as f64 / 1000.0)
}

/// Seconds as `3.2s`, `6m30s`, `1h2m`.
pub fn seconds(secs: f64) -> String {
    if !secs.is_finite() || secs < 0.0 {
        return "-".to_string();
    }
    if secs < 60.0 {
        let tenths = (secs * 10.0).round() / 10.0;
        return format!("{tenths}s");
    }
    let total = secs.round() as u64;
    let (h, m, s) = (total / 3600, total % 3600 / 60, total % 60);
    if h > 0 {
        format!("{h}h{m}m")
    } else if s > 0 {
        format!("{m}m{s}s")
    } else {
        format!("{m}m")
    }
}

/// A count or a dash.
pub fn opt_num(v: Option<u64>) -> String {
    v.map_or_else(|| "-".to_string(), |n| n.to_string())
}

/// Who made the report and who wrote the logs it is drawn from, for the footer: " (runbook
/// 0.2.0), from the DR log written by runbook 0.1.0". Logs from before the version was
/// recorded add nothing.
pub(crate) fn provenance(drills: &[crate::Drill]) -> (String, String) {
    provenance_of(drills.iter().filter_map(|d| d.runbook_version.as_deref()))
}

/// `provenance` from the versions the logs name (each once, sorted).
pub(crate) fn provenance_of<'a>(versions: impl Iterator<Item = &'a str>) -> (String, String) {
    let mut writers: Vec<&str> = versions.collect();
    writers.sort_unstable();
    writers.dedup();
    let written = if writers.is_empty() {
        String::new()
    } else {
        format!(" written by {}", writers.join(", "))
    };
    (runbook_record::writer::writer(), written)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn times_are_utc_with_the_date() {
        let t = parse_time("2026-11-26T05:15:00.456+02:00").unwrap();
        assert_eq!(utc(t), "2026-11-26 03:15:00 UTC");
        assert_eq!(clock_tenths(t), "03:15:00.4");
        assert_eq!(clock_millis(t), "03:15:00.456");
        assert_eq!(utc_text("yesterday"), "yesterday");
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(millis(2), "2ms");
        assert_eq!(millis(3_240), "3.2s");
        assert_eq!(seconds(390.0), "6m30s");
        assert_eq!(seconds(1800.0), "30m");
        assert_eq!(seconds(3725.0), "1h2m");
        assert_eq!(seconds(f64::NAN), "-");
    }
}
