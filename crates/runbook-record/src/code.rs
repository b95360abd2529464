//! Error codes: why a step failed, as a word a script can match.
//!
//! A failed step's record carries a code: one of the engine's own (a runbook expectation that
//! did not hold, a refused failover, a template that would not render...), or, when ARM
//! refused a call, ARM's own code as ARM spelled it. ARM's codes are open-ended, so they stay
//! text (`Arm`); the engine's are variants, so the engine, resume and the printers match them
//! as values. Either way a code serializes to the same plain JSON string logs have always
//! carried, and reads back to the same value.

use std::fmt;
use std::hash::{Hash, Hasher};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A failed step's code.
///
/// Build one from text with `ErrorCode::from_text` (or `From<&str>`): a name the engine knows
/// becomes its variant. Two codes are equal when they read the same, so an `Arm` code that
/// happens to spell an engine code equals that variant.
#[derive(Debug, Clone, Eq)]
pub enum ErrorCode {
    /// A `validate` expectation did not hold.
    ExpectationNotMet,
    /// An `await` did not see the failover (or its condition) within its timeout.
    AwaitTimeout,
    /// An `await` had no failover to wait for.
    NothingToAwait,
    /// An `await` names a step that started no failover operation.
    NoOperation,
    /// The failover operation ended Failed.
    FailoverFailed,
    /// A `health-check` found routing endpoints unhealthy.
    EndpointsUnhealthy,
    /// A `failover` without a region, on a hub with no paired region.
    NoPairedRegion,
    /// A `failover` to a region that is not the hub's paired region.
    RegionNotPaired,
    /// A `failover` of a hub that is not Active.
    HubNotActive,
    /// A `failover` held back by Azure's failover limits (an earlier one too recent).
    FailoverCooldown,
    /// ARM's answer to the failover POST was lost: it may or may not have begun.
    FailoverOutcomeUnknown,
    /// A `compare-devices` names a snapshot that was not taken.
    MissingSnapshot,
    /// A `compare-devices` found more drift than allowed.
    DeviceCountMismatch,
    /// A template (an input, `when`, `confirm`) could not be rendered.
    TemplateError,
    /// A failover refused because the journal cannot be written.
    JournalUnavailable,
    /// A `confirm` nobody could answer.
    ConfirmationMissing,
    /// A `confirm` the operator declined.
    ConfirmationDeclined,
    /// The step did not finish within its `timeout`.
    StepTimeout,
    /// ARM kept throttling past the client's retries.
    Throttled,
    /// An ARM long-running operation ended Failed.
    OperationFailed,
    /// The ARM client gave up waiting.
    Timeout,
    /// The connection to ARM failed.
    Transport,
    /// No credential could be had for ARM.
    Credential,
    /// Any other ARM client failure without a code of ARM's.
    ArmError,
    /// ARM's own code, as ARM spelled it, or `Http<status>` when ARM's answer carried none.
    Arm(String),
}

impl ErrorCode {
    /// Every code the engine names itself (not `Arm`).
    pub const KNOWN: [ErrorCode; 24] = [
        ErrorCode::ExpectationNotMet,
        ErrorCode::AwaitTimeout,
        ErrorCode::NothingToAwait,
        ErrorCode::NoOperation,
        ErrorCode::FailoverFailed,
        ErrorCode::EndpointsUnhealthy,
        ErrorCode::NoPairedRegion,
        ErrorCode::RegionNotPaired,
        ErrorCode::HubNotActive,
        ErrorCode::FailoverCooldown,
        ErrorCode::FailoverOutcomeUnknown,
        ErrorCode::MissingSnapshot,
        ErrorCode::DeviceCountMismatch,
        ErrorCode::TemplateError,
        ErrorCode::JournalUnavailable,
        ErrorCode::ConfirmationMissing,
        ErrorCode::ConfirmationDeclined,
        ErrorCode::StepTimeout,
        ErrorCode::Throttled,
        ErrorCode::OperationFailed,
        ErrorCode::Timeout,
        ErrorCode::Transport,
        ErrorCode::Credential,
        ErrorCode::ArmError,
    ];

    /// The code as text, exactly as it serializes.
    pub fn as_str(&self) -> &str {
        match self {
            ErrorCode::ExpectationNotMet => "ExpectationNotMet",
            ErrorCode::AwaitTimeout => "AwaitTimeout",
            ErrorCode::NothingToAwait => "NothingToAwait",
            ErrorCode::NoOperation => "NoOperation",
            ErrorCode::FailoverFailed => "FailoverFailed",
            ErrorCode::EndpointsUnhealthy => "EndpointsUnhealthy",
            ErrorCode::NoPairedRegion => "NoPairedRegion",
            ErrorCode::RegionNotPaired => "RegionNotPaired",
            ErrorCode::HubNotActive => "HubNotActive",
            ErrorCode::FailoverCooldown => "FailoverCooldown",
            ErrorCode::FailoverOutcomeUnknown => "FailoverOutcomeUnknown",
            ErrorCode::MissingSnapshot => "MissingSnapshot",
            ErrorCode::DeviceCountMismatch => "DeviceCountMismatch",
            ErrorCode::TemplateError => "TemplateError",
            ErrorCode::JournalUnavailable => "JournalUnavailable",
            ErrorCode::ConfirmationMissing => "ConfirmationMissing",
            ErrorCode::ConfirmationDeclined => "ConfirmationDeclined",
            ErrorCode::StepTimeout => "StepTimeout",
            ErrorCode::Throttled => "Throttled",
            ErrorCode::OperationFailed => "OperationFailed",
            ErrorCode::Timeout => "Timeout",
            ErrorCode::Transport => "Transport",
            ErrorCode::Credential => "Credential",
            ErrorCode::ArmError => "ArmError",
            ErrorCode::Arm(code) => code,
        }
    }

    /// The code `text` stands for: the engine's variant of that name, else ARM's code.
    pub fn from_text(text: &str) -> ErrorCode {
        ErrorCode::KNOWN
            .into_iter()
            .find(|c| c.as_str() == text)
            .unwrap_or_else(|| ErrorCode::Arm(text.to_string()))
    }
}

impl PartialEq for ErrorCode {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Hash for ErrorCode {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl From<&str> for ErrorCode {
    fn from(text: &str) -> Self {
        ErrorCode::from_text(text)
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ErrorCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Ok(ErrorCode::from_text(&text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_a_plain_string_that_reads_back_the_same() {
        let arm = ErrorCode::Arm("IotHubNotFound".to_string());
        for code in ErrorCode::KNOWN.into_iter().chain([arm.clone()]) {
            let json = serde_json::to_string(&code).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
            let back: Option<ErrorCode> = serde_json::from_str(&json).ok();
            assert_eq!(back.as_ref(), Some(&code));
        }
        assert!(matches!(
            ErrorCode::from_text("IotHubNotFound"),
            ErrorCode::Arm(_)
        ));
        assert!(matches!(
            ErrorCode::from_text("FailoverOutcomeUnknown"),
            ErrorCode::FailoverOutcomeUnknown
        ));
    }

    #[test]
    fn an_arm_code_spelling_an_engine_code_is_that_code() {
        assert_eq!(
            ErrorCode::Arm("StepTimeout".to_string()),
            ErrorCode::StepTimeout
        );
        assert_ne!(ErrorCode::Arm("Http503".to_string()), ErrorCode::Timeout);
    }
}
