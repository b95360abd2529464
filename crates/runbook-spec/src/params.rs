//! Resolving parameter values for a run: `--set` first, then the declared `env` variable, then
//! the default. Text values are parsed to the declared type and checked against `allowed`.
//!
//! The result is a JSON object (`params` in the template context) plus the names of secret
//! parameters, whose values the engine masks wherever it writes.

use serde_json::{Map, Value};

use crate::model::duration::DurationSpec;
use crate::model::parameter::ParamType;
use crate::model::runbook::Runbook;
use crate::suggest;

/// Resolved parameter values and which of them are secret.
#[derive(Debug, Clone, Default)]
pub struct ResolvedParams {
    pub values: Map<String, Value>,
    pub secret_names: Vec<String>,
}

impl ResolvedParams {
    /// The values of secret parameters, as text, for masking.
    pub fn secret_values(&self) -> Vec<String> {
        self.secret_names
            .iter()
            .filter_map(|n| self.values.get(n))
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
            .filter(|s| !s.is_empty())
            .collect()
    }
}

/// A problem with a parameter value; never contains a secret's value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ParamError {
    pub message: String,
}

fn err(message: String) -> ParamError {
    ParamError { message }
}

/// Splits `k=v` as given to `--set`.
pub fn parse_set(arg: &str) -> Result<(String, String), ParamError> {
    match arg.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
        _ => Err(err(format!(
            "`--set {arg}` is not of the form NAME=VALUE (e.g. --set target_region=westus)"
        ))),
    }
}

/// Parses text to a parameter type.
pub fn parse_typed(kind: ParamType, text: &str) -> Result<Value, String> {
    match kind {
        ParamType::String => Ok(Value::String(text.to_string())),
        ParamType::Integer => text
            .trim()
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| "expected an integer".to_string()),
        ParamType::Boolean => match text.trim() {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err("expected true or false".to_string()),
        },
        ParamType::Duration => {
            DurationSpec::parse(text).map(|_| Value::String(text.trim().to_string()))
        }
    }
}

/// Resolves every declared parameter. All problems are reported together.
pub fn resolve(
    rb: &Runbook,
    sets: &[(String, String)],
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<ResolvedParams, Vec<ParamError>> {
    let mut errors = Vec::new();
    for (k, _) in sets {
        if !rb.parameters.contains_key(k) {
            let hint = suggest::did_you_mean(k, rb.parameters.keys().map(String::as_str))
                .map(|h| format!("; {h}"))
                .unwrap_or_else(|| {
                    let names: Vec<&str> = rb.parameters.keys().map(String::as_str).collect();
                    if names.is_empty() {
                        "; this runbook declares no parameters".to_string()
                    } else {
                        format!("; declared: {}", names.join(", "))
                    }
                });
            errors.push(err(format!(
                "--set {k}: no parameter `{k}` is declared{hint}"
            )));
        }
    }
    let mut out = ResolvedParams::default();
    for (name, p) in &rb.parameters {
        let shown = |text: &str| {
            if p.secret {
                "***".to_string()
            } else {
                format!("`{text}`")
            }
        };
        let from_set = sets
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone());
        let (text, source) = match (
            from_set,
            p.env.as_deref().and_then(|e| env(e).map(|v| (v, e))),
        ) {
            (Some(v), _) => (Some(v), "--set".to_string()),
            (None, Some((v, var))) => (Some(v), format!("${var}")),
            (None, None) => (None, String::new()),
        };
        let value = match text {
            Some(t) => match parse_typed(p.kind, &t) {
                Ok(v) => Some(v),
                Err(why) => {
                    errors.push(err(format!(
                        "parameter `{name}` from {source}: {} {why}",
                        shown(&t)
                    )));
                    continue;
                }
            },
            None => p.default.clone(),
        };
        let Some(value) = value else {
            if p.is_required() {
                let how = match &p.env {
                    Some(e) => format!("--set {name}=VALUE or set ${e}"),
                    None => format!("--set {name}=VALUE"),
                };
                let what = p
                    .description
                    .as_deref()
                    .map(|d| format!(" ({d})"))
                    .unwrap_or_default();
                errors.push(err(format!(
                    "parameter `{name}`{what} has no value: pass {how}"
                )));
            }
            continue;
        };
        if let Some(allowed) = &p.allowed
            && !allowed.contains(&value)
        {
            let list: Vec<String> = allowed
                .iter()
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
                .collect();
            let given = value
                .as_str()
                .map_or_else(|| value.to_string(), str::to_string);
            errors.push(err(format!(
                "parameter `{name}`: {} is not one of the allowed values: {}",
                shown(&given),
                if p.secret {
                    "(hidden)".to_string()
                } else {
                    list.join(", ")
                }
            )));
            continue;
        }
        if p.secret {
            out.secret_names.push(name.clone());
        }
        out.values.insert(name.clone(), value);
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}
