//! What the engine's integration tests share: an emulator on 127.0.0.1 at a small time scale,
//! the real ARM client pointed at it, a runbook written to a temporary directory and prepared
//! as the CLI prepares one, and a `SessionRequest` for it with a journal, a DR log, a hub lock
//! and a history directory, all inside that directory. (Kept minimal and local until the
//! emulator's shared `testing` helpers reach this branch.)

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use iothub_arm::{ArmClient, ClientOptions, StaticTokenCredential, TokenCredential};
use iothub_emulator::{
    DEFAULT_HUB, DEFAULT_RESOURCE_GROUP, DEFAULT_SUBSCRIPTION, Emulator, EmulatorConfig,
    RecordedRequest, Scenario,
};
use runbook_engine::session::{HubKey, journal_path};
use runbook_engine::{
    AutoApprove, CancellationToken, ChangesInFlight, Clock, CooldownPolicy, HistoryPlan,
    JournalPlan, LockPlan, Prepared, PriorRun, RunRequest, SessionDeps, SessionRequest, prepare,
};

/// Emulated seconds per real second: a 2 s failover takes 20 ms.
pub const SCALE: f64 = 0.01;

/// A drill without prechecks: fail over, wait, check where the hub is.
pub const DRILL: &str = r#"
version: 1
name: engine-test-drill
target:
  subscription: 00000000-0000-0000-0000-000000000000
  resource_group: myResourceGroup
  hub: myIoTHub
steps:
  - id: pre
    snapshot-metrics: {}
  - id: fo
    failover: {}
  - id: wait
    await: { operation: fo, timeout: 1h, interval: 5s }
  - id: post
    validate: { state: Active, location: westus }
"#;

/// The emulator with its default hub (westus2, paired with westus).
pub async fn emulator() -> Emulator {
    start(Scenario::single_hub(
        DEFAULT_SUBSCRIPTION,
        DEFAULT_RESOURCE_GROUP,
        DEFAULT_HUB,
    ))
    .await
}

/// As `emulator`, with the hub's failovers taking `duration` (emulated time).
pub async fn emulator_with_failover(duration: std::time::Duration) -> Emulator {
    let mut scenario =
        Scenario::single_hub(DEFAULT_SUBSCRIPTION, DEFAULT_RESOURCE_GROUP, DEFAULT_HUB);
    scenario.hubs[0].failover.duration = duration;
    start(scenario).await
}

/// The emulator seeded from a scenario in YAML, as `runbook emulator --scenario` reads one.
pub async fn emulator_yaml(yaml: &str) -> Emulator {
    start(Scenario::from_yaml(yaml, "engine-test").expect("scenario")).await
}

/// `scenario` served at the tests' time scale.
async fn start(scenario: Scenario) -> Emulator {
    let config = EmulatorConfig {
        time_scale: SCALE,
        ..EmulatorConfig::default()
    };
    Emulator::start(scenario, config)
        .await
        .expect("emulator starts")
}

pub fn client(emu: &Emulator) -> ArmClient {
    let endpoint = url::Url::parse(emu.base_url()).expect("url");
    let credential: Arc<dyn TokenCredential> = Arc::new(StaticTokenCredential::new("emulator"));
    ArmClient::new(
        credential,
        DEFAULT_SUBSCRIPTION,
        ClientOptions::for_emulator(endpoint, SCALE),
    )
    .expect("client")
}

/// Writes `yaml` as `drill.yaml` in `dir` and prepares it (no `--set`).
pub fn prepared(dir: &Path, yaml: &str) -> Prepared {
    let path = dir.join("drill.yaml");
    std::fs::write(&path, yaml).expect("write runbook");
    prepare(&path, &[]).expect("runbook prepares")
}

/// A session as `exec` builds one, everything inside `dir`: the DR log `dr.json`, its journal
/// `dr.json.jsonl` (created, or appended to when `prior` is given), the hub lock in
/// `dir/locks`, the history read from `dir`.
pub fn request(dir: &Path, p: &Prepared, prior: Option<PriorRun>) -> SessionRequest {
    let log = dir.join("dr.json");
    let journal = journal_path(&log);
    SessionRequest {
        run: RunRequest {
            runbook: p.loaded.runbook.clone(),
            identity: p.identity.clone(),
            params: p.params.values.clone(),
            target: p.target.clone(),
            dry_run: false,
            log_path: log.display().to_string(),
            run_id: "engine-test".to_string(),
            cooldown: CooldownPolicy::Enforce,
        },
        journal: if prior.is_some() {
            JournalPlan::Append(journal)
        } else {
            JournalPlan::Create(journal)
        },
        prior,
        log_file: Some(log),
        lock: Some(LockPlan {
            dir: locks(dir),
            key: HubKey::new("emulator.invalid", &p.target),
            command: "exec".to_string(),
        }),
        history: HistoryPlan::Dir(dir.to_path_buf()),
        secrets: Vec::new(),
    }
}

pub fn locks(dir: &Path) -> PathBuf {
    dir.join("locks")
}

pub fn deps(client: ArmClient) -> SessionDeps {
    SessionDeps {
        client,
        clock: Clock::scaled(SCALE),
        cancel: CancellationToken::new(),
        confirmer: Box::new(AutoApprove),
        reporters: Vec::new(),
        in_flight: ChangesInFlight::new(),
    }
}

/// The failover POSTs the emulator received.
pub fn posts(emu: &Emulator) -> Vec<RecordedRequest> {
    emu.requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/failover"))
        .collect()
}

/// The journal's lines as JSON, each of which must parse.
pub fn journal_lines(dir: &Path) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(dir.join("dr.json.jsonl")).expect("journal");
    text.lines()
        .map(|l| serde_json::from_str(l).expect("every journal line is JSON"))
        .collect()
}
