//! The distribution of a fleet's recovery times: how many were measured, the median, the 95th
//! percentile, the slowest, and a histogram of equal-width bins from the fastest to the
//! slowest.
//!
//! The fleet page hands in one value per hub that measured one (seconds); the HTML draws the
//! histogram as SVG bars and the Markdown as a table of bar characters, from the same bins.

/// How many bins the histogram has at most (fewer when there are fewer values).
const MAX_BINS: usize = 12;

/// One histogram bin: values in `[from, to)` (the last bin includes `to`).
#[derive(Debug, Clone, PartialEq)]
pub struct Bin {
    pub from: f64,
    pub to: f64,
    pub count: usize,
}

/// The distribution of some recovery times.
#[derive(Debug, Clone, PartialEq)]
pub struct RtoStats {
    pub count: usize,
    pub p50: f64,
    pub p95: f64,
    pub max: f64,
    pub bins: Vec<Bin>,
}

impl RtoStats {
    /// The distribution of `values` (non-finite and negative values are left out); `None` when
    /// nothing was measured.
    pub fn of(values: &[f64]) -> Option<RtoStats> {
        let mut v: Vec<f64> = values
            .iter()
            .copied()
            .filter(|x| x.is_finite() && *x >= 0.0)
            .collect();
        if v.is_empty() {
            return None;
        }
        v.sort_by(f64::total_cmp);
        let max = v[v.len() - 1];
        Some(RtoStats {
            count: v.len(),
            p50: percentile(&v, 50.0),
            p95: percentile(&v, 95.0),
            max,
            bins: bins(&v, max),
        })
    }
}

/// The nearest-rank percentile of sorted values: the smallest value with at least `p`% of the
/// values at or below it, so it is always a value some hub measured.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Equal-width bins from the fastest to the slowest value: a fleet's recovery times sit
/// close together, and bins from zero would put them all in the last one.
fn bins(sorted: &[f64], max: f64) -> Vec<Bin> {
    let min = sorted[0];
    let n = MAX_BINS.min(sorted.len());
    // One value, or all the same: one bin holding them all.
    if n <= 1 || max - min <= f64::EPSILON * max.abs() {
        return vec![Bin {
            from: min,
            to: max,
            count: sorted.len(),
        }];
    }
    let width = (max - min) / n as f64;
    let mut out: Vec<Bin> = (0..n)
        .map(|i| Bin {
            from: min + width * i as f64,
            to: if i + 1 == n {
                max
            } else {
                min + width * (i + 1) as f64
            },
            count: 0,
        })
        .collect();
    for &x in sorted {
        let i = (((x - min) / width) as usize).min(n - 1);
        out[i].count += 1;
    }
    out
}

/// A recovery time as the fleet page prints it: milliseconds under a second (an emulated
/// fleet's failovers are that short), else as `fmt::seconds`.
pub fn label(secs: f64) -> String {
    if secs.is_finite() && (0.0..1.0).contains(&secs) {
        format!("{}ms", (secs * 1000.0).round())
    } else {
        crate::fmt::seconds(secs)
    }
}

/// A bin's edge, with as many decimals as bins `width` seconds wide need to differ: a
/// fleet's times often sit within a second of each other.
pub fn edge_label(secs: f64, width: f64) -> String {
    if !(secs.is_finite() && width.is_finite()) || secs < 1.0 || width >= 1.0 {
        return label(secs);
    }
    let decimals = if width >= 0.1 {
        1
    } else if width >= 0.01 {
        2
    } else {
        3
    };
    format!("{secs:.decimals$}s")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn percentiles_are_measured_values() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        let s = RtoStats::of(&v).unwrap();
        assert_eq!((s.count, s.p50, s.p95, s.max), (100, 50.0, 95.0, 100.0));
        let one = RtoStats::of(&[4.0]).unwrap();
        assert_eq!((one.p50, one.p95, one.max), (4.0, 4.0, 4.0));
        assert_eq!(one.bins.len(), 1);
    }

    #[test]
    fn every_value_lands_in_one_bin() {
        let v = [0.0, 1.0, 2.0, 2.0, 9.5, 10.0, f64::NAN, -1.0];
        let s = RtoStats::of(&v).unwrap();
        assert_eq!(s.count, 6);
        assert_eq!(s.bins.iter().map(|b| b.count).sum::<usize>(), 6);
        assert_eq!(s.bins.last().unwrap().count, 2, "{:?}", s.bins);
        assert_eq!(s.bins.first().unwrap().count, 2, "0 and 1: {:?}", s.bins);
        assert_eq!((s.bins[0].from, s.bins.last().unwrap().to), (0.0, 10.0));
        let close = RtoStats::of(&[20.0, 20.5, 21.0, 20.0]).unwrap();
        assert_eq!(close.bins.first().unwrap().from, 20.0, "{:?}", close.bins);
        assert_eq!(RtoStats::of(&[3.0, 3.0]).unwrap().bins.len(), 1);
        assert!(RtoStats::of(&[]).is_none());
        assert_eq!(RtoStats::of(&[0.0, 0.0]).unwrap().bins.len(), 1);
    }

    #[test]
    fn short_times_keep_their_milliseconds() {
        assert_eq!(label(0.0234), "23ms");
        assert_eq!(label(4.25), "4.3s");
        assert_eq!(edge_label(1.234, 0.02), "1.23s");
        assert_eq!(edge_label(1.2345, 0.005), "1.234s");
        assert_eq!(edge_label(0.5, 0.02), "500ms");
        assert_eq!(edge_label(90.0, 5.0), "1m30s");
    }
}
