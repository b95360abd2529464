//! The front half of every run: a loaded runbook and parameter values in, a ready
//! `RunRequest`'s parts out (resolved parameters, the rendered target hub, the runbook's
//! identity). `exec`, `plan` and `resume` take parameters from `--set` and the environment;
//! `runbook test` from a test case alone, so a case runs the same on every machine. Every
//! failure here is the user's input, returned as the text to print.

use std::path::Path;

use runbook_spec::params::ResolvedParams;
use runbook_spec::{Loaded, TemplateText};
use sha2::{Digest, Sha256};

use crate::context::TemplateContext;
use crate::dr_log::RunbookIdentity;
use crate::target::HubTarget;

#[derive(Debug)]
pub struct Prepared {
    pub loaded: Loaded,
    pub params: ResolvedParams,
    pub target: HubTarget,
    pub identity: RunbookIdentity,
}

/// A fleet runbook (`targets:`) with its parameters resolved; the hubs are resolved later,
/// through ARM (see the `runbook-fleet` crate).
#[derive(Debug)]
pub struct PreparedFleet {
    pub loaded: Loaded,
    pub params: ResolvedParams,
    pub identity: RunbookIdentity,
}

/// A single-hub or a fleet runbook, ready to run.
#[derive(Debug)]
pub enum AnyPrepared {
    Single(Box<Prepared>),
    Fleet(Box<PreparedFleet>),
}

/// As `prepare`, but a fleet runbook is prepared as a fleet instead of refused.
pub fn prepare_any(path: &Path, sets: &[String]) -> Result<AnyPrepared, String> {
    let (loaded, pairs) = load_and_parse_sets(path, sets)?;
    prepare_any_loaded(loaded, path, pairs)
}

fn prepare_any_loaded(
    loaded: Loaded,
    path: &Path,
    pairs: Vec<(String, String)>,
) -> Result<AnyPrepared, String> {
    if !loaded.runbook.is_fleet() {
        return prepare_loaded(loaded, path, &pairs, &|k| std::env::var(k).ok())
            .map(|p| AnyPrepared::Single(Box::new(p)));
    }
    let params = resolve_params(&loaded, path, &pairs, &|k| std::env::var(k).ok())?;
    let identity = identity_of(&loaded, path);
    Ok(AnyPrepared::Fleet(Box::new(PreparedFleet {
        loaded,
        params,
        identity,
    })))
}

/// The subscription an emulator serves hubs under when nothing names one.
pub const EMULATOR_SUBSCRIPTION: &str = "00000000-0000-0000-0000-000000000000";

/// As `prepare_any`, for a run against an in-process emulator: the parameter the target's
/// subscription comes from takes [`EMULATOR_SUBSCRIPTION`] when nothing else gives it a value
/// (see [`unset_subscription_param`]). Against Azure it stays required.
pub fn prepare_any_emulated(path: &Path, sets: &[String]) -> Result<AnyPrepared, String> {
    prepare_any_with_subscription(path, sets, EMULATOR_SUBSCRIPTION)
}

/// As `prepare_any`, with `subscription` for the target's subscription parameter when nothing
/// else gives it a value (`plan` shows a placeholder rather than refusing).
pub fn prepare_any_with_subscription(
    path: &Path,
    sets: &[String],
    subscription: &str,
) -> Result<AnyPrepared, String> {
    // Loaded once: parsing and checking the runbook is most of a short command's start-up.
    let (loaded, mut pairs) = load_and_parse_sets(path, sets)?;
    let env = |k: &str| std::env::var(k).ok();
    let given: Vec<String> = pairs.iter().map(|(k, _)| k.clone()).collect();
    if let Some(name) = unset_subscription_param(&loaded, &given, &env) {
        pairs.insert(0, (name, subscription.to_string()));
    }
    prepare_any_loaded(loaded, path, pairs)
}

/// The parameter the target's (or the fleet's) `subscription` is, when it is exactly
/// `{{params.NAME}}` and NAME has no value from `given` (names already set), its environment
/// variable or a default: under an emulator it takes the emulator's subscription.
pub fn unset_subscription_param(
    loaded: &Loaded,
    given: &[String],
    env: &dyn Fn(&str) -> Option<String>,
) -> Option<String> {
    let rb = &loaded.runbook;
    let template = match &rb.targets {
        Some(t) => t.subscription.as_ref()?,
        None => &rb.target.subscription,
    };
    let inner = template
        .as_str()
        .trim()
        .strip_prefix("{{")?
        .strip_suffix("}}")?
        .trim();
    let name = inner.strip_prefix("params.")?;
    let p = rb.parameters.get(name)?;
    let has_value = given.iter().any(|g| g == name)
        || p.env.as_deref().and_then(env).is_some()
        || p.default.is_some();
    (!has_value).then(|| name.to_string())
}

/// Loads `path` and resolves `--set NAME=VALUE` arguments and the environment.
pub fn prepare(path: &Path, sets: &[String]) -> Result<Prepared, String> {
    let (loaded, pairs) = load_and_parse_sets(path, sets)?;
    prepare_loaded(loaded, path, &pairs, &|k| std::env::var(k).ok())
}

fn load_and_parse_sets(
    path: &Path,
    sets: &[String],
) -> Result<(Loaded, Vec<(String, String)>), String> {
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
    Ok((loaded, pairs))
}

fn resolve_params(
    loaded: &Loaded,
    path: &Path,
    pairs: &[(String, String)],
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<ResolvedParams, String> {
    runbook_spec::params::resolve(&loaded.runbook, pairs, env).map_err(|errs| {
        errs.iter()
            .map(|e| format!("{}: error: {e}", path.display()))
            .collect::<Vec<_>>()
            .join("\n")
    })
}

fn identity_of(loaded: &Loaded, path: &Path) -> RunbookIdentity {
    RunbookIdentity {
        name: loaded.runbook.name.clone(),
        path: path.display().to_string(),
        sha256: hex(&Sha256::digest(loaded.source.text.as_bytes())),
    }
}

/// Resolves parameters of an already loaded runbook and renders its target.
pub fn prepare_loaded(
    loaded: Loaded,
    path: &Path,
    pairs: &[(String, String)],
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Prepared, String> {
    let params = resolve_params(&loaded, path, pairs, env)?;
    if loaded.runbook.is_fleet() {
        return Err(format!(
            "{}: error: this runbook drills a fleet (`targets:`); run it with `runbook exec`, which runs each hub with its own DR log",
            path.display()
        ));
    }
    let mut ctx = TemplateContext::new(params.values.clone(), serde_json::json!({}));
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
    let identity = identity_of(&loaded, path);
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
