//! Fault injection: the scenario's rules, matched per request, each with an atomic budget.
//!
//! The first rule whose method and path match and that still has budget (`times`) is taken; its
//! budget is spent with a compare-and-swap, so concurrent requests never overspend it.

use crate::scenario::FaultRule;
use std::sync::atomic::{AtomicU32, Ordering};

#[derive(Debug)]
struct Armed {
    rule: FaultRule,
    path_lower: Option<String>,
    /// Remaining uses; `u32::MAX` for unlimited.
    left: AtomicU32,
}

#[derive(Debug)]
pub(crate) struct Faults {
    rules: Vec<Armed>,
}

impl Faults {
    pub fn new(rules: &[FaultRule]) -> Faults {
        Faults {
            rules: rules
                .iter()
                .map(|rule| Armed {
                    path_lower: rule.path.as_ref().map(|p| p.to_lowercase()),
                    left: AtomicU32::new(rule.times.unwrap_or(u32::MAX)),
                    rule: rule.clone(),
                })
                .collect(),
        }
    }

    /// The fault to apply to this request, if any (spending one of its `times`).
    pub fn take(&self, method: &str, path: &str) -> Option<&FaultRule> {
        if self.rules.is_empty() {
            return None;
        }
        let path_lower = path.to_lowercase();
        for armed in &self.rules {
            let method_ok = armed
                .rule
                .method
                .as_deref()
                .is_none_or(|m| m.eq_ignore_ascii_case(method));
            let path_ok = armed
                .path_lower
                .as_deref()
                .is_none_or(|p| path_lower.contains(p));
            if !(method_ok && path_ok) {
                continue;
            }
            let spent = armed
                .left
                .fetch_update(Ordering::AcqRel, Ordering::Acquire, |left| match left {
                    0 => None,
                    u32::MAX => Some(u32::MAX),
                    n => Some(n - 1),
                });
            if spent.is_ok() {
                return Some(&armed.rule);
            }
        }
        None
    }
}
