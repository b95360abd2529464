//! Shared front half of `exec` and `plan`: load and validate the runbook, resolve parameters,
//! render the target. Every failure here is the user's input, reported with exit code 2.

use std::path::Path;

use runbook_engine::{HubTarget, RunbookIdentity};
use runbook_spec::params::ResolvedParams;
use runbook_spec::{Loaded, TemplateText};
use sha2::{Digest, Sha256};

#[derive(Debug)]
pub struct Prepared {
    pub loaded: Loaded,
    pub params: ResolvedParams,
    pub target: HubTarget,
    pub identity: RunbookIdentity,
}

/// Loads `path` and resolves `--set` values; on failure returns the text to print.
pub fn prepare(path: &Path, sets: &[String]) -> Result<Prepared, String> {
    let loaded = runbook_spec::load_file(path).map_err(|f| f.render())?;
    let mut pairs = Vec::new();
    let mut errors = Vec::new();
    for s in sets {
        match runbook_spec::params::parse_set(s) {
            Ok(p) => pairs.push(p),
            Err(e) => errors.push(e.to_string()),
        }
    }
    if !errors.is_empty() {
        return Err(errors.join("\n"));
    }
    let params = runbook_spec::params::resolve(&loaded.runbook, &pairs, &|k| std::env::var(k).ok())
        .map_err(|errs| {
            errs.iter()
                .map(|e| format!("{}: error: {e}", path.display()))
                .collect::<Vec<_>>()
                .join("\n")
        })?;
    let mut ctx =
        runbook_engine::context::TemplateContext::new(params.values.clone(), serde_json::json!({}));
    let mut render = |t: &TemplateText, field: &str| {
        ctx.render(t)
            .map_err(|e| format!("{}: error: target.{field}: {e}", path.display()))
    };
    let t = &loaded.runbook.target;
    let target = HubTarget {
        subscription: render(&t.subscription, "subscription")?,
        resource_group: render(&t.resource_group, "resource_group")?,
        hub: render(&t.hub, "hub")?,
    };
    if target.hub.trim().is_empty() || target.resource_group.trim().is_empty() {
        return Err(format!(
            "{}: error: target.hub and target.resource_group must not be empty",
            path.display()
        ));
    }
    let identity = RunbookIdentity {
        name: loaded.runbook.name.clone(),
        path: path.display().to_string(),
        sha256: hex(&Sha256::digest(loaded.source.text.as_bytes())),
    };
    Ok(Prepared {
        loaded,
        params,
        target,
        identity,
    })
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
