//! An ARM-compatible Azure IoT Hub emulator (api-version 2023-06-30), in process or standalone.
//!
//! A `Scenario` (YAML or built in code) seeds hubs and faults; `Emulator::start` serves them on
//! 127.0.0.1 with the shapes and status codes of the official `iothub.json`: get hub, lists by
//! resource group and subscription (paged, absolute `nextLink`), `IotHubStats`, `quotaMetrics`,
//! `routingEndpointsHealth`, and the manual failover long-running operation with its
//! `Azure-AsyncOperation` and `Location` URLs. `GET /_emulator/requests` lists what it received.
//!
//! Fleet scale: `generate` makes N hubs from a template; `throttle` enforces ARM's
//! per-subscription read/write budgets (429 + `Retry-After`).
//!
//! Data flow: `scenario` -> `store` (hubs, each with its own lock, see `hub`) -> `server`
//! (connections) -> `app` (auth, faults, api-version) -> `route` -> `ops` -> `wire` (JSON).
//! It knows nothing of runbooks and shares no wire types with any client.

mod app;
mod arm_error;
mod clock;
mod detach;
mod duration;
mod error;
mod faults;
mod generate;
mod hub;
mod log;
mod ops;
mod ordered;
mod route;
mod scenario;
mod server;
mod store;
mod throttle;
mod wire;

pub use duration::parse_duration;
pub use error::{EmulatorError, ScenarioError};
pub use log::RecordedRequest;
pub use ordered::OrderedMap;
pub use scenario::{
    AfterEffects, BucketSpec, DEFAULT_HUB, DEFAULT_RESOURCE_GROUP, DEFAULT_SUBSCRIPTION, Devices,
    DevicesPatch, EndpointHealth, EventHubSeed, FailoverSeed, FaultRule, Generate, HubSeed,
    IpFilterRuleSeed, NetworkRuleSetSeed, OperationErrorSeed, Outcome, ResourceGroupSeed, Scenario,
    SkuSeed, Throttling,
};
pub use server::{Emulator, EmulatorConfig};
/// The only api-version served.
pub use wire::API_VERSION;
