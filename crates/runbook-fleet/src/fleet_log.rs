//! The fleet log's lifecycle: `fleet.json` is written before any hub starts, listing every
//! hub (carried over from an earlier run, or not started), so a fleet killed outright still
//! names its hubs for `resume`; it is rewritten once at the end with every hub's outcome, the
//! fleet's exit code and the 429s its clients saw. A resumed fleet keeps its id, start time
//! and parameters (the header).

use std::path::{Path, PathBuf};

use runbook_engine::fleet::log::write;
use runbook_engine::fleet::{
    FLEET_LOG_NAME, FleetCounts, FleetHubRecord, FleetLog, FleetShard, fleet_exit_code,
};
use runbook_engine::{Clock, Redactor};
use serde_json::{Map, Value};

use crate::run::{FleetRequest, FleetResult, blank_record};

/// What the fleet log keeps across exec and resume.
#[derive(Debug, Clone)]
pub struct FleetHeader {
    pub fleet_run_id: String,
    pub started_at: String,
    /// The parameters, secrets masked.
    pub params: Value,
    /// The shard this run drills (`--shard I/N`), kept for `resume`.
    pub shard: Option<FleetShard>,
}

impl FleetHeader {
    /// A new fleet run: a fresh id, started now, its parameters with `secrets` masked.
    pub fn new(params: &Map<String, Value>, secrets: Vec<String>) -> Self {
        let mut params = Value::Object(params.clone());
        Redactor::new(secrets).structured_value(&mut params);
        FleetHeader {
            fleet_run_id: uuid::Uuid::new_v4().to_string(),
            started_at: Clock::now_text(),
            params,
            shard: None,
        }
    }
}

/// The fleet log could not be written.
#[derive(Debug, thiserror::Error)]
#[error("cannot write the fleet log {}: {source}", path.display())]
pub struct FleetLogError {
    pub path: PathBuf,
    pub source: std::io::Error,
}

/// `fleet.json` of one fleet run, from its first write to its last.
#[derive(Debug)]
pub struct FleetLogFile {
    path: PathBuf,
    header: FleetHeader,
}

impl FleetLogFile {
    /// Writes the first fleet log into `dir`: every hub of `req`, none started yet.
    pub fn start(
        dir: &Path,
        header: FleetHeader,
        req: &FleetRequest,
    ) -> Result<Self, FleetLogError> {
        let file = FleetLogFile {
            path: dir.join(FLEET_LOG_NAME),
            header,
        };
        let initial: Vec<FleetHubRecord> = req
            .hubs
            .iter()
            .map(|h| h.done.clone().unwrap_or_else(|| blank_record(h)))
            .collect();
        file.write(&file.log(req, initial, None, 0))?;
        Ok(file)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The final fleet log: every hub's outcome and the 429 answers the fleet's clients saw.
    pub fn finished(&self, req: &FleetRequest, result: &FleetResult, throttled: u64) -> FleetLog {
        self.log(req, result.hubs.clone(), Some(result), throttled)
    }

    /// Writes `log` over the fleet log (atomically).
    pub fn write(&self, log: &FleetLog) -> Result<(), FleetLogError> {
        write(&self.path, log).map_err(|source| FleetLogError {
            path: self.path.clone(),
            source,
        })
    }

    fn log(
        &self,
        req: &FleetRequest,
        hubs: Vec<FleetHubRecord>,
        result: Option<&FleetResult>,
        throttled: u64,
    ) -> FleetLog {
        let interrupted = result.is_some_and(|r| r.interrupted);
        FleetLog {
            schema_version: "1".into(),
            runbook_version: Some(runbook_engine::writer()),
            fleet_run_id: self.header.fleet_run_id.clone(),
            runbook: req.identity.clone(),
            dry_run: req.dry_run,
            started_at: self.header.started_at.clone(),
            ended_at: Clock::now_text(),
            exit_code: fleet_exit_code(&hubs, interrupted),
            max_concurrency: req.max_concurrency,
            max_errors: req.max_errors,
            stopped_by_max_errors: result.is_some_and(|r| r.stopped_by_max_errors),
            interrupted,
            in_process_emulator: req.cooldown == runbook_engine::CooldownPolicy::PrivateEmulator,
            throttled_429s: throttled,
            shard: self.header.shard,
            params: self.header.params.clone(),
            counts: FleetCounts::of(&hubs),
            hubs,
        }
    }
}
