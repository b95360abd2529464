//! One `faults:` rule of a scenario, and the checks that make it mean something.
//!
//! YAML -> `FaultRule` (serde) -> `problem` (run by `Scenario::validate`, reported at
//! `faults[i]`) -> `faults::Faults` arms it for matching. What a rule does to a request, in order:
//! `delay`, `hold: before`, then `status` (instead of the real answer), `drop_connection`
//! (after the effect with `after_effect`), or the real answer; `hold: after` keeps the answer of
//! a request that took effect until released.

use crate::duration;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Where a held request waits until a test releases it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum HoldStage {
    /// Before it takes effect (nothing has happened yet).
    Before,
    /// After it took effect, before its answer is sent.
    After,
}

/// A fault: requests matching `method` and `path` get `status`, `delay`, a dropped connection,
/// or are held until released.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FaultRule {
    /// HTTP method (case-insensitive); absent: any.
    #[serde(default)]
    pub method: Option<String>,
    /// Substring of the request path (case-insensitive); absent: any ARM path.
    #[serde(default)]
    pub path: Option<String>,
    /// Answer with this status and an ARM error body instead of the real answer.
    #[serde(default)]
    #[schemars(range(min = 400, max = 599))]
    pub status: Option<u16>,
    /// `Retry-After` sent with `status` (whole seconds; also `retry-after-ms` when scaled).
    #[schemars(schema_with = "crate::schema::duration", transform = crate::schema::no_default)]
    #[serde(default, deserialize_with = "duration::deserialize_opt")]
    pub retry_after: Option<Duration>,
    /// Wait this long (scaled) before answering: slow processing, whose effect comes after it.
    #[schemars(schema_with = "crate::schema::duration", transform = crate::schema::no_default)]
    #[serde(default, deserialize_with = "duration::deserialize_opt")]
    pub delay: Option<Duration>,
    /// Keep the request waiting at this stage until released through the control API.
    #[serde(default)]
    pub hold: Option<HoldStage>,
    /// How many requests the rule applies to; absent: all.
    #[serde(default)]
    #[schemars(range(min = 1))]
    pub times: Option<u32>,
    /// Close the TCP connection without answering.
    #[serde(default)]
    pub drop_connection: bool,
    /// With `drop_connection`: handle the request first (e.g. really start the failover), then drop.
    #[serde(default)]
    pub after_effect: bool,
    /// Error code of the `status` answer (default from the status, e.g. `TooManyRequests`).
    #[serde(default)]
    pub code: Option<String>,
    /// Error message of the `status` answer.
    #[serde(default)]
    pub message: Option<String>,
}

impl FaultRule {
    /// What is wrong with this rule, if anything (`Scenario::validate` locates it).
    pub(crate) fn problem(&self) -> Option<&'static str> {
        if self.status.is_none()
            && self.delay.is_none()
            && !self.drop_connection
            && self.hold.is_none()
        {
            return Some("a fault needs status, delay, drop_connection or hold");
        }
        if let Some(status) = self.status
            && !(400..=599).contains(&status)
        {
            return Some("status must be 400..=599");
        }
        if self.drop_connection && self.status.is_some() {
            return Some("drop_connection and status exclude each other");
        }
        if self.after_effect && !self.drop_connection {
            return Some("after_effect only applies with drop_connection: true");
        }
        if self.retry_after.is_some() && self.status.is_none() {
            return Some("retry_after only applies with status");
        }
        if self.times == Some(0) {
            return Some("times must be at least 1 (omit it for always)");
        }
        // `hold: after` waits between an effect and its answer; these have no effect to wait
        // after, so the rule would only be a slower `hold: before`.
        if self.hold == Some(HoldStage::After) {
            if self.status.is_some() {
                return Some(
                    "hold: after needs a request that takes effect; with status nothing does (use hold: before)",
                );
            }
            if self.drop_connection && !self.after_effect {
                return Some(
                    "hold: after with drop_connection needs after_effect: true (otherwise use hold: before)",
                );
            }
        }
        None
    }
}
