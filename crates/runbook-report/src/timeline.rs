//! The timeline: each step as a bar on a UTC time axis, drawn from the step records'
//! `timestamp` and `ended_at`, with the failover request, the recovery (the RTO as measured)
//! and the RTO target marked. `svg` draws it for HTML (inline SVG: no script, no font or image
//! to fetch); `text` draws the same bars in characters for Markdown, where SVG is not shown.

use time::OffsetDateTime;

use crate::escape::html;
use crate::fmt;
use runbook_record::{SectionName, StepStatus};

use crate::Drill;
use crate::drill::DrillExt;
use crate::steps::{status_tone, status_word};

/// The time the chart spans.
struct Span {
    t0: OffsetDateTime,
    seconds: f64,
}

impl Span {
    fn of(d: &Drill) -> Option<Span> {
        let starts = d.steps.iter().filter_map(|s| fmt::parse_time(&s.timestamp));
        let ends = d.steps.iter().filter_map(|s| fmt::parse_time(&s.ended_at));
        let t0 = d.started().into_iter().chain(starts).min()?;
        let t1 = d.ended().into_iter().chain(ends).max().unwrap_or(t0);
        // A run of a few milliseconds still gets a visible axis.
        let seconds = (t1 - t0).as_seconds_f64().max(0.001);
        Some(Span { t0, seconds })
    }

    /// Where `t` falls, from 0 (start) to 1 (end).
    fn at(&self, t: OffsetDateTime) -> f64 {
        ((t - self.t0).as_seconds_f64() / self.seconds).clamp(0.0, 1.0)
    }

    fn at_text(&self, s: &str) -> Option<f64> {
        fmt::parse_time(s).map(|t| self.at(t))
    }

    fn tick_label(&self, fraction: f64) -> String {
        let t = self.t0 + time::Duration::seconds_f64(self.seconds * fraction);
        // Ticks are a fifth of the span apart: as precise as tells them apart.
        if self.seconds < 3.0 {
            fmt::clock_millis(t)
        } else if self.seconds < 30.0 {
            fmt::clock_tenths(t)
        } else {
            fmt::clock(t)
        }
    }
}

/// A line across the chart at a moment of the run.
struct Marker {
    at: f64,
    label: String,
    class: &'static str,
}

fn markers(d: &Drill, span: &Span) -> (Vec<Marker>, Option<String>) {
    let mut out = Vec::new();
    let mut note = None;
    let Some(started) = d.failover_started.as_deref().and_then(fmt::parse_time) else {
        return (out, note);
    };
    out.push(Marker {
        at: span.at(started),
        label: "failover requested".to_string(),
        class: "mark-failover",
    });
    if let Some(rto) = d.objective("rto") {
        // The chart is drawn in real time; objectives are in the runbook's time, which an
        // emulator with scaled time runs faster.
        let scale = d.time_scale.filter(|s| *s > 0.0).unwrap_or(1.0);
        let emulated = if scale == 1.0 { "" } else { " emulated" };
        if let Some(secs) = rto.measured_value {
            out.push(Marker {
                at: span.at(started + time::Duration::seconds_f64(secs * scale)),
                label: format!("recovered (RTO {}{emulated})", fmt::seconds(secs)),
                class: "mark-recovered",
            });
        }
        if let Some(target) = rto.target_value {
            let deadline = started + time::Duration::seconds_f64(target * scale);
            let within = (deadline - span.t0).as_seconds_f64() <= span.seconds;
            if within {
                out.push(Marker {
                    at: span.at(deadline),
                    label: format!("RTO target {}", rto.target),
                    class: "mark-target",
                });
            } else {
                note = Some(format!(
                    "The RTO target ({}) ends at {}, after the end of this chart.",
                    rto.target,
                    fmt::utc(deadline)
                ));
            }
        }
    }
    (out, note)
}

const WIDTH: f64 = 1000.0;
const LABEL_W: f64 = 270.0;
const CHART_X: f64 = 280.0;
const CHART_W: f64 = 620.0;
const ROW_H: f64 = 26.0;
const TOP: f64 = 46.0;
const BOTTOM: f64 = 48.0;
const MAX_LABEL: usize = 34;

/// The timeline as an inline SVG element, and a sentence for what the chart cannot show.
/// `n` tells the drills of one page apart (element ids must be unique).
pub fn svg(d: &Drill, n: usize) -> (String, Option<String>) {
    let Some(span) = Span::of(d) else {
        return (
            String::new(),
            Some("The log records no times to draw.".to_string()),
        );
    };
    let (marks, note) = markers(d, &span);
    let rows = d.steps.len() as f64;
    let height = TOP + rows * ROW_H + BOTTOM;
    let x = |f: f64| CHART_X + f * CHART_W;
    let mut s = String::new();
    s.push_str(&format!(
        r#"<svg class="timeline" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" role="img" aria-labelledby="timeline-title-{n} timeline-desc-{n}">"#
    ));
    s.push_str(&format!(
        r#"<title id="timeline-title-{n}">Timeline of {} steps, UTC</title><desc id="timeline-desc-{n}">Each bar is one step, from its start to its end, on a time axis from {} to {}.</desc>"#,
        d.steps.len(),
        html(&fmt::utc(span.t0)),
        html(&fmt::utc(span.t0 + time::Duration::seconds_f64(span.seconds))),
    ));
    // Grid and ticks.
    let axis_y = TOP + rows * ROW_H + 6.0;
    for i in 0..=5 {
        let f = f64::from(i) / 5.0;
        s.push_str(&format!(
            r#"<line class="grid" x1="{0:.1}" y1="{1:.1}" x2="{0:.1}" y2="{2:.1}"/><text class="tick" x="{0:.1}" y="{3:.1}" text-anchor="middle">{4}</text>"#,
            x(f),
            TOP - 4.0,
            axis_y,
            axis_y + 16.0,
            html(&span.tick_label(f)),
        ));
    }
    let end = span.t0 + time::Duration::seconds_f64(span.seconds);
    let day = if fmt::date(span.t0) == fmt::date(end) {
        fmt::date(span.t0)
    } else {
        format!("{} to {}", fmt::date(span.t0), fmt::date(end))
    };
    s.push_str(&format!(
        r#"<text class="axis-title" x="{:.1}" y="{:.1}" text-anchor="middle">time (UTC), {}</text>"#,
        CHART_X + CHART_W / 2.0,
        axis_y + 36.0,
        html(&day)
    ));
    // Bars: one per step record.
    for (i, step) in d.steps.iter().enumerate() {
        let y = TOP + i as f64 * ROW_H;
        let start = span.at_text(&step.timestamp).unwrap_or(0.0);
        let stop = span.at_text(&step.ended_at).unwrap_or(start).max(start);
        let w = ((stop - start) * CHART_W).max(2.0);
        let (mark, word) = status_word(step.status);
        let mut label = String::new();
        if step.section != SectionName::Steps {
            label.push_str(&format!("[{}] ", step.section));
        }
        label.push_str(if step.name.is_empty() {
            &step.step
        } else {
            &step.name
        });
        let shown = truncate(&label, MAX_LABEL);
        let duration = if step.status == StepStatus::Skipped {
            "skipped".to_string()
        } else {
            fmt::millis(step.duration_ms)
        };
        s.push_str(&format!(
            r#"<g class="row"><text class="label" x="{:.1}" y="{:.1}" text-anchor="end"><tspan class="st-{}">{}</tspan> {}</text>"#,
            LABEL_W,
            y + ROW_H / 2.0 + 4.0,
            status_tone(step.status),
            mark,
            html(&shown),
        ));
        s.push_str(&format!(
            r#"<rect class="bar bar-{}" data-step="{}" x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" rx="2"><title>{}</title></rect>"#,
            status_tone(step.status),
            html(&step.step),
            x(start),
            y + 5.0,
            w,
            ROW_H - 10.0,
            html(&format!(
                "{label} ({}): {word}, {duration}, {} to {}",
                step.step,
                fmt::utc_text(&step.timestamp),
                fmt::utc_text(&step.ended_at)
            )),
        ));
        s.push_str(&format!(
            r#"<text class="dur" x="{:.1}" y="{:.1}">{}</text></g>"#,
            CHART_X + CHART_W + 8.0,
            y + ROW_H / 2.0 + 4.0,
            html(&duration)
        ));
    }
    // Markers over the bars; their labels alternate between two heights so that two moments
    // close together stay readable.
    for (i, m) in marks.iter().enumerate() {
        let label_y = if i % 2 == 0 { 14.0 } else { 30.0 };
        let mx = x(m.at);
        let anchor = if m.at > 0.8 {
            "end"
        } else if m.at < 0.2 {
            "start"
        } else {
            "middle"
        };
        s.push_str(&format!(
            r#"<g class="marker {}"><line x1="{mx:.1}" y1="{:.1}" x2="{mx:.1}" y2="{axis_y:.1}"/><text x="{mx:.1}" y="{label_y:.1}" text-anchor="{anchor}">{}</text></g>"#,
            m.class,
            label_y + 4.0,
            html(&m.label)
        ));
    }
    s.push_str("</svg>");
    (s, note)
}

/// Characters across the text chart.
const TEXT_W: usize = 48;

/// The timeline in characters, for a Markdown code block.
pub fn text(d: &Drill) -> String {
    let Some(span) = Span::of(d) else {
        return "(the log records no times to draw)\n".to_string();
    };
    let id_w = d
        .steps
        .iter()
        .map(|s| s.step.chars().count())
        .max()
        .unwrap_or(4)
        .clamp(4, 40);
    let mut out = String::new();
    let left = format!("{} UTC", span.tick_label(0.0));
    let right = format!("{} UTC", span.tick_label(1.0));
    let gap = (TEXT_W + 2).saturating_sub(left.chars().count() + right.chars().count());
    out.push_str(&format!(
        "{:id_w$}   {left}{}{right}  ({})\n",
        "",
        " ".repeat(gap),
        fmt::date(span.t0)
    ));
    let failover = d
        .failover_started
        .as_deref()
        .and_then(|s| span.at_text(s))
        .map(cell);
    for step in &d.steps {
        let start = span.at_text(&step.timestamp).unwrap_or(0.0);
        let stop = span.at_text(&step.ended_at).unwrap_or(start).max(start);
        let (a, b) = (cell(start), cell(stop).max(cell(start) + 1).min(TEXT_W));
        let fill = if step.status == StepStatus::Skipped {
            '·'
        } else {
            '█'
        };
        let bar: String = (0..TEXT_W)
            .map(|i| {
                if i >= a && i < b {
                    fill
                } else if Some(i) == failover {
                    '┊'
                } else {
                    ' '
                }
            })
            .collect();
        let (mark, _) = status_word(step.status);
        let duration = if step.status == StepStatus::Skipped {
            "skipped".to_string()
        } else {
            fmt::millis(step.duration_ms)
        };
        out.push_str(&format!(
            "{:id_w$} {mark} |{bar}| {duration}\n",
            truncate(&fence_safe(&step.step), id_w)
        ));
    }
    if failover.is_some() {
        out.push_str(&format!(
            "{:id_w$}   ┊ failover requested {}\n",
            "",
            d.failover_started
                .as_deref()
                .map(fmt::utc_text)
                .unwrap_or_default()
        ));
    }
    out
}

fn cell(f: f64) -> usize {
    ((f * TEXT_W as f64).floor() as usize).min(TEXT_W - 1)
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
    t.push('…');
    t
}

/// Text for inside a code block: a backtick run could close the fence, a control character
/// could break the line.
fn fence_safe(s: &str) -> String {
    s.chars()
        .map(|c| if c == '`' || c.is_control() { '\'' } else { c })
        .collect()
}
