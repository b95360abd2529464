//! Durations as SREs write them: `250ms`, `30s`, `2m`, `1h30m`.
//!
//! A `DurationSpec` deserializes from such a string (never a bare number: `30` is ambiguous) and
//! serializes back to the same canonical text. The JSON Schema carries the pattern so editors flag
//! a bad duration as it is typed.

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The pattern the schema uses; kept beside the parser so both agree.
pub const DURATION_PATTERN: &str = r"^([0-9]+(ms|s|m|h|d))+$";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DurationSpec(pub Duration);

impl DurationSpec {
    pub fn as_duration(&self) -> Duration {
        self.0
    }

    /// Parses `1h30m`-style text. Errors say what was expected.
    pub fn parse(text: &str) -> Result<Self, String> {
        let t = text.trim();
        if t.is_empty() {
            return Err("empty duration".to_string());
        }
        let mut total: u128 = 0;
        let mut rest = t;
        while !rest.is_empty() {
            let digits = rest.chars().take_while(|c| c.is_ascii_digit()).count();
            if digits == 0 {
                return Err(format!(
                    "`{text}` is not a duration: expected a number then a unit (ms, s, m, h, d), e.g. 250ms, 30s, 2m, 1h30m"
                ));
            }
            let n: u128 = rest[..digits]
                .parse()
                .map_err(|_| format!("`{text}`: number too large"))?;
            rest = &rest[digits..];
            let (unit_ms, len) = if rest.starts_with("ms") {
                (1u128, 2)
            } else if rest.starts_with('s') {
                (1_000, 1)
            } else if rest.starts_with('m') {
                (60_000, 1)
            } else if rest.starts_with('h') {
                (3_600_000, 1)
            } else if rest.starts_with('d') {
                (86_400_000, 1)
            } else {
                return Err(format!(
                    "`{text}` is not a duration: unit missing or unknown after {n} (use ms, s, m, h or d)"
                ));
            };
            rest = &rest[len..];
            total = total
                .checked_add(n.saturating_mul(unit_ms))
                .ok_or_else(|| format!("`{text}`: duration too large"))?;
        }
        // Cap far above any real drill (a year) so arithmetic on it never overflows.
        if total > 366 * 86_400_000 {
            return Err(format!("`{text}` is longer than a year"));
        }
        Ok(Self(Duration::from_millis(total as u64)))
    }
}

impl fmt::Display for DurationSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut ms = self.0.as_millis();
        if ms == 0 {
            return f.write_str("0s");
        }
        for (unit, size) in [("h", 3_600_000u128), ("m", 60_000), ("s", 1_000), ("ms", 1)] {
            if ms >= size {
                write!(f, "{}{unit}", ms / size)?;
                ms %= size;
            }
        }
        Ok(())
    }
}

impl<'de> Deserialize<'de> for DurationSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        DurationSpec::parse(&s).map_err(serde::de::Error::custom)
    }
}

impl Serialize for DurationSpec {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl JsonSchema for DurationSpec {
    fn schema_name() -> Cow<'static, str> {
        "Duration".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": DURATION_PATTERN,
            "description": "A duration: a number and a unit (ms, s, m, h, d), repeated: 250ms, 30s, 2m, 1h30m.",
            "examples": ["30s", "2m", "1h30m"]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_canonically() {
        for (text, ms, canon) in [
            ("250ms", 250, "250ms"),
            ("30s", 30_000, "30s"),
            ("2m", 120_000, "2m"),
            ("1h30m", 5_400_000, "1h30m"),
            ("90s", 90_000, "1m30s"),
            ("0s", 0, "0s"),
        ] {
            let d = DurationSpec::parse(text).expect(text);
            assert_eq!(d.0.as_millis(), ms, "{text}");
            assert_eq!(d.to_string(), canon);
        }
    }

    #[test]
    fn rejects_bad_text() {
        for bad in [
            "",
            "30",
            "s",
            "30x",
            "1h30",
            "-5s",
            "1.5h",
            "99999999999999999999999h",
        ] {
            assert!(DurationSpec::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn pattern_agrees_with_parser() {
        // The schema's pattern flags a bad duration in the editor; the parser decides at load.
        // They must accept exactly the same well-formed spellings.
        let re = regex::Regex::new(DURATION_PATTERN).expect("pattern compiles");
        for text in [
            "250ms", "30s", "2m", "1h30m", "1d", "0s", "30", "s", "30x", "1h30", "1.5h", "-5s", "",
            "5 s",
        ] {
            let parses = DurationSpec::parse(text).is_ok();
            assert_eq!(
                re.is_match(text),
                parses,
                "pattern and parser disagree on {text:?}"
            );
        }
    }
}
