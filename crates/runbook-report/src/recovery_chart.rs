//! The recovery chart: connected devices and telemetry per minute across the drill, as Azure
//! Monitor published them, from the DR log's `recovery` series.
//!
//! Both lines are drawn as a share of their baseline (the snapshot before the failover), on one
//! axis of minutes relative to the failover request, in runbook time. The failover window (from
//! the request until the failover completed) is shaded, the device threshold is a dashed line,
//! and the recovery point (the end of the first minute the devices were back to it) is marked
//! and labelled. `svg` draws it for HTML; `text` writes the same series as a Markdown table.

use runbook_record::{DeviceRecovery, MinutePoint};

use crate::Drill;
use crate::escape::html;
use crate::fmt;

const WIDTH: f64 = 1000.0;
const HEIGHT: f64 = 300.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 30.0;
const TOP: f64 = 34.0;
const BOTTOM: f64 = 50.0;
/// The share axis runs to a little above the baseline.
const TOP_SHARE: f64 = 110.0;

const DEVICES: &str = "#0969da";
const TELEMETRY: &str = "#bf3989";

/// Minutes from the failover, for axis labels: `-5`, `0`, `+3`.
fn minute_label(seconds: f64) -> String {
    let m = (seconds / 60.0).round() as i64;
    if m > 0 {
        format!("+{m}")
    } else {
        m.to_string()
    }
}

fn share(v: Option<f64>, of: Option<f64>) -> Option<f64> {
    match (v, of) {
        (Some(v), Some(of)) if of > 0.0 => Some(v * 100.0 / of),
        _ => None,
    }
}

/// The span of the x axis in runbook seconds: the series' minutes (each a minute wide) and the
/// recovery point.
fn x_span(r: &DeviceRecovery) -> Option<(f64, f64)> {
    let first = r.series.first()?.offset_seconds;
    let last = r.series.last()?.offset_seconds + 60.0;
    let last = r
        .device_recovery_seconds
        .into_iter()
        .chain(r.telemetry_recovery_seconds)
        .fold(last, f64::max);
    // A minute of room after the last point, for the recovery label.
    Some((first.min(0.0), last.max(60.0) + 60.0))
}

/// The chart as inline SVG, or `None` when the drill measured no recovery.
pub fn svg(d: &Drill, n: usize) -> Option<String> {
    let r = d.recovery.as_ref()?;
    let (x0, x1) = x_span(r)?;
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let x = |s: f64| LEFT + (s - x0) / (x1 - x0) * plot_w;
    let y = |p: f64| TOP + plot_h - (p.clamp(0.0, TOP_SHARE) / TOP_SHARE) * plot_h;
    let mut out = format!(
        "<svg class=\"recovery\" id=\"recovery-{n}\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" width=\"{WIDTH}\" height=\"{HEIGHT}\" role=\"img\" aria-label=\"Connected devices and telemetry per minute around the failover\">\n"
    );
    // The failover window, in runbook time (the DR log's duration is real).
    let scale = d.time_scale.filter(|s| *s > 0.0).unwrap_or(1.0);
    if let Some(secs) = d.failover_duration_seconds {
        let end = secs / scale;
        out.push_str(&format!(
            "<rect class=\"failover-window\" x=\"{:.1}\" y=\"{TOP}\" width=\"{:.1}\" height=\"{plot_h}\" fill=\"#d4a72c\" fill-opacity=\"0.18\"/>\n<text class=\"tick\" x=\"{:.1}\" y=\"{}\">failover</text>\n",
            x(0.0),
            (x(end) - x(0.0)).max(2.0),
            x(0.0) + 4.0,
            TOP - 6.0
        ));
    }
    for p in [0.0, 25.0, 50.0, 75.0, 100.0] {
        out.push_str(&format!(
            "<line class=\"grid\" x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\"/><text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{p}%</text>\n",
            LEFT + plot_w,
            y(p),
            y(p),
            LEFT - 8.0,
            y(p) + 4.0
        ));
    }
    // A tick a minute while they stay legible, else every few minutes.
    let minutes = ((x1 - x0) / 60.0).ceil().max(1.0);
    let every = (minutes / 15.0).ceil().max(1.0) * 60.0;
    let mut t = (x0 / every).ceil() * every;
    while t <= x1 {
        out.push_str(&format!(
            "<text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>\n",
            x(t),
            TOP + plot_h + 18.0,
            minute_label(t)
        ));
        t += every;
    }
    out.push_str(&format!(
        "<text class=\"axis-title\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">minutes after the failover request{}</text>\n",
        LEFT + plot_w / 2.0,
        HEIGHT - 8.0,
        if scale == 1.0 { "" } else { " (emulated time)" }
    ));
    if let Some(threshold) = share(r.connected_devices_threshold, r.baseline_connected_devices) {
        out.push_str(&format!(
            "<line class=\"threshold\" x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"{DEVICES}\" stroke-dasharray=\"5 4\" stroke-width=\"1\"/>\n",
            LEFT + plot_w,
            y(threshold),
            y(threshold)
        ));
    }
    // Each minute's value sits at the middle of its minute.
    // Telemetry follows the devices (each sends at its own rate), so the devices' line is drawn
    // wide underneath and the telemetry line thin and dashed on top: both stay visible.
    let line = |pick: &dyn Fn(&MinutePoint) -> Option<f64>,
                color: &str,
                class: &str,
                width: f64,
                dash: &str| {
        let points: Vec<String> = r
            .series
            .iter()
            .filter_map(|m| {
                pick(m).map(|v| format!("{:.1},{:.1}", x(m.offset_seconds + 30.0), y(v)))
            })
            .collect();
        format!(
            "<polyline class=\"{class}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"{width}\" stroke-dasharray=\"{dash}\" stroke-opacity=\"0.85\" stroke-linejoin=\"round\" points=\"{}\"/>\n",
            points.join(" ")
        )
    };
    out.push_str(&line(
        &|m| share(m.connected, r.baseline_connected_devices),
        DEVICES,
        "series-devices",
        6.0,
        "none",
    ));
    out.push_str(&line(
        &|m| share(m.telemetry, r.baseline_telemetry_per_minute),
        TELEMETRY,
        "series-telemetry",
        2.5,
        "7 4",
    ));
    if let Some(at) = r.device_recovery_seconds {
        out.push_str(&format!(
            "<g class=\"recovery-point\"><line x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{TOP}\" y2=\"{:.1}\" stroke=\"#1a7f37\" stroke-width=\"2\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">devices back {}</text></g>\n",
            x(at),
            x(at),
            TOP + plot_h,
            x(at) - 5.0,
            TOP + 14.0,
            html(&fmt::seconds(at))
        ));
    }
    out.push_str("</svg>");
    Some(out)
}

/// The legend under the chart: what the lines are and what 100% stands for.
pub fn legend(d: &Drill) -> Option<String> {
    let r = d.recovery.as_ref()?;
    let count = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{}", v.round()));
    Some(format!(
        "<p class=\"legend\"><span><i class=\"swatch\" style=\"background:{DEVICES}\"></i>connected devices (100% = {} before the failover; dashed: the {} needed)</span><span><i class=\"swatch\" style=\"background:{TELEMETRY}\"></i>telemetry messages per minute, dashed (100% = {})</span><span><i class=\"swatch\" style=\"background:#d4a72c;opacity:0.4\"></i>failover</span></p>\n",
        count(r.baseline_connected_devices),
        count(r.connected_devices_threshold),
        count(r.baseline_telemetry_per_minute)
    ))
}

/// The recovery in Markdown: one sentence and the per-minute table.
pub fn text(d: &Drill) -> Option<String> {
    let r = d.recovery.as_ref()?;
    let time = |v: Option<f64>| v.map_or("not back".to_string(), fmt::seconds);
    let mut out = format!(
        "Connected devices back to {} (of {}) {} after the failover request, telemetry {}; Azure Monitor's minutes, so accurate to the minute.\n\n",
        r.connected_devices_threshold
            .map_or("-".into(), |v| v.to_string()),
        r.baseline_connected_devices
            .map_or("-".into(), |v| v.to_string()),
        time(r.device_recovery_seconds),
        time(r.telemetry_recovery_seconds),
    );
    out.push_str("| Minute | Connected devices | Telemetry messages |\n|---:|---:|---:|\n");
    for m in &r.series {
        let v = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{}", v.round()));
        out.push_str(&format!(
            "| {} | {} | {} |\n",
            minute_label(m.offset_seconds),
            v(m.connected),
            v(m.telemetry)
        ));
    }
    Some(out)
}

/// How long the drill's devices took to come back, for a fleet's overview: `3m12s`,
/// `not back (118 missing)`, or `-` when it did not wait for them.
pub fn back_in(d: &Drill) -> String {
    let Some(r) = d.recovery.as_ref() else {
        return "-".to_string();
    };
    match (r.device_recovery_seconds, r.devices_missing) {
        (Some(s), _) => fmt::seconds(s),
        (None, Some(m)) => format!("not back ({} missing)", m.round()),
        (None, None) => "not back".to_string(),
    }
}
