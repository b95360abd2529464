//! The trend: when several logs are of the same hub, how its RTO (and failover time) moved
//! from drill to drill, oldest first, as a table and a sparkline.
//!
//! Hubs are told apart by subscription, resource group and name. The RTO is the one each log
//! measured (`objectives`); a log without it shows a dash, and the sparkline then draws the
//! failover's own duration instead when that is all the logs share.

use crate::Drill;
use crate::drill::DrillExt;
use crate::escape::html;
use crate::fmt;
use crate::summary::Verdict;

/// One drill of a hub.
#[derive(Debug, Clone)]
pub struct Point {
    pub started_text: String,
    pub verdict: Verdict,
    pub rto: Option<f64>,
    pub rto_target: Option<String>,
    pub rto_met: Option<bool>,
    pub failover: Option<f64>,
}

/// The drills of one hub, oldest first.
#[derive(Debug, Clone)]
pub struct Trend {
    pub hub: String,
    pub points: Vec<Point>,
}

impl Trend {
    /// What the sparkline draws: the RTO when at least two drills measured it, else the
    /// failover duration; with its name.
    pub fn series(&self) -> Option<(&'static str, Vec<f64>)> {
        let rto: Vec<f64> = self.points.iter().filter_map(|p| p.rto).collect();
        if rto.len() >= 2 {
            return Some(("RTO", rto));
        }
        let fo: Vec<f64> = self.points.iter().filter_map(|p| p.failover).collect();
        (fo.len() >= 2).then_some(("failover duration", fo))
    }
}

/// A trend for every hub with more than one drill among `drills`, in order of first mention.
pub fn trends(drills: &[Drill]) -> Vec<Trend> {
    let mut keys: Vec<(String, String, String)> = Vec::new();
    for d in drills {
        let k = d.hub_key();
        if !keys.contains(&k) {
            keys.push(k);
        }
    }
    keys.into_iter()
        .filter_map(|k| {
            let mut of_hub: Vec<&Drill> = drills.iter().filter(|d| d.hub_key() == k).collect();
            if of_hub.len() < 2 {
                return None;
            }
            of_hub.sort_by_key(|d| d.started());
            let hub = of_hub
                .first()
                .map(|d| d.hub_name.clone())
                .unwrap_or_default();
            let points = of_hub
                .iter()
                .map(|d| {
                    let rto = d.objective("rto");
                    Point {
                        started_text: fmt::utc_text(&d.start_time),
                        verdict: Verdict::of(d),
                        rto: rto.and_then(|o| o.measured_value),
                        rto_target: rto.map(|o| o.target.clone()),
                        rto_met: rto.and_then(|o| o.met),
                        failover: d.failover_duration_seconds,
                    }
                })
                .collect();
            Some(Trend { hub, points })
        })
        .collect()
}

/// The series as block characters, lowest `▁` to highest `█`.
pub fn sparkline_text(values: &[f64]) -> String {
    const BLOCKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let (lo, hi) = bounds(values);
    values
        .iter()
        .map(|v| {
            let f = if hi > lo { (v - lo) / (hi - lo) } else { 0.5 };
            BLOCKS[((f * 7.0).round() as usize).min(7)]
        })
        .collect()
}

/// The series as a small inline SVG: a line through each drill, a dot on each, the first and
/// last values written beside it.
pub fn sparkline_svg(name: &str, values: &[f64]) -> String {
    const W: f64 = 320.0;
    const H: f64 = 64.0;
    const PAD_X: f64 = 70.0;
    const PAD_Y: f64 = 10.0;
    let (lo, hi) = bounds(values);
    let n = values.len().max(2) as f64;
    let point = |i: usize, v: f64| {
        let x = PAD_X + i as f64 * (W - 2.0 * PAD_X) / (n - 1.0);
        let f = if hi > lo { (v - lo) / (hi - lo) } else { 0.5 };
        let y = H - PAD_Y - f * (H - 2.0 * PAD_Y);
        (x, y)
    };
    let pts: Vec<(f64, f64)> = values
        .iter()
        .enumerate()
        .map(|(i, v)| point(i, *v))
        .collect();
    let line = pts
        .iter()
        .map(|(x, y)| format!("{x:.1},{y:.1}"))
        .collect::<Vec<_>>()
        .join(" ");
    let mut s = format!(
        r#"<svg class="sparkline" viewBox="0 0 {W} {H}" width="{W}" height="{H}" role="img" aria-label="{} over {} drills, oldest first">"#,
        html(name),
        values.len()
    );
    s.push_str(&format!(r#"<polyline points="{line}"/>"#));
    for (x, y) in &pts {
        s.push_str(&format!(r#"<circle cx="{x:.1}" cy="{y:.1}" r="3"/>"#));
    }
    if let (Some((fx, fy)), Some(first)) = (pts.first(), values.first()) {
        s.push_str(&format!(
            r#"<text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
            fx - 8.0,
            fy + 4.0,
            html(&fmt::seconds(*first))
        ));
    }
    if let (Some((lx, ly)), Some(last)) = (pts.last(), values.last()) {
        s.push_str(&format!(
            r#"<text x="{:.1}" y="{:.1}">{}</text>"#,
            lx + 8.0,
            ly + 4.0,
            html(&fmt::seconds(*last))
        ));
    }
    s.push_str("</svg>");
    s
}

fn bounds(values: &[f64]) -> (f64, f64) {
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if lo.is_finite() && hi.is_finite() {
        (lo, hi)
    } else {
        (0.0, 0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparkline_spans_lowest_to_highest() {
        assert_eq!(sparkline_text(&[1.0, 8.0, 4.5]), "▁█▅");
        assert_eq!(sparkline_text(&[3.0, 3.0]), "▅▅");
        assert_eq!(sparkline_text(&[]), "");
    }
}
