//! Client configuration: which cloud, which endpoint, which api-version, and
//! how patiently to retry and poll.
//!
//! [`ClientOptions`] goes into [`crate::ArmClient::new`], which resolves the
//! effective ARM endpoint ([`ClientOptions::endpoint`] over [`Cloud::arm_endpoint`])
//! and the token scope ([`ClientOptions::token_scope`]) once. [`RetryOptions`]
//! feeds [`crate::retry`]; [`PollOptions`] feeds [`crate::ArmClient::wait_failover`].

use std::sync::Arc;
use std::time::Duration;

use url::Url;

use crate::error::ArmError;
use crate::token_bucket::ArmBudget;

/// The api-version of the Microsoft.Devices resource provider this client speaks.
pub const DEFAULT_API_VERSION: &str = "2023-06-30";

/// An Azure cloud: where ARM lives and which audience its tokens are for.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Cloud {
    /// Azure public cloud (`https://management.azure.com`).
    #[default]
    Public,
    /// Azure operated by 21Vianet (`https://management.chinacloudapi.cn`).
    China,
    /// Azure US Government (`https://management.usgovcloudapi.net`).
    UsGovernment,
    /// Any other ARM endpoint (Azure Stack Hub, a private cloud).
    Custom {
        /// The ARM endpoint, e.g. `https://management.local.azurestack.external`.
        arm_endpoint: Url,
        /// The token scope; derived from `arm_endpoint` (`<origin>/.default`) when `None`.
        scope: Option<String>,
    },
}

impl Cloud {
    /// The ARM endpoint of this cloud.
    pub fn arm_endpoint(&self) -> Url {
        let text = match self {
            Cloud::Public => "https://management.azure.com/",
            Cloud::China => "https://management.chinacloudapi.cn/",
            Cloud::UsGovernment => "https://management.usgovcloudapi.net/",
            Cloud::Custom { arm_endpoint, .. } => return arm_endpoint.clone(),
        };
        Url::parse(text).expect("the built-in cloud endpoints are valid URLs")
    }

    /// The token scope for this cloud's ARM endpoint (`https://management.azure.com/.default`, ...).
    pub fn scope(&self) -> String {
        match self {
            Cloud::Custom {
                scope: Some(scope), ..
            } => scope.clone(),
            _ => scope_for(&self.arm_endpoint()),
        }
    }

    /// Parses `public`, `china`, `usgovernment` (also `AzureCloud`, `AzureChinaCloud`,
    /// `AzureUSGovernment`, as `az cloud list` names them) or an `https://` ARM endpoint.
    pub fn parse(text: &str) -> Result<Cloud, ArmError> {
        match text.to_ascii_lowercase().as_str() {
            "public" | "azurecloud" | "azure" => Ok(Cloud::Public),
            "china" | "azurechinacloud" => Ok(Cloud::China),
            "usgovernment" | "usgov" | "azureusgovernment" => Ok(Cloud::UsGovernment),
            _ => {
                let arm_endpoint = Url::parse(text).map_err(|e| ArmError::InvalidInput {
                    what: "cloud".into(),
                    message: format!(
                        "{text:?} is neither public, china, usgovernment nor an ARM endpoint URL ({e})"
                    ).into(),
                })?;
                Ok(Cloud::Custom {
                    arm_endpoint,
                    scope: None,
                })
            }
        }
    }
}

/// The `.default` scope of an endpoint: its origin followed by `/.default`.
pub fn scope_for(endpoint: &Url) -> String {
    format!("{}/.default", endpoint.origin().ascii_serialization())
}

/// How requests are retried, with azure-core's semantics (see [`crate::retry`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryOptions {
    /// Retries after the first attempt (azure-core default 8). 0 disables retries.
    pub max_retries: u32,
    /// Backoff before the first retry; doubled each retry, with ±20% jitter.
    pub initial_delay: Duration,
    /// Cap on one backoff (a server `Retry-After` may still ask for longer).
    pub max_delay: Duration,
    /// Stop retrying once this much time has passed since the first attempt.
    pub max_elapsed: Duration,
}

impl Default for RetryOptions {
    fn default() -> Self {
        // The defaults of azure_core's ExponentialRetryOptions.
        Self {
            max_retries: 8,
            initial_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(30),
            max_elapsed: Duration::from_secs(60),
        }
    }
}

/// Everything [`crate::ArmClient::new`] needs besides a credential and a subscription.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// The cloud; gives the default endpoint and the token scope.
    pub cloud: Cloud,
    /// Overrides the cloud's ARM endpoint (the emulator's `http://127.0.0.1:PORT`).
    pub endpoint: Option<Url>,
    /// api-version sent on every request.
    pub api_version: String,
    /// Retry policy for every request.
    pub retry: RetryOptions,
    /// Timeout of one HTTP attempt (connect + response).
    pub request_timeout: Duration,
    /// `User-Agent` header.
    pub user_agent: String,
    /// ARM's request budget, shared by every client of one subscription (clone the `Arc`);
    /// the transport waits for a token before each request. `None`: no client-side limit.
    pub budget: Option<Arc<ArmBudget>>,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            cloud: Cloud::Public,
            endpoint: None,
            api_version: DEFAULT_API_VERSION.to_string(),
            retry: RetryOptions::default(),
            request_timeout: Duration::from_secs(60),
            user_agent: format!("runbook-iothub-arm/{}", env!("CARGO_PKG_VERSION")),
            budget: None,
        }
    }
}

impl ClientOptions {
    /// Options pointing at an endpoint (typically the emulator), with everything else default.
    pub fn for_endpoint(endpoint: Url) -> Self {
        Self {
            endpoint: Some(endpoint),
            ..Self::default()
        }
    }

    /// Options for an emulator whose waits run `time_scale` times real time: the retry
    /// backoff is scaled the same way, so a throttled call waits as long, in emulated time,
    /// as it would against Azure; so is ARM's request budget (one per options value: clone
    /// the options, or their `budget`, to share it).
    pub fn for_emulator(endpoint: Url, time_scale: f64) -> Self {
        let mut options = Self::for_endpoint(endpoint);
        options.retry.initial_delay = options.retry.initial_delay.mul_f64(time_scale);
        options.retry.max_delay = options.retry.max_delay.mul_f64(time_scale);
        options.budget = Some(Arc::new(ArmBudget::scaled(
            (250, 25.0),
            (200, 10.0),
            time_scale,
        )));
        options
    }

    /// These options with ARM's default budget (scaled like `for_emulator` when the endpoint
    /// is an emulator running at `time_scale`), for one subscription's clients to share.
    pub fn with_arm_budget(mut self, time_scale: f64) -> Self {
        self.budget = Some(Arc::new(ArmBudget::scaled(
            (250, 25.0),
            (200, 10.0),
            time_scale,
        )));
        self
    }

    /// The endpoint requests go to.
    pub fn effective_endpoint(&self) -> Url {
        self.endpoint
            .clone()
            .unwrap_or_else(|| self.cloud.arm_endpoint())
    }

    /// The token scope: an explicit custom-cloud scope, else derived from the effective endpoint.
    pub fn token_scope(&self) -> String {
        match &self.cloud {
            Cloud::Custom {
                scope: Some(scope), ..
            } => scope.clone(),
            _ => scope_for(&self.effective_endpoint()),
        }
    }
}

/// How [`crate::ArmClient::wait_failover`] polls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollOptions {
    /// Minimum time between polls; a longer server `Retry-After` wins.
    pub interval: Duration,
    /// Give up (with [`ArmError::Timeout`]) after this long.
    pub timeout: Duration,
}

impl Default for PollOptions {
    fn default() -> Self {
        // ARMPolling's default interval is 30 s; IoT Hub failovers take minutes to hours.
        Self {
            interval: Duration::from_secs(30),
            timeout: Duration::from_secs(2 * 60 * 60),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn sovereign_cloud_endpoints_and_scopes() {
        let cases = [
            (Cloud::Public, "https://management.azure.com/.default"),
            (Cloud::China, "https://management.chinacloudapi.cn/.default"),
            (
                Cloud::UsGovernment,
                "https://management.usgovcloudapi.net/.default",
            ),
        ];
        for (cloud, scope) in cases {
            assert_eq!(cloud.scope(), scope);
            let options = ClientOptions {
                cloud: cloud.clone(),
                ..ClientOptions::default()
            };
            assert_eq!(options.token_scope(), scope);
            assert_eq!(options.effective_endpoint(), cloud.arm_endpoint());
        }
    }

    #[test]
    fn custom_cloud_scope_is_derived_or_explicit() {
        let derived = Cloud::parse("https://management.local.azurestack.external/").unwrap();
        assert_eq!(
            derived.scope(),
            "https://management.local.azurestack.external/.default"
        );
        let explicit = Cloud::Custom {
            arm_endpoint: Url::parse("https://arm.example").unwrap(),
            scope: Some("https://audience.example/.default".into()),
        };
        assert_eq!(explicit.scope(), "https://audience.example/.default");
        assert_eq!(Cloud::parse("AzureChinaCloud").unwrap(), Cloud::China);
        assert!(Cloud::parse("mars").is_err());
    }

    #[test]
    fn endpoint_override_drives_the_scope() {
        let options = ClientOptions::for_endpoint(Url::parse("http://127.0.0.1:8080").unwrap());
        assert_eq!(options.token_scope(), "http://127.0.0.1:8080/.default");
        assert_eq!(options.api_version, "2023-06-30");
    }
}
