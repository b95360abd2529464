//! Semantic checks of `target` / `targets` / `rollout`, part of stage 4 (`semantic`).
//!
//! A runbook names one hub (`target`) or a fleet (`targets`), never both and never neither;
//! `targets` is a list (`hubs`) or a selector, not both; `rollout` only goes with `targets`,
//! and its counts and percentages must mean something (at least 1, at most 100%). Templates in
//! `targets` may use `params.` and `run.` only, like `target`'s. A hub is listed in `hubs` once:
//! ARM compares subscription, resource group and hub names without regard to case, so entries
//! that differ only in case (or surrounding spaces) are one hub. Errors point at the field.

use std::collections::HashMap;

use crate::model::runbook::Target;
use crate::model::template::TemplateText;
use crate::semantic::{Ctx, check_template};

pub(crate) fn check(cx: &mut Ctx) {
    let has = |key: &str| cx.doc.value.get(key).is_some_and(|v| !v.is_null());
    let (target, targets, rollout) = (has("target"), has("targets"), has("rollout"));
    match (target, targets) {
        (true, true) => cx.error(
            "/targets",
            "a runbook has `target` (one hub) or `targets` (a fleet), not both".to_string(),
            Some("remove `target`, or `targets` and `rollout`".to_string()),
        ),
        // Worded as the schema worded it before `targets` existed; `targets` is in the README.
        (false, false) => cx.error_named(
            "",
            "target",
            "missing required key `target` in the runbook".to_string(),
        ),
        _ => {}
    }
    if rollout && !targets {
        cx.error(
            "/rollout",
            "`rollout` applies to a fleet: it needs `targets`".to_string(),
            None,
        );
    }
    let rb = cx.rb;
    if let Some(t) = &rb.targets {
        if !t.hubs.is_empty() && t.is_selector() {
            cx.error(
                "/targets/hubs",
                "`targets` is either a list of `hubs` or a selector (subscription, resource_group, tags, name), not both".to_string(),
                None,
            );
        } else if t.hubs.is_empty() && !t.is_selector() {
            cx.error(
                "/targets",
                "`targets` selects no hub: give `hubs: [...]` or a selector with `subscription`"
                    .to_string(),
                None,
            );
        } else if t.is_selector() && t.subscription.is_none() && t.subscriptions.is_empty() {
            cx.error(
                "/targets",
                "a selector needs `subscription` or `subscriptions`: hubs are listed per subscription".to_string(),
                None,
            );
        }
        if t.subscription.is_some() && !t.subscriptions.is_empty() {
            cx.error(
                "/targets/subscriptions",
                "give `subscription` or `subscriptions`, not both".to_string(),
                None,
            );
        }
        for (i, hub) in t.hubs.iter().enumerate() {
            for (k, text) in [
                ("subscription", &hub.subscription),
                ("resource_group", &hub.resource_group),
                ("hub", &hub.hub),
            ] {
                check_template(cx, &format!("/targets/hubs/{i}/{k}"), text, None, true);
            }
        }
        check_unique_hubs(cx, &t.hubs);
        if let Some(s) = &t.subscription {
            check_template(cx, "/targets/subscription", s, None, true);
        }
        for (i, s) in t.subscriptions.iter().enumerate() {
            check_template(cx, &format!("/targets/subscriptions/{i}"), s, None, true);
        }
        if let Some(s) = &t.resource_group {
            check_template(cx, "/targets/resource_group", s, None, true);
        }
        if let Some(s) = &t.name {
            check_template(cx, "/targets/name", s, None, true);
        }
        for (k, v) in &t.tags {
            let pointer = format!("/targets/tags/{}", crate::yaml_tree::escape_segment(k));
            check_template(cx, &pointer, v, None, true);
        }
    }
    if let Some(r) = &rb.rollout {
        for (field, amount) in [
            ("max_concurrency", &r.max_concurrency),
            ("max_errors", &r.max_errors),
        ] {
            if let Some(a) = amount
                && let Err(why) = a.parse()
            {
                cx.error(
                    &format!("/rollout/{field}"),
                    format!("{field}: {why}"),
                    None,
                );
            }
        }
        for (i, glob) in r.order.iter().enumerate() {
            if glob.trim().is_empty() {
                cx.error(
                    &format!("/rollout/order/{i}"),
                    "an empty name pattern matches no hub".to_string(),
                    None,
                );
            }
        }
    }
}

/// A `hubs` entry naming a hub an earlier entry named. Literal names compare as ARM compares
/// them (case-insensitively); a templated one compares as written, since what it renders to
/// is known only at run time (where the fleet drops such repeats with a note).
fn check_unique_hubs(cx: &mut Ctx, hubs: &[Target]) {
    let fold = |t: &TemplateText| {
        let text = t.as_str().trim();
        if t.is_literal() {
            text.to_lowercase()
        } else {
            text.to_string()
        }
    };
    let mut first: HashMap<[String; 3], usize> = HashMap::new();
    for (i, hub) in hubs.iter().enumerate() {
        let key = [
            fold(&hub.subscription),
            fold(&hub.resource_group),
            fold(&hub.hub),
        ];
        if let Some(j) = first.get(&key) {
            cx.error(
                &format!("/targets/hubs/{i}/hub"),
                format!(
                    "duplicate hub `{}` (first listed at targets.hubs[{j}]); ARM compares subscription, resource group and hub names without regard to case",
                    hub.hub.as_str()
                ),
                Some("list each hub once: a fleet drills a hub once".to_string()),
            );
        } else {
            first.insert(key, i);
        }
    }
}
