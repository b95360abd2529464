//! Numbers written the way a runbook writes them: `4.213s`, `12m3s`, `66.7%`, `03:15:01Z`.

use time::OffsetDateTime;

pub(crate) fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

/// `4.213s`, `12m3s`: seconds to the millisecond below a minute, whole seconds above.
pub(crate) fn seconds_text(secs: f64) -> String {
    if secs < 60.0 {
        return format!("{}s", round3(secs));
    }
    let total = secs.round() as u64;
    let (h, m, s) = (total / 3600, total % 3600 / 60, total % 60);
    let mut out = String::new();
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if m > 0 {
        out.push_str(&format!("{m}m"));
    }
    if s > 0 || out.is_empty() {
        out.push_str(&format!("{s}s"));
    }
    out
}

pub(crate) fn percent_text(v: f64) -> String {
    let r = (v * 10.0).round() / 10.0;
    if r.fract() == 0.0 {
        format!("{}%", r as i64)
    } else {
        format!("{r}%")
    }
}

pub(crate) fn hms(t: OffsetDateTime) -> String {
    format!("{:02}:{:02}:{:02}Z", t.hour(), t.minute(), t.second())
}

/// `1,104`: a count with thousands separated, as people read device counts.
pub(crate) fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
