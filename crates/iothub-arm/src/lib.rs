//! `iothub-arm`: a typed Azure Resource Manager client for Microsoft.Devices/IotHubs
//! (api-version 2023-06-30), built for disaster-recovery drills.
//!
//! Data flow: a caller builds an [`ArmClient`] from a credential ([`credentials`]),
//! a subscription and [`ClientOptions`]; each operation builds its URL ([`client`]),
//! sends it through the authenticated, retrying [`transport`] (azure-core retry
//! semantics, [`retry`]), and deserializes ARM's JSON into [`models`]. Lists follow
//! `nextLink` ([`paging`]); the manual failover is a long-running operation run as
//! azure-mgmt-core's ARMPolling does ([`failover`], [`operation`]). Failures are
//! [`ArmError`]s. Token requests go through the same reqwest client stack
//! (`identity_transport`): one HTTP and one TLS stack in the binary. The crate knows nothing
//! of runbooks. A [`token_bucket::ArmBudget`] shared per subscription keeps many clients within
//! ARM's throttling budget. Azure Monitor metrics of a hub (connected devices, telemetry) are
//! read by [`metrics`], a read like any other.
//!
//! Before a failover, a preflight reads what Azure would refuse it for: the hub's Activity Log
//! ([`activity_log`]), the management locks at the hub, resource group and subscription
//! ([`locks`]) and the caller's permissions ([`permissions`]); each is a GET through the same
//! transport and budget, with its own api-version.
//!
//! ```no_run
//! use std::time::Duration;
//! use iothub_arm::{ArmClient, AuthMethod, ClientOptions, Cloud, PollOptions, credential_for};
//!
//! # async fn drill() -> Result<(), iothub_arm::ArmError> {
//! let credential = credential_for(&AuthMethod::Auto, &Cloud::Public)?;
//! let client = ArmClient::new(credential, "<subscription-id>", ClientOptions::default())?;
//! let hub = client.get_hub("myResourceGroup", "myIoTHub").await?;
//! let target = hub.secondary_location().unwrap_or_default().to_string();
//! let op = client.begin_manual_failover("myResourceGroup", "myIoTHub", &target).await?;
//! // `op` is Serialize: journal it so another process can poll it again.
//! let opts = PollOptions { interval: Duration::from_secs(60), timeout: Duration::from_secs(7200) };
//! let outcome = client.wait_failover(&op, opts, |p| eprintln!("{} after {:?}", p.status, p.elapsed)).await?;
//! println!("failed over in {:?}", outcome.duration);
//! # Ok(()) }
//! ```

pub mod activity_log;
pub mod auto_sources;
pub mod client;
pub mod credentials;
pub mod error;
pub mod failover;
mod identity_transport;
pub mod locks;
pub mod metrics;
pub mod models;
pub mod operation;
pub mod options;
mod paging;
pub mod permissions;
pub mod ratelimit;
pub mod retry;
pub mod token_bucket;
mod transport;

pub use activity_log::{ACTIVITY_LOG_API_VERSION, activity_log_filter};
pub use azure_core::credentials::TokenCredential;
pub use client::{ArmClient, CallKind};
pub use credentials::{AuthMethod, StaticTokenCredential, available_credential, credential_for};
pub use error::ArmError;
pub use locks::{LOCKS_API_VERSION, LockScope};
pub use metrics::{
    Aggregation, MAX_METRICS_PER_CALL, METRICS_API_VERSION, MetricOutcome, MetricResult,
    MetricsQuery, MetricsReading,
};
pub use models::{ActivityLog, ActivityLogEvent, LockLevel, ManagementLock, Permission, permits};
pub use models::{
    EndpointHealth, EndpointHealthStatus, HubLocation, IotHub, IotHubProperties, QuotaMetric,
    RegistryStats, ReplicaRole,
};
pub use operation::{
    FailoverOperation, FailoverOutcome, OperationError, OperationPoll, PollProgress,
};
pub use options::{ClientOptions, Cloud, DEFAULT_API_VERSION, PollOptions, RetryOptions};
pub use permissions::PERMISSIONS_API_VERSION;
pub use ratelimit::RateLimitInfo;
pub use token_bucket::{ArmBudget, TokenBucket};
