//! Shared setup for the emulator-backed tests: start the real emulator on 127.0.0.1 (through
//! `iothub_emulator::testing`), build a real client pointed at it, read what it recorded.
#![allow(dead_code, clippy::unwrap_used)]

use std::{sync::Arc, time::Duration};

use iothub_arm::{ArmClient, ClientOptions, RetryOptions, StaticTokenCredential};
use iothub_emulator::{Emulator, RecordedRequest, Scenario, testing};
use time::{OffsetDateTime, format_description::well_known::Rfc3339};

pub const SUB: &str = iothub_emulator::DEFAULT_SUBSCRIPTION;
pub const RG: &str = iothub_emulator::DEFAULT_RESOURCE_GROUP;
pub const HUB: &str = iothub_emulator::DEFAULT_HUB;

/// Emulated time runs this much faster than real time in these tests.
pub const TIME_SCALE: f64 = 0.05;

pub async fn emulator(scenario: Scenario) -> Emulator {
    testing::start(scenario, TIME_SCALE)
        .await
        .expect("emulator starts")
}

pub async fn emulator_yaml(yaml: &str) -> Emulator {
    testing::start_yaml(yaml, TIME_SCALE)
        .await
        .expect("emulator starts")
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
    testing::requests_matching(emu, method, needle)
}

pub fn arrival(r: &RecordedRequest) -> OffsetDateTime {
    OffsetDateTime::parse(&r.time, &Rfc3339).expect("RFC 3339 arrival time")
}
