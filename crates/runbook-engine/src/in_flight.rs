//! Change requests in flight: a count shared by the engine and the CLI's signal handler.
//!
//! The failover step holds a `ChangeGuard` from just before its POST until ARM's answer is
//! recorded. The CLI's handler, on a second Ctrl-C or SIGTERM, asks `wait_idle` before ending
//! the process, so a failover request is never abandoned mid-flight: the journal would hold
//! its intent but not the operation ARM accepted.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::Notify;

#[derive(Debug, Clone, Default)]
pub struct ChangesInFlight {
    inner: Arc<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    count: AtomicUsize,
    idle: Notify,
}

/// Marks one change request in flight until dropped.
#[derive(Debug)]
pub struct ChangeGuard {
    inner: Arc<Inner>,
}

impl ChangesInFlight {
    pub fn new() -> Self {
        Self::default()
    }

    /// Marks a change request in flight until the guard is dropped.
    pub fn begin(&self) -> ChangeGuard {
        self.inner.count.fetch_add(1, Ordering::SeqCst);
        ChangeGuard {
            inner: self.inner.clone(),
        }
    }

    /// How many change requests are in flight now.
    pub fn count(&self) -> usize {
        self.inner.count.load(Ordering::SeqCst)
    }

    /// Resolves once no change request is in flight.
    pub async fn wait_idle(&self) {
        loop {
            let idle = self.inner.idle.notified();
            if self.count() == 0 {
                return;
            }
            idle.await;
        }
    }
}

impl Drop for ChangeGuard {
    fn drop(&mut self) {
        if self.inner.count.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.inner.idle.notify_waiters();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn wait_idle_resolves_when_the_last_guard_drops() {
        let f = ChangesInFlight::new();
        let g1 = f.begin();
        let g2 = f.begin();
        assert_eq!(f.count(), 2);
        let waiter = tokio::spawn({
            let f = f.clone();
            async move { f.wait_idle().await }
        });
        drop(g1);
        assert!(!waiter.is_finished());
        drop(g2);
        tokio::time::timeout(std::time::Duration::from_secs(10), waiter)
            .await
            .expect("resolved")
            .expect("joined");
        assert_eq!(f.count(), 0);
    }
}
