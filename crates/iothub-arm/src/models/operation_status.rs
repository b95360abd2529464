//! The body of an `Azure-AsyncOperation` status URL:
//! `{"status": "InProgress" | "Succeeded" | "Failed" | "Canceled", "error": {...}}`.
//!
//! As azure-mgmt-core's ARMPolling: the status is compared case-insensitively,
//! Succeeded / Failed / Canceled are terminal, anything else is in progress, and a
//! body without `status` is an error (reported by the caller).

use serde::Deserialize;
use serde_json::Value;

use super::error_body::ErrorBody;

/// A parsed operation-status body.
#[derive(Debug, Clone, Deserialize)]
pub struct OperationStatusBody {
    /// The status string, as ARM spelled it.
    #[serde(default)]
    pub status: Option<String>,
    /// Error object for failed operations.
    #[serde(default)]
    pub error: Option<Value>,
}

/// What a status string means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusKind {
    /// Finished well.
    Succeeded,
    /// Finished badly (`Failed` or `Canceled`).
    Failed,
    /// Anything else.
    InProgress,
}

/// Classifies a status string as ARMPolling does.
pub fn classify(status: &str) -> StatusKind {
    match status.to_ascii_lowercase().as_str() {
        "succeeded" => StatusKind::Succeeded,
        "failed" | "canceled" | "cancelled" => StatusKind::Failed,
        _ => StatusKind::InProgress,
    }
}

impl OperationStatusBody {
    /// The error carried by a failed status body.
    pub fn error_body(&self) -> ErrorBody {
        self.error
            .clone()
            .map(ErrorBody::from_value)
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn statuses_are_classified_in_any_case() {
        for s in ["Succeeded", "succeeded", "SUCCEEDED"] {
            assert_eq!(classify(s), StatusKind::Succeeded);
        }
        for s in ["Failed", "failed", "Canceled", "CANCELED", "Cancelled"] {
            assert_eq!(classify(s), StatusKind::Failed);
        }
        for s in ["InProgress", "Running", "Accepted", "Updating", ""] {
            assert_eq!(classify(s), StatusKind::InProgress);
        }
    }

    #[test]
    fn failed_body_yields_arm_code_and_message() {
        let body: OperationStatusBody = serde_json::from_str(
            r#"{"status":"Failed","error":{"code":"FailoverFailed","message":"boom"}}"#,
        )
        .unwrap();
        let error = body.error_body();
        assert_eq!(error.code.as_deref(), Some("FailoverFailed"));
        assert_eq!(error.message.as_deref(), Some("boom"));
        let missing: OperationStatusBody = serde_json::from_str(r#"{"percent":10}"#).unwrap();
        assert_eq!(missing.status, None);
    }
}
