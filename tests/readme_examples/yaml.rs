//! YAML blocks checked against the schema they belong to, told by their top-level keys: an
//! emulator scenario loads through `iothub_emulator::Scenario::from_yaml` and fits
//! `schemas/scenario.schema.json` (what editors check it against); a runbook or a test
//! file goes through `runbook validate`; a runbook fragment (`objectives:`, `targets:` and
//! `rollout:`, ...) is put in place of the same keys of `runbooks/drill.yaml` and validated as a
//! whole runbook. A block that names its path in its first line (`# runbooks/drill.test.yaml`)
//! is written there in the sandbox, so the console examples after it run against it.

use iothub_emulator::Scenario;

use crate::blocks::{Block, named_path, top_level_keys};
use crate::sandbox::Sandbox;

const SCENARIO_KEYS: &[&str] = &[
    "hubs",
    "faults",
    "generate",
    "throttling",
    "page_size",
    "resource_groups",
    "locks",
];
const RUNBOOK_KEYS: &[&str] = &[
    "version",
    "name",
    "description",
    "parameters",
    "target",
    "targets",
    "rollout",
    "steps",
    "rollback",
    "finally",
    "objectives",
];

/// What a YAML block was checked as, for the test's listing.
pub fn check(block: &Block, sandbox: &Sandbox) -> Result<&'static str, String> {
    let keys = top_level_keys(&block.body);
    if keys.is_empty() {
        return Err(format!(
            "{}: a YAML block with no top-level keys",
            block.name()
        ));
    }
    let all_in = |set: &[&str]| keys.iter().all(|k| set.contains(&k.as_str()));
    if keys.iter().any(|k| k == "cases") {
        let path = named_path(&block.body).ok_or_else(|| {
            format!(
                "{}: a test-file block must name its path in its first line \
                 (`# runbooks/NAME.test.yaml`) so it can be validated beside its runbook",
                block.name()
            )
        })?;
        sandbox.write(&path, &block.body);
        validate(sandbox, &path, block)?;
        Ok("test file, runbook validate")
    } else if all_in(SCENARIO_KEYS) {
        Scenario::from_yaml(&block.body, &block.name())
            .map_err(|e| format!("{e}\n{}", block.body))?;
        fits_scenario_schema(block)?;
        if let Some(path) = named_path(&block.body) {
            sandbox.write(&path, &block.body);
        }
        Ok("scenario, Scenario::from_yaml and the scenario schema")
    } else if keys.iter().any(|k| k == "steps") {
        let path = named_path(&block.body).unwrap_or_else(|| format!("readme-{}.yaml", block.line));
        sandbox.write(&path, &block.body);
        validate(sandbox, &path, block)?;
        Ok("runbook, runbook validate")
    } else if all_in(RUNBOOK_KEYS) {
        let base = std::fs::read_to_string(sandbox.path("runbooks/drill.yaml"))
            .map_err(|e| format!("runbooks/drill.yaml: {e}"))?;
        let path = format!("readme-{}.yaml", block.line);
        sandbox.write(&path, &with_fragment(&base, &block.body, &keys));
        validate(sandbox, &path, block)?;
        Ok("runbook fragment in runbooks/drill.yaml, runbook validate")
    } else {
        Err(format!(
            "{}: cannot tell which schema this YAML block belongs to (top-level keys {keys:?}): \
             neither a runbook, a test file nor an emulator scenario",
            block.name()
        ))
    }
}

/// The block against the checked-in scenario schema, read as editors read it.
fn fits_scenario_schema(block: &Block) -> Result<(), String> {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/scenario.schema.json");
    let schema: serde_json::Value = std::fs::read_to_string(&path)
        .map_err(|e| e.to_string())
        .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let validator = jsonschema::options()
        .should_validate_formats(false)
        .build(&schema)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let doc: serde_json::Value =
        serde_saphyr::from_str(&block.body).map_err(|e| format!("{}: {e}", block.name()))?;
    let errors: Vec<String> = validator
        .iter_errors(&doc)
        .map(|e| format!("  {}: {e}", e.instance_path()))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{}: does not fit schemas/scenario.schema.json:\n{}",
            block.name(),
            errors.join("\n")
        ))
    }
}

/// `base` with its top-level sections named in `keys` replaced by `fragment` (and `target:`
/// dropped when the fragment brings `targets:`, since a runbook has one or the other).
pub fn with_fragment(base: &str, fragment: &str, keys: &[String]) -> String {
    let replaced = |k: &str| {
        keys.iter().any(|x| x == k) || (k == "target" && keys.iter().any(|x| x == "targets"))
    };
    let mut out = String::new();
    let mut skipping = false;
    for line in base.lines() {
        if line.starts_with(|c: char| c.is_ascii_alphabetic()) {
            let key = line.split(':').next().unwrap_or_default();
            skipping = replaced(key);
        }
        if !skipping {
            out.push_str(line);
            out.push('\n');
        }
    }
    out.push_str(fragment);
    out
}

fn validate(sandbox: &Sandbox, path: &str, block: &Block) -> Result<(), String> {
    let out = sandbox.run_line(&format!("runbook validate {path}"))?;
    if out.code == 0 {
        Ok(())
    } else {
        Err(format!(
            "{}: `runbook validate` rejects it (exit {}):\n{}{}\n--- the file checked ({}):\n{}",
            block.name(),
            out.code,
            out.stdout,
            out.stderr,
            path,
            std::fs::read_to_string(sandbox.path(path)).unwrap_or_default()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::with_fragment;

    #[test]
    fn a_fragment_replaces_the_same_sections_and_targets_replaces_target() {
        let base = "version: 1\ntarget:\n  hub: x\nsteps:\n  - id: a\nobjectives:\n  rto: 1h\n";
        let frag = "targets:\n  subscription: s\nobjectives:\n  rto: 30m\n";
        let keys = vec!["targets".to_owned(), "objectives".to_owned()];
        assert_eq!(
            with_fragment(base, frag, &keys),
            "version: 1\nsteps:\n  - id: a\ntargets:\n  subscription: s\nobjectives:\n  rto: 30m\n"
        );
    }
}
