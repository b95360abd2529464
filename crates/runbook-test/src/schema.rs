//! The test file's JSON Schema: generated from `model`, checked in at
//! `schemas/runbook-test.schema.json` (a test keeps the two in sync), printed by
//! `runbook schema test` for editors, and used by `load` to check a file before serde reads it.

use std::sync::OnceLock;

use runbook_spec::schema::{CompiledSchema, generated_schema};
use serde_json::Value;

use crate::model::TestFileDoc;

/// The checked-in schema, validated against at load time.
pub const TEST_SCHEMA_JSON: &str = include_str!("../../../schemas/runbook-test.schema.json");

/// The schema as generated from the Rust types.
pub fn test_schema() -> Value {
    generated_schema::<TestFileDoc>("https://runbook.dev/schemas/runbook-test.schema.json")
}

/// Pretty JSON text of the generated schema, as checked in.
pub fn test_schema_text() -> String {
    let mut s = serde_json::to_string_pretty(&test_schema()).unwrap_or_default();
    s.push('\n');
    s
}

pub(crate) fn compiled() -> &'static CompiledSchema {
    static C: OnceLock<CompiledSchema> = OnceLock::new();
    C.get_or_init(|| CompiledSchema::new(TEST_SCHEMA_JSON, "the test file"))
}
