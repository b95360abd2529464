//! The template context and rendering: `params`, `target`, `steps.<id>.<output>`, `run`.
//!
//! Templates were compiled and their references checked when the runbook loaded; here they are
//! rendered in strict mode (a missing value is an error, never an empty string) with HTML
//! escaping off. Each distinct template text is registered once and reused.

use std::collections::HashSet;

use handlebars::Handlebars;
use serde_json::{Map, Value, json};

use runbook_spec::{StepKind, TemplateText};

#[derive(Debug)]
pub struct TemplateContext {
    registry: Handlebars<'static>,
    registered: HashSet<String>,
    data: Value,
}

#[derive(Debug, thiserror::Error)]
#[error("template `{template}`: {message}")]
pub struct RenderError {
    pub template: String,
    pub message: String,
}

impl TemplateContext {
    pub fn new(params: Map<String, Value>, run: Value) -> Self {
        let mut registry = Handlebars::new();
        registry.set_strict_mode(true);
        registry.register_escape_fn(handlebars::no_escape);
        Self {
            registry,
            registered: HashSet::new(),
            data: json!({ "params": params, "target": {}, "steps": {}, "run": run }),
        }
    }

    pub fn set_target(&mut self, target: Value) {
        self.data["target"] = target;
    }

    pub fn set_step_outputs(&mut self, step: &str, outputs: &Map<String, Value>) {
        self.data["steps"][step] = Value::Object(outputs.clone());
    }

    pub fn step_outputs(&self, step: &str) -> Option<&Map<String, Value>> {
        self.data["steps"].get(step).and_then(Value::as_object)
    }

    pub fn render(&mut self, t: &TemplateText) -> Result<String, RenderError> {
        if t.is_literal() {
            return Ok(t.as_str().to_string());
        }
        let text = t.as_str();
        if !self.registered.contains(text) {
            self.registry
                .register_template_string(text, text)
                .map_err(|e| RenderError {
                    template: text.to_string(),
                    message: e.to_string(),
                })?;
            self.registered.insert(text.to_string());
        }
        self.registry
            .render(text, &self.data)
            .map_err(|e| RenderError {
                template: text.to_string(),
                message: e
                    .to_string()
                    .replace("Error rendering", "cannot render")
                    .lines()
                    .next()
                    .unwrap_or_default()
                    .to_string(),
            })
    }

    /// Renders every template string inside `v`; one that cannot be rendered yet (it needs a
    /// step output that does not exist) is left as written.
    pub fn render_tree(&mut self, v: &mut Value) {
        match v {
            Value::String(s) if s.contains("{{") => {
                if let Ok(r) = self.render(&TemplateText(s.clone())) {
                    *s = r;
                }
            }
            Value::Array(a) => a.iter_mut().for_each(|x| self.render_tree(x)),
            Value::Object(m) => m.values_mut().for_each(|x| self.render_tree(x)),
            _ => {}
        }
    }

    /// A step's inputs (its kind's body) with templates rendered where possible.
    pub fn step_inputs(&mut self, kind: &StepKind) -> Value {
        let mut v = match kind {
            StepKind::Validate(x) => serde_json::to_value(x),
            StepKind::SnapshotMetrics(x) => serde_json::to_value(x),
            StepKind::Failover(x) => serde_json::to_value(x),
            StepKind::Await(x) => serde_json::to_value(x),
            StepKind::CompareDevices(x) => serde_json::to_value(x),
            StepKind::HealthCheck(x) => serde_json::to_value(x),
            StepKind::Sleep(x) => serde_json::to_value(x),
            StepKind::AwaitRecovery(x) => serde_json::to_value(x),
        }
        .unwrap_or(Value::Null);
        self.render_tree(&mut v);
        v
    }

    /// Renders a `when:` condition: `true` or `false`, anything else is an error.
    pub fn condition(&mut self, t: &TemplateText) -> Result<bool, RenderError> {
        let out = self.render(t)?;
        match out.trim() {
            "true" => Ok(true),
            "false" | "" => Ok(false),
            other => Err(RenderError {
                template: t.as_str().to_string(),
                message: format!("rendered `{other}`, expected true or false"),
            }),
        }
    }
}
