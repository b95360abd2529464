//! Typed ARM payloads for Microsoft.Devices/IotHubs, api-version 2023-06-30.
//!
//! Bodies arrive as JSON from [`crate::transport`] and are deserialized into these
//! types; each type keeps only the fields a DR drill uses and ignores the rest, so
//! new ARM fields never break the client. Names follow the spec (`iothub.json`),
//! in snake_case.

pub mod endpoint_health;
pub mod error_body;
pub mod hub;
pub mod metrics;
pub mod operation_status;
pub mod page;
pub mod quota;
pub mod stats;
pub mod timefmt;

pub use endpoint_health::{EndpointHealth, EndpointHealthStatus};
pub use hub::{HubLocation, IotHub, IotHubProperties, IotHubSku, ReplicaRole};
pub use quota::QuotaMetric;
pub use stats::RegistryStats;
