//! The running server: listener, per-connection tasks, and the public `Emulator` handle.
//!
//! Accept loop -> one task per TCP connection serving HTTP/1.1 (hyper) -> `detach` (each request
//! handled on its own task, so a client hanging up cancels nothing) -> the axum router.
//! A fault that drops the connection makes `detach` notify the connection's task, which drops
//! the connection mid-request, so the client sees the socket close with no answer, as with a
//! real network failure. Shutdown is a watch channel that every task selects on.

use crate::app::{self, App};
use crate::clock::Clock;
use crate::control;
use crate::error::{ControlError, EmulatorError};
use crate::faults::Faults;
use crate::holds::{HeldRequest, Holds};
use crate::log::{RecordedRequest, RequestLog};
use crate::scenario::Scenario;
use crate::store::Store;
use axum::Router;
use axum::routing::{get, post};
use hyper_util::rt::TokioIo;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// How the emulator runs (the scenario says what it holds).
#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    /// Where to listen; default `127.0.0.1:0` (an ephemeral loopback port).
    pub addr: SocketAddr,
    /// 1.0 is real time; 0.001 makes failovers, fault delays, cooldowns and the advertised
    /// `retry-after-ms` 1000x shorter (`Retry-After` keeps Azure's whole seconds).
    pub time_scale: f64,
    /// Minimum emulated time between the end of one failover of a hub and the start of the next
    /// (Azure allows about one an hour); scaled by `time_scale`. Default zero. A hub's
    /// scenario `failover.cooldown` overrides it.
    pub failover_cooldown: Duration,
    /// Completed failovers allowed per direction (from -> to region) of a hub within any
    /// rolling 24 h of emulated time (Azure allows 2); `None` (the default): no limit. A hub's
    /// scenario `failover.per_direction_per_day` overrides it.
    pub failovers_per_direction_per_day: Option<u32>,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        EmulatorConfig {
            addr: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0),
            time_scale: 1.0,
            failover_cooldown: Duration::ZERO,
            failovers_per_direction_per_day: None,
        }
    }
}

/// A running emulator. Dropping it stops the server too; `shutdown` also waits for it.
#[derive(Debug)]
pub struct Emulator {
    app: Arc<App>,
    base_url: String,
    addr: SocketAddr,
    stop: watch::Sender<bool>,
    accept: Option<JoinHandle<()>>,
}

impl Emulator {
    /// Binds `config.addr` and serves `scenario` until shutdown.
    pub async fn start(
        scenario: Scenario,
        config: EmulatorConfig,
    ) -> Result<Emulator, EmulatorError> {
        if !(config.time_scale.is_finite() && config.time_scale > 0.0) {
            return Err(EmulatorError::Config(format!(
                "time_scale must be a positive number, not {}",
                config.time_scale
            )));
        }
        scenario
            .validate("scenario")
            .map_err(|e| EmulatorError::Scenario(e.to_string()))?;
        let scenario = scenario.expanded();
        scenario
            .validate("scenario")
            .map_err(|e| EmulatorError::Scenario(e.to_string()))?;
        let store = Store::new(&scenario).map_err(EmulatorError::Scenario)?;
        let listener =
            TcpListener::bind(config.addr)
                .await
                .map_err(|source| EmulatorError::Bind {
                    addr: config.addr,
                    source,
                })?;
        let addr = listener
            .local_addr()
            .map_err(|source| EmulatorError::Bind {
                addr: config.addr,
                source,
            })?;
        let reachable = match addr.ip() {
            IpAddr::V4(ip) if ip.is_unspecified() => {
                SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), addr.port())
            }
            IpAddr::V6(ip) if ip.is_unspecified() => {
                SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), addr.port())
            }
            _ => addr,
        };
        let base_url = format!("http://{reachable}");
        let app = Arc::new(App {
            store,
            faults: Faults::new(&scenario.faults),
            log: RequestLog::new(),
            clock: Clock {
                time_scale: config.time_scale,
                cooldown: config.failover_cooldown,
                per_direction_per_day: config.failovers_per_direction_per_day,
            },
            page_size: scenario.page_size,
            base_url: base_url.clone(),
            throttle: scenario
                .throttling
                .as_ref()
                .map(|t| crate::throttle::Throttle::new(t, config.time_scale)),
            holds: Holds::default(),
            locks: scenario.locks.clone(),
            started: time::OffsetDateTime::now_utc(),
        });
        let router = Router::new()
            .route("/_emulator/requests", get(control::requests))
            .route("/_emulator/holds", get(control::holds))
            .route("/_emulator/holds/release-all", post(control::release_all))
            .route("/_emulator/holds/{id}/release", post(control::release))
            .route(
                "/_emulator/hubs/{name}/complete-failover",
                post(control::complete),
            )
            .fallback(app::handle)
            .with_state(app.clone());
        let (stop, stopped) = watch::channel(false);
        let accept = tokio::spawn(accept_loop(listener, router, stopped));
        Ok(Emulator {
            app,
            base_url,
            addr,
            stop,
            accept: Some(accept),
        })
    }

    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The requests received so far, in arrival order (as `GET /_emulator/requests`).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.app.log.snapshot()
    }

    /// The names of the hubs it holds, in scenario order.
    pub fn hub_names(&self) -> Vec<String> {
        self.app.store.names()
    }

    /// The ARM resource ids of the hubs it holds, in scenario order.
    pub fn hub_ids(&self) -> Vec<String> {
        self.app
            .store
            .hubs
            .iter()
            .map(crate::wire::hub_id)
            .collect()
    }

    /// The requests held by a `hold` fault now, oldest first (as `GET /_emulator/holds`).
    pub fn holds(&self) -> Vec<HeldRequest> {
        self.app.holds.list()
    }

    /// Releases the held request `id`; false if no request with that id is held.
    pub fn release(&self, id: u64) -> bool {
        self.app.holds.release(id)
    }

    /// Releases every held request; returns how many.
    pub fn release_all(&self) -> usize {
        self.app.holds.release_all()
    }

    /// The oldest held request as soon as one is held (at once if one already is); `None` if
    /// none is within `timeout`. Woken by each new hold, it does not poll.
    pub async fn wait_for_hold(&self, timeout: Duration) -> Option<HeldRequest> {
        self.app.holds.wait_for_hold(timeout).await
    }

    /// Ends the running failover of hub `name` (a `complete: manual` one, or any other) now, as
    /// its `outcome` says; returns the operation's final status, `Succeeded` or `Failed`.
    pub fn complete_failover(&self, name: &str) -> Result<&'static str, ControlError> {
        control::complete_failover(&self.app, name)
    }

    /// Stops accepting, closes every connection, and waits for the server to end. Held
    /// requests are released.
    pub async fn shutdown(mut self) {
        self.app.holds.close();
        let _ = self.stop.send(true);
        if let Some(accept) = self.accept.take() {
            let _ = accept.await;
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.app.holds.close();
        let _ = self.stop.send(true);
    }
}

async fn accept_loop(listener: TcpListener, router: Router, mut stopped: watch::Receiver<bool>) {
    let mut connections = tokio::task::JoinSet::new();
    loop {
        tokio::select! {
            _ = stopped.changed() => break,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let _ = stream.set_nodelay(true);
                connections.spawn(serve_connection(stream, router.clone(), stopped.clone()));
            }
            // Reap finished connection tasks so the set does not grow.
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    connections.shutdown().await;
}

async fn serve_connection(
    stream: tokio::net::TcpStream,
    router: Router,
    mut stopped: watch::Receiver<bool>,
) {
    let kill = Arc::new(tokio::sync::Notify::new());
    let conn_kill = kill.clone();
    let service = hyper::service::service_fn(move |req| {
        crate::detach::serve(router.clone(), conn_kill.clone(), req)
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .keep_alive(true)
        .serve_connection(TokioIo::new(stream), service);
    tokio::select! {
        _ = conn => {}
        _ = kill.notified() => {}
        _ = stopped.changed() => {}
    }
}
