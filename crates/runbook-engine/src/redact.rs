//! Masking secrets: every string an event carries is scrubbed of secret values before any
//! sink (terminal, journal, DR log) sees it.
//!
//! The redactor knows the values of parameters marked `secret` and replaces each occurrence
//! with `***`, wherever it ended up (a rendered input, an error message, an output).

use serde_json::Value;

use crate::event::RunEvent;

pub const MASK: &str = "***";

#[derive(Debug, Clone, Default)]
pub struct Redactor {
    secrets: Vec<String>,
}

impl Redactor {
    pub fn new(mut secrets: Vec<String>) -> Self {
        // Longest first, so a secret that contains another is masked whole.
        secrets.retain(|s| !s.is_empty());
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        secrets.dedup();
        Self { secrets }
    }

    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty()
    }

    pub fn text(&self, s: &str) -> String {
        let mut out = s.to_string();
        for secret in &self.secrets {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), MASK);
            }
        }
        out
    }

    pub fn value(&self, v: &mut Value) {
        match v {
            Value::String(s) if self.secrets.iter().any(|sec| s.contains(sec.as_str())) => {
                *s = self.text(s);
            }
            Value::Array(items) => items.iter_mut().for_each(|i| self.value(i)),
            Value::Object(map) => map.values_mut().for_each(|i| self.value(i)),
            _ => {}
        }
    }

    /// A copy of `event` with every secret masked. Fails closed: if masking leaves an event
    /// that no longer parses (a secret equal to a status word), a placeholder goes out instead
    /// of the original.
    pub fn event(&self, event: &RunEvent) -> RunEvent {
        if self.is_empty() {
            return event.clone();
        }
        let masked = serde_json::to_value(event).ok().and_then(|mut v| {
            self.value(&mut v);
            serde_json::from_value(v).ok()
        });
        masked.unwrap_or_else(|| RunEvent::StepProgress {
            step: MASK.to_string(),
            message: "an event was withheld: masking a secret in it made it unreadable".to_string(),
            elapsed_ms: 0,
            timeout_ms: None,
            hub_state: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_every_occurrence_longest_first() {
        let r = Redactor::new(vec!["abc".into(), "abcdef".into(), String::new()]);
        assert_eq!(r.text("x abcdef y abc"), "x *** y ***");
        let mut v = serde_json::json!({"a": ["tok abc"], "b": 1});
        r.value(&mut v);
        assert_eq!(v, serde_json::json!({"a": ["tok ***"], "b": 1}));
    }
}
