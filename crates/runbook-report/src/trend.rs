//! The RTO trend: when several logs are of the same hub, how its RTO moved from drill to drill,
//! oldest first, as a table (with the failover's own duration beside it) and a sparkline.
//!
//! Hubs are told apart by subscription, resource group and name. The RTO is the one each log
//! measured (`objectives`); a log without it shows a dash. The sparkline draws the RTO and
//! nothing else (it is called the RTO trend), and only when at least two drills measured it.
//! Its axis starts at zero, so bar heights compare as the numbers do: two RTOs a millisecond
//! apart look alike instead of spanning the full height.

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
    /// What the sparkline draws: the measured RTOs, oldest first, when at least two drills
    /// measured one.
    pub fn rto_series(&self) -> Option<Vec<f64>> {
        let rto: Vec<f64> = self.points.iter().filter_map(|p| p.rto).collect();
        (rto.len() >= 2).then_some(rto)
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

/// The series as block characters on an axis from zero (` `) to its highest value (`█`); a
/// value above zero shows at least `▁`.
pub fn sparkline_text(values: &[f64]) -> String {
    const BLOCKS: [char; 9] = [' ', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let hi = highest(values);
    values
        .iter()
        .map(|v| {
            let f = if hi > 0.0 { v.max(0.0) / hi } else { 0.0 };
            let i = (f * 8.0).round() as usize;
            BLOCKS[if *v > 0.0 { i.clamp(1, 8) } else { 0 }]
        })
        .collect()
}

/// The sparkline's scale in words: it runs from zero to the highest value.
pub fn scale_text(values: &[f64]) -> String {
    format!("scale 0 to {}", fmt::seconds(highest(values)))
}

/// The series as a small inline SVG: a line through each drill, a dot on each, the first and
/// last values written beside it.
pub fn sparkline_svg(name: &str, values: &[f64]) -> String {
    const W: f64 = 320.0;
    const H: f64 = 64.0;
    const PAD_X: f64 = 70.0;
    const PAD_Y: f64 = 10.0;
    let hi = highest(values);
    let n = values.len().max(2) as f64;
    let point = |i: usize, v: f64| {
        let x = PAD_X + i as f64 * (W - 2.0 * PAD_X) / (n - 1.0);
        let f = if hi > 0.0 { v.max(0.0) / hi } else { 0.0 };
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
    // The zero line, so the axis the dots stand on is visible.
    s.push_str(&format!(
        r##"<line class="axis" x1="{PAD_X}" y1="{y0}" x2="{x1}" y2="{y0}" stroke="#8c959f"/>"##,
        y0 = H - PAD_Y,
        x1 = W - PAD_X
    ));
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

fn highest(values: &[f64]) -> f64 {
    let hi = values.iter().copied().fold(0.0, f64::max);
    if hi.is_finite() { hi } else { 0.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparkline_runs_from_zero_to_the_highest() {
        assert_eq!(sparkline_text(&[1.0, 8.0, 4.0]), "▁█▄");
        assert_eq!(sparkline_text(&[3.0, 3.0]), "██");
        assert_eq!(sparkline_text(&[0.0, 2.0]), " █");
        assert_eq!(sparkline_text(&[]), "");
        assert_eq!(scale_text(&[60.0, 90.0]), "scale 0 to 1m30s");
    }

    #[test]
    fn a_millisecond_apart_is_not_drawn_as_the_full_height() {
        // Issue 19: 21.000 s and 21.001 s were drawn `█▁`.
        assert_eq!(sparkline_text(&[21.001, 21.0]), "██");
    }

    #[test]
    fn the_rto_trend_draws_only_rto() {
        let point = |rto: Option<f64>, failover: Option<f64>| Point {
            started_text: String::new(),
            verdict: Verdict::Passed,
            rto,
            rto_target: None,
            rto_met: None,
            failover,
        };
        let no_rto = Trend {
            hub: "h".into(),
            points: vec![point(None, Some(4.0)), point(None, Some(5.0))],
        };
        assert_eq!(
            no_rto.rto_series(),
            None,
            "failover durations are not drawn as the RTO"
        );
        let rto = Trend {
            hub: "h".into(),
            points: vec![point(Some(20.0), Some(4.0)), point(Some(21.0), Some(5.0))],
        };
        assert_eq!(rto.rto_series(), Some(vec![20.0, 21.0]));
    }
}
