//! ARM error answers.
//!
//! The IoT Hub RP declares its errors as the flat `ErrorDetails`
//! `{code, httpStatusCode, message, details}`; ARM's own front door (auth, api-version,
//! subscriptions, resource groups, unknown resources) answers `{"error": {code, message}}`.
//! Each error is sent in the shape of the part of Azure that would have sent it, so a client is
//! exercised on both, as it would be against Azure. The code is also sent as `x-ms-error-code`.

use crate::clock::Clock;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use std::time::Duration;

/// An error answer.
#[derive(Debug, Clone)]
pub(crate) struct ArmError {
    pub status: StatusCode,
    pub code: String,
    pub message: String,
    /// `Retry-After`, unscaled (the clock adds the scaled `retry-after-ms`).
    pub retry_after: Option<Duration>,
    /// Extra `WWW-Authenticate` challenge for 401s.
    pub www_authenticate: Option<&'static str>,
    /// Answered by ARM's front door (`{"error": {...}}`) rather than the IoT Hub RP (flat).
    pub front_door: bool,
}

/// The RP's flat `ErrorDetails`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Body<'a> {
    code: &'a str,
    http_status_code: &'a str,
    message: &'a str,
}

/// ARM's front-door envelope.
#[derive(Serialize)]
struct Envelope<'a> {
    error: Inner<'a>,
}

#[derive(Serialize)]
struct Inner<'a> {
    code: &'a str,
    message: &'a str,
}

/// `httpStatusCode` as the RP writes it: the .NET `HttpStatusCode` name.
fn status_name(status: StatusCode) -> String {
    match status.as_u16() {
        400 => "BadRequest".into(),
        401 => "Unauthorized".into(),
        403 => "Forbidden".into(),
        404 => "NotFound".into(),
        405 => "MethodNotAllowed".into(),
        409 => "Conflict".into(),
        412 => "PreconditionFailed".into(),
        429 => "TooManyRequests".into(),
        500 => "InternalServerError".into(),
        502 => "BadGateway".into(),
        503 => "ServiceUnavailable".into(),
        504 => "GatewayTimeout".into(),
        _ => status
            .canonical_reason()
            .map(|r| r.split_whitespace().collect::<String>())
            .unwrap_or_else(|| status.as_u16().to_string()),
    }
}

impl ArmError {
    pub fn new(status: u16, code: impl Into<String>, message: impl Into<String>) -> ArmError {
        ArmError {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            code: code.into(),
            message: message.into(),
            retry_after: None,
            www_authenticate: None,
            front_door: false,
        }
    }

    /// An error ARM's front door answers, before the IoT Hub RP sees the request.
    pub fn front_door(
        status: u16,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> ArmError {
        ArmError {
            front_door: true,
            ..ArmError::new(status, code, message)
        }
    }

    /// The default code for a status injected by a fault rule.
    pub fn default_code(status: u16) -> String {
        StatusCode::from_u16(status)
            .map(status_name)
            .unwrap_or_else(|_| "Error".to_owned())
    }

    pub fn into_response(self, clock: &Clock) -> Response {
        let name = status_name(self.status);
        let json = if self.front_door {
            serde_json::to_vec(&Envelope {
                error: Inner {
                    code: &self.code,
                    message: &self.message,
                },
            })
        } else {
            serde_json::to_vec(&Body {
                code: &self.code,
                http_status_code: &name,
                message: &self.message,
            })
        }
        .unwrap_or_default();
        let mut response = (
            self.status,
            [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
            json,
        )
            .into_response();
        let headers = response.headers_mut();
        if let Ok(v) = HeaderValue::from_str(&self.code) {
            headers.insert("x-ms-error-code", v);
        }
        if let Some(wait) = self.retry_after {
            add_retry_after(headers, clock, wait);
        }
        if let Some(challenge) = self.www_authenticate {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(challenge),
            );
        }
        response
    }
}

/// `Retry-After: <whole seconds>` as ARM sends it, plus `retry-after-ms: <scaled ms>` when the
/// emulator runs faster than real time, so clients honouring it wait the scaled time.
pub(crate) fn add_retry_after(headers: &mut axum::http::HeaderMap, clock: &Clock, wait: Duration) {
    headers.insert(
        header::RETRY_AFTER,
        HeaderValue::from(Clock::retry_after_secs(wait)),
    );
    if clock.is_scaled() {
        let ms = clock.retry_after_ms(wait);
        if let Ok(v) = HeaderValue::from_str(&ms.to_string()) {
            headers.insert("retry-after-ms", v);
        }
    }
}
