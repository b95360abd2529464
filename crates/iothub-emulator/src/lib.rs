//! An ARM-compatible Azure IoT Hub emulator (api-version 2023-06-30), in process or standalone.
//!
//! A `Scenario` (YAML or built in code) seeds hubs and faults; `Emulator::start` serves them on
//! 127.0.0.1 with the shapes and status codes of the official `iothub.json`: get hub, lists by
//! resource group and subscription (paged, absolute `nextLink`), `IotHubStats`, `quotaMetrics`,
//! `routingEndpointsHealth`, and the manual failover long-running operation with its
//! `Azure-AsyncOperation` and `Location` URLs. `GET /_emulator/requests` lists what it received.
//! Like ARM, a request that reached it takes effect even if the client hangs up (`detach`).
//!
//! For a preflight it also serves the Activity Log (`activity`: seeded past events and its own
//! failovers, ARM's strict `$filter`), management locks (`locks`; a `ReadOnly` lock over a hub
//! refuses its failover with 409 `ScopeLocked`) and the caller's permissions (`permissions`),
//! and `properties.enableDataResidency` (such a hub refuses every failover).
//!
//! Test controls (`control`): fault rules that hold a request until released (`holds`), and
//! failovers that complete only when told (`failover.complete: manual`).
//!
//! Test support: the `testing` cargo feature exposes `testing` (start, bounded polls, log counts).
//!
//! Azure Monitor (`monitor`): each hub's device population (connected devices, telemetry) drops
//! at a failover and reconnects along the scenario's curve; the metrics read serves it in
//! one-minute grains with Azure's aggregation rules and publication delay.
//!
//! Editors: `schema` generates the scenario format's JSON Schema from the scenario types.
//!
//! Fleet scale: `generate` makes N hubs from a template; `throttle` enforces ARM's
//! per-subscription read/write budgets (429 + `Retry-After`).
//!
//! Data flow: `scenario` -> `store` (hubs, each with its own lock, see `hub`) -> `server`
//! (connections) -> `app` (auth, faults, api-version) -> `route` -> `ops` -> `wire` (JSON).
//! It knows nothing of runbooks and shares no wire types with any client.

mod activity;
mod app;
mod arm_error;
mod bearer;
mod clock;
mod control;
mod detach;
mod devices;
mod duration;
mod error;
mod fault_rule;
mod faults;
mod generate;
mod holds;
mod hub;
mod locks;
mod log;
mod monitor;
mod ops;
mod ordered;
mod permissions;
mod preflight_seed;
mod route;
mod scenario;
mod schema;
mod server;
mod store;
#[cfg(feature = "testing")]
pub mod testing;
mod throttle;
mod wire;

pub use duration::parse_duration;
pub use error::{ControlError, EmulatorError, ScenarioError};
pub use holds::HeldRequest;
pub use log::RecordedRequest;
/// The api-versions the Azure Monitor metrics read answers to.
pub use monitor::api::METRICS_API_VERSIONS;
pub use ordered::OrderedMap;
pub use scenario::{
    ActivitySeed, AfterEffects, BucketSpec, Completion, DEFAULT_HUB, DEFAULT_RESOURCE_GROUP,
    DEFAULT_SUBSCRIPTION, Devices, DevicesPatch, EndpointHealth, EventHubSeed, FailoverSeed,
    FaultRule, Generate, HoldStage, HubSeed, IpFilterRuleSeed, LockSeed, MAX_DEVICES, MonitorSeed,
    NetworkRuleSetSeed, OperationErrorSeed, Outcome, PermissionSeed, ReconnectSeed,
    ResourceGroupSeed, Scenario, SkuSeed, Throttling,
};
pub use schema::{SCENARIO_SCHEMA_ID, scenario_schema, scenario_schema_text};
pub use server::{Emulator, EmulatorConfig};
/// The IoT Hub api-version served.
pub use wire::API_VERSION;
