//! Template strings (`"{{params.hub}}"`): handlebars in strict mode.
//!
//! A `TemplateText` is what the YAML holds. At load time each one is compiled and every
//! variable it references is extracted (`references`), so semantic analysis can check that
//! `steps.pre.location` names an earlier step that produces `location`. Rendering happens in the
//! engine through `TemplateRenderer`, which registers each compiled template once.

use std::borrow::Cow;

use handlebars::template::{Parameter, Template, TemplateElement};
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Serialize};

/// Helpers a template may call. Everything else is a variable reference.
pub const HELPERS: &[&str] = &[
    "if", "unless", "each", "with", "eq", "ne", "gt", "gte", "lt", "lte", "and", "or", "not",
    "len", "lookup",
];

#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TemplateText(pub String);

impl TemplateText {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True when the text has no `{{`: it renders to itself.
    pub fn is_literal(&self) -> bool {
        !self.0.contains("{{")
    }
}

impl JsonSchema for TemplateText {
    fn schema_name() -> Cow<'static, str> {
        "Template".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "description": "Text, optionally with handlebars references: {{params.NAME}}, {{target.hub}}, {{steps.ID.OUTPUT}}, {{run.id}}."
        })
    }
}

/// Compiles `text` and returns the dotted variable paths it references (`params.hub`).
pub fn references(text: &str) -> Result<Vec<String>, String> {
    let template = Template::compile(text).map_err(|e| template_error_message(&e))?;
    let mut out = Vec::new();
    collect_template(&template, &mut out)?;
    Ok(out)
}

fn template_error_message(e: &handlebars::TemplateError) -> String {
    use handlebars::TemplateErrorReason as R;
    // The library's own message names its grammar rules (`expected trailing_tilde_...`) and
    // spans several lines; say what is wrong in runbook terms, and where in the template.
    let at = e
        .pos()
        .map(|(line, col)| {
            if line <= 1 {
                format!(" at character {col} of the template")
            } else {
                format!(" at line {line}, character {col} of the template")
            }
        })
        .unwrap_or_default();
    match e.reason() {
        R::InvalidSyntax(_) => format!(
            "invalid handlebars syntax{at}: each `{{{{` needs a matching `}}}}` and each `{{{{#block}}}}` a `{{{{/block}}}}`"
        ),
        R::MismatchingClosedHelper(open, close) => {
            format!("`{{{{#{open}}}}}` is closed by `{{{{/{close}}}}}`{at}")
        }
        other => {
            let s = other.to_string();
            format!("{}{at}", s.lines().next().unwrap_or(&s).trim())
        }
    }
}

fn collect_template(t: &Template, out: &mut Vec<String>) -> Result<(), String> {
    for el in &t.elements {
        collect_element(el, out)?;
    }
    Ok(())
}

fn collect_element(el: &TemplateElement, out: &mut Vec<String>) -> Result<(), String> {
    match el {
        TemplateElement::RawString(_) | TemplateElement::Comment(_) => Ok(()),
        TemplateElement::Expression(h)
        | TemplateElement::HtmlExpression(h)
        | TemplateElement::HelperBlock(h) => {
            let is_call = h.block || !h.params.is_empty() || !h.hash.is_empty();
            match &h.name {
                Parameter::Name(name) if is_call => {
                    if !HELPERS.contains(&name.as_str()) {
                        return Err(format!(
                            "unknown helper `{name}` (available: {})",
                            HELPERS.join(", ")
                        ));
                    }
                }
                other => collect_param(other, out)?,
            }
            for p in h.params.iter().chain(h.hash.values()) {
                collect_param(p, out)?;
            }
            if let Some(t) = &h.template {
                let scoped = matches!(&h.name, Parameter::Name(n) if n == "each" || n == "with");
                if scoped {
                    // Inside `each`/`with` a bare name is a field of the current item, not a
                    // runbook reference; only rooted paths (params., steps., ...) are checked.
                    let mut inner = Vec::new();
                    collect_template(t, &mut inner)?;
                    out.extend(inner.into_iter().filter(|r| {
                        ["params.", "target.", "steps.", "run."]
                            .iter()
                            .any(|root| r.starts_with(root))
                    }));
                } else {
                    collect_template(t, out)?;
                }
            }
            if let Some(t) = &h.inverse {
                collect_template(t, out)?;
            }
            Ok(())
        }
        TemplateElement::DecoratorExpression(_)
        | TemplateElement::DecoratorBlock(_)
        | TemplateElement::PartialExpression(_)
        | TemplateElement::PartialBlock(_) => {
            Err("partials and decorators are not supported in runbook templates".to_string())
        }
        _ => Err("unsupported template construct".to_string()),
    }
}

fn collect_param(p: &Parameter, out: &mut Vec<String>) -> Result<(), String> {
    match p {
        Parameter::Name(n) => {
            if !HELPERS.contains(&n.as_str()) {
                out.push(n.clone());
            }
            Ok(())
        }
        Parameter::Path(path) => {
            let raw = match path {
                handlebars::Path::Relative((_, raw)) => raw.clone(),
                handlebars::Path::Local((_, _, raw)) => raw.clone(),
            };
            // `this` and `@index` are block-local; they name nothing in the runbook.
            if !raw.starts_with('@') && raw != "this" && !raw.starts_with("this.") {
                out.push(raw);
            }
            Ok(())
        }
        Parameter::Literal(_) => Ok(()),
        Parameter::Subexpression(s) => collect_element(s.as_element(), out),
        _ => Err("unsupported template parameter".to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extracts_references() {
        let r = references("Fail {{target.hub}} over to {{params.target_region}}").expect("ok");
        assert_eq!(r, vec!["target.hub", "params.target_region"]);
        let r = references("{{#if (eq steps.pre.state \"Active\")}}true{{else}}false{{/if}}")
            .expect("ok");
        assert_eq!(r, vec!["steps.pre.state"]);
    }

    #[test]
    fn names_inside_each_are_the_items_fields() {
        let r = references(
            "{{#each steps.pre.endpoints}}{{@key}}={{this}} {{name}} {{params.hub}}{{/each}}",
        )
        .expect("ok");
        assert_eq!(r, vec!["steps.pre.endpoints", "params.hub"]);
    }

    #[test]
    fn rejects_unknown_helpers_and_bad_syntax() {
        assert!(references("{{shout params.x}}").is_err());
        assert!(references("{{params.x").is_err());
        assert!(references("{{> partial}}").is_err());
    }
}
