//! The one error type of the crate, [`ArmError`].
//!
//! Every failure the client can report ends here: the HTTP layer turns ARM's
//! error bodies (`ErrorDetails` or `{"error": {...}}`, see [`crate::models::error_body`])
//! into [`ArmError::Http`] / [`ArmError::Auth`] / [`ArmError::Throttled`], the
//! failover code produces [`ArmError::FailoverOutcomeUnknown`], the poller
//! [`ArmError::OperationFailed`] and [`ArmError::Timeout`]. Each variant's
//! `Display` is one sentence an SRE can act on. No variant ever holds a token:
//! the only credential-related data kept is a description of the identity.

use std::time::Duration;

/// What went wrong talking to Azure Resource Manager.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ArmError {
    /// ARM answered with an error status that is not an authentication or throttling problem.
    #[error(
        "ARM answered {status} to {method} {url}{}: {message}{}",
        fmt_code(code),
        fmt_request_id(request_id)
    )]
    Http {
        /// HTTP status code.
        status: u16,
        /// ARM error code (`ResourceNotFound`, `Conflict`, ...), when the body carried one.
        code: Option<Box<str>>,
        /// ARM's message, or the status reason when the body had none.
        message: Box<str>,
        /// `x-ms-request-id` of the failing response, for Azure support.
        request_id: Option<Box<str>>,
        /// HTTP method of the request.
        method: Box<str>,
        /// URL of the request (never contains credentials).
        url: Box<str>,
    },

    /// ARM refused the identity (401) or its permissions (403).
    #[error(
        "ARM refused {method} {url} with {status}{} for identity {identity}: {}. {hint}{}",
        fmt_code(code),
        // ARM's messages mostly end with a full stop of their own.
        message.trim_end_matches('.'),
        fmt_request_id(request_id)
    )]
    Auth {
        /// 401 or 403.
        status: u16,
        /// ARM error code (`InvalidAuthenticationToken`, `AuthorizationFailed`, ...).
        code: Option<Box<str>>,
        /// ARM's message.
        message: Box<str>,
        /// Which identity the client used (a description, never a secret).
        identity: Box<str>,
        /// What to do about it.
        hint: &'static str,
        /// `x-ms-request-id` of the failing response.
        request_id: Option<Box<str>>,
        /// HTTP method of the request.
        method: Box<str>,
        /// URL of the request.
        url: Box<str>,
    },

    /// Still throttled (429) after every retry the policy allowed.
    #[error(
        "ARM kept throttling {method} {url} (429) after {attempts} attempts{}; remaining subscription reads/writes: {}/{}{}",
        fmt_retry_after(retry_after),
        fmt_opt(remaining_reads),
        fmt_opt(remaining_writes),
        fmt_request_id(request_id)
    )]
    Throttled {
        /// HTTP method of the request.
        method: Box<str>,
        /// URL of the request.
        url: Box<str>,
        /// How many requests were sent.
        attempts: u32,
        /// The server's last `Retry-After`, if any.
        retry_after: Option<Duration>,
        /// `x-ms-ratelimit-remaining-subscription-reads` of the last response.
        remaining_reads: Option<u64>,
        /// `x-ms-ratelimit-remaining-subscription-writes` of the last response.
        remaining_writes: Option<u64>,
        /// `x-ms-request-id` of the last response.
        request_id: Option<Box<str>>,
    },

    /// The failover request may or may not have reached ARM: the connection broke
    /// after it was sent, or a gateway answered 502/504. It was deliberately not
    /// retried; read the hub's state to learn whether a failover is running.
    #[error(
        "the failover of {hub} to {region} may or may not have started ({reason}); it was not retried, so read the hub's state before trying again"
    )]
    FailoverOutcomeUnknown {
        /// Hub resource id (path) the failover was requested for.
        hub: Box<str>,
        /// Requested target region.
        region: Box<str>,
        /// Why the outcome is unknown.
        reason: Box<str>,
    },

    /// The long-running operation ended `Failed` or `Canceled`.
    #[error("the operation ended {status}{}: {message}", fmt_code(code))]
    OperationFailed {
        /// Terminal status as ARM spelled it (`Failed`, `Canceled`).
        status: Box<str>,
        /// ARM error code from the status body.
        code: Option<Box<str>>,
        /// ARM error message from the status body.
        message: Box<str>,
    },

    /// Waiting for an operation took longer than allowed. The operation itself
    /// goes on in Azure; the handle can be polled again later.
    #[error(
        "gave up waiting after {}s (last status {last_status}); the operation is still running in Azure and can be polled again",
        waited.as_secs()
    )]
    Timeout {
        /// How long the client waited.
        waited: Duration,
        /// The last status the operation reported.
        last_status: Box<str>,
    },

    /// No HTTP response at all (connection refused, reset, timed out) after all retries.
    #[error("could not reach ARM for {method} {url} after {attempts} attempts: {message}")]
    Transport {
        /// HTTP method of the request.
        method: Box<str>,
        /// URL of the request.
        url: Box<str>,
        /// How many requests were attempted.
        attempts: u32,
        /// The transport error, flattened to text (it never contains headers).
        message: Box<str>,
    },

    /// The credential could not produce a token.
    #[error("could not get a token for {scope} from {identity}: {message}")]
    Credential {
        /// Which identity was asked.
        identity: Box<str>,
        /// The scope requested.
        scope: Box<str>,
        /// What the credential said.
        message: Box<str>,
    },

    /// A bearer token would have been sent over plain http to a non-loopback host.
    #[error(
        "refusing to send a bearer token to {url}: ARM endpoints must use https (plain http is only allowed for loopback addresses such as 127.0.0.1)"
    )]
    InsecureEndpoint {
        /// The refused URL.
        url: Box<str>,
    },

    /// A URL ARM handed back (an operation or next-page link, or a restored handle) points at
    /// another host than the ARM endpoint; the token is not sent there.
    #[error(
        "refusing to send a bearer token to {url}: it is not on the ARM endpoint's host {endpoint_host} (an operation or paging link, or a restored handle, pointed elsewhere)"
    )]
    UntrustedHost {
        /// The refused URL.
        url: Box<str>,
        /// The host the client trusts.
        endpoint_host: Box<str>,
    },

    /// ARM answered successfully but the body was not what the API promises.
    #[error("unexpected response to {method} {url}: {message}")]
    InvalidResponse {
        /// HTTP method of the request.
        method: Box<str>,
        /// URL of the request.
        url: Box<str>,
        /// What was wrong.
        message: Box<str>,
    },

    /// The client was configured or called with an invalid value.
    #[error("invalid {what}: {message}")]
    InvalidInput {
        /// Which input.
        what: Box<str>,
        /// What is wrong with it.
        message: Box<str>,
    },

    /// `--auth auto` found no credential source on this machine; `tried` lists each source
    /// and why it was skipped, one per line.
    #[error("no Azure credential source is available to --auth auto; tried, in order:\n{tried}")]
    NoCredentialSource {
        /// Every source of the chain and why it was skipped.
        tried: Box<str>,
    },
}

impl ArmError {
    /// Size budget: small enough that `Result<_, ArmError>` stays cheap to return
    /// (clippy's `result_large_err` threshold), hence `Box<str>` rather than `String`.
    pub const MAX_SIZE: usize = 128;

    /// The HTTP status ARM answered, for errors that carry one.
    pub fn status(&self) -> Option<u16> {
        match self {
            ArmError::Http { status, .. } | ArmError::Auth { status, .. } => Some(*status),
            ArmError::Throttled { .. } => Some(429),
            _ => None,
        }
    }

    /// The ARM error code, for errors that carry one.
    pub fn code(&self) -> Option<&str> {
        match self {
            ArmError::Http { code, .. }
            | ArmError::Auth { code, .. }
            | ArmError::OperationFailed { code, .. } => code.as_deref(),
            _ => None,
        }
    }

    /// The `x-ms-request-id` of the failing response, for errors that carry one.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            ArmError::Http { request_id, .. }
            | ArmError::Auth { request_id, .. }
            | ArmError::Throttled { request_id, .. } => request_id.as_deref(),
            _ => None,
        }
    }

    /// True when ARM said the resource does not exist (404).
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }
}

fn fmt_code(code: &Option<Box<str>>) -> String {
    code.as_ref().map(|c| format!(" ({c})")).unwrap_or_default()
}

fn fmt_request_id(request_id: &Option<Box<str>>) -> String {
    request_id
        .as_ref()
        .map(|r| format!(" [x-ms-request-id {r}]"))
        .unwrap_or_default()
}

fn fmt_retry_after(retry_after: &Option<Duration>) -> String {
    retry_after
        .map(|d| format!(" (server asked to wait {} ms)", d.as_millis()))
        .unwrap_or_default()
}

fn fmt_opt(value: &Option<u64>) -> String {
    value.map(|v| v.to_string()).unwrap_or_else(|| "?".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_stays_small() {
        assert!(std::mem::size_of::<ArmError>() <= ArmError::MAX_SIZE);
    }
}
