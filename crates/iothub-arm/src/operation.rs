//! The data of a manual failover as a long-running operation: the handle
//! ([`FailoverOperation`], serializable so another process can re-attach), one poll's
//! result ([`OperationPoll`]), progress reports ([`PollProgress`]) and the final
//! [`FailoverOutcome`]. The HTTP side is in [`crate::failover`].

use std::time::Duration;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use url::Url;

use crate::error::ArmError;

/// A started manual failover. Serialize it (e.g. into a journal) to poll it again later.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailoverOperation {
    /// ARM resource id of the hub.
    pub hub_id: String,
    /// Region the hub is failing over to.
    pub region: String,
    /// When the POST was sent.
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
    /// The `Azure-AsyncOperation` URL (polled first, as ARMPolling does).
    pub async_operation_url: Option<Url>,
    /// The `Location` URL (polled when there is no async-operation URL; read after success).
    pub location_url: Option<Url>,
    /// ARM answered 200: the failover finished within the request.
    pub completed_immediately: bool,
    /// The POST's `Retry-After`, in milliseconds.
    #[serde(default)]
    pub retry_after_ms: Option<u64>,
    /// When ARM's answer to the POST arrived: its `Retry-After` counts from here (absent in
    /// journals written before it was recorded).
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub answered_at: Option<OffsetDateTime>,
}

impl FailoverOperation {
    /// How long to wait now before the first poll: the POST's `Retry-After`, counted from
    /// ARM's answer (a POST that was slow to answer must not shorten it).
    pub fn first_poll_in(&self) -> Duration {
        let Some(ms) = self.retry_after_ms else {
            return Duration::ZERO;
        };
        let answered = self.answered_at.unwrap_or(self.started_at);
        let since = (OffsetDateTime::now_utc() - answered).unsigned_abs();
        Duration::from_millis(ms).saturating_sub(since)
    }
}

/// The result of one poll.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OperationPoll {
    /// Not finished. `status` is ARM's word for it (`InProgress`, `Running`, ...).
    InProgress {
        /// ARM's status string.
        status: String,
        /// How long the server asked to wait before the next poll.
        retry_after: Option<Duration>,
    },
    /// Finished successfully.
    Succeeded,
    /// Finished with status `Failed` or `Canceled`.
    Failed(OperationError),
}

/// Why an operation ended `Failed` / `Canceled`, as ARM reported it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationError {
    /// Terminal status (`Failed`, `Canceled`).
    pub status: String,
    /// ARM error code.
    pub code: Option<String>,
    /// ARM error message.
    pub message: String,
}

impl From<OperationError> for ArmError {
    fn from(e: OperationError) -> Self {
        ArmError::OperationFailed {
            status: e.status.into(),
            code: e.code.map(Into::into),
            message: e.message.into(),
        }
    }
}

/// Reported to the progress callback of [`crate::ArmClient::wait_failover`] after each
/// poll that found the operation still running.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PollProgress {
    /// ARM's status string.
    pub status: String,
    /// Polls made so far by this wait.
    pub polls: u32,
    /// Time since this wait started.
    pub elapsed: Duration,
    /// Time since the failover was started (from the handle), when the clock allows.
    pub since_started: Option<Duration>,
    /// How long until the next poll.
    pub next_poll_in: Duration,
}

/// A failover that finished successfully.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailoverOutcome {
    /// Polls made by this wait.
    pub polls: u32,
    /// Time this wait took.
    pub waited: Duration,
    /// When success was observed.
    pub completed_at: OffsetDateTime,
    /// Duration from the POST to the observed success.
    pub duration: Duration,
}
