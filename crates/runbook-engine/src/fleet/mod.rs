//! The fleet log (one record per hub of a fleet run) and the fleet's exit code.
//!
//! Only the record types live here; resolving, selecting and scheduling hubs, the fleet
//! directory and fleet resume are the `runbook-fleet` crate's, which sits above the engine.

pub mod log;

pub use log::{
    FLEET_LOG_NAME, FleetCounts, FleetHubRecord, FleetHubStatus, FleetLog, FleetShard,
    fleet_exit_code,
};
