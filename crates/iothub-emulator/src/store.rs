//! The hub store: every hub, indexed by its coordinates, built once at start and never resized.
//!
//! Because the set of hubs is fixed, the indexes are plain `HashMap`s read without any lock;
//! only a hub's own state has a lock (see `hub`). Lookups are case-insensitive as in ARM.

use crate::hub::Hub;
use crate::scenario::Scenario;
use std::collections::HashMap;

#[derive(Debug)]
pub(crate) struct Store {
    pub hubs: Vec<Hub>,
    /// "sub/rg/name", lowercased -> index.
    by_key: HashMap<String, usize>,
    /// "sub/rg", lowercased -> hubs in scenario order.
    by_rg: HashMap<String, Vec<usize>>,
    /// "sub", lowercased -> hubs in scenario order.
    by_sub: HashMap<String, Vec<usize>>,
}

fn key(parts: &[&str]) -> String {
    let mut k = String::with_capacity(parts.iter().map(|p| p.len() + 1).sum());
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            k.push('/');
        }
        k.extend(p.chars().flat_map(char::to_lowercase));
    }
    k
}

impl Store {
    pub fn new(scenario: &Scenario) -> Result<Store, String> {
        let mut store = Store {
            hubs: Vec::with_capacity(scenario.hubs.len()),
            by_key: HashMap::with_capacity(scenario.hubs.len()),
            by_rg: HashMap::new(),
            by_sub: HashMap::new(),
        };
        for rg in &scenario.resource_groups {
            store
                .by_rg
                .entry(key(&[&rg.subscription, &rg.name]))
                .or_default();
            store.by_sub.entry(key(&[&rg.subscription])).or_default();
        }
        for (index, seed) in scenario.hubs.iter().enumerate() {
            let k = key(&[&seed.subscription, &seed.resource_group, &seed.name]);
            if store.by_key.insert(k, index).is_some() {
                return Err(format!(
                    "hub {:?} appears twice in resource group {:?}",
                    seed.name, seed.resource_group
                ));
            }
            store
                .by_rg
                .entry(key(&[&seed.subscription, &seed.resource_group]))
                .or_default()
                .push(index);
            store
                .by_sub
                .entry(key(&[&seed.subscription]))
                .or_default()
                .push(index);
            store.hubs.push(Hub::new(index, seed.clone()));
        }
        Ok(store)
    }

    pub fn subscription(&self, sub: &str) -> Option<&[usize]> {
        self.by_sub.get(&key(&[sub])).map(Vec::as_slice)
    }

    pub fn resource_group(&self, sub: &str, rg: &str) -> Option<&[usize]> {
        self.by_rg.get(&key(&[sub, rg])).map(Vec::as_slice)
    }

    pub fn hub(&self, sub: &str, rg: &str, name: &str) -> Option<&Hub> {
        self.by_key
            .get(&key(&[sub, rg, name]))
            .and_then(|&i| self.hubs.get(i))
    }

    pub fn names(&self) -> Vec<String> {
        self.hubs.iter().map(|h| h.seed.name.clone()).collect()
    }
}
