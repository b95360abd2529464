//! The emulator's own control API under `/_emulator/` (no auth, not ARM): what tests use to
//! observe and steer it instead of racing durations.
//!
//! `GET requests` (the request log), `GET holds`, `POST holds/{id}/release`,
//! `POST holds/release-all` (see `holds`), and `POST hubs/{name}/complete-failover` (a
//! `complete: manual` failover ends now, per its outcome). The `Emulator` handle offers the same
//! through `complete_failover` here and `Holds`. Errors answer `{"error": {code, message}}`.

use crate::app::App;
use crate::error::ControlError;
use crate::hub::OpStatus;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use std::sync::Arc;
use std::time::Instant;

/// Ends the running failover of the hub named `name` (case-insensitive) now; returns how it
/// ended (`Succeeded` or `Failed`).
pub(crate) fn complete_failover(app: &App, name: &str) -> Result<&'static str, ControlError> {
    let mut hubs = app
        .store
        .hubs
        .iter()
        .filter(|h| h.seed.name.eq_ignore_ascii_case(name));
    let hub = hubs
        .next()
        .ok_or_else(|| ControlError::NoSuchHub(name.to_owned()))?;
    let others = hubs.count();
    if others > 0 {
        return Err(ControlError::AmbiguousHub {
            name: name.to_owned(),
            count: others + 1,
        });
    }
    match hub.complete_failover(Instant::now()) {
        Some(status) if status != OpStatus::InProgress => Ok(status.as_str()),
        _ => Err(ControlError::NoFailoverInProgress(hub.seed.name.clone())),
    }
}

fn error(status: StatusCode, code: &str, message: String) -> Response {
    (
        status,
        Json(json!({ "error": { "code": code, "message": message } })),
    )
        .into_response()
}

/// `GET /_emulator/requests`.
pub(crate) async fn requests(State(app): State<Arc<App>>) -> Response {
    Json(app.log.snapshot()).into_response()
}

/// `GET /_emulator/holds`: `[{id, method, path, stage}]`, oldest first.
pub(crate) async fn holds(State(app): State<Arc<App>>) -> Response {
    Json(app.holds.list()).into_response()
}

/// `POST /_emulator/holds/{id}/release`: 204, or 404 if no request with that id is held.
pub(crate) async fn release(State(app): State<Arc<App>>, Path(id): Path<String>) -> Response {
    match id.parse::<u64>() {
        Ok(n) if app.holds.release(n) => StatusCode::NO_CONTENT.into_response(),
        _ => error(
            StatusCode::NOT_FOUND,
            "HoldNotFound",
            format!("No request with id {id:?} is held."),
        ),
    }
}

/// `POST /_emulator/holds/release-all`: 200 `{"released": N}`.
pub(crate) async fn release_all(State(app): State<Arc<App>>) -> Response {
    Json(json!({ "released": app.holds.release_all() })).into_response()
}

/// `POST /_emulator/hubs/{name}/complete-failover`: 200 `{"hub", "status"}`; 404 unknown hub;
/// 409 ambiguous name or no failover in progress.
pub(crate) async fn complete(State(app): State<Arc<App>>, Path(name): Path<String>) -> Response {
    match complete_failover(&app, &name) {
        Ok(status) => Json(json!({ "hub": name, "status": status })).into_response(),
        Err(e) => {
            let (status, code) = match e {
                ControlError::NoSuchHub(_) => (StatusCode::NOT_FOUND, "HubNotFound"),
                ControlError::AmbiguousHub { .. } => (StatusCode::CONFLICT, "AmbiguousHubName"),
                ControlError::NoFailoverInProgress(_) => {
                    (StatusCode::CONFLICT, "NoFailoverInProgress")
                }
            };
            error(status, code, e.to_string())
        }
    }
}
