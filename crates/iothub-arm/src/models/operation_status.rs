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
