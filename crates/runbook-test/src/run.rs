//! Running one case: its own emulator on 127.0.0.1, the real ARM client over real HTTP, the
//! real engine, with every wait scaled by the same factor on both sides.
//!
//! case -> `Emulator::start(scenario)` -> `ArmClient` at its URL -> a `Session` as every run
//! has (no lock, no history, no journal, no terminal: events go only to the DR-log builder) -> the DR log, the exit code
//! `runbook exec` would give, and the requests the emulator recorded. Nothing is written to
//! disk, and no failover history is read from it: a case never sees the DR logs of real drills
//! in the working directory.

use std::sync::Arc;
use std::time::{Duration, Instant};

use iothub_arm::{ArmClient, ClientOptions, StaticTokenCredential, TokenCredential};
use iothub_emulator::{Emulator, EmulatorConfig, RecordedRequest};
use runbook_engine::{
    AutoApprove, CancellationToken, ChangesInFlight, Clock, Confirmer, HistoryPlan, JournalPlan,
    NoConfirmer, RunRequest, Session, SessionDeps, SessionRequest,
};
use serde_json::Value;

use crate::load::Case;

/// What one run of a case produced.
#[derive(Debug)]
pub struct CaseRun {
    /// The exit code `runbook exec` would have given.
    pub exit: i32,
    /// The DR log, as JSON.
    pub log: Value,
    pub requests: Vec<RecordedRequest>,
    pub elapsed: Duration,
}

/// Runs `case` at `time_scale` (emulated seconds per real second, e.g. 0.001).
pub async fn run_case(case: &Case, time_scale: f64) -> Result<CaseRun, String> {
    let t0 = Instant::now();
    let config = EmulatorConfig {
        time_scale,
        ..EmulatorConfig::default()
    };
    let emulator = Emulator::start(case.scenario.clone(), config)
        .await
        .map_err(|e| format!("cannot start the emulator: {e}"))?;
    let result = drive(case, &emulator, time_scale).await;
    let requests = emulator.requests();
    emulator.shutdown().await;
    let (exit, log) = result?;
    Ok(CaseRun {
        exit,
        log,
        requests,
        elapsed: t0.elapsed(),
    })
}

async fn drive(case: &Case, emulator: &Emulator, time_scale: f64) -> Result<(i32, Value), String> {
    let p = &case.prepared;
    let endpoint = url::Url::parse(emulator.base_url()).map_err(|e| e.to_string())?;
    let credential: Arc<dyn TokenCredential> = Arc::new(StaticTokenCredential::new("emulator"));
    let client = ArmClient::new(
        credential,
        p.target.subscription.clone(),
        ClientOptions::for_emulator(endpoint, time_scale),
    )
    .map_err(|e| e.to_string())?;
    let confirmer: Box<dyn Confirmer> = if case.yes {
        Box::new(AutoApprove)
    } else {
        Box::new(NoConfirmer)
    };
    let run = RunRequest {
        runbook: p.loaded.runbook.clone(),
        identity: p.identity.clone(),
        params: p.params.values.clone(),
        target: p.target.clone(),
        dry_run: case.dry_run,
        log_path: format!("{}.json", case.name),
        run_id: format!("test-{}", case.name),
        // The hub was born with this case's emulator: no DR log on disk describes it.
        cooldown: runbook_engine::CooldownPolicy::PrivateEmulator,
    };
    // The same session every run goes through, with nothing on disk: no lock (the hub is
    // private), no history, no journal, the DR log kept in memory.
    let session = Session::open(
        SessionRequest {
            run,
            prior: None,
            journal: JournalPlan::None,
            log_file: None,
            lock: None,
            history: HistoryPlan::None,
            secrets: p.params.secret_values(),
        },
        None,
        time_scale,
    )
    .await
    .map_err(|e| e.to_string())?;
    let outcome = session
        .run(SessionDeps {
            client,
            clock: Clock::scaled(time_scale),
            cancel: CancellationToken::new(),
            confirmer,
            reporters: Vec::new(),
            in_flight: ChangesInFlight::new(),
        })
        .await;
    let exit = outcome.exit_code();
    let outcome = outcome.run;
    let log = outcome
        .log
        .as_ref()
        .and_then(|l| serde_json::to_value(l).ok())
        .ok_or_else(|| "the run produced no DR log".to_string())?;
    Ok((exit, log))
}
