//! The IoT Hub operations: from a parsed ARM path and request to a response.
//!
//! Each operation resolves subscription -> resource group -> hub (answering the matching ARM
//! 404 at the first that is missing), takes that hub's lock just long enough to advance its
//! state machine and read or change it, and renders the answer with `wire`.

use crate::app::{App, Req};
use crate::arm_error::{ArmError, add_retry_after};
use crate::hub::{Hub, OpStatus, poll_interval};
use crate::monitor::api::MetricsInput;
use crate::monitor::population::{Outage, Population};
use crate::route::{ArmPath, HubAction, query_param};
use crate::wire::{self, API_VERSION, Page};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde::Serialize;
use time::OffsetDateTime;

const JSON: &str = "application/json; charset=utf-8";

pub(crate) fn run(app: &App, req: &Req<'_>, path: ArmPath<'_>) -> Result<Response, ArmError> {
    match path {
        ArmPath::ListBySubscription { sub } => {
            only(req, &Method::GET)?;
            let hubs = app
                .store
                .subscription(sub)
                .ok_or_else(|| subscription_not_found(sub))?;
            list_hubs(app, req, hubs)
        }
        ArmPath::ListByResourceGroup { sub, rg } => {
            only(req, &Method::GET)?;
            app.store
                .subscription(sub)
                .ok_or_else(|| subscription_not_found(sub))?;
            let hubs = app
                .store
                .resource_group(sub, rg)
                .ok_or_else(|| rg_not_found(rg))?;
            list_hubs(app, req, hubs)
        }
        ArmPath::Hub {
            sub,
            rg,
            name,
            action,
        } => {
            let method = if action == HubAction::Failover {
                Method::POST
            } else {
                Method::GET
            };
            only(req, &method)?;
            let hub = find_hub(app, sub, rg, name)?;
            match action {
                HubAction::Get => Ok(get_hub(hub, req)),
                HubAction::Stats => {
                    let st = locked(hub, req);
                    Ok(json(StatusCode::OK, &wire::stats(&st)))
                }
                HubAction::QuotaMetrics => {
                    let items = wire::quota_metrics(&locked(hub, req));
                    paged(app, req, items)
                }
                HubAction::EndpointHealth => {
                    let items = wire::endpoint_health(&locked(hub, req), OffsetDateTime::now_utc());
                    paged(app, req, items)
                }
                HubAction::Failover => {
                    // ARM's front door checks locks before the IoT Hub RP sees the request.
                    if let Some(refusal) = crate::locks::refusal(&app.locks, hub, "write") {
                        return Err(refusal);
                    }
                    failover(app, req, hub)
                }
                HubAction::Metrics => metrics(app, req, hub),
            }
        }
        ArmPath::OperationResult { sub, id } => {
            only(req, &Method::GET)?;
            operation_result(app, req, sub, id)
        }
        ArmPath::ActivityLog { sub } => {
            only(req, &Method::GET)?;
            let hubs = app
                .store
                .subscription(sub)
                .ok_or_else(|| subscription_not_found(sub))?;
            let page = crate::activity::list(app, req, hubs)?;
            Ok(json(StatusCode::OK, &page))
        }
        ArmPath::Locks { sub, rg, hub } => {
            only(req, &Method::GET)?;
            app.store
                .subscription(sub)
                .ok_or_else(|| subscription_not_found(sub))?;
            if let Some(rg) = rg {
                app.store
                    .resource_group(sub, rg)
                    .ok_or_else(|| rg_not_found(rg))?;
                if let Some(name) = hub {
                    app.store
                        .hub(sub, rg, name)
                        .ok_or_else(|| hub_not_found(rg, name))?;
                }
            }
            paged(app, req, crate::locks::list(&app.locks, sub, rg, hub))
        }
        ArmPath::Permissions { sub, rg, name } => {
            only(req, &Method::GET)?;
            let hub = find_hub(app, sub, rg, name)?;
            paged(app, req, crate::permissions::list(&hub.seed.permissions))
        }
        ArmPath::Unknown => Err(ArmError::front_door(
            404,
            "InvalidResourceType",
            format!(
                "The resource type for '{}' is not served by this IoT Hub emulator.",
                req.path
            ),
        )),
    }
}

/// Azure Monitor metrics of the hub, from its population and failovers as they stand now.
fn metrics(app: &App, req: &Req<'_>, hub: &Hub) -> Result<Response, ArmError> {
    let (population, region) = {
        let st = locked(hub, req);
        let outages = st
            .operations
            .iter()
            .map(|op| Outage {
                start: op.started_at,
                end: op.ended_at,
            })
            .collect();
        let population = Population::new(
            &hub.seed.monitor,
            st.devices.enabled,
            outages,
            app.clock.time_scale,
        );
        (population, st.location.clone())
    };
    let hub_id = wire::hub_id(hub);
    let input = MetricsInput {
        hub_id: &hub_id,
        region: &region,
        seed: &hub.seed.monitor,
        population: &population,
        now: OffsetDateTime::now_utc(),
    };
    let body = crate::monitor::api::answer(&input, req.query)?;
    Ok(json(StatusCode::OK, &body))
}

fn only(req: &Req<'_>, method: &Method) -> Result<(), ArmError> {
    if req.method == method {
        Ok(())
    } else {
        Err(ArmError::front_door(
            405,
            "HttpMethodNotSupported",
            format!(
                "The requested resource does not support http method '{}'.",
                req.method
            ),
        ))
    }
}

/// The hub at `sub/rg/name`, or ARM's 404 for the first part that is missing, in ARM's order
/// (subscription, resource group, resource).
fn find_hub<'a>(app: &'a App, sub: &str, rg: &str, name: &str) -> Result<&'a Hub, ArmError> {
    app.store
        .subscription(sub)
        .ok_or_else(|| subscription_not_found(sub))?;
    app.store
        .resource_group(sub, rg)
        .ok_or_else(|| rg_not_found(rg))?;
    app.store
        .hub(sub, rg, name)
        .ok_or_else(|| hub_not_found(rg, name))
}

fn subscription_not_found(sub: &str) -> ArmError {
    ArmError::front_door(
        404,
        "SubscriptionNotFound",
        format!("The subscription '{sub}' could not be found."),
    )
}

fn rg_not_found(rg: &str) -> ArmError {
    ArmError::front_door(
        404,
        "ResourceGroupNotFound",
        format!("Resource group '{rg}' could not be found."),
    )
}

fn hub_not_found(rg: &str, name: &str) -> ArmError {
    ArmError::front_door(
        404,
        "ResourceNotFound",
        format!(
            "The Resource '{}/{name}' under resource group '{rg}' was not found. \
             For more details please go to https://aka.ms/ARMResourceNotFoundFix",
            wire::RESOURCE_TYPE
        ),
    )
}

fn json<T: Serialize>(status: StatusCode, body: &T) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    (status, [(header::CONTENT_TYPE, JSON)], bytes).into_response()
}

/// The hub's state, advanced to now and locked.
fn locked<'h>(hub: &'h Hub, req: &Req<'_>) -> parking_lot::MutexGuard<'h, crate::hub::HubState> {
    let mut st = hub.state.lock();
    st.advance(&hub.seed, req.now);
    st
}

/// The hub's GET body and etag, from its cache or freshly rendered into it.
fn hub_body(hub: &Hub, req: &Req<'_>) -> (Bytes, String) {
    let mut st = locked(hub, req);
    if let Some(cached) = &st.body_cache {
        return cached.clone();
    }
    let (body, etag) = wire::render_hub(hub, &st);
    let entry = (Bytes::from(body), etag);
    st.body_cache = Some(entry.clone());
    entry
}

fn get_hub(hub: &Hub, req: &Req<'_>) -> Response {
    let (body, etag) = hub_body(hub, req);
    let mut response = (StatusCode::OK, [(header::CONTENT_TYPE, JSON)], body).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("\"{etag}\"")) {
        response.headers_mut().insert(header::ETAG, v);
    }
    response
}

/// Where this page starts, from `$skiptoken`.
fn page_start(req: &Req<'_>) -> Result<usize, ArmError> {
    let token =
        query_param(req.query, "$skiptoken").or_else(|| query_param(req.query, "%24skiptoken"));
    match token {
        None => Ok(0),
        Some(t) => t.parse().map_err(|_| {
            ArmError::new(
                400,
                "InvalidSkipToken",
                format!("The skip token '{t}' is not valid."),
            )
        }),
    }
}

/// The range of this page and the absolute `nextLink` if more follow.
fn page_bounds(
    app: &App,
    req: &Req<'_>,
    total: usize,
) -> Result<(usize, usize, Option<String>), ArmError> {
    let start = page_start(req)?.min(total);
    let end = match app.page_size {
        Some(size) => start.saturating_add(size).min(total),
        None => total,
    };
    // The next page is asked with the version this one was (each provider has its own).
    let version = query_param(req.query, "api-version").unwrap_or(API_VERSION);
    let next = (end < total).then(|| {
        format!(
            "{}{}?api-version={version}&$skiptoken={end}",
            req.origin, req.path
        )
    });
    Ok((start, end, next))
}

fn paged<T: Serialize>(app: &App, req: &Req<'_>, mut items: Vec<T>) -> Result<Response, ArmError> {
    let (start, end, next_link) = page_bounds(app, req, items.len())?;
    items.truncate(end);
    let value: Vec<T> = items.into_iter().skip(start).collect();
    Ok(json(StatusCode::OK, &Page { value, next_link }))
}

/// A list of hubs, assembled from each hub's cached body without re-parsing it.
fn list_hubs(app: &App, req: &Req<'_>, indexes: &[usize]) -> Result<Response, ArmError> {
    let (start, end, next_link) = page_bounds(app, req, indexes.len())?;
    let mut out = Vec::with_capacity(64 + (end - start) * 2048);
    out.extend_from_slice(b"{\"value\":[");
    for (n, &i) in indexes[start..end].iter().enumerate() {
        if n > 0 {
            out.push(b',');
        }
        if let Some(hub) = app.store.hubs.get(i) {
            out.extend_from_slice(&hub_body(hub, req).0);
        }
    }
    out.push(b']');
    if let Some(link) = next_link {
        out.extend_from_slice(b",\"nextLink\":");
        out.extend_from_slice(&serde_json::to_vec(&link).unwrap_or_default());
    }
    out.push(b'}');
    Ok((StatusCode::OK, [(header::CONTENT_TYPE, JSON)], out).into_response())
}

fn operation_id(hub: &Hub, seq: u64) -> String {
    format!("os_ih_{:x}_{seq:x}", hub.index)
}

fn parse_operation_id(id: &str) -> Option<(usize, u64)> {
    let rest = id.strip_prefix("os_ih_")?;
    let (hub, seq) = rest.split_once('_')?;
    Some((
        usize::from_str_radix(hub, 16).ok()?,
        u64::from_str_radix(seq, 16).ok()?,
    ))
}

fn operation_urls(req: &Req<'_>, hub: &Hub, seq: u64) -> (String, String) {
    let path = format!(
        "{}/subscriptions/{}/providers/Microsoft.Devices/operationResults/{}?api-version={API_VERSION}&operationSource=os_ih",
        req.origin,
        hub.seed.subscription,
        operation_id(hub, seq)
    );
    (format!("{path}&asyncinfo"), path)
}

fn failover(app: &App, req: &Req<'_>, hub: &Hub) -> Result<Response, ArmError> {
    let input: serde_json::Value = serde_json::from_slice(req.body).map_err(|e| {
        ArmError::new(
            400,
            "InvalidRequestContent",
            format!("The request content was invalid and could not be deserialized: {e}."),
        )
    })?;
    let region = input
        .get("failoverRegion")
        .and_then(serde_json::Value::as_str)
        .filter(|r| !r.trim().is_empty())
        .ok_or_else(|| {
            ArmError::new(
                400,
                "InvalidRequestContent",
                "The request content is missing the required property 'failoverRegion'.",
            )
        })?;
    let seq = hub
        .start_failover(region, &app.clock, req.now)
        .map_err(|r| ArmError::new(r.status, r.code, r.message))?;
    let (async_url, location_url) = operation_urls(req, hub, seq);
    let mut response = StatusCode::ACCEPTED.into_response();
    let headers = response.headers_mut();
    for (name, url) in [
        ("azure-asyncoperation", async_url),
        ("location", location_url),
    ] {
        if let Ok(v) = HeaderValue::from_str(&url) {
            headers.insert(name, v);
        }
    }
    add_retry_after(headers, &app.clock, poll_interval(&hub.seed));
    Ok(response)
}

fn operation_result(app: &App, req: &Req<'_>, sub: &str, id: &str) -> Result<Response, ArmError> {
    let not_found = || {
        ArmError::new(
            404,
            "OperationNotFound",
            format!("The operation '{id}' was not found."),
        )
    };
    let (index, seq) = parse_operation_id(id).ok_or_else(not_found)?;
    let hub = app.store.hubs.get(index).ok_or_else(not_found)?;
    if !hub.seed.subscription.eq_ignore_ascii_case(sub) {
        return Err(not_found());
    }
    let st = locked(hub, req);
    let op = st.operation(seq).ok_or_else(not_found)?.clone();
    drop(st);
    let asyncinfo = query_param(req.query, "asyncinfo").is_some();
    let running = op.status == OpStatus::InProgress;
    let mut response = if asyncinfo {
        let error = op.error.as_ref().map(|e| wire::OperationError {
            code: &e.code,
            message: &e.message,
        });
        let body = wire::OperationStatus {
            id: req.path.to_owned(),
            name: id.to_owned(),
            status: op.status.as_str(),
            start_time: wire::rfc3339(op.started_at),
            end_time: op.ended_at.map(wire::rfc3339),
            error,
        };
        json(StatusCode::OK, &body)
    } else if running {
        let mut r = StatusCode::ACCEPTED.into_response();
        let (_, location) = operation_urls(req, hub, seq);
        if let Ok(v) = HeaderValue::from_str(&location) {
            r.headers_mut().insert(header::LOCATION, v);
        }
        r
    } else if let Some(e) = &op.error {
        return Err(ArmError::new(
            e.status.unwrap_or(500),
            e.code.clone(),
            e.message.clone(),
        ));
    } else {
        StatusCode::OK.into_response()
    };
    if running {
        add_retry_after(response.headers_mut(), &app.clock, poll_interval(&hub.seed));
    }
    Ok(response)
}
