//! Typed ARM payloads for Microsoft.Devices/IotHubs, api-version 2023-06-30, and the reads a
//! preflight makes elsewhere in ARM: the Activity Log (Microsoft.Insights, 2015-04-01), management
//! locks (2016-09-01) and the caller's permissions (Microsoft.Authorization, 2022-04-01).
//!
//! Bodies arrive as JSON from [`crate::transport`] and are deserialized into these
//! types; each type keeps only the fields a DR drill uses and ignores the rest, so
//! new ARM fields never break the client. Names follow the spec (`iothub.json`),
//! in snake_case.

pub mod activity_log;
pub mod endpoint_health;
pub mod error_body;
pub mod hub;
pub mod lock;
pub mod metrics;
pub mod operation_status;
pub mod page;
pub mod permission;
pub mod quota;
pub mod stats;
pub mod timefmt;

pub use activity_log::{ActivityLog, ActivityLogEvent, LocalizableString};
pub use endpoint_health::{EndpointHealth, EndpointHealthStatus};
pub use hub::{HubLocation, IotHub, IotHubProperties, IotHubSku, ReplicaRole};
pub use lock::{LockLevel, LockOwner, LockProperties, ManagementLock};
pub use permission::{Permission, action_matches, permits};
pub use quota::QuotaMetric;
pub use stats::RegistryStats;
