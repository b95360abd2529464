//! "Did you mean …?": the closest known name to a misspelled one.
//!
//! Candidates are ranked by Jaro-Winkler similarity (good at typos and dropped letters in short
//! identifiers); below a threshold nothing is suggested, since a wild guess misleads more than
//! silence.

/// The best candidate for `wrong`, if any is close enough.
pub fn closest<'a, I>(wrong: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let wrong_lc = wrong.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(&wrong_lc, &c.to_ascii_lowercase()), c))
        .filter(|(score, _)| *score >= 0.8)
        // Equal scores go to the alphabetically first name, so hints never depend on the
        // order the candidates came in (a hash map's, say).
        .max_by(|a, b| a.0.total_cmp(&b.0).then_with(|| b.1.cmp(a.1)))
        .map(|(_, c)| c)
}

/// A ready-made hint sentence, or `None`.
pub fn did_you_mean<'a, I>(wrong: &str, candidates: I) -> Option<String>
where
    I: IntoIterator<Item = &'a str>,
{
    closest(wrong, candidates).map(|c| format!("did you mean `{c}`?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_near_misses_only() {
        let names = ["validate", "snapshot-metrics", "failover", "await"];
        assert_eq!(closest("valdate", names), Some("validate"));
        assert_eq!(closest("failovr", names), Some("failover"));
        assert_eq!(closest("snapshot_metrics", names), Some("snapshot-metrics"));
        assert_eq!(closest("zzz", names), None);
    }

    #[test]
    fn ties_break_the_same_way_whatever_the_order() {
        assert_eq!(closest("pre", ["pre2", "pre1"]), Some("pre1"));
        assert_eq!(closest("pre", ["pre1", "pre2"]), Some("pre1"));
    }
}
