//! Masking secrets: every event is scrubbed of secret values before any sink (terminal,
//! journal, DR log) sees it, without touching what makes it a record.
//!
//! The redactor knows the values of parameters marked `secret`. It masks by field, never the
//! serialized event as a whole, so event types, step ids, kinds, sections, statuses, error
//! codes, times and counts are never rewritten whatever a secret's value is (`failover`,
//! `success`, `a`, `1`). Two kinds of field are masked:
//! - free text (details, progress messages, error messages, reasons, rendered inputs):
//!   every occurrence of a secret becomes `***`;
//! - values the run reads back (outputs, the target, parameters, regions): a value that *is* a
//!   secret becomes `***`, and a secret of `LONG_SECRET` or more characters is masked wherever
//!   it appears. A shorter secret inside a longer value is left alone there: a one-letter
//!   secret would otherwise rewrite every time and region of the record, and resume would
//!   restore garbage.

use serde_json::Value;

use crate::dr_log::StepRecord;
use crate::event::RunEvent;

pub const MASK: &str = "***";

/// Secrets at least this long are masked inside structured values too, not only where they
/// are the whole value.
pub const LONG_SECRET: usize = 8;

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

    /// Free text: every occurrence of every secret masked.
    pub fn text(&self, s: &str) -> String {
        let mut out = s.to_string();
        for secret in &self.secrets {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), MASK);
            }
        }
        out
    }

    /// Free text inside a JSON value (rendered inputs): every string masked as `text`.
    pub fn text_value(&self, v: &mut Value) {
        match v {
            Value::String(s) if self.secrets.iter().any(|sec| s.contains(sec.as_str())) => {
                *s = self.text(s);
            }
            Value::Array(items) => items.iter_mut().for_each(|i| self.text_value(i)),
            Value::Object(map) => map.values_mut().for_each(|i| self.text_value(i)),
            _ => {}
        }
    }

    /// A value the run reads back: masked whole when it is a secret, and where a long secret
    /// appears in it.
    pub fn structured(&self, s: &str) -> String {
        if self.secrets.iter().any(|sec| sec == s) {
            return MASK.to_string();
        }
        let mut out = s.to_string();
        for secret in self.secrets.iter().filter(|s| s.len() >= LONG_SECRET) {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), MASK);
            }
        }
        out
    }

    /// Every string inside a JSON value the run reads back, masked as `structured`.
    pub fn structured_value(&self, v: &mut Value) {
        match v {
            Value::String(s) => {
                let masked = self.structured(s);
                if masked != *s {
                    *s = masked;
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|i| self.structured_value(i)),
            Value::Object(map) => map.values_mut().for_each(|i| self.structured_value(i)),
            _ => {}
        }
    }

    fn record(&self, r: &mut StepRecord) {
        r.name = self.text(&r.name);
        r.details = self.text(&r.details);
        self.text_value(&mut r.inputs);
        for v in r.outputs.values_mut() {
            self.structured_value(v);
        }
        if let Some(e) = r.error.as_mut() {
            e.message = self.text(&e.message);
        }
    }

    /// A copy of `event` with every secret masked, field by field (see the module doc).
    pub fn event(&self, event: &RunEvent) -> RunEvent {
        let mut e = event.clone();
        if self.is_empty() {
            return e;
        }
        match &mut e {
            RunEvent::RunStarted {
                runbook,
                target,
                params,
                log_path,
                ..
            } => {
                runbook.path = self.structured(&runbook.path);
                self.structured_value(target);
                self.structured_value(params);
                *log_path = self.structured(log_path);
            }
            RunEvent::TargetRegionKnown { region, source } => {
                *region = self.structured(region);
                *source = self.text(source);
            }
            RunEvent::StepStarted { name, .. } => *name = self.text(name),
            RunEvent::StepProgress {
                message, hub_state, ..
            } => {
                *message = self.text(message);
                if let Some(h) = hub_state.as_mut() {
                    *h = self.structured(h);
                }
            }
            RunEvent::StepRetrying { error, .. } => *error = self.text(error),
            RunEvent::FailoverIntent {
                from_region,
                region,
                ..
            } => {
                *from_region = self.structured(from_region);
                *region = self.structured(region);
            }
            RunEvent::FailoverStarted {
                region, operation, ..
            } => {
                *region = self.structured(region);
                self.structured_value(operation);
            }
            RunEvent::StepFinished { record } => self.record(record),
            RunEvent::PreflightChecked { preflight } => {
                for c in &mut preflight.checks {
                    c.summary = self.text(&c.summary);
                    for e in &mut c.evidence {
                        *e = self.text(e);
                    }
                }
            }
            RunEvent::ObjectivesMeasured { objectives } => {
                for o in objectives {
                    o.details = self.text(&o.details);
                }
            }
            RunEvent::RunFinished { reason, .. } => {
                if let Some(r) = reason.as_mut() {
                    *r = self.text(r);
                }
            }
        }
        e
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
        r.text_value(&mut v);
        assert_eq!(v, serde_json::json!({"a": ["tok ***"], "b": 1}));
    }

    #[test]
    fn structured_values_lose_short_secrets_only_where_they_are_the_whole_value() {
        let r = Redactor::new(vec!["1".into(), "westus".into(), "s3cr3t-hub-name".into()]);
        assert_eq!(r.structured("2026-12-03T10:11:12Z"), "2026-12-03T10:11:12Z");
        assert_eq!(r.structured("westus"), MASK);
        assert_eq!(r.structured("westus2"), "westus2");
        assert_eq!(r.structured("/hubs/s3cr3t-hub-name/x"), "/hubs/***/x");
        assert_eq!(r.text("westus2 at 1"), "***2 at ***");
    }

    #[test]
    fn a_secret_equal_to_a_status_or_kind_word_leaves_the_event_readable() {
        let r = Redactor::new(vec![
            "failover".into(),
            "success".into(),
            "step_finished".into(),
        ]);
        let event = RunEvent::RunFinished {
            time: "2026-12-03T10:11:12Z".into(),
            status: crate::status::RunStatus::Succeeded,
            reason: Some("failover went fine: success".into()),
            changed: true,
            cleanup_failed: false,
        };
        let masked = r.event(&event);
        let text = serde_json::to_string(&masked).expect("serializes");
        let back: RunEvent = serde_json::from_str(&text).expect("still a run event");
        match back {
            RunEvent::RunFinished { status, reason, .. } => {
                assert_eq!(status, crate::status::RunStatus::Succeeded);
                assert_eq!(reason.as_deref(), Some("*** went fine: ***"));
            }
            other => panic!("the event changed type: {other:?}"),
        }
    }
}
