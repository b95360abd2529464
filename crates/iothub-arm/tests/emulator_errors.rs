//! Error mapping and retries against the real emulator: 404/401 (an expired token too)/403/
//! 409/400, 429 with `Retry-After` honoured, 503 retried, dropped connections, insecure
//! endpoints.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::*;
use iothub_arm::{ArmError, ClientOptions, RetryOptions};

#[tokio::test]
async fn not_found_is_a_clear_404() {
    let emu = emulator(iothub_emulator::Scenario::default_scenario()).await;
    let err = client(&emu).get_hub(RG, "no-such-hub").await.unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    let ArmError::Http {
        status,
        code,
        request_id,
        ..
    } = &err
    else {
        panic!("expected Http, got {err:?}");
    };
    assert_eq!(*status, 404);
    assert!(code.is_some(), "ARM code kept: {err:?}");
    assert!(request_id.is_some(), "x-ms-request-id kept: {err:?}");
    let text = err.to_string();
    assert!(
        text.contains("404") && text.contains("no-such-hub"),
        "{text}"
    );
    // 404 is not retried.
    assert_eq!(recorded(&emu, "GET", "no-such-hub").len(), 1);
    emu.shutdown().await;
}

#[tokio::test]
async fn rejected_token_is_401_naming_the_identity_and_az_login() {
    let emu = emulator(iothub_emulator::Scenario::default_scenario()).await;
    // An empty bearer token is what the emulator (like ARM) refuses.
    let client = client_with(&emu, "", fast_options(&emu));
    let err = client.get_hub(RG, HUB).await.unwrap_err();
    let ArmError::Auth {
        status,
        identity,
        hint,
        code,
        ..
    } = &err
    else {
        panic!("expected Auth, got {err:?}");
    };
    assert_eq!(*status, 401);
    assert_eq!(code.as_deref(), Some("InvalidAuthenticationToken"));
    assert_eq!(&**identity, "a static token");
    assert!(hint.contains("az login"), "{hint}");
    assert!(err.to_string().contains("az login"));
    emu.shutdown().await;
}

#[tokio::test]
async fn an_expired_token_is_401_expired_naming_az_login_and_not_retried() {
    let emu = emulator(iothub_emulator::Scenario::default_scenario()).await;
    // A JWT whose `exp` (2001-09-09) has passed: ARM, and the emulator, refuse it as expired.
    let expired = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJleHAiOjEwMDAwMDAwMDB9.sig";
    let err = client_with(&emu, expired, fast_options(&emu))
        .get_hub(RG, HUB)
        .await
        .unwrap_err();
    let ArmError::Auth {
        status, code, hint, ..
    } = &err
    else {
        panic!("expected Auth, got {err:?}");
    };
    assert_eq!(*status, 401);
    assert_eq!(code.as_deref(), Some("ExpiredAuthenticationToken"));
    assert!(hint.contains("az login"), "{hint}");
    let text = err.to_string();
    assert!(
        text.contains("9/9/2001"),
        "ARM's message names the expiry: {text}"
    );
    assert!(
        !text.contains(expired),
        "the token stays out of the error: {text}"
    );
    assert_eq!(recorded(&emu, "GET", HUB).len(), 1, "a 401 is not retried");
    emu.shutdown().await;
}

#[tokio::test]
async fn forbidden_is_403_naming_the_role() {
    let emu = emulator_yaml(
        "hubs:\n  - { name: myIoTHub }\nfaults:\n  - { method: POST, path: failover, status: 403, code: AuthorizationFailed, message: 'no failover/action' }\n",
    )
    .await;
    let err = client(&emu)
        .begin_manual_failover(RG, HUB, "westus")
        .await
        .unwrap_err();
    let ArmError::Auth {
        status,
        code,
        hint,
        message,
        ..
    } = &err
    else {
        panic!("expected Auth, got {err:?}");
    };
    assert_eq!(*status, 403);
    assert_eq!(code.as_deref(), Some("AuthorizationFailed"));
    assert!(message.contains("no failover/action"));
    assert!(
        hint.contains("Contributor") && hint.contains("failover/action"),
        "{hint}"
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn wrong_region_is_400_and_second_failover_is_409() {
    let emu = emulator_yaml("hubs:\n  - { name: myIoTHub, failover: { duration: 60s } }\n").await;
    let client = client(&emu);

    let err = client
        .begin_manual_failover(RG, HUB, "eastus")
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400), "{err:?}");
    assert!(matches!(err, ArmError::Http { .. }));
    assert!(err.to_string().contains("400"));

    client
        .begin_manual_failover(RG, HUB, "westus")
        .await
        .unwrap();
    let err = client
        .begin_manual_failover(RG, HUB, "westus")
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(409), "{err:?}");
    assert!(err.code().is_some());
    // Neither 400 nor 409 is retried: exactly three POSTs reached the emulator.
    assert_eq!(recorded(&emu, "POST", "/failover").len(), 3);
    emu.shutdown().await;
}

#[tokio::test]
async fn throttling_waits_for_retry_after() {
    // retry_after 4s at time scale 0.05 -> retry-after-ms 200; the client's own backoff is 1 ms.
    let emu = emulator_yaml(
        "hubs:\n  - { name: myIoTHub }\nfaults:\n  - { method: GET, path: IotHubStats, status: 429, retry_after: 4s, times: 2 }\n",
    )
    .await;
    let stats = client(&emu).get_stats(RG, HUB).await.unwrap();
    assert_eq!(stats.total_device_count, 1200);

    let calls = recorded(&emu, "GET", "/IotHubStats");
    let statuses: Vec<u16> = calls.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [429, 429, 200]);
    for pair in calls.windows(2) {
        let gap = arrival(&pair[1]) - arrival(&pair[0]);
        assert!(
            gap >= time::Duration::milliseconds(190),
            "retry came after {gap}, before the 200 ms the server asked for"
        );
    }
    emu.shutdown().await;
}

#[tokio::test]
async fn endless_throttling_ends_in_throttled_error() {
    let emu = emulator_yaml(
        "hubs:\n  - { name: myIoTHub }\nfaults:\n  - { method: GET, path: IotHubStats, status: 429, retry_after: 1s }\n",
    )
    .await;
    let err = client(&emu).get_stats(RG, HUB).await.unwrap_err();
    let ArmError::Throttled {
        attempts,
        retry_after,
        ..
    } = &err
    else {
        panic!("expected Throttled, got {err:?}");
    };
    // fast_options allows 3 retries.
    assert_eq!(*attempts, 4);
    assert_eq!(*retry_after, Some(Duration::from_millis(50)));
    assert_eq!(recorded(&emu, "GET", "/IotHubStats").len(), 4);
    emu.shutdown().await;
}

#[tokio::test]
async fn service_unavailable_is_retried() {
    let emu = emulator_yaml(
        "hubs:\n  - { name: myIoTHub }\nfaults:\n  - { method: GET, path: myIoTHub, status: 503, times: 2 }\n",
    )
    .await;
    let hub = client(&emu).get_hub(RG, HUB).await.unwrap();
    assert_eq!(hub.name, HUB);
    let statuses: Vec<u16> = recorded(&emu, "GET", "/IotHubs/myIoTHub")
        .iter()
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, [503, 503, 200]);
    emu.shutdown().await;
}

#[tokio::test]
async fn retries_are_bounded() {
    let emu = emulator_yaml("hubs:\n  - { name: myIoTHub }\nfaults:\n  - { method: GET, path: myIoTHub, status: 500 }\n").await;
    let options = ClientOptions {
        retry: RetryOptions {
            max_retries: 1,
            ..fast_options(&emu).retry
        },
        ..fast_options(&emu)
    };
    let err = client_with(&emu, "t", options)
        .get_hub(RG, HUB)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(500), "{err:?}");
    assert_eq!(recorded(&emu, "GET", "/IotHubs/myIoTHub").len(), 2);
    emu.shutdown().await;
}

#[tokio::test]
async fn dropped_connection_on_get_is_retried() {
    let emu = emulator_yaml(
        "hubs:\n  - { name: myIoTHub }\nfaults:\n  - { method: GET, path: IotHubStats, drop_connection: true, times: 1 }\n",
    )
    .await;
    let stats = client(&emu).get_stats(RG, HUB).await.unwrap();
    assert_eq!(stats.enabled_device_count, 1180);
    let statuses: Vec<u16> = recorded(&emu, "GET", "/IotHubStats")
        .iter()
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, [0, 200], "a dropped attempt, then a good one");
    emu.shutdown().await;
}

#[tokio::test]
async fn dropped_connection_on_failover_post_is_outcome_unknown_and_not_retried() {
    let emu = emulator_yaml(
        "hubs:\n  - { name: myIoTHub, failover: { duration: 60s } }\nfaults:\n  - { method: POST, path: failover, drop_connection: true, after_effect: true, times: 1 }\n",
    )
    .await;
    let client = client(&emu);
    let err = client
        .begin_manual_failover(RG, HUB, "westus")
        .await
        .unwrap_err();
    let ArmError::FailoverOutcomeUnknown { hub, region, .. } = &err else {
        panic!("expected FailoverOutcomeUnknown, got {err:?}");
    };
    assert_eq!(&**hub, client.hub_id(RG, HUB));
    assert_eq!(&**region, "westus");
    assert!(err.to_string().contains("read the hub's state"));
    assert_eq!(
        recorded(&emu, "POST", "/failover").len(),
        1,
        "never sent twice"
    );
    // The engine reconciles by reading the hub: the failover did start.
    assert_eq!(
        client.get_hub(RG, HUB).await.unwrap().state(),
        "FailingOver"
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn throttled_or_unavailable_failover_post_is_retried() {
    let emu = emulator_yaml(
        "hubs:\n  - { name: myIoTHub }\nfaults:\n  - { method: POST, path: failover, status: 503, times: 1 }\n  - { method: POST, path: failover, status: 429, retry_after: 1s, times: 1 }\n",
    )
    .await;
    let op = client(&emu)
        .begin_manual_failover(RG, HUB, "westus")
        .await
        .unwrap();
    assert_eq!(op.region, "westus");
    let statuses: Vec<u16> = recorded(&emu, "POST", "/failover")
        .iter()
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, [503, 429, 202]);
    emu.shutdown().await;
}

#[tokio::test]
async fn gateway_timeout_on_failover_post_is_outcome_unknown() {
    let emu = emulator_yaml("hubs:\n  - { name: myIoTHub }\nfaults:\n  - { method: POST, path: failover, status: 504, times: 1 }\n").await;
    let err = client(&emu)
        .begin_manual_failover(RG, HUB, "westus")
        .await
        .unwrap_err();
    assert!(
        matches!(err, ArmError::FailoverOutcomeUnknown { .. }),
        "{err:?}"
    );
    assert_eq!(recorded(&emu, "POST", "/failover").len(), 1);
    emu.shutdown().await;
}

#[tokio::test]
async fn tokens_go_only_to_https_or_loopback() {
    let token = "super-secret-token-value";
    let make = |endpoint: &str| {
        iothub_arm::ArmClient::new(
            std::sync::Arc::new(iothub_arm::StaticTokenCredential::new(token)),
            SUB,
            ClientOptions::for_endpoint(url::Url::parse(endpoint).unwrap()),
        )
    };
    let err = make("http://management.example.com").unwrap_err();
    assert!(matches!(err, ArmError::InsecureEndpoint { .. }), "{err:?}");
    assert!(err.to_string().contains("https"));
    for ok in [
        "https://management.azure.com",
        "http://127.0.0.1:1",
        "http://[::1]:1",
        "http://localhost:1",
    ] {
        let client = make(ok).unwrap();
        let debug = format!("{client:?}");
        assert!(!debug.contains(token), "{debug}");
        assert!(debug.contains("a static token"), "{debug}");
    }
}

#[tokio::test]
async fn refuses_to_poll_a_plain_http_operation_url() {
    let emu = emulator(iothub_emulator::Scenario::default_scenario()).await;
    let client = client(&emu);
    let mut op = client
        .begin_manual_failover(RG, HUB, "westus")
        .await
        .unwrap();
    op.async_operation_url = Some(url::Url::parse("http://evil.example.com/op").unwrap());
    let err = client.poll_failover(&op).await.unwrap_err();
    assert!(matches!(err, ArmError::InsecureEndpoint { .. }), "{err:?}");
    emu.shutdown().await;
}

#[tokio::test]
async fn refuses_to_send_the_token_to_another_https_host() {
    // A tampered journal or a hostile link could name any https host: the token stays home.
    let emu = emulator(iothub_emulator::Scenario::default_scenario()).await;
    let client = client(&emu);
    let mut op = client
        .begin_manual_failover(RG, HUB, "westus")
        .await
        .unwrap();
    op.async_operation_url = Some(url::Url::parse("https://evil.example.com/op").unwrap());
    let before = emu.requests().len();
    let err = client.poll_failover(&op).await.unwrap_err();
    assert!(matches!(err, ArmError::UntrustedHost { .. }), "{err:?}");
    assert!(err.to_string().contains("evil.example.com"));
    assert_eq!(emu.requests().len(), before, "nothing was sent anywhere");
    emu.shutdown().await;
}

#[tokio::test]
async fn internal_error_on_failover_post_is_outcome_unknown() {
    // ARM may act on a POST and still answer 500: only the hub can tell, so no second POST.
    let emu = emulator_yaml("hubs:\n  - { name: myIoTHub }\nfaults:\n  - { method: POST, path: failover, status: 500, times: 1 }\n").await;
    let err = client(&emu)
        .begin_manual_failover(RG, HUB, "westus")
        .await
        .unwrap_err();
    assert!(
        matches!(err, ArmError::FailoverOutcomeUnknown { .. }),
        "{err:?}"
    );
    assert_eq!(recorded(&emu, "POST", "/failover").len(), 1);
    emu.shutdown().await;
}

#[tokio::test]
async fn unreachable_endpoint_is_a_transport_error_after_retries() {
    // Bind then drop a listener so the port is (almost certainly) closed.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let options = ClientOptions {
        retry: RetryOptions {
            max_retries: 2,
            initial_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(5),
            max_elapsed: Duration::from_secs(30),
        },
        ..ClientOptions::for_endpoint(url::Url::parse(&format!("http://127.0.0.1:{port}")).unwrap())
    };
    let client = iothub_arm::ArmClient::new(
        std::sync::Arc::new(iothub_arm::StaticTokenCredential::new("t")),
        SUB,
        options,
    )
    .unwrap();
    let err = client.get_hub(RG, HUB).await.unwrap_err();
    let ArmError::Transport { attempts, .. } = &err else {
        panic!("expected Transport, got {err:?}");
    };
    assert_eq!(*attempts, 3);
    // A connect failure means the POST never left: it is retried too, and then reported
    // as a transport error, not as an unknown outcome.
    let err = client
        .begin_manual_failover(RG, HUB, "westus")
        .await
        .unwrap_err();
    assert!(
        matches!(err, ArmError::Transport { attempts: 3, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn errors_never_carry_the_token() {
    let emu = emulator_yaml(
        "hubs:\n  - { name: myIoTHub }\nfaults:\n  - { method: GET, path: myIoTHub, status: 403 }\n",
    )
    .await;
    let token = "tok-0123456789-secret";
    let err = client_with(&emu, token, fast_options(&emu))
        .get_hub(RG, HUB)
        .await
        .unwrap_err();
    assert!(!err.to_string().contains(token));
    assert!(!format!("{err:?}").contains(token));
    emu.shutdown().await;
}

#[tokio::test]
async fn a_retry_after_beyond_the_budget_is_reported_not_slept() {
    // Unscaled emulator: Retry-After 3600 s; the client's budget is 30 s.
    let scenario = iothub_emulator::Scenario::from_yaml(
        "hubs:\n  - { name: myIoTHub }\nfaults:\n  - { method: GET, path: IotHubStats, status: 429, retry_after: 3600s }\n",
        "test",
    )
    .unwrap();
    let emu =
        iothub_emulator::Emulator::start(scenario, iothub_emulator::EmulatorConfig::default())
            .await
            .unwrap();
    let err = client(&emu).get_stats(RG, HUB).await.unwrap_err();
    let ArmError::Throttled {
        attempts,
        retry_after,
        ..
    } = &err
    else {
        panic!("expected Throttled, got {err:?}");
    };
    assert_eq!(*attempts, 1);
    assert_eq!(*retry_after, Some(Duration::from_secs(3600)));
    assert!(err.to_string().contains("3600000 ms"), "{err}");
    emu.shutdown().await;
}
