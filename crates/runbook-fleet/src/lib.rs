//! Fleet drills: one runbook over many hubs, each hub drilled as `runbook exec` drills one.
//!
//! The flow, one way:
//!
//! ```text
//! targets: --resolve--> hubs --select--> hubs in run order --layout--> a directory, a DR log
//!    |                                       per hub --run_fleet (schedule)--> one engine run
//!    | (an explicit `hubs:` list, or a        per hub, at most max_concurrency at once
//!    |  selector listed through ARM)          --> FleetHubRecord per hub --> fleet.json
//! ```
//!
//! - `resolve` turns `targets:` into hubs: the `hubs:` list rendered from the parameters, or a
//!   selector read through ARM's list APIs (resource group glob, name glob, tags); each hub
//!   once (`duplicates`: ARM names are case-insensitive, so entries differing only in case
//!   name one hub; the dropped ones are returned for the caller to report).
//! - `select` orders them (`rollout.order`) and narrows them (`--target`, `--limit`); `limits`
//!   turns the rollout's counts and percentages into numbers.
//! - `shard` keeps one shard's hubs (`--shard I/N`): shards never share a hub or a
//!   subscription's budget (a subscription split between k shards gives each 1/k of it).
//! - `layout` is the fleet directory: created empty, `<hub>.json` (+ journal) per hub.
//! - `run` runs: each hub its own hub lock, journal, engine run and DR log, at most
//!   `max_concurrency` at once; no hub starts once `max_errors` have failed or on Ctrl-C.
//! - `schedule` picks which hub takes a free slot: `rollout.order` first, then the
//!   subscription whose ARM budget answers soonest, so every subscription's budget is spent.
//! - `fleet_log` writes `fleet.json` before any hub starts and rewrites it at the end.
//! - `resume` reads `fleet.json` and the hubs' journals back into a `FleetRequest`.
//! - `clients` gives one ARM client per subscription, each with its own ARM budget, shared by
//!   that subscription's hubs.
//!
//! The fleet never prints: the caller gets results and a `FleetObserver` is told as it goes.
//! The fleet log's types are the engine's (`runbook_engine::fleet`).

pub mod clients;
pub mod duplicates;
pub mod fleet_log;
pub mod glob;
pub mod layout;
pub mod resolve;
pub mod resume;
pub mod run;
pub mod schedule;
pub mod select;
pub mod shard;

pub use clients::{Budgets, Clients, NoClients};
pub use duplicates::{Duplicate, Duplicated};
pub use fleet_log::{FleetHeader, FleetLogError, FleetLogFile};
pub use layout::{LayoutError, is_fleet_path};
pub use resolve::{ClientSource, ListedHub, Resolved, listing_key, resolve};
pub use resume::{ResumeError, ResumePlan, plan_resume};
pub use run::{FleetHub, FleetObserver, FleetRequest, FleetResult, LockSpec, Progress, run_fleet};
pub use select::{limits, select};
pub use shard::{Shard, ShardSpec, partition, shard_of};
