//! Azure's failover limits as the emulator enforces them: a cooldown after the last failover
//! ended, and at most N completed failovers per direction in any rolling 24 h, from
//! `EmulatorConfig` or per hub in the scenario, scaled by the time scale, refused with the RP's
//! flat `ErrorDetails` naming when the next failover is allowed.
#![allow(clippy::unwrap_used)]

mod common;
use common::*;
use iothub_emulator::{Emulator, EmulatorConfig, Scenario};
use std::time::Duration;

/// Fails the default hub over to `region` and waits for it to end; asserts it succeeded.
async fn fail_over(emu: &Emulator, region: &str) {
    let accepted = failover(emu, region).await;
    assert_eq!(accepted.status, 202, "{:?}", accepted.body);
    let done = wait_operation(&accepted.header("azure-asyncoperation").unwrap()).await;
    assert_eq!(done["status"], "Succeeded");
}

#[tokio::test]
async fn cooldown_refusal_says_when_the_next_failover_is_allowed() {
    let config = EmulatorConfig {
        time_scale: 0.001,
        // 10 h emulated = 36 s real: never waited out by this test.
        failover_cooldown: Duration::from_secs(36_000),
        ..EmulatorConfig::default()
    };
    let emu = Emulator::start(Scenario::default_scenario(), config)
        .await
        .unwrap();
    fail_over(&emu, "westus").await;
    let refused = failover(&emu, "westus2").await;
    assert_eq!(refused.status, 400);
    assert_eq!(refused.body["code"], "FailoverNotAllowed");
    assert_eq!(refused.body["httpStatusCode"], "BadRequest");
    assert!(refused.body.get("error").is_none(), "the RP's flat shape");
    assert_eq!(
        refused.header("x-ms-error-code").as_deref(),
        Some("FailoverNotAllowed")
    );
    let message = refused.body["message"].as_str().unwrap();
    assert!(message.contains("failed over recently"), "{message}");
    assert!(
        regex_like_time(message),
        "names the UTC time of the next allowed failover: {message}"
    );
}

/// Whether `text` holds "(at YYYY-MM-DDTHH:MM:SS...Z)".
fn regex_like_time(text: &str) -> bool {
    text.rsplit("(at ")
        .next()
        .filter(|_| text.contains("(at "))
        .is_some_and(|rest| {
            let t = rest.split(')').next().unwrap_or_default();
            time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).is_ok()
        })
}

#[tokio::test]
async fn third_failover_in_one_direction_within_a_day_is_refused() {
    let config = EmulatorConfig {
        // 24 h emulated = 86 s real: the whole test runs inside one window.
        time_scale: 0.001,
        failovers_per_direction_per_day: Some(2),
        ..EmulatorConfig::default()
    };
    let emu = Emulator::start(Scenario::default_scenario(), config)
        .await
        .unwrap();
    // Two failovers and two failbacks are allowed.
    fail_over(&emu, "westus").await;
    fail_over(&emu, "westus2").await;
    fail_over(&emu, "westus").await;
    fail_over(&emu, "westus2").await;
    let refused = failover(&emu, "westus").await;
    assert_eq!(refused.status, 400, "{:?}", refused.body);
    assert_eq!(refused.body["code"], "FailoverNotAllowed");
    let message = refused.body["message"].as_str().unwrap();
    assert!(
        message.contains("from 'westus2' to 'westus' 2 times"),
        "{message}"
    );
    assert!(regex_like_time(message), "{message}");
    // Nothing started.
    let hub = get(&default_hub_url(&emu, "")).await.body;
    assert_eq!(hub["location"], "westus2");
    assert_eq!(hub["properties"]["state"], "Active");
}

#[tokio::test]
async fn scenario_limits_override_the_config_per_hub() {
    // The config allows anything; the scenario's hub allows one failover per direction.
    let emu = start_yaml(
        r#"
hubs:
  - name: myIoTHub
    failover: { per_direction_per_day: 1, cooldown: 0s }
  - name: otherHub
"#,
    )
    .await;
    fail_over(&emu, "westus").await;
    fail_over(&emu, "westus2").await;
    let refused = failover(&emu, "westus").await;
    assert_eq!(refused.status, 400, "{:?}", refused.body);
    assert_eq!(refused.body["code"], "FailoverNotAllowed");

    // A hub without limits in the scenario follows the config: no limit.
    let other = format!(
        "{}{}/failover?{API}",
        emu.base_url(),
        hub_path(SUB, RG, "otherHub")
    );
    for region in ["westus", "westus2", "westus"] {
        let a = post(&other, &serde_json::json!({ "failoverRegion": region })).await;
        assert_eq!(a.status, 202, "{:?}", a.body);
        wait_operation(&a.header("azure-asyncoperation").unwrap()).await;
    }
}

#[tokio::test]
async fn scenario_cooldown_overrides_the_config() {
    // The config has no cooldown; this hub's scenario asks for 10 h (36 s real at 0.001).
    let emu = start_yaml(
        r#"
hubs:
  - name: myIoTHub
    failover: { cooldown: 10h }
"#,
    )
    .await;
    fail_over(&emu, "westus").await;
    let refused = failover(&emu, "westus2").await;
    assert_eq!(refused.status, 400, "{:?}", refused.body);
    let message = refused.body["message"].as_str().unwrap();
    assert!(message.contains("failed over recently"), "{message}");
}
