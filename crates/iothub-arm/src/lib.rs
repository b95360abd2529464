//! `iothub-arm`: a typed Azure Resource Manager client for Microsoft.Devices/IotHubs
//! (api-version 2023-06-30), built for disaster-recovery drills.
//!
//! Data flow: a caller builds an [`ArmClient`] from a credential ([`credentials`]),
//! a subscription and [`ClientOptions`]; each operation builds its URL ([`client`]),
//! sends it through the authenticated, retrying [`transport`] (azure-core retry
//! semantics, [`retry`]), and deserializes ARM's JSON into [`models`]. Lists follow
//! `nextLink` ([`paging`]); the manual failover is a long-running operation run as
//! azure-mgmt-core's ARMPolling does ([`failover`], [`operation`]). Failures are
//! [`ArmError`]s. The crate knows nothing of runbooks.

pub mod client;
pub mod credentials;
pub mod error;
pub mod failover;
pub mod models;
pub mod operation;
pub mod options;
mod paging;
pub mod ratelimit;
pub mod retry;
mod transport;

pub use azure_core::credentials::TokenCredential;
pub use client::{ArmClient, CallKind};
pub use credentials::{AuthMethod, StaticTokenCredential, credential_for};
pub use error::ArmError;
pub use models::{
    EndpointHealth, EndpointHealthStatus, HubLocation, IotHub, IotHubProperties, QuotaMetric,
    RegistryStats, ReplicaRole,
};
pub use operation::{
    FailoverOperation, FailoverOutcome, OperationError, OperationPoll, PollProgress,
};
pub use options::{ClientOptions, Cloud, DEFAULT_API_VERSION, PollOptions, RetryOptions};
pub use ratelimit::RateLimitInfo;
