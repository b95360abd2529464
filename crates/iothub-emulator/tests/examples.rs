//! The official examples: a scenario seeded with the example's hub answers what the example
//! shows (ids and times aside, where the example's values cannot be the emulator's).
#![allow(clippy::unwrap_used)]

mod common;
use common::*;
use serde_json::{Value, json};

/// A scenario holding the hub of `iothub_get.json`, written from the example's own values.
fn example_scenario() -> String {
    let ex = fixture("iothub_get.json");
    let p = &ex["parameters"];
    let b = &ex["responses"]["200"]["body"];
    let props = &b["properties"];
    let rules = |list: &Value| -> String {
        let items: Vec<String> = list
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                format!(
                    "{{ name: {}, action: {}, ip_mask: \"{}\" }}",
                    r["filterName"],
                    r["action"],
                    r["ipMask"].as_str().unwrap()
                )
            })
            .collect();
        format!("[{}]", items.join(", "))
    };
    let nrs = &props["networkRuleSets"];
    let events = &props["eventHubEndpoints"]["events"];
    format!(
        r#"
hubs:
  - name: {name}
    resource_group: {rg}
    subscription: {sub}
    location: {location}
    primary: {primary}
    secondary: {secondary}
    state: {state}
    etag: "{etag}"
    host_name: {host}
    min_tls_version: "{tls}"
    created_at: "{created}"
    sku: {{ name: {sku}, capacity: {capacity} }}
    devices: {{ enabled: 0, disabled: 0 }}
    quotas: {{ TotalMessages: [0, 400000], TotalDeviceCount: [0, 500000] }}
    endpoints: {{ events: healthy }}
    ip_filter_rules: {ip_rules}
    network_rule_sets: {{ default_action: {default_action}, apply_to_built_in_event_hub_endpoint: {apply}, ip_rules: {nrs_rules} }}
    event_hub: {{ partition_count: {partitions}, retention_days: {retention}, path: {path}, endpoint: "{endpoint}" }}
"#,
        name = p["resourceName"].as_str().unwrap(),
        rg = p["resourceGroupName"].as_str().unwrap(),
        sub = p["subscriptionId"].as_str().unwrap(),
        location = b["location"].as_str().unwrap(),
        primary = props["locations"][0]["location"],
        secondary = props["locations"][1]["location"],
        state = props["state"].as_str().unwrap(),
        etag = b["etag"].as_str().unwrap(),
        host = props["hostName"].as_str().unwrap(),
        tls = props["minTlsVersion"].as_str().unwrap(),
        created = b["systemData"]["createdAt"].as_str().unwrap(),
        sku = b["sku"]["name"].as_str().unwrap(),
        capacity = b["sku"]["capacity"],
        ip_rules = rules(&props["ipFilterRules"]),
        default_action = nrs["defaultAction"].as_str().unwrap(),
        apply = nrs["applyToBuiltInEventHubEndpoint"],
        nrs_rules = rules(&nrs["ipRules"]),
        partitions = events["partitionCount"],
        retention = events["retentionTimeInDays"],
        path = events["path"].as_str().unwrap(),
        endpoint = events["endpoint"].as_str().unwrap(),
    )
}

fn example_url(emu: &iothub_emulator::Emulator, suffix: &str) -> String {
    let p = &fixture("iothub_get.json")["parameters"];
    format!(
        "{}{}{suffix}?{API}",
        emu.base_url(),
        hub_path(
            p["subscriptionId"].as_str().unwrap(),
            p["resourceGroupName"].as_str().unwrap(),
            p["resourceName"].as_str().unwrap()
        )
    )
}

#[tokio::test]
async fn get_hub_matches_the_example() {
    let emu = start_yaml(&example_scenario()).await;
    let got = get(&example_url(&emu, "")).await;
    assert_eq!(got.status, 200);
    let expected = &fixture("iothub_get.json")["responses"]["200"]["body"];
    assert_eq!(&got.body, expected, "GET hub differs from iothub_get.json");
}

#[tokio::test]
async fn lists_match_the_examples() {
    let emu = start_yaml(&example_scenario()).await;
    let p = fixture("iothub_get.json")["parameters"].clone();
    let sub = p["subscriptionId"].as_str().unwrap();
    let rg = p["resourceGroupName"].as_str().unwrap();
    for (file, url) in [
        (
            "iothub_listbyrg.json",
            format!(
                "{}/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Devices/IotHubs?{API}",
                emu.base_url()
            ),
        ),
        (
            "iothub_listbysubscription.json",
            format!(
                "{}/subscriptions/{sub}/providers/Microsoft.Devices/IotHubs?{API}",
                emu.base_url()
            ),
        ),
    ] {
        let got = get(&url).await;
        assert_eq!(got.status, 200);
        let expected = &fixture(file)["responses"]["200"]["body"];
        let got_hub = &got.body["value"][0];
        let want_hub = &expected["value"][0];
        // The list examples were captured separately; compare the fields both agree the hub has.
        for key in ["id", "name", "type", "location", "tags", "etag", "sku"] {
            assert_eq!(got_hub[key], want_hub[key], "{file}: {key}");
        }
        for key in want_hub["properties"].as_object().unwrap().keys() {
            assert!(
                got_hub["properties"].get(key).is_some(),
                "{file}: properties.{key} missing"
            );
        }
        assert_eq!(
            got.body.as_object().unwrap().keys().collect::<Vec<_>>(),
            vec!["value"],
            "{file}: single page, no nextLink"
        );
    }
}

#[tokio::test]
async fn stats_and_quota_metrics_match_the_examples() {
    let emu = start_yaml(&example_scenario()).await;
    let stats = get(&example_url(&emu, "/IotHubStats")).await;
    assert_eq!(
        stats.body,
        fixture("iothub_stats.json")["responses"]["200"]["body"]
    );
    let quota = get(&example_url(&emu, "/quotaMetrics")).await;
    assert_eq!(
        quota.body,
        fixture("iothub_quotametrics.json")["responses"]["200"]["body"]
    );
}

#[tokio::test]
async fn endpoint_health_matches_the_example_times_aside() {
    let expected = fixture("iothub_routingendpointhealth.json")["responses"]["200"]["body"].clone();
    let endpoints: Vec<String> = expected["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{}: {}",
                e["endpointId"].as_str().unwrap(),
                e["healthStatus"].as_str().unwrap()
            )
        })
        .collect();
    let emu = start_yaml(&format!(
        "hubs:\n  - name: testHub\n    endpoints: {{ {} }}\n",
        endpoints.join(", ")
    ))
    .await;
    let got = get(&format!(
        "{}{}/routingEndpointsHealth?{API}",
        emu.base_url(),
        hub_path(SUB, RG, "testHub")
    ))
    .await;
    assert_eq!(got.status, 200);
    let redact = |v: &Value| -> Value {
        let mut v = v.clone();
        for item in v["value"].as_array_mut().unwrap() {
            for (key, value) in item.as_object_mut().unwrap() {
                if key.ends_with("Time") {
                    *value = json!("<time>");
                }
            }
        }
        v
    };
    assert_eq!(redact(&got.body), redact(&expected));
}

#[tokio::test]
async fn failover_answers_like_the_example() {
    let ex = fixture("IotHub_ManualFailover.json");
    let headers = &ex["responses"]["202"]["headers"];
    let emu = start_yaml(&example_scenario()).await;
    let secondary = fixture("iothub_get.json")["responses"]["200"]["body"]["properties"]["locations"][1]["location"]
        .as_str()
        .unwrap()
        .to_owned();
    let got = post(
        &example_url(&emu, "/failover"),
        &json!({ "failoverRegion": secondary }),
    )
    .await;
    assert_eq!(got.status, 202);
    assert!(got.body.is_null(), "202 has no body");
    for (name, example) in [
        ("azure-asyncoperation", &headers["Azure-AsyncOperation"]),
        ("location", &headers["Location"]),
    ] {
        let ours = url::Url::parse(&got.header(name).unwrap()).unwrap();
        let theirs = url::Url::parse(example.as_str().unwrap()).unwrap();
        assert_eq!(ours.origin().ascii_serialization(), emu.base_url());
        let prefix = |u: &url::Url| u.path().rsplit_once('/').unwrap().0.to_owned();
        assert_eq!(
            prefix(&ours),
            prefix(&theirs),
            "{name}: operationResults path"
        );
        let keys = |u: &url::Url| {
            let mut k: Vec<String> = u.query_pairs().map(|(k, _)| k.into_owned()).collect();
            k.sort();
            k
        };
        assert_eq!(keys(&ours), keys(&theirs), "{name}: query parameters");
    }
}
