//! A fleet's ARM clients: one per subscription, made on first use and shared by every hub of
//! that subscription, each drawing from its own ARM budget (token buckets for reads and
//! writes), since ARM throttles per subscription and principal. The options and credential
//! come from the caller: Azure, a sovereign cloud, `--arm-endpoint` or an emulator alike.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use iothub_arm::{ArmBudget, ArmClient, ClientOptions, TokenCredential};

use crate::resolve::ClientSource;

/// Sizes of the client-side ARM buckets per subscription: (burst, refill per second).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Budgets {
    pub reads: (u32, f64),
    pub writes: (u32, f64),
}

impl Budgets {
    /// ARM's own limits, for commands that do not size them (resume, plan).
    pub const ARM: Budgets = Budgets {
        reads: (250, 25.0),
        writes: (200, 10.0),
    };
}

/// One client per subscription, made on first use and shared by that subscription's hubs.
pub struct Clients {
    options: ClientOptions,
    credential: Arc<dyn TokenCredential>,
    sizes: Budgets,
    time_scale: f64,
    cache: Mutex<HashMap<String, ArmClient>>,
    /// By lowercased subscription, as `cache`.
    budgets: Mutex<HashMap<String, Arc<ArmBudget>>>,
}

impl std::fmt::Debug for Clients {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The credential stays out of any output.
        f.debug_struct("Clients")
            .field("sizes", &self.sizes)
            .field("time_scale", &self.time_scale)
            .finish_non_exhaustive()
    }
}

impl Clients {
    /// Clients with `options` (endpoint, cloud, retries) and `credential`, budgets of `sizes`
    /// on a clock running `time_scale` times real time.
    pub fn new(
        options: ClientOptions,
        credential: Arc<dyn TokenCredential>,
        sizes: Budgets,
        time_scale: f64,
    ) -> Self {
        Clients {
            options,
            credential,
            sizes,
            time_scale,
            cache: Mutex::new(HashMap::new()),
            budgets: Mutex::new(HashMap::new()),
        }
    }

    /// The same connection with other budgets (and no client made yet): a shard that shares
    /// its subscription drills on its part of the budget, after listing on the whole.
    pub fn with_budgets(&self, sizes: Budgets) -> Clients {
        Clients::new(
            self.options.clone(),
            self.credential.clone(),
            sizes,
            self.time_scale,
        )
    }

    /// 429 answers the clients have seen, over every subscription.
    pub fn throttled(&self) -> u64 {
        self.budgets
            .lock()
            .map(|b| b.values().map(|b| b.throttled()).sum())
            .unwrap_or(0)
    }

    fn make(&self, subscription: &str) -> Result<(ArmClient, Arc<ArmBudget>), String> {
        // Each subscription has its own budget at ARM, so its own buckets here, shared by
        // every hub of the subscription through this one client.
        let budget = Arc::new(ArmBudget::scaled(
            self.sizes.reads,
            self.sizes.writes,
            self.time_scale,
        ));
        let options = ClientOptions {
            budget: Some(budget.clone()),
            ..self.options.clone()
        };
        let client = ArmClient::new(self.credential.clone(), subscription.to_string(), options)
            .map_err(|e| e.to_string())?;
        Ok((client, budget))
    }
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
        let (client, budget) = self.make(subscription)?;
        if let Ok(mut budgets) = self.budgets.lock() {
            budgets.insert(key.clone(), budget);
        }
        cache.insert(key, client.clone());
        Ok(client)
    }

    fn budget_wait(&self, subscription: &str) -> std::time::Duration {
        // Reads are a drill's clock (a dozen per hub against one write), so their bucket says
        // when a hub of this subscription could get going.
        self.budgets
            .lock()
            .ok()
            .and_then(|b| {
                b.get(&subscription.to_ascii_lowercase())
                    .map(|b| b.reads.backlog())
            })
            .unwrap_or_default()
    }
}

/// A client source for resolving an explicit `hubs:` list, which needs no ARM call.
#[derive(Debug)]
pub struct NoClients;

impl ClientSource for NoClients {
    fn client(&self, _: &str) -> Result<ArmClient, String> {
        Err("no connection yet".into())
    }
}
