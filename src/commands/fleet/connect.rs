//! A fleet's connections: one ARM client per subscription, made on first use, each with its
//! own ARM budget (token buckets) shared by every hub of that subscription; against
//! `--emulator`, an in-process emulator seeded by `--scenario` or the listed hubs.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use iothub_arm::{ArmBudget, ArmClient, ClientOptions, StaticTokenCredential, TokenCredential};
use iothub_emulator::{Emulator, EmulatorConfig, HubSeed, Scenario};
use runbook_engine::HubTarget;
use runbook_engine::fleet::ClientSource;

use super::Budgets;
use crate::azure_args::{SetupError, TargetArgs};

/// Makes a subscription's client, with the ARM budget it draws from.
pub(super) type MakeClient =
    dyn Fn(&str) -> Result<(ArmClient, Arc<ArmBudget>), String> + Send + Sync;

/// One client per subscription, made on first use and shared by that subscription's hubs.
pub(super) struct Clients {
    make: Box<MakeClient>,
    cache: Mutex<HashMap<String, ArmClient>>,
    budgets: Mutex<Vec<Arc<ArmBudget>>>,
}

impl ClientSource for Clients {
    fn client(&self, subscription: &str) -> Result<ArmClient, String> {
        let key = subscription.to_ascii_lowercase();
        let mut cache = self
            .cache
            .lock()
            .map_err(|_| "client cache poisoned".to_string())?;
        if let Some(c) = cache.get(&key) {
            return Ok(c.clone());
        }
        let (client, budget) = (self.make)(subscription)?;
        if let Ok(mut budgets) = self.budgets.lock() {
            budgets.push(budget);
        }
        cache.insert(key, client.clone());
        Ok(client)
    }
}

impl Clients {
    pub(super) fn throttled(&self) -> u64 {
        self.budgets
            .lock()
            .map(|b| b.iter().map(|b| b.throttled()).sum())
            .unwrap_or(0)
    }
}

pub(super) struct Connected {
    pub(super) clients: Arc<Clients>,
    pub(super) emulator: Option<Emulator>,
    pub(super) time_scale: f64,
}

/// Connects for a fleet; `listed` seeds an in-process emulator when no `--scenario` is given.
pub(super) async fn connect(
    target: &TargetArgs,
    listed: &[HubTarget],
    sizes: Budgets,
) -> Result<Connected, SetupError> {
    let (options, credential, time_scale, emulator) = if target.emulator {
        let time_scale = target.emulator_time_scale()?;
        let scenario = match &target.scenario {
            Some(path) => Scenario::load(path).map_err(|e| SetupError(e.to_string()))?,
            None if !listed.is_empty() => Scenario {
                hubs: listed
                    .iter()
                    .map(|h| HubSeed::new(&h.subscription, &h.resource_group, &h.hub))
                    .collect(),
                ..Scenario::default()
            },
            None => {
                return Err(SetupError(
                    "a fleet selector needs hubs to select from: with --emulator, give --scenario (e.g. with `generate:`)".into(),
                ));
            }
        };
        let emulator = Emulator::start(
            scenario,
            EmulatorConfig {
                time_scale,
                ..EmulatorConfig::default()
            },
        )
        .await
        .map_err(|e| SetupError(format!("cannot start the emulator: {e}")))?;
        let endpoint =
            url::Url::parse(emulator.base_url()).map_err(|e| SetupError(e.to_string()))?;
        let credential: Arc<dyn TokenCredential> = Arc::new(StaticTokenCredential::new("emulator"));
        (
            ClientOptions::for_emulator(endpoint, time_scale),
            credential,
            time_scale,
            Some(emulator),
        )
    } else {
        let (options, credential, time_scale) = target.azure_setup().await?;
        (options, credential, time_scale, None)
    };
    let clients = Arc::new(Clients {
        make: Box::new(move |subscription: &str| {
            // Each subscription has its own budget at ARM, so its own buckets here, shared by
            // every hub of the subscription through this one client.
            let budget = Arc::new(ArmBudget::scaled(sizes.reads, sizes.writes, time_scale));
            let options = ClientOptions {
                budget: Some(budget.clone()),
                ..options.clone()
            };
            let client = ArmClient::new(credential.clone(), subscription.to_string(), options)
                .map_err(|e| e.to_string())?;
            Ok((client, budget))
        }),
        cache: Mutex::new(HashMap::new()),
        budgets: Mutex::new(Vec::new()),
    });
    Ok(Connected {
        clients,
        emulator,
        time_scale,
    })
}

/// A client source for resolving an explicit list, which needs no ARM call.
pub(super) struct NoClients;

impl ClientSource for NoClients {
    fn client(&self, _: &str) -> Result<ArmClient, String> {
        Err("no connection yet".into())
    }
}
