//! Azure Monitor for the emulated hubs: a device population per hub (`population`, driven by
//! the scenario's `monitor:` knobs in `seed`) and the metrics read that serves it (`api`).
//!
//! Data flow: `ops` locks the hub, turns its failovers into outages, builds a `Population`
//! from them and the hub's `monitor:` seed, and asks `api::answer` for the JSON body.

pub(crate) mod api;
pub(crate) mod population;
pub(crate) mod seed;

pub use seed::{MonitorSeed, ReconnectSeed};
