//! The request pipeline every ARM request goes through.
//!
//! request -> log number -> auth (401, `bearer`) -> ARM throttling (429, when on) -> fault rule (delay,
//! hold before, status / drop) -> api-version (400) -> path -> operation (`ops`) -> (hold after)
//! -> response, recorded in the request log with its status.
//! A dropped connection is recorded with status 0 and the connection is closed by `detach`,
//! which this module asks for by marking its answer `DropConnection`. Nothing here depends on
//! the client still being connected: `detach` runs this pipeline on a task of its own.

use crate::arm_error::ArmError;
use crate::clock::Clock;
use crate::detach::{BODY_LIMIT, BodyUnreadable, DropConnection};
use crate::fault_rule::HoldStage;
use crate::faults::Faults;
use crate::holds::Holds;
use crate::log::RequestLog;
use crate::ops;
use crate::route::{self, ArmPath};
use crate::store::Store;
use crate::throttle::{Admission, Budget, Throttle};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::response::Response;
use std::sync::Arc;
use std::time::Instant;
use time::OffsetDateTime;

/// Shared, read-mostly state of a running emulator.
#[derive(Debug)]
pub(crate) struct App {
    pub store: Store,
    pub faults: Faults,
    pub log: RequestLog,
    pub clock: Clock,
    pub page_size: Option<usize>,
    pub base_url: String,
    /// ARM's request budgets, when the scenario asks for them.
    pub throttle: Option<Throttle>,
    /// Requests a `hold` fault parked until a test releases them.
    pub holds: Holds,
    /// Management locks of the scenario.
    pub locks: Vec<crate::preflight_seed::LockSeed>,
    /// When the emulator started: relative times of seeded events count back from here.
    pub started: OffsetDateTime,
}

/// What the pipeline decided.
pub(crate) enum Outcome {
    Respond(Response),
    Drop,
}

/// A parsed request as the operations see it.
#[derive(Debug)]
pub(crate) struct Req<'a> {
    pub method: &'a Method,
    pub path: &'a str,
    pub query: &'a str,
    pub body: &'a [u8],
    pub now: Instant,
    /// `http://host:port` as the client reached us, for absolute links.
    pub origin: String,
}

/// axum fallback handler: every path but `/_emulator/*`.
pub(crate) async fn handle(State(app): State<Arc<App>>, req: Request) -> Response {
    let seq = app.log.next_seq();
    let arrived = OffsetDateTime::now_utc();
    let (parts, body) = req.into_parts();
    let path = parts.uri.path();
    let query = parts.uri.query().unwrap_or("");
    let outcome = pipeline(&app, &parts, body).await;
    match outcome {
        Outcome::Respond(mut response) => {
            let id = request_id(seq);
            if let Ok(v) = HeaderValue::from_str(&id) {
                response.headers_mut().insert("x-ms-request-id", v.clone());
                response
                    .headers_mut()
                    .insert("x-ms-correlation-request-id", v);
            }
            app.log.record(
                seq,
                arrived,
                &parts.method,
                path,
                query,
                response.status().as_u16(),
            );
            response
        }
        Outcome::Drop => {
            app.log.record(seq, arrived, &parts.method, path, query, 0);
            // `detach` closes the connection instead of sending this.
            let mut response = Response::new(Body::empty());
            response.extensions_mut().insert(DropConnection);
            response
        }
    }
}

fn request_id(seq: u64) -> String {
    format!("00000000-0000-4000-8000-{seq:012x}")
}

async fn pipeline(app: &App, parts: &axum::http::request::Parts, body: Body) -> Outcome {
    if let Err(e) = crate::bearer::check(&parts.headers) {
        return Outcome::Respond(e.into_response(&app.clock));
    }
    let Some(throttle) = &app.throttle else {
        return after_throttle(app, parts, body).await;
    };
    let budget = Budget::of(parts.method.as_str());
    let subscription = route::subscription_of(parts.uri.path()).unwrap_or_default();
    match throttle.admit(subscription, budget, Instant::now()) {
        None => after_throttle(app, parts, body).await,
        Some(Admission::Throttled { retry_after }) => {
            let mut e = ArmError::front_door(
                429,
                "TooManyRequests",
                format!(
                    "The request is being throttled: the subscription's {} budget is spent. Retry after the period in the Retry-After header.",
                    if budget == Budget::Reads {
                        "read"
                    } else {
                        "write"
                    }
                ),
            );
            e.retry_after = Some(retry_after);
            let mut response = e.into_response(&app.clock);
            response
                .headers_mut()
                .insert(budget.header(), HeaderValue::from_static("0"));
            Outcome::Respond(response)
        }
        Some(Admission::Admitted { remaining }) => {
            let mut outcome = after_throttle(app, parts, body).await;
            if let Outcome::Respond(response) = &mut outcome
                && let Ok(v) = HeaderValue::from_str(&remaining.to_string())
            {
                response.headers_mut().insert(budget.header(), v);
            }
            outcome
        }
    }
}

/// Faults, then the operation: everything after auth and ARM's throttling.
async fn after_throttle(app: &App, parts: &axum::http::request::Parts, body: Body) -> Outcome {
    let path = parts.uri.path();
    let Some(rule) = app.faults.take(parts.method.as_str(), path) else {
        return Outcome::Respond(dispatch(app, parts, body).await);
    };
    if let Some(delay) = rule.delay {
        tokio::time::sleep(app.clock.scale(delay)).await;
    }
    let hold = |stage| app.holds.wait(parts.method.as_str(), path, stage);
    if rule.hold == Some(HoldStage::Before) {
        hold(HoldStage::Before).await;
    }
    if let Some(status) = rule.status {
        let mut e = ArmError::new(
            status,
            rule.code
                .clone()
                .unwrap_or_else(|| ArmError::default_code(status)),
            rule.message.clone().unwrap_or_else(|| {
                format!("Injected fault: {} {path} answered {status}.", parts.method)
            }),
        );
        e.retry_after = rule.retry_after;
        return Outcome::Respond(e.into_response(&app.clock));
    }
    if rule.drop_connection {
        if rule.after_effect {
            // The request takes effect (e.g. the failover starts); only the answer is lost.
            let _ = dispatch(app, parts, body).await;
            if rule.hold == Some(HoldStage::After) {
                hold(HoldStage::After).await;
            }
        }
        return Outcome::Drop;
    }
    let response = dispatch(app, parts, body).await;
    if rule.hold == Some(HoldStage::After) {
        hold(HoldStage::After).await;
    }
    Outcome::Respond(response)
}

fn check_api_version(query: &str, path: &ArmPath<'_>) -> Result<(), ArmError> {
    let Some(version) = route::query_param(query, "api-version").filter(|v| !v.is_empty()) else {
        return Err(ArmError::front_door(
            400,
            "MissingApiVersionParameter",
            "The api-version query parameter (?api-version=) is required for all requests.",
        ));
    };
    // Each provider has its own api-versions; these are the ones served.
    let metrics = matches!(
        path,
        ArmPath::Hub {
            action: route::HubAction::Metrics,
            ..
        }
    );
    let (served, resource_type) = match path {
        ArmPath::ActivityLog { .. } => (crate::activity::API_VERSION.to_owned(), "eventtypes"),
        ArmPath::Locks { .. } => (crate::locks::API_VERSION.to_owned(), "locks"),
        ArmPath::Permissions { .. } => (crate::permissions::API_VERSION.to_owned(), "permissions"),
        _ if metrics => (
            crate::monitor::api::METRICS_API_VERSIONS.join("', '"),
            "metrics",
        ),
        _ => (crate::wire::API_VERSION.to_owned(), "IotHubs"),
    };
    let accepted = if metrics {
        crate::monitor::api::METRICS_API_VERSIONS.contains(&version)
    } else {
        version == served
    };
    if accepted {
        return Ok(());
    }
    let well_formed = {
        let b = version.as_bytes();
        b.len() >= 10
            && b[..10].iter().enumerate().all(|(i, c)| {
                if i == 4 || i == 7 {
                    *c == b'-'
                } else {
                    c.is_ascii_digit()
                }
            })
            && (b.len() == 10 || version[10..].starts_with('-'))
    };
    if !well_formed {
        return Err(ArmError::front_door(
            400,
            "InvalidApiVersionParameter",
            format!(
                "The api-version '{version}' is invalid. The supported versions are '{served}'."
            ),
        ));
    }
    // Operation URLs are followed as given; Azure itself puts preview versions in them.
    if matches!(path, ArmPath::OperationResult { .. }) {
        return Ok(());
    }
    Err(ArmError::front_door(
        400,
        "NoRegisteredProviderFound",
        format!(
            "No registered resource provider found for API version '{version}' and type '{resource_type}'. \
             The supported api-versions are '{served}'."
        ),
    ))
}

async fn dispatch(app: &App, parts: &axum::http::request::Parts, body: Body) -> Response {
    let path = parts.uri.path();
    let query = parts.uri.query().unwrap_or("");
    let arm_path = route::parse(path);
    if let Err(e) = check_api_version(query, &arm_path) {
        return e.into_response(&app.clock);
    }
    let read = if parts.extensions.get::<BodyUnreadable>().is_some() {
        None
    } else {
        axum::body::to_bytes(body, BODY_LIMIT).await.ok()
    };
    let body = match read {
        Some(b) => b,
        None => {
            return ArmError::new(
                400,
                "InvalidRequestContent",
                "The request content could not be read.",
            )
            .into_response(&app.clock);
        }
    };
    let origin = parts
        .headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(|h| format!("http://{h}"))
        .unwrap_or_else(|| app.base_url.clone());
    let req = Req {
        method: &parts.method,
        path,
        query,
        body: &body,
        now: Instant::now(),
        origin,
    };
    match ops::run(app, &req, arm_path) {
        Ok(response) => response,
        Err(e) => e.into_response(&app.clock),
    }
}
