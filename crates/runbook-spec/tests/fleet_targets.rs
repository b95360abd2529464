//! Fleet runbooks: `targets:` (a list or a selector) and `rollout:` load, and every mistake in
//! them is an error at the field's line and column.
#![allow(clippy::unwrap_used)]

use runbook_spec::{AmountValue, load_str};

const STEPS: &str = "steps:\n  - id: check\n    validate: { state: Active }\n";

fn load(head: &str) -> Result<runbook_spec::Loaded, runbook_spec::LoadFailure> {
    load_str(
        "fleet.yaml",
        &format!("version: 1\nname: fleet\n{head}{STEPS}"),
    )
}

fn first_error(head: &str) -> (u32, u32, String, String) {
    let failure = load(head).expect_err("invalid");
    let d = failure
        .diagnostics
        .iter()
        .find(|d| d.is_error())
        .unwrap()
        .clone();
    (
        d.line.unwrap_or(0),
        d.column.unwrap_or(0),
        d.field,
        d.message,
    )
}

#[test]
fn a_selector_with_rollout_loads() {
    let loaded = load(
        "parameters:\n  sub: { type: string, default: s1 }\ntargets:\n  subscription: \"{{params.sub}}\"\n  resource_group: iot-*\n  tags: { dr-drill: enabled }\n  name: hub-*\nrollout: { max_concurrency: \"20%\", max_errors: 2, order: [hub-canary*] }\n",
    )
    .unwrap();
    let rb = &loaded.runbook;
    assert!(rb.is_fleet());
    let t = rb.targets.as_ref().unwrap();
    assert!(t.is_selector());
    assert_eq!(t.resource_group.as_ref().unwrap().as_str(), "iot-*");
    let r = rb.rollout.as_ref().unwrap();
    assert_eq!(
        r.max_concurrency.as_ref().unwrap().parse(),
        Ok(AmountValue::Percent(20.0))
    );
    assert_eq!(
        r.max_errors.as_ref().unwrap().parse(),
        Ok(AmountValue::Count(2))
    );
}

#[test]
fn an_explicit_list_loads() {
    let loaded = load(
        "targets:\n  hubs:\n    - { subscription: s1, resource_group: rg, hub: a-hub }\n    - { subscription: s2, resource_group: rg, hub: b-hub }\n",
    )
    .unwrap();
    assert_eq!(loaded.runbook.targets.unwrap().hubs.len(), 2);
}

#[test]
fn a_single_target_runbook_is_unchanged() {
    let loaded = load("target: { subscription: s, resource_group: rg, hub: h }\n").unwrap();
    assert!(!loaded.runbook.is_fleet());
    assert_eq!(loaded.runbook.target.hub.as_str(), "h");
}

#[test]
fn mistakes_are_located() {
    let cases: &[(&str, u32, &str, &str)] = &[
        (
            "target: { subscription: s, resource_group: rg, hub: h }\ntargets: { subscription: s }\n",
            4,
            "targets",
            "not both",
        ),
        (
            "description: none\n",
            1,
            "target",
            "missing required key `target`",
        ),
        (
            "targets: { subscription: s }\nrollout: { max_concurrency: 0 }\n",
            4,
            "rollout.max_concurrency",
            "at least 1",
        ),
        (
            "targets: { subscription: s }\nrollout: { max_errors: \"150%\" }\n",
            4,
            "rollout.max_errors",
            "at most 100%",
        ),
        (
            "targets: { subscription: s }\nrollout: { max_concurrency: many }\n",
            4,
            "rollout.max_concurrency",
            "neither a count",
        ),
        (
            "target: { subscription: s, resource_group: rg, hub: h }\nrollout: { max_errors: 1 }\n",
            4,
            "rollout",
            "needs `targets`",
        ),
        (
            "targets: { resource_group: rg }\n",
            3,
            "targets",
            "needs `subscription`",
        ),
        (
            "targets:\n  subscription: s\n  hubs: [{ subscription: s, resource_group: rg, hub: h }]\n",
            5,
            "targets.hubs",
            "not both",
        ),
        (
            "targets: { subscription: \"{{params.nope}}\" }\n",
            3,
            "targets.subscription",
            "nope",
        ),
        (
            "targets: { subscription: s, region: x }\n",
            3,
            "targets",
            "region",
        ),
    ];
    for (head, line, field, needle) in cases {
        let (l, _c, f, m) = first_error(head);
        assert_eq!((l, f.as_str()), (*line, *field), "{head}: {m}");
        assert!(m.contains(needle), "{head}: {m}");
    }
}
