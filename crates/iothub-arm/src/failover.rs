//! Manual failover as azure-mgmt-core's ARMPolling runs a long-running POST.
//!
//! [`ArmClient::begin_manual_failover`] sends the POST once (see
//! [`crate::transport::Mode::NonIdempotent`]): 200 means done, 201/202 gives the
//! `Azure-AsyncOperation` and `Location` URLs, kept in a [`FailoverOperation`].
//! [`ArmClient::poll_failover`] makes one poll: the async-operation URL when there is
//! one (its `status`, any case: Succeeded / Failed / Canceled end it, anything else is
//! in progress, no `status` is an error), else the Location URL (202 in progress,
//! 200/201/204 done); after success, the Location URL is read once, as ARMPolling does.
//! [`ArmClient::wait_failover`] repeats polls at max(interval, server `Retry-After`)
//! until the end or a timeout.

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::json;
use time::OffsetDateTime;

use crate::{
    client::{ArmClient, parse_json},
    error::ArmError,
    models::operation_status::{OperationStatusBody, StatusKind, classify},
    operation::{FailoverOperation, FailoverOutcome, OperationError, OperationPoll, PollProgress},
    options::PollOptions,
    retry::retry_after,
    transport::{Mode, SendError},
};

impl ArmClient {
    /// Starts a manual failover of `hub` to `failover_region` (its paired, secondary region).
    ///
    /// Never sends the POST twice when its fate is unknown: that yields
    /// [`ArmError::FailoverOutcomeUnknown`], and the hub's state tells what happened.
    pub async fn begin_manual_failover(
        &self,
        resource_group: &str,
        hub: &str,
        failover_region: &str,
    ) -> Result<FailoverOperation, ArmError> {
        for (what, value) in [
            ("resource group", resource_group),
            ("hub name", hub),
            ("failover region", failover_region),
        ] {
            if value.trim().is_empty() {
                return Err(ArmError::InvalidInput {
                    what: what.into(),
                    message: "it is empty".into(),
                });
            }
        }
        let url = self.failover_url(resource_group, hub);
        let hub_id = self.hub_id(resource_group, hub);
        let started_at = OffsetDateTime::now_utc();
        let body = json!({ "failoverRegion": failover_region });
        let response = self
            .inner
            .transport
            .send(Method::POST, &url, Some(&body), Mode::NonIdempotent)
            .await
            .map_err(|e| match e {
                SendError::Arm(e) => e,
                SendError::OutcomeUnknown(reason) => ArmError::FailoverOutcomeUnknown {
                    hub: hub_id.clone().into(),
                    region: failover_region.to_string().into(),
                    reason: reason.into(),
                },
            })?;
        let header_url = |name: &str| {
            response
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| url.join(v.trim()).ok())
        };
        // As ARMPolling: a URL to follow is followed, whatever the status; without one, a 2xx
        // other than 202 means the action finished within the request.
        let has_url = ["azure-asyncoperation", "location"]
            .iter()
            .any(|h| response.headers.contains_key(*h));
        let completed_immediately = !has_url && response.status != StatusCode::ACCEPTED;
        let answered_at = OffsetDateTime::now_utc();
        Ok(FailoverOperation {
            hub_id,
            region: failover_region.to_string(),
            started_at,
            async_operation_url: header_url("azure-asyncoperation"),
            location_url: header_url("location"),
            completed_immediately,
            retry_after_ms: retry_after(&response.headers, answered_at)
                .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
            answered_at: Some(answered_at),
        })
    }

    /// Polls the operation once.
    pub async fn poll_failover(&self, op: &FailoverOperation) -> Result<OperationPoll, ArmError> {
        if op.completed_immediately {
            return Ok(OperationPoll::Succeeded);
        }
        if let Some(status_url) = &op.async_operation_url {
            let response = self.get(status_url).await?;
            let body: OperationStatusBody = parse_json("GET", status_url, &response.body)?;
            let Some(status) = body.status.clone() else {
                return Err(ArmError::InvalidResponse {
                    method: "GET".into(),
                    url: status_url.to_string().into(),
                    message: "the operation status has no `status` field".into(),
                });
            };
            let poll = status_poll(
                status,
                &body,
                retry_after(&response.headers, OffsetDateTime::now_utc()),
            );
            // After success, read the Location URL once, as ARMPolling does for a POST. The
            // status already said Succeeded: a failed final read must not turn a finished
            // failover into an error (an engine might then fail the hub back).
            if poll == OperationPoll::Succeeded
                && let Some(location) = &op.location_url
                && let Err(e) = self.get(location).await
            {
                tracing::warn!(error = %e, "final GET of the Location URL failed after Succeeded");
            }
            return Ok(poll);
        }
        if let Some(location) = &op.location_url {
            let response = self.get(location).await?;
            let server_wait = retry_after(&response.headers, OffsetDateTime::now_utc());
            if response.status == StatusCode::ACCEPTED {
                return Ok(OperationPoll::InProgress {
                    status: "InProgress".into(),
                    retry_after: server_wait,
                });
            }
            // As ARMPolling's LocationPolling: an empty answer is done; a body's `status` decides otherwise.
            if response.body.iter().all(u8::is_ascii_whitespace) {
                return Ok(OperationPoll::Succeeded);
            }
            let body: OperationStatusBody = parse_json("GET", location, &response.body)?;
            return Ok(match body.status.clone() {
                None => OperationPoll::Succeeded,
                Some(status) => status_poll(status, &body, server_wait),
            });
        }
        Err(ArmError::InvalidResponse {
            method: "POST".into(),
            url: op.hub_id.clone().into(),
            message: "the failover was accepted but ARM gave neither an Azure-AsyncOperation nor a Location URL to follow it; watch the hub's state instead".into(),
        })
    }

    /// Polls until the operation ends, at most `opts.timeout`.
    ///
    /// Waits max(`opts.interval`, the server's `Retry-After`) between polls and calls
    /// `on_progress` after each poll that found it still running. `Failed` / `Canceled`
    /// become [`ArmError::OperationFailed`]; running out of time is [`ArmError::Timeout`]
    /// (the failover itself goes on in Azure).
    pub async fn wait_failover(
        &self,
        op: &FailoverOperation,
        opts: PollOptions,
        mut on_progress: impl FnMut(&PollProgress),
    ) -> Result<FailoverOutcome, ArmError> {
        let start = Instant::now();
        // As ARMPolling: the POST's own Retry-After says when to look first.
        let first = op.first_poll_in().min(opts.timeout);
        if !first.is_zero() {
            tokio::time::sleep(first).await;
        }
        let mut polls = 0u32;
        loop {
            polls += 1;
            let (status, server_wait) = match self.poll_failover(op).await? {
                OperationPoll::Succeeded => {
                    let completed_at = OffsetDateTime::now_utc();
                    return Ok(FailoverOutcome {
                        polls,
                        waited: start.elapsed(),
                        completed_at,
                        duration: since(op.started_at, completed_at).unwrap_or_default(),
                    });
                }
                OperationPoll::Failed(error) => return Err(error.into()),
                OperationPoll::InProgress {
                    status,
                    retry_after,
                } => (status, retry_after),
            };
            let elapsed = start.elapsed();
            if elapsed >= opts.timeout {
                return Err(ArmError::Timeout {
                    waited: elapsed,
                    last_status: status.into(),
                });
            }
            let wait = server_wait
                .map_or(opts.interval, |s| s.max(opts.interval))
                .min(opts.timeout - elapsed);
            on_progress(&PollProgress {
                status,
                polls,
                elapsed,
                since_started: since(op.started_at, OffsetDateTime::now_utc()),
                next_poll_in: wait,
            });
            tokio::time::sleep(wait).await;
        }
    }

    /// Checks a handle read back from storage before polling it: its URLs must be https
    /// (or loopback). Re-attaching is then just `poll_failover` / `wait_failover` with it.
    pub fn check_failover_handle(&self, op: &FailoverOperation) -> Result<(), ArmError> {
        for url in [&op.async_operation_url, &op.location_url]
            .into_iter()
            .flatten()
        {
            crate::transport::ensure_secure(url)?;
        }
        Ok(())
    }
}

/// Maps an operation status string (and the body's error) to a poll result.
fn status_poll(
    status: String,
    body: &OperationStatusBody,
    server_wait: Option<std::time::Duration>,
) -> OperationPoll {
    match classify(&status) {
        StatusKind::InProgress => OperationPoll::InProgress {
            status,
            retry_after: server_wait,
        },
        StatusKind::Succeeded => OperationPoll::Succeeded,
        StatusKind::Failed => {
            let error = body.error_body();
            OperationPoll::Failed(OperationError {
                message: error.full_message().unwrap_or_else(|| {
                    format!("ARM reported status {status} without an error message")
                }),
                code: error.code,
                status,
            })
        }
    }
}

fn since(start: OffsetDateTime, end: OffsetDateTime) -> Option<Duration> {
    let d = end - start;
    (!d.is_negative()).then(|| d.unsigned_abs())
}
