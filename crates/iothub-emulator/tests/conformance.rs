//! Every operation's answer, success and error, validates against its response schema in the
//! official `iothub.json` (the `$ref`s resolved into `#/definitions`).
#![allow(clippy::unwrap_used)]

mod common;
use common::*;
use serde_json::json;

const SCENARIO: &str = r#"
page_size: 2
hubs:
  - name: myIoTHub
    endpoints: { events: healthy, archive: unhealthy, alerts: dead, cold: unknown, slow: degraded }
    quotas: { TotalMessages: [1200, 400000], TotalDeviceCount: [1200, 500000], Extra: [1, 2] }
    tags: { env: test }
    ip_filter_rules: [{ name: r1, action: Accept, ip_mask: 10.0.0.0/8 }]
    network_rule_sets: { default_action: Deny, apply_to_built_in_event_hub_endpoint: true, ip_rules: [{ name: r1, action: Allow, ip_mask: 10.0.0.1 }] }
  - name: second-hub
  - name: third-hub
"#;

#[tokio::test]
async fn success_bodies_conform() {
    let spec = Spec::load();
    let emu = start_yaml(SCENARIO).await;
    let base = emu.base_url().to_owned();

    let hub = get(&default_hub_url(&emu, "")).await;
    assert_eq!(hub.status, 200);
    spec.check("GET", T_HUB, 200, &hub.body);

    for (template, url) in [
        (
            T_LIST_RG,
            format!(
                "{base}/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Devices/IotHubs?{API}"
            ),
        ),
        (
            T_LIST_SUB,
            format!("{base}/subscriptions/{SUB}/providers/Microsoft.Devices/IotHubs?{API}"),
        ),
        (T_QUOTA, default_hub_url(&emu, "/quotaMetrics")),
        (T_HEALTH, default_hub_url(&emu, "/routingEndpointsHealth")),
    ] {
        // Every page, following nextLink, conforms.
        let mut next = Some(url);
        let mut pages = 0;
        while let Some(url) = next {
            let page = get(&url).await;
            assert_eq!(page.status, 200, "{url}");
            spec.check("GET", template, 200, &page.body);
            next = page.body["nextLink"].as_str().map(str::to_owned);
            pages += 1;
        }
        assert!(pages >= 2, "{template} should page with page_size 2");
    }

    let stats = get(&default_hub_url(&emu, "/IotHubStats")).await;
    assert_eq!(stats.status, 200);
    spec.check("GET", T_STATS, 200, &stats.body);

    let accepted = failover(&emu, "westus").await;
    assert_eq!(accepted.status, 202);
    spec.check("POST", T_FAILOVER, 202, &accepted.body);
    assert!(accepted.header("azure-asyncoperation").is_some());
    assert!(accepted.header("location").is_some());
    wait_operation(&accepted.header("azure-asyncoperation").unwrap()).await;
    // The hub after failover still conforms.
    spec.check(
        "GET",
        T_HUB,
        200,
        &get(&default_hub_url(&emu, "")).await.body,
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn error_bodies_conform() {
    let spec = Spec::load();
    // A failover that never ends, so the second POST meets it running (409) on any machine.
    let stuck = SCENARIO.replace(
        "    tags: { env: test }\n",
        "    tags: { env: test }\n    failover: { stuck: true }\n",
    );
    assert_ne!(stuck, SCENARIO);
    let emu = start_yaml(&stuck).await;
    let base = emu.base_url().to_owned();
    let unauth = client()
        .get(default_hub_url(&emu, ""))
        .send()
        .await
        .unwrap();
    assert_eq!(unauth.status(), 401);
    let body: serde_json::Value = unauth.json().await.unwrap();
    spec.check("GET", T_HUB, 401, &body);

    let cases = [
        (
            "GET",
            T_HUB,
            format!("{base}{}?{API}", hub_path(SUB, RG, "nope")),
            404,
        ),
        (
            "GET",
            T_HUB,
            format!("{base}{}?{API}", hub_path(SUB, "nope", HUB)),
            404,
        ),
        (
            "GET",
            T_HUB,
            format!("{base}{}", hub_path(SUB, RG, HUB)),
            400,
        ),
        (
            "GET",
            T_STATS,
            format!(
                "{base}{}/IotHubStats?api-version=2018-04-01",
                hub_path(SUB, RG, HUB)
            ),
            400,
        ),
        (
            "GET",
            T_LIST_SUB,
            format!("{base}/subscriptions/other/providers/Microsoft.Devices/IotHubs?{API}"),
            404,
        ),
        (
            "GET",
            T_LIST_RG,
            format!(
                "{base}/subscriptions/{SUB}/resourceGroups/nope/providers/Microsoft.Devices/IotHubs?{API}"
            ),
            404,
        ),
        (
            "GET",
            T_QUOTA,
            format!(
                "{base}{}/quotaMetrics?{API}&$skiptoken=x",
                hub_path(SUB, RG, HUB)
            ),
            400,
        ),
        (
            "GET",
            T_HEALTH,
            format!(
                "{base}{}/routingEndpointsHealth?{API}",
                hub_path(SUB, RG, "nope")
            ),
            404,
        ),
    ];
    for (method, template, url, status) in cases {
        let a = get(&url).await;
        assert_eq!(a.status, status, "{url}");
        spec.check(method, template, status, &a.body);
    }
    for (body, status) in [
        (json!({"failoverRegion": "eastus"}), 400),
        (json!({}), 400),
        (json!({"failoverRegion": "westus"}), 202),
        (json!({"failoverRegion": "westus"}), 409),
    ] {
        let a = post(&default_hub_url(&emu, "/failover"), &body).await;
        assert_eq!(a.status, status, "{body}");
        spec.check("POST", T_FAILOVER, status, &a.body);
    }
    emu.shutdown().await;
}
