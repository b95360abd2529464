//! The schema's value constraints (a step id's pattern, a share's `%` form, `version: 1`, ...)
//! enforced by the typed model itself, as `deserialize_with` checks and checked newtypes.
//!
//! Why: loading reads the typed model first and compiles the JSON Schema validator only when
//! that fails, to word the diagnostics (compiling it, and checking it against its meta-schema,
//! is most of a short command's start-up). That is only sound if the typed model rejects every
//! document the schema rejects; serde gives types, required keys, unknown keys and enum names by
//! construction, and this module gives the rest. `schema_sites_are_all_enforced` (in the
//! tests below) lists every constraint the generated schema states, so a new one cannot be
//! added without being enforced here.

use serde::de::{Deserialize, Deserializer, Error};

/// `^[0-9]+(\.[0-9]+)?%$` (`PERCENT_PATTERN`), without a regex engine.
pub fn is_percent_text(s: &str) -> bool {
    let Some(number) = s.strip_suffix('%') else {
        return false;
    };
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    match number.split_once('.') {
        Some((whole, frac)) => digits(whole) && digits(frac),
        None => digits(number),
    }
}

/// `^[a-z][a-z0-9_]*$`, at most 64 characters: a step id.
pub fn is_step_id(s: &str) -> bool {
    let mut bytes = s.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_lowercase())
        && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && s.len() <= 64
}

fn checked<'de, D, T>(d: D, ok: impl Fn(&T) -> bool, what: &str) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    let v = T::deserialize(d)?;
    if ok(&v) {
        Ok(v)
    } else {
        Err(D::Error::custom(what))
    }
}

pub fn percent_text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    checked(
        d,
        |s: &String| is_percent_text(s),
        "expected a share such as \"80%\"",
    )
}

pub fn optional_percent_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    percent_text(d).map(Some)
}

pub fn step_id<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    checked(d, |s: &String| is_step_id(s), "not a step id")
}

/// `retry.attempts`: 1 to 100.
pub fn attempts<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    checked(
        d,
        |n: &u32| (1..=100).contains(n),
        "attempts must be 1 to 100",
    )
}

/// `version`: only 1 exists.
pub fn version<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    checked(d, |n: &u32| *n == 1, "only version 1 exists")
}

/// The runbook's `name`: 1 to 128 characters (JSON Schema counts code points).
pub fn runbook_name<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    checked(
        d,
        |s: &String| (1..=128).contains(&s.chars().count()),
        "a name of 1 to 128 characters",
    )
}

/// A list that must not be empty (`steps`).
pub fn non_empty<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    checked(d, |v: &Vec<T>| !v.is_empty(), "at least one item")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::kinds::PERCENT_PATTERN;

    #[test]
    fn percent_check_agrees_with_the_schema_pattern() {
        let re = regex::Regex::new(PERCENT_PATTERN).expect("pattern compiles");
        for s in [
            "80%", "0%", "99.5%", "100%", "0.25%", "80", "%", ".5%", "5.%", "5..5%", "-5%", "5 %",
            "5%%", "a%", "", "1e3%", "５%",
        ] {
            assert_eq!(is_percent_text(s), re.is_match(s), "{s:?}");
        }
    }

    #[test]
    fn step_id_check_agrees_with_the_schema() {
        let re = regex::Regex::new(r"^[a-z][a-z0-9_]*$").expect("pattern compiles");
        let long = "a".repeat(64);
        let too_long = "a".repeat(65);
        for s in [
            "pre",
            "a",
            "a1_b",
            "_a",
            "1a",
            "Pre",
            "pre-x",
            "",
            "é",
            long.as_str(),
            too_long.as_str(),
        ] {
            let schema_ok = re.is_match(s) && s.chars().count() <= 64;
            assert_eq!(is_step_id(s), schema_ok, "{s:?}");
        }
    }

    /// Every value constraint the generated schema states, where it is, and what enforces it
    /// in the typed model. Types, required keys, unknown keys and enum names come from serde's
    /// derives and are not listed.
    const ENFORCED: &[(&str, &str)] = &[
        ("#/$defs/Drift/anyOf/0/minimum", "u64"),
        (
            "#/$defs/Drift/anyOf/1/pattern",
            "percent_text on Drift::Percent",
        ),
        ("#/$defs/Duration/pattern", "DurationSpec::parse"),
        (
            "#/$defs/HealthCheckSpec/properties/min_healthy/pattern",
            "optional_percent_text",
        ),
        ("#/$defs/Percent/pattern", "percent_text on Percent"),
        ("#/$defs/RetrySpec/properties/attempts/maximum", "attempts"),
        ("#/$defs/RetrySpec/properties/attempts/minimum", "attempts"),
        ("#/$defs/StepDoc/properties/id/maxLength", "step_id"),
        ("#/$defs/StepDoc/properties/id/pattern", "step_id"),
        ("#/properties/name/maxLength", "runbook_name"),
        ("#/properties/name/minLength", "runbook_name"),
        ("#/properties/steps/minItems", "non_empty"),
        ("#/properties/version/maximum", "version"),
        ("#/properties/version/minimum", "version"),
    ];

    fn constraint_sites(v: &serde_json::Value, path: &str, out: &mut Vec<String>) {
        const KEYWORDS: &[&str] = &[
            "pattern",
            "minimum",
            "maximum",
            "exclusiveMinimum",
            "exclusiveMaximum",
            "minLength",
            "maxLength",
            "minItems",
            "maxItems",
            "uniqueItems",
            "multipleOf",
            "minProperties",
            "maxProperties",
            "propertyNames",
            "patternProperties",
            "not",
            "if",
            "contains",
            "dependentRequired",
            "dependentSchemas",
        ];
        match v {
            serde_json::Value::Object(map) => {
                let under_properties = path.ends_with("/properties");
                for (k, x) in map {
                    let here = format!("{path}/{k}");
                    if !under_properties && KEYWORDS.contains(&k.as_str()) {
                        out.push(here.clone());
                    }
                    constraint_sites(x, &here, out);
                }
            }
            serde_json::Value::Array(items) => {
                for (i, x) in items.iter().enumerate() {
                    constraint_sites(x, &format!("{path}/{i}"), out);
                }
            }
            _ => {}
        }
    }

    #[test]
    fn schema_sites_are_all_enforced() {
        let mut sites = Vec::new();
        constraint_sites(&crate::schema::runbook_schema(), "#", &mut sites);
        sites.sort();
        let listed: Vec<String> = ENFORCED.iter().map(|(s, _)| s.to_string()).collect();
        assert_eq!(
            sites, listed,
            "the runbook schema's value constraints changed: enforce each new one in the typed \
             model (model/constraints.rs) and list it in ENFORCED, or a runbook the schema \
             refuses would load"
        );
    }

    /// Each invalid fixture the schema refuses, the typed model refuses too (so it reaches the
    /// schema's wording); each fixture the typed model accepts, the schema accepts.
    #[test]
    fn the_typed_model_refuses_whatever_the_schema_refuses() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures");
        let mut checked = 0;
        for sub in ["invalid", "valid"] {
            let mut paths: Vec<_> = std::fs::read_dir(dir.join(sub))
                .expect("fixtures dir")
                .map(|e| e.expect("entry").path())
                .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
                .collect();
            paths.sort();
            for path in paths {
                let Ok(src) = crate::source::SourceFile::read(&path) else {
                    continue;
                };
                let Ok(doc) = crate::yaml_tree::parse(&src) else {
                    continue;
                };
                if !doc.value.is_object() {
                    continue;
                }
                let schema_refuses = !crate::schema::check(&src, &doc).is_empty();
                let proven = matches!(crate::typed::build_checked(&src, &doc), Ok((_, true)));
                assert!(
                    !schema_refuses || !proven,
                    "{}: the schema refuses it but the typed model calls it proven",
                    path.display()
                );
                checked += 1;
            }
        }
        assert!(checked >= 95, "only {checked} fixtures were checked");
    }

    /// The fast path is taken: every shipped runbook and valid fixture is proven schema-valid
    /// by the typed model, so loading it never builds the schema's validator.
    #[test]
    fn every_valid_runbook_is_proven_without_the_schema() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut proven = 0;
        for dir in ["tests/fixtures/valid", "runbooks"] {
            for entry in std::fs::read_dir(root.join(dir)).expect("dir") {
                let path = entry.expect("entry").path();
                let name = path.to_string_lossy().to_string();
                if !name.ends_with(".yaml") || name.ends_with(".test.yaml") {
                    continue;
                }
                let src = crate::source::SourceFile::read(&path).expect("readable");
                let doc = crate::yaml_tree::parse(&src).expect("yaml");
                assert!(
                    matches!(crate::typed::build_checked(&src, &doc), Ok((_, true))),
                    "{name}: valid, but not proven without the schema"
                );
                proven += 1;
            }
        }
        assert!(proven >= 14, "only {proven} runbooks were checked");
    }

    #[test]
    fn each_value_constraint_is_refused_by_the_typed_model() {
        let base = "version: 1\nname: n\ntarget: { subscription: s, resource_group: r, hub: h }\n";
        for (case, text) in [
            ("version 2", base.replace("version: 1", "version: 2")),
            ("empty name", base.replace("name: n", "name: ''")),
            (
                "long name",
                base.replace("name: n", &format!("name: {}", "x".repeat(129))),
            ),
            ("no steps", format!("{base}steps: []\n")),
            (
                "bad id",
                format!("{base}steps: [{{ id: Bad, sleep: 1s }}]\n"),
            ),
            (
                "long id",
                format!("{base}steps: [{{ id: {}, sleep: 1s }}]\n", "a".repeat(65)),
            ),
            (
                "0 attempts",
                format!("{base}steps: [{{ id: a, sleep: 1s, retry: {{ attempts: 0 }} }}]\n"),
            ),
            (
                "101 attempts",
                format!("{base}steps: [{{ id: a, sleep: 1s, retry: {{ attempts: 101 }} }}]\n"),
            ),
            (
                "min_healthy",
                format!("{base}steps: [{{ id: a, health-check: {{ min_healthy: '80' }} }}]\n"),
            ),
            (
                "drift share",
                format!(
                    "{base}steps: [{{ id: a, snapshot-metrics: {{}} }}, {{ id: b, snapshot-metrics: {{}} }}, \
                     {{ id: c, compare-devices: {{ before: a, after: b, max_drift: 'x%' }} }}]\n"
                ),
            ),
            (
                "objective share",
                format!(
                    "{base}objectives: {{ min_healthy_endpoints: '100' }}\nsteps: [{{ id: a, sleep: 1s }}]\n"
                ),
            ),
        ] {
            let src = crate::source::SourceFile::new("t.yaml", text);
            let doc = crate::yaml_tree::parse(&src).expect("yaml");
            assert!(
                !crate::schema::check(&src, &doc).is_empty(),
                "{case}: the schema should refuse it"
            );
            assert!(
                crate::typed::build(&src, &doc).is_err(),
                "{case}: typed model loads it"
            );
        }
        let ok = crate::source::SourceFile::new(
            "t.yaml",
            format!("{base}steps: [{{ id: a, sleep: 1s }}]\n"),
        );
        let doc = crate::yaml_tree::parse(&ok).expect("yaml");
        assert!(
            crate::typed::build(&ok, &doc).is_ok(),
            "the base case loads"
        );
    }
}
