//! Held requests: a fault rule with `hold` parks a request here until a test releases it.
//!
//! The pipeline (`app`) calls `Holds::wait`, which registers the request and awaits its
//! release; the control API (`control`) and the `Emulator` handle list and release them. A test
//! learns that a request is held from `wait_for_hold`, woken by a `Notify` on every new hold, so
//! it reacts to an event rather than guessing a duration. Requests run detached from their
//! connection (see `detach`), so a released request takes effect even if its client is gone.
//! Closing (emulator shutdown) releases everything held and lets later holds pass straight on.

use crate::fault_rule::HoldStage;
use parking_lot::Mutex;
use serde::Serialize;
use std::time::Duration;
use tokio::sync::{Notify, oneshot};

/// A request waiting at the emulator, as `GET /_emulator/holds` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HeldRequest {
    /// Release it with this (`POST /_emulator/holds/{id}/release`); from 1, in arrival order.
    pub id: u64,
    pub method: String,
    pub path: String,
    /// `before`: it has not taken effect yet; `after`: it has, its answer waits.
    pub stage: HoldStage,
}

#[derive(Debug)]
struct Parked {
    request: HeldRequest,
    release: oneshot::Sender<()>,
}

#[derive(Debug, Default)]
struct State {
    next_id: u64,
    parked: Vec<Parked>,
    closed: bool,
}

#[derive(Debug, Default)]
pub(crate) struct Holds {
    state: Mutex<State>,
    /// Woken whenever a request is parked.
    parked: Notify,
}

impl Holds {
    /// Parks this request until it is released (or the emulator shuts down).
    pub async fn wait(&self, method: &str, path: &str, stage: HoldStage) {
        let released = {
            let mut st = self.state.lock();
            if st.closed {
                return;
            }
            st.next_id += 1;
            let (release, released) = oneshot::channel();
            let request = HeldRequest {
                id: st.next_id,
                method: method.to_owned(),
                path: path.to_owned(),
                stage,
            };
            st.parked.push(Parked { request, release });
            released
        };
        self.parked.notify_waiters();
        // A dropped sender (shutdown) releases too.
        let _ = released.await;
    }

    /// Everything held now, oldest first.
    pub fn list(&self) -> Vec<HeldRequest> {
        self.state
            .lock()
            .parked
            .iter()
            .map(|p| p.request.clone())
            .collect()
    }

    /// Releases one request; false if no request with this id is held.
    pub fn release(&self, id: u64) -> bool {
        let parked = {
            let mut st = self.state.lock();
            let Some(i) = st.parked.iter().position(|p| p.request.id == id) else {
                return false;
            };
            st.parked.remove(i)
        };
        // The request's task may be gone only if the runtime is shutting down: nothing to do.
        let _ = parked.release.send(());
        true
    }

    /// Releases everything held; returns how many.
    pub fn release_all(&self) -> usize {
        let parked = std::mem::take(&mut self.state.lock().parked);
        let n = parked.len();
        for p in parked {
            let _ = p.release.send(());
        }
        n
    }

    /// The oldest held request, as soon as there is one; `None` if none came within `timeout`.
    pub async fn wait_for_hold(&self, timeout: Duration) -> Option<HeldRequest> {
        let first = async {
            loop {
                // Registered before looking, so a hold made in between still wakes us.
                let notified = self.parked.notified();
                tokio::pin!(notified);
                notified.as_mut().enable();
                if let Some(held) = self.list().into_iter().next() {
                    return held;
                }
                notified.await;
            }
        };
        tokio::time::timeout(timeout, first).await.ok()
    }

    /// Shutdown: release everything, and hold nothing from now on.
    pub fn close(&self) {
        self.state.lock().closed = true;
        self.release_all();
    }
}
