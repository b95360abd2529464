//! A fleet's connection: Azure (or `--arm-endpoint`) through `runbook-fleet`'s per-subscription
//! clients and budgets, or an in-process emulator seeded by `--scenario` or the listed hubs.

use std::sync::Arc;

use iothub_arm::{ClientOptions, StaticTokenCredential, TokenCredential};
use iothub_emulator::{Emulator, EmulatorConfig, HubSeed, Scenario};
use runbook_engine::HubTarget;
use runbook_fleet::{Budgets, Clients};

use crate::azure_args::{SetupError, TargetArgs};

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
    let clients = Arc::new(Clients::new(options, credential, sizes, time_scale));
    Ok(Connected {
        clients,
        emulator,
        time_scale,
    })
}
