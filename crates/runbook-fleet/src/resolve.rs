//! `targets:` to hubs. An explicit `hubs:` list is rendered from the parameters and taken as
//! written (each drill reads its hub first, so a missing hub fails that hub alone). A selector
//! lists hubs per subscription: by resource group when `resource_group` is a plain name, else
//! the whole subscription with the resource group glob applied to each hub's id; then the name
//! glob and the tags filter client-side. The result is sorted (subscription in the order given,
//! then resource group and name) so a fleet runs in the same order every time. A hub is named
//! once: entries naming one hub (or one subscription) in another case are dropped, and said so
//! (`duplicates`). What the listing returned for each hub is kept (`listed`), so a hub's run
//! need not read the hub again moments later.

use iothub_arm::{ArmClient, IotHub};
use runbook_spec::{Targets, TemplateText};
use serde_json::{Map, Value};

use runbook_engine::HubTarget;
use runbook_engine::TemplateContext;

use crate::duplicates::{Duplicate, unique_hubs, unique_subscriptions};
use crate::glob;

/// Where the fleet gets a client for a subscription (shared by all its hubs, with one ARM
/// budget per subscription).
pub trait ClientSource: Send + Sync {
    fn client(&self, subscription: &str) -> Result<ArmClient, String>;

    /// How long a read of `subscription` sent now would wait for its ARM budget (zero when
    /// the source keeps no budget); the scheduler starts hubs where this is shortest.
    fn budget_wait(&self, _subscription: &str) -> std::time::Duration {
        std::time::Duration::ZERO
    }
}

/// A hub resource as the target listing returned it, and when: a hub's run may take it as its
/// first reading of the hub (the engine's freshness rule decides).
#[derive(Debug, Clone)]
pub struct ListedHub {
    pub hub: IotHub,
    pub at: std::time::Instant,
}

/// The hubs `targets` names, each once.
#[derive(Debug, Clone, Default)]
pub struct Resolved {
    pub hubs: Vec<HubTarget>,
    /// What a selector's listing returned for each hub, by [`listing_key`].
    pub listed: std::collections::HashMap<String, ListedHub>,
    /// Entries left out because an earlier one names the same hub or subscription.
    pub duplicates: Vec<Duplicate>,
}

/// The hubs `targets` names, or why they cannot be found (a setup error, exit 2).
pub async fn resolve(
    targets: &Targets,
    params: &Map<String, Value>,
    clients: &dyn ClientSource,
) -> Result<Resolved, String> {
    let mut ctx = TemplateContext::new(params.clone(), serde_json::json!({}));
    let mut render = |t: &TemplateText, field: &str| {
        ctx.render(t)
            .map(|s| s.trim().to_string())
            .map_err(|e| format!("targets.{field}: {e}"))
    };
    if !targets.hubs.is_empty() {
        let mut out = Vec::with_capacity(targets.hubs.len());
        for (i, t) in targets.hubs.iter().enumerate() {
            let hub = HubTarget {
                subscription: render(&t.subscription, &format!("hubs[{i}].subscription"))?,
                resource_group: render(&t.resource_group, &format!("hubs[{i}].resource_group"))?,
                hub: render(&t.hub, &format!("hubs[{i}].hub"))?,
            };
            if hub.hub.is_empty() || hub.resource_group.is_empty() {
                return Err(format!(
                    "targets.hubs[{i}]: hub and resource_group must not be empty"
                ));
            }
            out.push((hub, format!("targets.hubs[{i}]")));
        }
        let (hubs, duplicates) = unique_hubs(out);
        return Ok(Resolved {
            hubs,
            duplicates,
            listed: Default::default(),
        });
    }
    let mut subscriptions = Vec::new();
    if let Some(s) = &targets.subscription {
        subscriptions.push((
            render(s, "subscription")?,
            "targets.subscription".to_string(),
        ));
    }
    for (i, s) in targets.subscriptions.iter().enumerate() {
        let field = format!("subscriptions[{i}]");
        subscriptions.push((render(s, &field)?, format!("targets.{field}")));
    }
    if subscriptions.iter().any(|(s, _)| s.is_empty()) {
        return Err(
            "targets.subscription rendered empty: set it (e.g. --set subscription=…)".into(),
        );
    }
    let rg = match &targets.resource_group {
        Some(t) => Some(render(t, "resource_group")?),
        None => None,
    };
    let name = match &targets.name {
        Some(t) => Some(render(t, "name")?),
        None => None,
    };
    let (subscriptions, duplicates) = unique_subscriptions(subscriptions);
    let mut tags = Vec::new();
    for (k, v) in &targets.tags {
        tags.push((k.clone(), render(v, &format!("tags.{k}"))?));
    }
    let mut out = Vec::new();
    let mut listed = std::collections::HashMap::new();
    for sub in &subscriptions {
        let client = clients.client(sub)?;
        let literal_rg = rg.as_deref().filter(|r| !glob::is_glob(r));
        let hubs = client
            .list_hubs(literal_rg)
            .await
            .map_err(|e| format!("listing the hubs of subscription {sub}: {e}"))?;
        let at = std::time::Instant::now();
        let mut chosen: Vec<HubTarget> = hubs
            .iter()
            .filter_map(|h| {
                let hub_rg = resource_group_of(h)?;
                let keep = rg.as_deref().is_none_or(|p| glob::matches(p, &hub_rg))
                    && name.as_deref().is_none_or(|p| glob::matches(p, &h.name))
                    && tags.iter().all(|(k, v)| {
                        h.tags
                            .iter()
                            .any(|(hk, hv)| hk.eq_ignore_ascii_case(k) && hv == v)
                    });
                keep.then(|| {
                    let target = HubTarget {
                        subscription: sub.clone(),
                        resource_group: hub_rg,
                        hub: h.name.clone(),
                    };
                    listed.insert(listing_key(&target), ListedHub { hub: h.clone(), at });
                    target
                })
            })
            .collect();
        chosen.sort_by_key(|t| (t.resource_group.to_lowercase(), t.hub.to_lowercase()));
        out.extend(chosen);
    }
    Ok(Resolved {
        hubs: out,
        duplicates,
        listed,
    })
}

/// The key of a hub in [`Resolved::listed`] (ARM's names are case-insensitive).
pub fn listing_key(hub: &HubTarget) -> String {
    format!("{}/{}/{}", hub.subscription, hub.resource_group, hub.hub).to_ascii_lowercase()
}

/// The resource group in a hub's id (`/subscriptions/s/resourceGroups/RG/providers/...`).
fn resource_group_of(hub: &IotHub) -> Option<String> {
    let mut parts = hub.id.split('/');
    while let Some(p) = parts.next() {
        if p.eq_ignore_ascii_case("resourceGroups") {
            return parts.next().map(str::to_string);
        }
    }
    None
}
