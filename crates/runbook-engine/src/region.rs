//! Region names as ARM treats them: `West US 2` and `westus2` are the same region. Used by the
//! steps (is the hub where it should be), the cooldown (same direction) and the objectives.

/// Whether two region names name the same region: case and spaces do not matter.
pub(crate) fn same_region(a: &str, b: &str) -> bool {
    let norm = |s: &str| -> String {
        s.chars()
            .filter(|c| !c.is_whitespace())
            .flat_map(char::to_lowercase)
            .collect()
    };
    norm(a) == norm(b)
}

#[cfg(test)]
mod tests {
    use super::same_region;

    #[test]
    fn case_and_spaces_do_not_matter() {
        assert!(same_region("West US 2", "westus2"));
        assert!(!same_region("westus", "westus2"));
    }
}
