//! Shards: a fleet split over N processes (CI matrix jobs, a Kubernetes indexed Job) that
//! never share a hub and never share a subscription's ARM budget.
//!
//! `--shard I/N` in, the resolved hubs in, this shard's hubs and its share of the budget out.
//! The partition depends only on the hubs' identities (subscription, resource group, name),
//! never on the order ARM listed them in, so every shard computes the same one:
//!
//! - With at least as many subscriptions as shards, whole subscriptions are dealt out, the
//!   largest first, each to the shard with the fewest hubs so far (ties: the lower index).
//!   Each shard spends its subscriptions' full budgets.
//! - With fewer subscriptions than shards, each subscription gets shards in proportion to its
//!   hubs (at least one each; the spare ones one at a time to the subscription with the most
//!   hubs per shard), its hubs are dealt round-robin in name order, and each of its shards
//!   spends 1/k of its budget, so k shards together stay within what ARM allows.
//!
//! Within a shard the fleet's run order (`rollout.order`) stands.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use runbook_engine::HubTarget;

use crate::Budgets;

/// `--shard I/N`: shard I (from 0, as Kubernetes' `JOB_COMPLETION_INDEX`) of N.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShardSpec {
    pub index: usize,
    pub count: usize,
}

impl fmt::Display for ShardSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// The largest N accepted: beyond it a shard would hold a handful of hubs and the listing
/// every shard repeats would cost more than the drills.
pub const MAX_SHARDS: usize = 1000;

impl FromStr for ShardSpec {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let bad = || {
            format!(
                "{text:?}: expected I/N, shard I (0 to N-1) of N, e.g. 0/4 (Kubernetes: $(JOB_COMPLETION_INDEX)/4)"
            )
        };
        let (i, n) = text.trim().split_once('/').ok_or_else(bad)?;
        let index: usize = i.trim().parse().map_err(|_| bad())?;
        let count: usize = n.trim().parse().map_err(|_| bad())?;
        if count == 0 || count > MAX_SHARDS {
            return Err(format!("{text:?}: N must be 1 to {MAX_SHARDS}"));
        }
        if index >= count {
            return Err(format!(
                "{text:?}: shards are numbered from 0, so I must be below N ({})",
                count - 1
            ));
        }
        Ok(ShardSpec { index, count })
    }
}

/// One shard of a partition.
#[derive(Debug, Clone, PartialEq)]
pub struct Shard {
    pub index: usize,
    /// This shard's hubs, in the fleet's run order.
    pub hubs: Vec<HubTarget>,
    /// Each subscription's budget is divided by this (1: the whole budget).
    pub budget_divisor: u32,
}

impl Shard {
    /// The subscriptions this shard drills, sorted.
    pub fn subscriptions(&self) -> Vec<String> {
        let mut subs: Vec<String> = self
            .hubs
            .iter()
            .map(|h| h.subscription.to_ascii_lowercase())
            .collect();
        subs.sort();
        subs.dedup();
        subs
    }
}

fn key(h: &HubTarget) -> (String, String, String) {
    (
        h.subscription.to_ascii_lowercase(),
        h.resource_group.to_ascii_lowercase(),
        h.hub.to_ascii_lowercase(),
    )
}

/// Splits `hubs` (in run order) into `count` shards; see the module doc.
pub fn partition(hubs: &[HubTarget], count: usize) -> Vec<Shard> {
    let count = count.max(1);
    let mut by_sub: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, h) in hubs.iter().enumerate() {
        by_sub
            .entry(h.subscription.to_ascii_lowercase())
            .or_default()
            .push(i);
    }
    // Which shard each hub (by its position in `hubs`) goes to, and each shard's divisor.
    let mut shard_of = vec![0usize; hubs.len()];
    let mut divisor = vec![1u32; count];
    if by_sub.len() >= count {
        let mut subs: Vec<(&String, &Vec<usize>)> = by_sub.iter().collect();
        subs.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(b.0)));
        let mut load = vec![0usize; count];
        for (_, members) in subs {
            let target = (0..count).min_by_key(|&s| (load[s], s)).unwrap_or(0);
            load[target] += members.len();
            for &i in members {
                shard_of[i] = target;
            }
        }
    } else {
        let mut shares: Vec<(&String, &Vec<usize>, usize)> =
            by_sub.iter().map(|(s, m)| (s, m, 1usize)).collect();
        for _ in shares.len()..count {
            // The subscription with the most hubs per shard gets the next one (ties: the
            // first by id); compared as a/b > c/d <=> a*d > c*b, in whole numbers.
            let mut best = 0;
            for j in 1..shares.len() {
                let (a, b) = (shares[j].1.len(), shares[j].2);
                let (c, d) = (shares[best].1.len(), shares[best].2);
                if a * d > c * b {
                    best = j;
                }
            }
            shares[best].2 += 1;
        }
        let mut next = 0;
        for (_, members, k) in shares {
            let mut by_name = members.clone();
            by_name.sort_by_key(|&i| key(&hubs[i]));
            for (j, &i) in by_name.iter().enumerate() {
                shard_of[i] = next + j % k;
            }
            for d in divisor.iter_mut().skip(next).take(k) {
                *d = u32::try_from(k).unwrap_or(u32::MAX);
            }
            next += k;
        }
    }
    (0..count)
        .map(|s| Shard {
            index: s,
            hubs: hubs
                .iter()
                .zip(&shard_of)
                .filter(|&(_, &to)| to == s)
                .map(|(h, _)| h.clone())
                .collect(),
            budget_divisor: divisor[s],
        })
        .collect()
}

/// The shard `spec` names, out of `hubs`.
pub fn shard_of(hubs: &[HubTarget], spec: ShardSpec) -> Shard {
    partition(hubs, spec.count).swap_remove(spec.index)
}

impl Budgets {
    /// This budget divided between `divisor` shards of one subscription (each bucket keeps at
    /// least one token and a positive rate).
    pub fn divided(self, divisor: u32) -> Budgets {
        let d = divisor.max(1);
        let part = |(burst, rate): (u32, f64)| ((burst / d).max(1), rate / f64::from(d));
        Budgets {
            reads: part(self.reads),
            writes: part(self.writes),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hub(sub: &str, name: &str) -> HubTarget {
        HubTarget {
            subscription: sub.into(),
            resource_group: "rg".into(),
            hub: name.into(),
        }
    }

    fn fleet(subs: &[(&str, usize)]) -> Vec<HubTarget> {
        subs.iter()
            .flat_map(|(s, n)| (0..*n).map(move |i| hub(s, &format!("{s}-hub-{i:03}"))))
            .collect()
    }

    fn every_hub_once(hubs: &[HubTarget], shards: &[Shard]) {
        let mut seen: Vec<_> = shards.iter().flat_map(|s| s.hubs.iter().map(key)).collect();
        seen.sort();
        let mut all: Vec<_> = hubs.iter().map(key).collect();
        all.sort();
        assert_eq!(seen, all, "every hub in exactly one shard");
    }

    #[test]
    fn parses_i_of_n_and_refuses_the_rest() {
        assert_eq!(
            "2/4".parse::<ShardSpec>(),
            Ok(ShardSpec { index: 2, count: 4 })
        );
        for bad in ["4/4", "1/0", "x/2", "1", "-1/2", "1/2/3", "0/1001"] {
            assert!(bad.parse::<ShardSpec>().is_err(), "{bad}");
        }
    }

    #[test]
    fn whole_subscriptions_when_there_are_enough() {
        let hubs = fleet(&[("a", 50), ("b", 30), ("c", 20), ("d", 10)]);
        let shards = partition(&hubs, 2);
        every_hub_once(&hubs, &shards);
        for s in &shards {
            assert_eq!(s.budget_divisor, 1);
        }
        // Largest first to the lightest shard: a -> 0, b -> 1, c -> 1, d -> 0 (60 / 50).
        assert_eq!(shards[0].subscriptions(), ["a", "d"]);
        assert_eq!(shards[1].subscriptions(), ["b", "c"]);
        // No subscription is in two shards.
        let s0 = shards[0].subscriptions();
        assert!(shards[1].subscriptions().iter().all(|s| !s0.contains(s)));
    }

    #[test]
    fn a_subscription_split_between_shards_divides_its_budget() {
        let hubs = fleet(&[("a", 90), ("b", 30)]);
        let shards = partition(&hubs, 4);
        every_hub_once(&hubs, &shards);
        // a has 3 shards (30 hubs each), b one.
        let divisors: Vec<u32> = shards.iter().map(|s| s.budget_divisor).collect();
        assert_eq!(divisors, [3, 3, 3, 1]);
        for s in &shards {
            assert_eq!(s.hubs.len(), 30);
            assert_eq!(
                s.subscriptions().len(),
                1,
                "a split shard holds one subscription"
            );
        }
        let b = Budgets::ARM.divided(3);
        assert_eq!(b.reads, (83, 25.0 / 3.0));
        assert_eq!(b.writes, (66, 10.0 / 3.0));
    }

    #[test]
    fn the_partition_ignores_the_listing_order() {
        let hubs = fleet(&[("a", 7), ("b", 3)]);
        let mut reversed = hubs.clone();
        reversed.reverse();
        for n in 1..=6 {
            let names = |v: &[HubTarget]| {
                partition(v, n)
                    .into_iter()
                    .map(|s| {
                        let mut k: Vec<_> = s.hubs.iter().map(key).collect();
                        k.sort();
                        k
                    })
                    .collect::<Vec<_>>()
            };
            assert_eq!(names(&hubs), names(&reversed), "{n} shards");
        }
    }

    #[test]
    fn run_order_stands_within_a_shard_and_empty_shards_are_possible() {
        let hubs = vec![hub("a", "z-canary"), hub("a", "b"), hub("a", "a")];
        let one = partition(&hubs, 1);
        assert_eq!(one[0].hubs, hubs);
        let many = partition(&hubs, 5);
        every_hub_once(&hubs, &many);
        assert_eq!(many.iter().filter(|s| s.hubs.is_empty()).count(), 2);
    }
}
