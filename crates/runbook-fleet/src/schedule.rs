//! Which hub starts next: the one whose subscription can proceed soonest.
//!
//! ARM's budgets are per subscription, so a fleet spread over several subscriptions is fastest
//! when every subscription's budget is spent at once. The runner takes a concurrency permit,
//! then asks [`Scheduler::next`] which hub to start with it:
//!
//! 1. `rollout.order` first: only hubs of the lowest order rank still waiting may start (the
//!    canaries start before anything else, as in a one-subscription fleet);
//! 2. among the subscriptions whose next hub has that rank, the one whose budget answers
//!    soonest (the wait a request sent now would have, from the client-side bucket);
//! 3. on a tie (typically: every bucket still has tokens), the one with fewest hubs running,
//!    so the permits are spread over the subscriptions instead of queueing on one;
//! 4. then the request order.
//!
//! Within a subscription hubs start in request order. The runner tells [`Scheduler::finished`]
//! when a hub ends, before its permit is released.

use std::collections::VecDeque;
use std::time::Duration;

/// The hubs still to start, one queue per subscription.
#[derive(Debug, Default)]
pub struct Scheduler {
    subs: Vec<SubQueue>,
}

#[derive(Debug)]
struct SubQueue {
    /// Lowercased: ARM's subscription ids are case-insensitive.
    key: String,
    /// As the request named it (what the wait is asked for).
    name: String,
    /// (request index, order rank), in request order.
    waiting: VecDeque<(usize, usize)>,
    running: usize,
}

/// A hub the scheduler knows: its request index, subscription and `rollout.order` rank.
#[derive(Debug, Clone)]
pub struct Pending<'a> {
    pub index: usize,
    pub subscription: &'a str,
    pub rank: usize,
}

impl Scheduler {
    /// The hubs to start, in request order.
    pub fn new<'a>(hubs: impl IntoIterator<Item = Pending<'a>>) -> Scheduler {
        let mut s = Scheduler::default();
        for hub in hubs {
            let key = hub.subscription.to_ascii_lowercase();
            let pos = match s.subs.iter().position(|q| q.key == key) {
                Some(p) => p,
                None => {
                    s.subs.push(SubQueue {
                        key,
                        name: hub.subscription.to_string(),
                        waiting: VecDeque::new(),
                        running: 0,
                    });
                    s.subs.len() - 1
                }
            };
            s.subs[pos].waiting.push_back((hub.index, hub.rank));
        }
        s
    }

    /// Hubs not started yet, in request order.
    pub fn remaining(&self) -> Vec<usize> {
        let mut out: Vec<usize> = self
            .subs
            .iter()
            .flat_map(|q| q.waiting.iter().map(|(i, _)| *i))
            .collect();
        out.sort_unstable();
        out
    }

    /// The next hub to start (counted running from now), or `None` when every hub started.
    /// `wait` says how long a request of that subscription sent now would wait for its budget.
    pub fn next(&mut self, wait: impl Fn(&str) -> Duration) -> Option<usize> {
        let rank = self
            .subs
            .iter()
            .filter_map(|q| q.waiting.front().map(|(_, r)| *r))
            .min()?;
        let pos = self
            .subs
            .iter()
            .enumerate()
            .filter(|(_, q)| q.waiting.front().is_some_and(|(_, r)| *r == rank))
            .min_by_key(|(_, q)| {
                let first = q.waiting.front().map_or(usize::MAX, |(i, _)| *i);
                (wait(&q.name), q.running, first)
            })
            .map(|(p, _)| p)?;
        let queue = &mut self.subs[pos];
        let (index, _) = queue.waiting.pop_front()?;
        queue.running += 1;
        Some(index)
    }

    /// A hub of `subscription` ended: its subscription has one hub fewer running.
    pub fn finished(&mut self, subscription: &str) {
        let key = subscription.to_ascii_lowercase();
        if let Some(q) = self.subs.iter_mut().find(|q| q.key == key) {
            q.running = q.running.saturating_sub(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pending(subs: &[(&'static str, usize)]) -> Vec<Pending<'static>> {
        subs.iter()
            .enumerate()
            .map(|(index, (subscription, rank))| Pending {
                index,
                subscription,
                rank: *rank,
            })
            .collect()
    }

    #[test]
    fn with_budget_to_spare_the_subscriptions_take_turns() {
        // Resolved subscription by subscription, as a selector lists them.
        let mut s = Scheduler::new(pending(&[("a", 0), ("a", 0), ("a", 0), ("B", 0), ("b", 0)]));
        let none = |_: &str| Duration::ZERO;
        let order: Vec<usize> = std::iter::from_fn(|| s.next(none)).collect();
        assert_eq!(order, [0, 3, 1, 4, 2]);
    }

    #[test]
    fn the_subscription_whose_budget_answers_soonest_goes_first() {
        let mut s = Scheduler::new(pending(&[("a", 0), ("a", 0), ("b", 0), ("b", 0)]));
        let a_empty = |sub: &str| {
            if sub == "a" {
                Duration::from_millis(40)
            } else {
                Duration::ZERO
            }
        };
        assert_eq!(s.next(a_empty), Some(2));
        assert_eq!(s.next(a_empty), Some(3));
        assert_eq!(s.next(a_empty), Some(0));
        // A hub of b ended: b has none left, so a goes on.
        s.finished("B");
        assert_eq!(s.next(a_empty), Some(1));
        assert_eq!(s.next(a_empty), None);
    }

    #[test]
    fn order_ranks_come_before_budgets() {
        // Hub 2 (sub b) is a canary: it starts before anything of rank 1, whatever the buckets.
        let mut s = Scheduler::new(pending(&[("a", 0), ("a", 1), ("b", 0), ("b", 1)]));
        let b_empty = |sub: &str| {
            if sub == "b" {
                Duration::from_millis(40)
            } else {
                Duration::ZERO
            }
        };
        assert_eq!(s.next(b_empty), Some(0));
        assert_eq!(s.next(b_empty), Some(2));
        assert_eq!(s.remaining(), [1, 3]);
        assert_eq!(s.next(b_empty), Some(1));
        assert_eq!(s.next(b_empty), Some(3));
    }

    #[test]
    fn running_hubs_break_ties_then_request_order() {
        let mut s = Scheduler::new(pending(&[("a", 0), ("a", 0), ("b", 0)]));
        let none = |_: &str| Duration::ZERO;
        assert_eq!(s.next(none), Some(0));
        s.finished("a");
        // Both idle again: the earlier request goes first.
        assert_eq!(s.next(none), Some(1));
        assert_eq!(s.next(none), Some(2));
    }
}
