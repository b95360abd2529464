//! The scenario format's JSON Schema, for editors (`runbook schema scenario`, checked in at
//! `schemas/scenario.schema.json`).
//!
//! The scenario types derive `schemars::JsonSchema`; `scenario_schema` generates from them.
//! Fields the loader reads with its own code (durations, fractions, ordered maps) get their
//! shape from the functions here, written to accept what that code accepts: a test holds the
//! two together (`tests/scenario_schema.rs`). The rules of `Scenario::validate` on a single
//! field (hub names, status ranges, lock levels, lower bounds) are attributes on the fields;
//! the ones that compare fields stay the loader's. Unlike the runbook schema, `null` branches are
//! kept: serde takes `null` for an optional field, and for a throttling bucket it means "not
//! enforced".
//!
//! Scalars are judged by their YAML type, as a test case's inline scenario is (serde from its
//! JSON tree). A scenario file is read type first, so its loader also takes text for a number
//! (`enabled: "5"`) and a number for text (`tags: { version: 1 }`); editors ask for the form the
//! type suggests. The loader also takes, and the schema does not: a fraction with a sign or an
//! exponent (`+0.5`, `5e-1`). The schema takes, and the loader does not: a count written `1.0`,
//! a duration too large for `std::time::Duration`, and what only comparing fields rules out.

use schemars::{Schema, SchemaGenerator, json_schema};
use serde_json::Value;

use crate::scenario::Scenario;

/// The `$id` of the checked-in schema.
pub const SCENARIO_SCHEMA_ID: &str = "https://runbook.dev/schemas/scenario.schema.json";

/// What `duration::parse_duration` reads: a decimal number of `[0-9.]` (no sign, no exponent),
/// then an optional unit, with any whitespace around and between.
pub(crate) const DURATION_PATTERN: &str = r"^\s*([0-9]+(\.[0-9]*)?|\.[0-9]+)\s*(ms|s|m|min|h)?\s*$";

/// What the monitor's `fraction` reads from text: a number in 0..=100 before `%`, or one in
/// 0..=1 (decimals with leading zeros allowed).
pub(crate) const FRACTION_PATTERN: &str = concat!(
    r"^\s*(",
    r"0*(100(\.0*)?|[0-9]{1,2}(\.[0-9]*)?|\.[0-9]+)\s*%",
    r"|0+(\.[0-9]*)?|0*\.[0-9]+|0*1(\.0*)?",
    r")\s*$"
);

/// The scenario schema as generated from the Rust types.
pub fn scenario_schema() -> Value {
    let mut schema = schemars::schema_for!(Scenario).to_value();
    if let Some(obj) = schema.as_object_mut() {
        obj.insert(
            "$id".to_owned(),
            Value::String(SCENARIO_SCHEMA_ID.to_owned()),
        );
    }
    schema
}

/// Pretty JSON text of the generated schema, as checked in.
pub fn scenario_schema_text() -> String {
    let mut s = serde_json::to_string_pretty(&scenario_schema()).unwrap_or_default();
    s.push('\n');
    s
}

/// A duration field (`duration::deserialize`): seconds as a number, or text such as `500ms`.
pub(crate) fn duration(_: &mut SchemaGenerator) -> Schema {
    // The hints sit on the branches: a documented field's own description replaces the top one.
    json_schema!({
        "anyOf": [
            { "type": "number", "minimum": 0, "description": "Seconds." },
            {
                "type": "string",
                "pattern": DURATION_PATTERN,
                "description": "A duration: 500ms, 2s, 1.5s, 2m, 1min or 1h."
            }
        ]
    })
}

/// The `default` schemars derives for an optional duration is `null`, which the field refuses
/// (absent means none): drop it.
pub(crate) fn no_default(schema: &mut Schema) {
    schema.remove("default");
}

/// A fraction field of `monitor:`: a number in 0..=1, or text such as `2%` or `0.02`.
pub(crate) fn fraction(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "anyOf": [
            { "type": "number", "minimum": 0, "maximum": 1, "description": "A fraction: 0.02." },
            {
                "type": "string",
                "pattern": FRACTION_PATTERN,
                "description": "A percentage (2%) or a fraction (0.02)."
            }
        ]
    })
}
