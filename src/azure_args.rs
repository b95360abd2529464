//! The options that say where ARM is and who we are: shared by `exec`, `plan` and `resume`.
//!
//! Without `--emulator`, a run targets Azure: credentials come from `azure_identity` (`--auth`),
//! the ARM endpoint from `--cloud` or `--arm-endpoint`. With `--emulator`, an emulator starts
//! in-process on 127.0.0.1, seeded with the runbook's hub (or `--scenario`), and the real client
//! talks to it with a throwaway token.

use std::path::PathBuf;
use std::sync::Arc;

use iothub_arm::{ArmClient, AuthMethod, ClientOptions, Cloud};
use iothub_emulator::{Emulator, EmulatorConfig, Scenario};
use runbook_engine::HubTarget;

#[derive(Debug, Clone, clap::Args)]
pub struct TargetArgs {
    /// Run against an ARM emulator started in-process on 127.0.0.1 instead of Azure.
    #[arg(long)]
    pub emulator: bool,
    /// Scenario YAML for the emulator (hubs, device counts, faults). Default: the runbook's hub,
    /// healthy.
    #[arg(long, value_name = "FILE", requires = "emulator")]
    pub scenario: Option<PathBuf>,
    /// Against an emulator only: waits (sleeps, poll intervals, retry delays) are multiplied by
    /// this factor, as the emulator's own failovers are. Default with --emulator: 0.01.
    #[arg(long, value_name = "FACTOR")]
    pub time_scale: Option<f64>,
    /// How to authenticate to Azure: auto (client secret, workload identity, Azure CLI, managed
    /// identity: the first that works), azure-cli, managed-identity, workload-identity,
    /// client-secret (AZURE_TENANT_ID/AZURE_CLIENT_ID/AZURE_CLIENT_SECRET); or emulator (a dummy
    /// token, only with a loopback --arm-endpoint).
    #[arg(
        long,
        value_name = "METHOD",
        default_value = "auto",
        env = "RUNBOOK_AUTH"
    )]
    pub auth: String,
    /// Azure cloud: public, china, usgov.
    #[arg(
        long,
        value_name = "CLOUD",
        default_value = "public",
        env = "RUNBOOK_CLOUD"
    )]
    pub cloud: String,
    /// A custom ARM endpoint (sovereign clouds, or a standalone `runbook emulator`).
    #[arg(long, value_name = "URL", env = "RUNBOOK_ARM_ENDPOINT")]
    pub arm_endpoint: Option<url::Url>,
}

/// With --emulator, emulated time runs a hundred times faster unless told otherwise: a drill
/// shows real progress and still ends in seconds, the wait for the devices to come back
/// (minutes of Azure Monitor's one-minute grain) included.
const DEFAULT_EMULATOR_SCALE: f64 = 0.01;

/// How the built-in emulator's hub reconnects its devices after a failover when no
/// `--scenario` says otherwise: within about two minutes, as a fleet on a good network does.
fn quick_reconnect() -> iothub_emulator::ReconnectSeed {
    iothub_emulator::ReconnectSeed {
        median: std::time::Duration::from_secs(30),
        p95: std::time::Duration::from_secs(120),
        never: 0.0,
    }
}

/// The subscription an emulator run uses when the runbook names none.
use runbook_engine::EMULATOR_SUBSCRIPTION;

fn check_scale(s: f64) -> Result<f64, SetupError> {
    if s.is_finite() && s > 0.0 && s <= 1.0 {
        Ok(s)
    } else {
        Err(SetupError(format!(
            "--time-scale {s} must be more than 0 and at most 1"
        )))
    }
}

/// Gets one token before the run starts, so a missing login is a setup error (exit 2) that
/// says what to do, not a failed first step. With `--auth auto` only sources present on this
/// machine get here (a machine with none failed already, listing them); the 60 s bound is for
/// a present source that is slow.
async fn preflight_token(
    credential: &dyn iothub_arm::TokenCredential,
    scope: &str,
    method: &AuthMethod,
) -> Result<(), SetupError> {
    let scopes = [scope];
    let attempt = credential.get_token(&scopes, None);
    match tokio::time::timeout(std::time::Duration::from_secs(60), attempt).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(SetupError(format!(
            "no Azure credential ({} auth) could get a token for {scope}: {e}\n  sign in with `az login`, choose another --auth, or add --emulator to try the runbook without Azure",
            method.name()
        ))),
        Err(_) => Err(SetupError(format!(
            "getting an Azure token ({} auth, {credential:?}) for {scope} took over 60 s; the source is present but did not answer: check network access to Entra ID, or add --emulator to try the runbook without Azure",
            method.name()
        ))),
    }
}

/// What a run talks to; keeps an in-process emulator alive as long as it is needed.
#[derive(Debug)]
pub struct Connection {
    pub client: ArmClient,
    pub emulator: Option<Emulator>,
    pub time_scale: f64,
}

#[derive(Debug)]
pub struct SetupError(pub String);

impl TargetArgs {
    /// Loads the runbook as `exec` and `preflight` run it: refused (the text to print) when
    /// `--emulator` and `--arm-endpoint` both name an ARM; under `--emulator` a subscription
    /// nothing gives a value takes the emulator's, against Azure it stays required.
    pub fn prepare(
        &self,
        file: &std::path::Path,
        sets: &[String],
    ) -> Result<runbook_engine::AnyPrepared, String> {
        if self.emulator && self.arm_endpoint.is_some() {
            return Err("error: --arm-endpoint (or RUNBOOK_ARM_ENDPOINT) names an ARM to talk to, but --emulator starts its own in this process; drop one (a standalone `runbook emulator` is reached with --arm-endpoint URL --auth emulator)".to_string());
        }
        if self.emulator {
            runbook_engine::prepare_any_emulated(file, sets)
        } else {
            runbook_engine::prepare_any(file, sets)
        }
    }

    /// The ARM endpoint's host and port, which with the target identifies a hub for the hub
    /// lock; `None` with --emulator (a hub private to this process).
    pub fn lock_authority(&self) -> Result<Option<String>, SetupError> {
        if self.emulator {
            return Ok(None);
        }
        let endpoint = match &self.arm_endpoint {
            Some(u) => u.clone(),
            None => Cloud::parse(&self.cloud)
                .map_err(|e| SetupError(e.to_string()))?
                .arm_endpoint(),
        };
        let host = endpoint.host_str().unwrap_or_default().to_string();
        Ok(Some(match endpoint.port() {
            Some(port) => format!("{host}:{port}"),
            None => host,
        }))
    }

    pub async fn connect(&self, target: &HubTarget) -> Result<Connection, SetupError> {
        if self.emulator {
            return self.connect_emulator(target).await;
        }
        let talks_to_emulator = self.auth.eq_ignore_ascii_case("emulator");
        // Checked here as well, so a bad --time-scale is reported before a missing subscription.
        let _ = match self.time_scale {
            Some(_) if !talks_to_emulator => {
                return Err(SetupError("--time-scale applies only to an emulator (--emulator, or --auth emulator with a loopback --arm-endpoint); Azure runs in real time".to_string()));
            }
            Some(s) => check_scale(s)?,
            None => 1.0,
        };
        if target.subscription.trim().is_empty() {
            return Err(SetupError(
                "no Azure subscription: the runbook's target.subscription rendered empty; set it (e.g. --set subscription=… or AZURE_SUBSCRIPTION_ID), or add --emulator to try the runbook against the built-in emulator".to_string(),
            ));
        }
        let (options, credential, time_scale) = self.azure_setup().await?;
        let client = ArmClient::new(credential, target.subscription.clone(), options)
            .map_err(|e| SetupError(e.to_string()))?;
        Ok(Connection {
            client,
            emulator: None,
            time_scale,
        })
    }

    /// Against Azure (or `--auth emulator` with a loopback `--arm-endpoint`): the client
    /// options, the credential (with one token fetched up front, so a missing login fails
    /// now) and the time scale. Shared by single runs and fleets.
    pub async fn azure_setup(
        &self,
    ) -> Result<(ClientOptions, Arc<dyn iothub_arm::TokenCredential>, f64), SetupError> {
        let talks_to_emulator = self.auth.eq_ignore_ascii_case("emulator");
        let time_scale = match self.time_scale {
            Some(_) if !talks_to_emulator => {
                return Err(SetupError("--time-scale applies only to an emulator (--emulator, or --auth emulator with a loopback --arm-endpoint); Azure runs in real time".to_string()));
            }
            Some(s) => check_scale(s)?,
            None => 1.0,
        };
        let cloud = Cloud::parse(&self.cloud).map_err(|e| SetupError(e.to_string()))?;
        let mut options = ClientOptions {
            cloud: cloud.clone(),
            ..ClientOptions::default()
        };
        options.endpoint = self.arm_endpoint.clone();
        let method = if self.auth.eq_ignore_ascii_case("emulator") {
            let local = self
                .arm_endpoint
                .as_ref()
                .and_then(|u| u.host_str())
                .is_some_and(|h| h == "127.0.0.1" || h == "localhost" || h == "[::1]");
            if !local {
                return Err(SetupError("--auth emulator sends a dummy token and is only allowed with a loopback --arm-endpoint".to_string()));
            }
            AuthMethod::StaticToken("emulator".to_string())
        } else {
            AuthMethod::parse(&self.auth).map_err(|e| SetupError(e.to_string()))?
        };
        let credential = iothub_arm::available_credential(&method, &cloud)
            .await
            .map_err(|e| match e {
                iothub_arm::ArmError::NoCredentialSource { .. } => SetupError(format!(
                    "{e}\n  sign in with `az login`, set AZURE_TENANT_ID/AZURE_CLIENT_ID/AZURE_CLIENT_SECRET, choose another --auth, or add --emulator to try the runbook without Azure"
                )),
                e => SetupError(format!(
                    "{e}\n  (to try the runbook without Azure, add --emulator)"
                )),
            })?;
        if !talks_to_emulator {
            preflight_token(&*credential, &options.token_scope(), &method).await?;
        }
        Ok((options, credential, time_scale))
    }

    /// The time scale of an in-process emulator run (checked).
    /// The time scale the run's history window is measured in: an emulator's scale with
    /// `--auth emulator`, real time otherwise (the in-process emulator has no history).
    pub fn history_scale(&self) -> f64 {
        match self.time_scale {
            Some(s) if self.auth.eq_ignore_ascii_case("emulator") && s > 0.0 => s,
            _ => 1.0,
        }
    }

    pub fn emulator_time_scale(&self) -> Result<f64, SetupError> {
        check_scale(self.time_scale.unwrap_or(DEFAULT_EMULATOR_SCALE))
    }

    async fn connect_emulator(&self, target: &HubTarget) -> Result<Connection, SetupError> {
        let time_scale = check_scale(self.time_scale.unwrap_or(DEFAULT_EMULATOR_SCALE))?;
        // The emulator is seeded and addressed under the same subscription, so a runbook
        // without one still finds its hub.
        let subscription = if target.subscription.trim().is_empty() {
            EMULATOR_SUBSCRIPTION.to_string()
        } else {
            target.subscription.clone()
        };
        let scenario = match &self.scenario {
            Some(path) => Scenario::load(path).map_err(|e| SetupError(e.to_string()))?,
            None => {
                let mut s =
                    Scenario::single_hub(&subscription, &target.resource_group, &target.hub);
                for hub in &mut s.hubs {
                    hub.monitor.reconnect = quick_reconnect();
                }
                s
            }
        };
        let config = EmulatorConfig {
            time_scale,
            ..EmulatorConfig::default()
        };
        let emulator = Emulator::start(scenario, config)
            .await
            .map_err(|e| SetupError(format!("cannot start the emulator: {e}")))?;
        let endpoint =
            url::Url::parse(emulator.base_url()).map_err(|e| SetupError(e.to_string()))?;
        let options = ClientOptions::for_emulator(endpoint, time_scale);
        let credential: Arc<dyn iothub_arm::TokenCredential> =
            Arc::new(iothub_arm::StaticTokenCredential::new("emulator"));
        let client = ArmClient::new(credential, subscription, options)
            .map_err(|e| SetupError(e.to_string()))?;
        Ok(Connection {
            client,
            emulator: Some(emulator),
            time_scale,
        })
    }
}
