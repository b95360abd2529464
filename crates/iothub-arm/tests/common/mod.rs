//! Shared setup for the emulator-backed tests: start the real emulator on 127.0.0.1,
//! build a real client pointed at it, read what the emulator recorded.
#![allow(dead_code, clippy::unwrap_used)]

use std::{sync::Arc, time::Duration};

use iothub_arm::{ArmClient, ClientOptions, RetryOptions, StaticTokenCredential};
use iothub_emulator::{Emulator, EmulatorConfig, RecordedRequest, Scenario};
use time::{OffsetDateTime, format_description::well_known::Rfc3339};

pub const SUB: &str = iothub_emulator::DEFAULT_SUBSCRIPTION;
pub const RG: &str = iothub_emulator::DEFAULT_RESOURCE_GROUP;
pub const HUB: &str = iothub_emulator::DEFAULT_HUB;

/// Emulated time runs this much faster than real time in these tests.
pub const TIME_SCALE: f64 = 0.05;

pub async fn emulator(scenario: Scenario) -> Emulator {
    Emulator::start(
        scenario,
        EmulatorConfig {
            time_scale: TIME_SCALE,
            ..EmulatorConfig::default()
        },
    )
    .await
    .expect("emulator starts")
}

pub async fn emulator_yaml(yaml: &str) -> Emulator {
    emulator(Scenario::from_yaml(yaml, "test scenario").expect("scenario parses")).await
}

/// Retries with a tiny backoff, so any wait the tests observe comes from the server.
pub fn fast_options(emu: &Emulator) -> ClientOptions {
    ClientOptions {
        retry: RetryOptions {
            max_retries: 3,
            initial_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(50),
            max_elapsed: Duration::from_secs(30),
        },
        request_timeout: Duration::from_secs(10),
        ..ClientOptions::for_endpoint(url::Url::parse(emu.base_url()).unwrap())
    }
}

pub fn client_with(emu: &Emulator, token: &str, options: ClientOptions) -> ArmClient {
    let _ = emu;
    ArmClient::new(Arc::new(StaticTokenCredential::new(token)), SUB, options).expect("client")
}

pub fn client(emu: &Emulator) -> ArmClient {
    client_with(emu, "emulator-token", fast_options(emu))
}

/// Recorded requests whose method matches and whose path contains `needle`.
pub fn recorded(emu: &Emulator, method: &str, needle: &str) -> Vec<RecordedRequest> {
    emu.requests()
        .into_iter()
        .filter(|r| r.method.eq_ignore_ascii_case(method) && r.path.contains(needle))
        .collect()
}

pub fn arrival(r: &RecordedRequest) -> OffsetDateTime {
    OffsetDateTime::parse(&r.time, &Rfc3339).expect("RFC 3339 arrival time")
}
