//! ARM errors: 401 with WWW-Authenticate, 404 ResourceNotFound / ResourceGroupNotFound /
//! SubscriptionNotFound, 400 for api-version, 405 for a wrong method.
#![allow(clippy::unwrap_used)]

mod common;
use common::*;
use iothub_emulator::Scenario;

#[tokio::test]
async fn missing_or_non_bearer_authorization_is_401_with_challenge() {
    let emu = start(Scenario::default_scenario()).await;
    let url = default_hub_url(&emu, "");
    for request in [
        client().get(&url),
        client().get(&url).basic_auth("u", Some("p")),
        client().get(&url).header("authorization", "Bearer "),
    ] {
        let resp = request.send().await.unwrap();
        assert_eq!(resp.status(), 401);
        let challenge = resp.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(challenge.starts_with("Bearer "), "{challenge}");
        let body: serde_json::Value = resp.json().await.unwrap();
        assert!(
            body["error"]["code"] == "AuthenticationFailed"
                || body["error"]["code"] == "InvalidAuthenticationToken"
        );
        // ARM's front door answers auth failures in its own envelope, not the RP's flat shape.
        assert!(body.get("code").is_none(), "{body}");
    }
    // The token never shows up anywhere we expose.
    let resp = client()
        .get(&url)
        .bearer_auth("sekret-token-value")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let log = serde_json::to_string(&emu.requests()).unwrap();
    assert!(!log.contains("sekret"));
}

#[tokio::test]
async fn unknown_hub_group_and_subscription_are_distinct_404s() {
    let emu = start(Scenario::default_scenario()).await;
    let base = emu.base_url();
    let hub = get(&format!("{base}{}?{API}", hub_path(SUB, RG, "otherHub"))).await;
    assert_eq!(hub.status, 404);
    assert_eq!(hub.body["error"]["code"], "ResourceNotFound");
    assert_eq!(
        hub.header("x-ms-error-code").as_deref(),
        Some("ResourceNotFound")
    );
    let rg = get(&format!(
        "{base}{}/IotHubStats?{API}",
        hub_path(SUB, "otherGroup", HUB)
    ))
    .await;
    assert_eq!(rg.status, 404);
    assert_eq!(rg.body["error"]["code"], "ResourceGroupNotFound");
    let sub = get(&format!(
        "{base}{}?{API}",
        hub_path("11111111-1111-1111-1111-111111111111", RG, HUB)
    ))
    .await;
    assert_eq!(sub.status, 404);
    assert_eq!(sub.body["error"]["code"], "SubscriptionNotFound");
    // Names and fixed segments are case-insensitive, as in ARM.
    let upper = get(&format!(
        "{base}{}?{API}",
        hub_path(SUB, &RG.to_uppercase(), &HUB.to_lowercase()).replace("IotHubs", "iothubs")
    ))
    .await;
    assert_eq!(upper.status, 200);
    assert_eq!(upper.body["name"], HUB);
}

#[tokio::test]
async fn api_version_is_required_and_checked() {
    let emu = start(Scenario::default_scenario()).await;
    let plain = format!("{}{}", emu.base_url(), hub_path(SUB, RG, HUB));
    let missing = get(&plain).await;
    assert_eq!(missing.status, 400);
    assert_eq!(missing.body["error"]["code"], "MissingApiVersionParameter");
    let old = get(&format!("{plain}?api-version=2021-07-02")).await;
    assert_eq!(old.status, 400);
    assert_eq!(old.body["error"]["code"], "NoRegisteredProviderFound");
    let junk = get(&format!("{plain}?api-version=latest")).await;
    assert_eq!(junk.status, 400);
    assert_eq!(junk.body["error"]["code"], "InvalidApiVersionParameter");
}

#[tokio::test]
async fn wrong_method_and_unknown_paths() {
    let emu = start(Scenario::default_scenario()).await;
    let put = client()
        .put(default_hub_url(&emu, ""))
        .bearer_auth("t")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 405);
    let get_failover = get(&default_hub_url(&emu, "/failover")).await;
    assert_eq!(get_failover.status, 405);
    let skus = get(&default_hub_url(&emu, "/skus")).await;
    assert_eq!(skus.status, 404);
}
