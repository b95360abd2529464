//! Request handling detached from the client's connection, as in ARM.
//!
//! A request that has fully arrived takes effect whether or not its client is still there to
//! read the answer. hyper drops a request's future when the connection closes, so the request is
//! read in full on the connection (body included: once that is done it has "reached" the
//! emulator), then handed to the router on a task of its own; the connection only awaits that
//! task. If the client hangs up, the connection's future is dropped with the `JoinHandle` and the
//! task runs to its end regardless: the effect happens, the request log records the status it
//! answered, and the answer is discarded.
//!
//! A fault that drops the connection cannot close it from inside a detached task, so the
//! pipeline marks its answer with `DropConnection`, and this layer closes the connection instead
//! of sending that answer.

use axum::Router;
use axum::body::Body;
use axum::response::Response;
use std::convert::Infallible;
use std::sync::Arc;
use tokio::sync::Notify;
use tower_service::Service;

/// Largest request body read (failover bodies are tiny).
pub(crate) const BODY_LIMIT: usize = 1 << 20;

/// Marks an answer that must not be sent: the connection is closed instead.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DropConnection;

/// Marks a request whose body could not be read in full (client gone mid-body, or too large).
#[derive(Debug, Clone, Copy)]
pub(crate) struct BodyUnreadable;

/// Serves one request of a connection: reads it in full, handles it on its own task, and asks the
/// connection (through `kill`) to close when the answer is `DropConnection`.
pub(crate) async fn serve(
    router: Router,
    kill: Arc<Notify>,
    req: hyper::Request<hyper::body::Incoming>,
) -> Result<Response, Infallible> {
    let (mut parts, body) = req.into_parts();
    let body = match axum::body::to_bytes(Body::new(body), BODY_LIMIT).await {
        Ok(bytes) => Body::from(bytes),
        Err(_) => {
            parts.extensions.insert(BodyUnreadable);
            Body::empty()
        }
    };
    let req = hyper::Request::from_parts(parts, body);
    let mut router = router;
    let task = tokio::spawn(async move { router.call(req).await });
    let response = match task.await {
        Ok(Ok(response)) => response,
        Ok(Err(never)) => match never {},
        // The handler panicked: a bug, answered as ARM answers its own failures.
        Err(_) => {
            let mut r = Response::new(Body::from(
                r#"{"error":{"code":"InternalServerError","message":"The emulator failed to handle the request."}}"#,
            ));
            *r.status_mut() = axum::http::StatusCode::INTERNAL_SERVER_ERROR;
            r
        }
    };
    if response.extensions().get::<DropConnection>().is_some() {
        kill.notify_one();
        // The connection task drops the connection, and this future with it.
        return std::future::pending().await;
    }
    Ok(response)
}
