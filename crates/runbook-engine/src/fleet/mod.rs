//! Fleet drills: one runbook, many hubs, within ARM's throttling budget.
//!
//! `resolve` turns a runbook's `targets:` into hubs (the list as written, or a selector read
//! through ARM's list APIs and filtered by resource group glob, name glob and tags);
//! `select` orders them (`rollout.order`) and narrows them (`--target`, `--limit`); `run` drills
//! each hub with its own `Engine`, DR log, journal and hub lock, at most `max_concurrency` at
//! once, and stops starting hubs once `max_errors` have failed; `log` is the fleet log (one
//! record per hub) and the fleet's exit code. Clients come from a `ClientSource`, one per
//! subscription, so every hub of a subscription shares its ARM budget. The fleet never prints:
//! it reports to a `FleetObserver`.

pub mod glob;
pub mod log;
pub mod resolve;
pub mod run;
pub mod select;

pub use log::{FleetCounts, FleetHubRecord, FleetHubStatus, FleetLog, fleet_exit_code};
pub use resolve::{ClientSource, resolve};
pub use run::{FleetHub, FleetObserver, FleetRequest, LockSpec, run_fleet};
