//! Which resolved hubs run, and in what order: `rollout.order` globs first (in their order,
//! each keeping the resolved order), then the rest; `--target` keeps only hubs whose name (or
//! `resource_group/name`) matches one of the given names or globs; `--limit N` keeps the first
//! N. The rollout's counts and percentages become numbers here, against the hubs that run.

use runbook_spec::{AmountValue, Rollout};

use runbook_engine::HubTarget;

use crate::glob;

/// Default hubs at once when the runbook has no `rollout.max_concurrency`.
pub const DEFAULT_MAX_CONCURRENCY: usize = 10;

/// The hubs to run, in run order.
pub fn select(
    hubs: Vec<HubTarget>,
    rollout: Option<&Rollout>,
    only: &[String],
    limit: Option<usize>,
) -> Vec<HubTarget> {
    let mut hubs: Vec<HubTarget> = if only.is_empty() {
        hubs
    } else {
        hubs.into_iter()
            .filter(|h| {
                let qualified = format!("{}/{}", h.resource_group, h.hub);
                only.iter()
                    .any(|p| glob::matches(p, &h.hub) || glob::matches(p, &qualified))
            })
            .collect()
    };
    if let Some(order) = rollout.map(|r| &r.order).filter(|o| !o.is_empty()) {
        let rank = |h: &HubTarget| {
            order
                .iter()
                .position(|p| glob::matches(p, &h.hub))
                .unwrap_or(order.len())
        };
        // Stable: within a rank the resolved order stays.
        hubs.sort_by_key(rank);
    }
    if let Some(n) = limit {
        hubs.truncate(n);
    }
    hubs
}

/// (max_concurrency, max_errors) for `total` hubs.
pub fn limits(rollout: Option<&Rollout>, total: usize) -> (usize, usize) {
    let amount = |a: Option<&runbook_spec::Amount>, default: usize| {
        a.and_then(|a| a.parse().ok())
            .map(|v: AmountValue| v.of(total))
            .unwrap_or(default)
            .max(1)
    };
    let concurrency = amount(
        rollout.and_then(|r| r.max_concurrency.as_ref()),
        DEFAULT_MAX_CONCURRENCY,
    );
    let errors = amount(rollout.and_then(|r| r.max_errors.as_ref()), 1);
    (concurrency, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hub(name: &str) -> HubTarget {
        HubTarget {
            subscription: "s".into(),
            resource_group: "rg".into(),
            hub: name.into(),
        }
    }

    #[test]
    fn order_target_and_limit() {
        let hubs = vec![hub("a-1"), hub("canary-1"), hub("a-2"), hub("b-1")];
        let rollout = Rollout {
            order: vec!["canary-*".into(), "b-*".into()],
            ..Rollout::default()
        };
        let names = |v: Vec<HubTarget>| v.into_iter().map(|h| h.hub).collect::<Vec<_>>();
        assert_eq!(
            names(select(hubs.clone(), Some(&rollout), &[], None)),
            ["canary-1", "b-1", "a-1", "a-2"]
        );
        assert_eq!(
            names(select(hubs.clone(), None, &["a-*".into()], Some(1))),
            ["a-1"]
        );
        assert_eq!(names(select(hubs, None, &["rg/b-1".into()], None)), ["b-1"]);
    }

    #[test]
    fn percentages_round_up() {
        let rollout = Rollout {
            max_concurrency: Some(runbook_spec::Amount::Text("20%".into())),
            max_errors: Some(runbook_spec::Amount::Text("5%".into())),
            order: vec![],
        };
        assert_eq!(limits(Some(&rollout), 12), (3, 1));
        assert_eq!(limits(None, 100), (DEFAULT_MAX_CONCURRENCY, 1));
    }
}
