//! Shared test helpers of this crate's suites: talk to the emulator over real HTTP on 127.0.0.1,
//! locate the official fixtures, and validate bodies against the spec's response schemas.
//! Starting it and bounded polls come from the crate's `testing` feature.
#![allow(dead_code, unused_imports, clippy::unwrap_used)]

pub use iothub_emulator::testing::{count_requests, eventually, failover_posts, requests_matching};
use iothub_emulator::{Emulator, EmulatorConfig, Scenario, testing};
use serde_json::Value;
use std::time::Duration;

pub const API: &str = "api-version=2023-06-30";
pub const SUB: &str = "00000000-0000-0000-0000-000000000000";
pub const RG: &str = "myResourceGroup";
pub const HUB: &str = "myIoTHub";

pub fn fixtures() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/arm/2023-06-30")
}

pub fn fixture(name: &str) -> Value {
    let text = std::fs::read_to_string(fixtures().join(name)).expect("fixture readable");
    serde_json::from_str(&text).expect("fixture is JSON")
}

/// Emulated time runs 1000x faster than real time in these tests.
pub const TIME_SCALE: f64 = 0.001;

/// Test config: `TIME_SCALE`, no cooldown (for tests that change other settings).
pub fn fast() -> EmulatorConfig {
    EmulatorConfig {
        time_scale: TIME_SCALE,
        ..EmulatorConfig::default()
    }
}

pub async fn start(scenario: Scenario) -> Emulator {
    testing::start(scenario, TIME_SCALE)
        .await
        .expect("emulator starts")
}

pub async fn start_yaml(yaml: &str) -> Emulator {
    testing::start_yaml(yaml, TIME_SCALE)
        .await
        .expect("emulator starts")
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

pub fn hub_path(sub: &str, rg: &str, hub: &str) -> String {
    format!("/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Devices/IotHubs/{hub}")
}

pub fn default_hub_url(emu: &Emulator, suffix: &str) -> String {
    format!(
        "{}{}{}?{API}",
        emu.base_url(),
        hub_path(SUB, RG, HUB),
        suffix
    )
}

pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    }
}

async fn answer(resp: reqwest::Response) -> Answer {
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let bytes = resp.bytes().await.unwrap();
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).expect("JSON body")
    };
    Answer {
        status,
        headers,
        body,
    }
}

pub async fn get(url: &str) -> Answer {
    answer(
        client()
            .get(url)
            .bearer_auth("test-token")
            .send()
            .await
            .unwrap(),
    )
    .await
}

pub async fn post(url: &str, body: &Value) -> Answer {
    answer(
        client()
            .post(url)
            .bearer_auth("test-token")
            .json(body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

pub async fn failover(emu: &Emulator, region: &str) -> Answer {
    post(
        &default_hub_url(emu, "/failover"),
        &serde_json::json!({ "failoverRegion": region }),
    )
    .await
}

/// `eventually`, failing the test with `what` if `check` never returns `Some` within `limit`.
pub async fn until<T, F, Fut>(limit: Duration, what: &str, check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    eventually(limit, check)
        .await
        .unwrap_or_else(|e| panic!("waiting for {what}: {e}"))
}

/// Polls the async-operation URL until the status is terminal; returns the final body.
pub async fn wait_operation(async_url: &str) -> Value {
    until(Duration::from_secs(10), "operation to finish", || async {
        let a = get(async_url).await;
        assert_eq!(a.status, 200);
        (a.body["status"] != "InProgress").then_some(a.body)
    })
    .await
}

/// The spec, and validators for its definitions.
pub struct Spec {
    pub doc: Value,
}

impl Spec {
    pub fn load() -> Spec {
        Spec {
            doc: fixture("iothub.json"),
        }
    }

    /// The schema `$ref` of `method path` for `status` (or `default`), if the spec has a body.
    pub fn response_ref(&self, method: &str, template: &str, status: u16) -> Option<String> {
        let op = &self.doc["paths"][template][method.to_lowercase()];
        assert!(
            op.is_object(),
            "no operation {method} {template} in the spec"
        );
        let responses = &op["responses"];
        let response = responses
            .get(status.to_string())
            .or_else(|| (status >= 400).then(|| &responses["default"]))
            .unwrap_or_else(|| panic!("status {status} not declared for {method} {template}"));
        response["schema"]["$ref"].as_str().map(str::to_owned)
    }

    /// Validates `body` against the response schema of `method template` for `status`.
    pub fn check(&self, method: &str, template: &str, status: u16, body: &Value) {
        match self.response_ref(method, template, status) {
            Some(reference) => self.check_ref(&reference, body),
            None => assert!(
                body.is_null(),
                "{method} {template} {status} declares no body, got {body}"
            ),
        }
    }

    pub fn check_ref(&self, reference: &str, body: &Value) {
        let mut root = self.doc.clone();
        root["$ref"] = Value::String(reference.to_owned());
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft4)
            .should_validate_formats(true)
            .with_format("date-time-rfc1123", |s: &str| {
                time::PrimitiveDateTime::parse(
                    s.trim_end_matches(" GMT"),
                    time::macros::format_description!(
                        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second]"
                    ),
                )
                .is_ok()
                    && s.ends_with(" GMT")
            })
            .build(&root)
            .expect("spec compiles as a schema");
        let errors: Vec<String> = validator
            .iter_errors(body)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{reference}: {body} does not conform: {errors:#?}"
        );
    }
}

pub const T_HUB: &str = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Devices/IotHubs/{resourceName}";
pub const T_LIST_RG: &str = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Devices/IotHubs";
pub const T_LIST_SUB: &str = "/subscriptions/{subscriptionId}/providers/Microsoft.Devices/IotHubs";
pub const T_STATS: &str = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Devices/IotHubs/{resourceName}/IotHubStats";
pub const T_QUOTA: &str = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Devices/IotHubs/{resourceName}/quotaMetrics";
pub const T_HEALTH: &str = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Devices/IotHubs/{iotHubName}/routingEndpointsHealth";
pub const T_FAILOVER: &str = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Devices/IotHubs/{iotHubName}/failover";

/// Sends `POST .../failover` on a raw socket and closes it without reading anything.
pub async fn post_failover_and_hang_up(emu: &Emulator) {
    let body = r#"{"failoverRegion":"westus"}"#;
    let request = format!(
        "POST {}/failover?{API} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer t\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        hub_path(SUB, RG, HUB),
        emu.local_addr(),
        body.len()
    );
    let mut socket = tokio::net::TcpStream::connect(emu.local_addr())
        .await
        .unwrap();
    tokio::io::AsyncWriteExt::write_all(&mut socket, request.as_bytes())
        .await
        .unwrap();
    tokio::io::AsyncWriteExt::flush(&mut socket).await.unwrap();
    drop(socket);
}
