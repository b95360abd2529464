//! The reads a preflight makes, over real HTTP: the Activity Log (seeded past events and the
//! emulator's own failovers, ARM's strict `$filter`, paging), management locks per scope (and a
//! `ReadOnly` lock refusing a failover with `ScopeLocked`), the caller's permissions, and
//! `enableDataResidency`. Bodies are validated against the vendored official specs.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use serde_json::{Value, json};
use std::time::Duration;
use time::{OffsetDateTime, format_description::well_known::Rfc3339};

fn spec(folder: &str, name: &str) -> Spec {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/arm")
        .join(folder)
        .join(name);
    Spec {
        doc: serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap(),
    }
}

fn hub_id() -> String {
    hub_path(SUB, RG, HUB)
}

fn stamp(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap()
}

/// `$filter` percent-encoded with `%20`, as a careful client sends it.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn activity_url(emu: &iothub_emulator::Emulator, filter: &str) -> String {
    format!(
        "{}/subscriptions/{SUB}/providers/Microsoft.Insights/eventtypes/management/values?api-version=2015-04-01&$filter={}",
        emu.base_url(),
        encode(filter)
    )
}

/// The last two hours, narrowed to the default hub.
fn hub_filter() -> String {
    let now = OffsetDateTime::now_utc();
    format!(
        "eventTimestamp ge '{}' and eventTimestamp le '{}' and resourceUri eq '{}'",
        stamp(now - Duration::from_secs(7200)),
        stamp(now + Duration::from_secs(60)),
        hub_id()
    )
}

const SEEDED: &str = r#"
hubs:
  - name: myIoTHub
    activity_log:
      - { operation: MICROSOFT.DEVICES/IOTHUBS/FAILOVER/ACTION, status: Started, time: -20m, correlation_id: past-1 }
      - { operation: microsoft.devices/iothubs/failover/action, status: Succeeded, time: -18m, correlation_id: past-1 }
      - { operation: Microsoft.Devices/IotHubs/write, status: Succeeded, time: -3h }
  - name: otherHub
    activity_log:
      - { operation: Microsoft.Devices/IotHubs/failover/action, status: Succeeded, time: -10m }
"#;

#[tokio::test]
async fn activity_log_holds_seeded_events_and_the_emulators_own_failovers() {
    let emu = start_yaml(SEEDED).await;
    let accepted = failover(&emu, "westus").await;
    assert_eq!(accepted.status, 202);
    wait_operation(&accepted.header("azure-asyncoperation").unwrap()).await;

    let a = get(&activity_url(&emu, &hub_filter())).await;
    assert_eq!(a.status, 200, "{}", a.body);
    spec("activitylog-2015-04-01", "activityLogs_API.json")
        .check_ref("#/definitions/EventDataCollection", &a.body);
    let events = a.body["value"].as_array().unwrap();
    // Newest first; the -3h write is outside the range, otherHub's event is another resource.
    let summary: Vec<(String, String)> = events
        .iter()
        .map(|e| {
            (
                e["operationName"]["value"].as_str().unwrap().to_owned(),
                e["status"]["value"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                "microsoft.devices/iothubs/failover/action".into(),
                "Succeeded".into()
            ),
            (
                "Microsoft.Devices/IotHubs/failover/action".into(),
                "Started".into()
            ),
            (
                "microsoft.devices/iothubs/failover/action".into(),
                "Succeeded".into()
            ),
            (
                "MICROSOFT.DEVICES/IOTHUBS/FAILOVER/ACTION".into(),
                "Started".into()
            ),
        ]
    );
    for e in events {
        assert_eq!(e["resourceId"], hub_id());
        assert_eq!(e["subscriptionId"], SUB);
    }
    // The emulator's own Started and Succeeded share one correlation id, not the seeded one's.
    assert_eq!(events[0]["correlationId"], events[1]["correlationId"]);
    assert_eq!(events[2]["correlationId"], "past-1");
    assert_eq!(events[3]["correlationId"], "past-1");
    assert_ne!(events[0]["correlationId"], "past-1");
    // Relative seed times count back from the emulator's start.
    let seeded =
        OffsetDateTime::parse(events[3]["eventTimestamp"].as_str().unwrap(), &Rfc3339).unwrap();
    let ago = OffsetDateTime::now_utc() - seeded;
    assert!(ago >= time::Duration::minutes(20), "{ago}");
    assert!(ago < time::Duration::minutes(21), "{ago}");

    // Every field sent is one the spec's EventData declares, and the example's event has it too.
    let spec = spec("activitylog-2015-04-01", "activityLogs_API.json");
    let declared = spec.doc["definitions"]["EventData"]["properties"]
        .as_object()
        .unwrap();
    let example = &fixture_in("activitylog-2015-04-01", "GetActivityLogsFiltered.json")["responses"]
        ["200"]["body"]["value"][0];
    for key in events[0].as_object().unwrap().keys() {
        assert!(declared.contains_key(key), "{key} is not in EventData");
        assert!(
            example.get(key).is_some()
                || key == "category"
                || key == "resourceId"
                || key == "resourceType",
            "{key} is in no official example event"
        );
    }
    emu.shutdown().await;
}

#[tokio::test]
async fn a_failover_that_takes_no_time_still_lists_its_end_above_its_start() {
    // The start and the end of a failover are read off two clocks (the request's instant and
    // the wall clock); with no time between them, a start read late once sorted below its own
    // end. Twenty hubs, since one would be a coin toss.
    let names: Vec<String> = (0..20).map(|i| format!("hub-{i:02}")).collect();
    let hubs: String = names
        .iter()
        .map(|n| format!("  - {{ name: {n}, failover: {{ duration: 0s, outcome: failed }} }}\n"))
        .collect();
    let emu = start_yaml(&format!("hubs:\n{hubs}")).await;
    let now = OffsetDateTime::now_utc();
    for name in &names {
        let accepted = post(
            &format!(
                "{}{}/failover?{API}",
                emu.base_url(),
                hub_path(SUB, RG, name)
            ),
            &json!({ "failoverRegion": "westus" }),
        )
        .await;
        assert_eq!(accepted.status, 202, "{name}");
        wait_operation(&accepted.header("azure-asyncoperation").unwrap()).await;
        let filter = format!(
            "eventTimestamp ge '{}' and eventTimestamp le '{}' and resourceUri eq '{}'",
            stamp(now - Duration::from_secs(60)),
            stamp(now + Duration::from_secs(600)),
            hub_path(SUB, RG, name)
        );
        let a = get(&activity_url(&emu, &filter)).await;
        let events = a.body["value"].as_array().unwrap();
        let statuses: Vec<&str> = events
            .iter()
            .map(|e| e["status"]["value"].as_str().unwrap())
            .collect();
        assert_eq!(statuses, ["Failed", "Started"], "{name}");
        let at = |e: &Value| {
            OffsetDateTime::parse(e["eventTimestamp"].as_str().unwrap(), &Rfc3339).unwrap()
        };
        assert!(at(&events[0]) > at(&events[1]), "{name}: {events:?}");
    }
    emu.shutdown().await;
}

fn fixture_in(folder: &str, name: &str) -> Value {
    spec(folder, name).doc
}

#[tokio::test]
async fn a_failed_failover_is_logged_failed_and_filters_narrow_by_correlation_and_group() {
    let emu = start_yaml(
        "hubs:\n  - name: myIoTHub\n    failover: { outcome: failed }\n    activity_log:\n      - { operation: x/y/action, status: Succeeded, time: -5m, correlation_id: seeded-1 }\n",
    )
    .await;
    let accepted = failover(&emu, "westus").await;
    wait_operation(&accepted.header("azure-asyncoperation").unwrap()).await;
    let a = get(&activity_url(&emu, &hub_filter())).await;
    let statuses: Vec<&str> = a.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["status"]["value"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["Failed", "Started", "Succeeded"]);
    assert_eq!(a.body["value"][0]["level"], "Error");

    let now = OffsetDateTime::now_utc();
    let range = format!(
        "eventTimestamp ge '{}' and eventTimestamp le '{}'",
        stamp(now - Duration::from_secs(3600)),
        stamp(now + Duration::from_secs(60))
    );
    let by_corr = get(&activity_url(
        &emu,
        &format!("{range} and correlationId eq 'seeded-1'"),
    ))
    .await;
    assert_eq!(by_corr.body["value"].as_array().unwrap().len(), 1);
    let by_rg = get(&activity_url(
        &emu,
        &format!("{range} and resourceGroupName eq 'MYRESOURCEGROUP'"),
    ))
    .await;
    assert_eq!(by_rg.body["value"].as_array().unwrap().len(), 3);
    let other_rg = get(&activity_url(
        &emu,
        &format!("{range} and resourceGroupName eq 'elsewhere'"),
    ))
    .await;
    assert_eq!(other_rg.body["value"], json!([]));
    let whole_sub = get(&activity_url(&emu, &range)).await;
    assert_eq!(whole_sub.body["value"].as_array().unwrap().len(), 3);
    emu.shutdown().await;
}

#[tokio::test]
async fn the_filter_grammar_is_enforced_with_a_400() {
    let emu = start(iothub_emulator::Scenario::default_scenario()).await;
    let range =
        "eventTimestamp ge '2026-01-01T00:00:00Z' and eventTimestamp le '2026-01-02T00:00:00Z'";
    for bad in [
        String::new(),
        "resourceUri eq '/x'".to_owned(),
        "eventTimestamp le '2026-01-02T00:00:00Z'".to_owned(),
        format!("{range} and resourceUri eq '/x' and resourceGroupName eq 'rg'"),
        format!("{range} and operationName eq 'x'"),
        format!("{range} or resourceUri eq '/x'"),
        "eventTimestamp ge 'last tuesday'".to_owned(),
    ] {
        let a = get(&activity_url(&emu, &bad)).await;
        assert_eq!(a.status, 400, "{bad:?}: {}", a.body);
        assert_eq!(a.body["code"], "BadRequest", "{bad:?}");
        assert!(
            a.body["message"].as_str().unwrap().contains("$filter"),
            "{}",
            a.body
        );
    }
    // No $filter at all is refused too.
    let bare = format!(
        "{}/subscriptions/{SUB}/providers/Microsoft.Insights/eventtypes/management/values?api-version=2015-04-01",
        emu.base_url()
    );
    assert_eq!(get(&bare).await.status, 400);
    // The api-version is the Activity Log's, not IoT Hub's.
    let wrong = activity_url(&emu, range).replace("2015-04-01", "2023-06-30");
    let a = get(&wrong).await;
    assert_eq!(
        (a.status, a.body["error"]["code"].as_str()),
        (400, Some("NoRegisteredProviderFound"))
    );
    // A `+` for a space (form encoding) is accepted like `%20`.
    let plus = activity_url(&emu, range).replace("%20", "+");
    assert_eq!(get(&plus).await.status, 200);
    emu.shutdown().await;
}

#[tokio::test]
async fn the_activity_log_pages_with_a_next_link_that_keeps_the_filter() {
    let emu = start_yaml(
        "page_size: 2\nhubs:\n  - name: myIoTHub\n    activity_log:\n      - { operation: a/action, status: Succeeded, time: -1m }\n      - { operation: b/action, status: Succeeded, time: -2m }\n      - { operation: c/action, status: Succeeded, time: -3m }\n      - { operation: d/action, status: Succeeded, time: -4m }\n      - { operation: e/action, status: Succeeded, time: -5m }\n",
    )
    .await;
    let mut url = activity_url(&emu, &hub_filter());
    let mut ops = Vec::new();
    let mut pages = 0;
    loop {
        let a = get(&url).await;
        assert_eq!(a.status, 200, "{}", a.body);
        pages += 1;
        for e in a.body["value"].as_array().unwrap() {
            ops.push(e["operationName"]["value"].as_str().unwrap().to_owned());
        }
        match a.body["nextLink"].as_str() {
            Some(next) => {
                assert!(next.starts_with(emu.base_url()), "absolute: {next}");
                assert!(next.contains("api-version=2015-04-01"), "{next}");
                url = next.to_owned();
            }
            None => break,
        }
        assert!(pages < 10, "paging does not end");
    }
    assert_eq!(pages, 3);
    assert_eq!(
        ops,
        ["a/action", "b/action", "c/action", "d/action", "e/action"]
    );
    emu.shutdown().await;
}

const LOCKED: &str = r#"
hubs:
  - name: myIoTHub
  - name: otherHub
    resource_group: otherGroup
locks:
  - { name: sub-nodelete, level: CanNotDelete }
  - { name: rg-readonly, level: ReadOnly, resource_group: myResourceGroup, notes: change freeze }
  - { name: hub-note, level: NotSpecified, resource_group: otherGroup, hub: otherHub }
"#;

fn locks_url(emu: &iothub_emulator::Emulator, scope: &str) -> String {
    format!(
        "{}{scope}/providers/Microsoft.Authorization/locks?api-version=2016-09-01",
        emu.base_url()
    )
}

async fn lock_names(emu: &iothub_emulator::Emulator, scope: &str) -> Vec<String> {
    let a = get(&locks_url(emu, scope)).await;
    assert_eq!(a.status, 200, "{scope}: {}", a.body);
    spec("locks-2016-09-01", "locks.json")
        .check_ref("#/definitions/ManagementLockListResult", &a.body);
    a.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn locks_are_listed_at_each_scope_and_read_only_refuses_a_failover() {
    let emu = start_yaml(LOCKED).await;
    let sub = format!("/subscriptions/{SUB}");
    assert_eq!(
        lock_names(&emu, &sub).await,
        ["sub-nodelete", "rg-readonly", "hub-note"]
    );
    assert_eq!(
        lock_names(&emu, &format!("{sub}/resourceGroups/{RG}")).await,
        ["rg-readonly"]
    );
    assert_eq!(lock_names(&emu, &hub_id()).await, Vec::<String>::new());
    assert_eq!(
        lock_names(&emu, &hub_path(SUB, "otherGroup", "otherHub")).await,
        ["hub-note"]
    );
    let a = get(&locks_url(&emu, &format!("{sub}/resourceGroups/{RG}"))).await;
    let lock = &a.body["value"][0];
    let lock_id =
        format!("{sub}/resourceGroups/{RG}/providers/Microsoft.Authorization/locks/rg-readonly");
    assert_eq!(lock["id"], lock_id);
    assert_eq!(lock["type"], "Microsoft.Authorization/locks");
    assert_eq!(
        lock["properties"],
        json!({"level": "ReadOnly", "notes": "change freeze"})
    );
    // Same keys as the official example's lock (plus the optional notes).
    let example = &spec(
        "locks-2016-09-01",
        "ManagementLocks_ListAtResourceGroupLevel.json",
    )
    .doc["responses"]["200"]["body"]["value"][0];
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(lock), keys(example));

    let refused = failover(&emu, "westus").await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert_eq!(refused.body["error"]["code"], "ScopeLocked");
    let message = refused.body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains(&format!("The scope '{}'", hub_id())),
        "{message}"
    );
    assert!(message.contains(&lock_id), "{message}");
    // Nothing changed: the hub is still Active in its primary region.
    let hub = get(&default_hub_url(&emu, "")).await;
    assert_eq!(hub.body["properties"]["state"], "Active");
    assert_eq!(
        hub.body["properties"]["locations"][0]["location"],
        "westus2"
    );
    // The lock does not reach the other resource group's hub (CanNotDelete does not block).
    let other = post(
        &format!(
            "{}{}/failover?{API}",
            emu.base_url(),
            hub_path(SUB, "otherGroup", "otherHub")
        ),
        &json!({"failoverRegion": "westus"}),
    )
    .await;
    assert_eq!(other.status, 202, "{}", other.body);
    emu.shutdown().await;
}

#[tokio::test]
async fn a_read_only_lock_at_the_subscription_or_hub_refuses_too() {
    for lock in [
        "{ name: freeze, level: ReadOnly }",
        "{ name: freeze, level: ReadOnly, resource_group: myResourceGroup, hub: MYIOTHUB }",
    ] {
        let emu = start_yaml(&format!("hubs:\n  - name: myIoTHub\nlocks:\n  - {lock}\n")).await;
        let refused = failover(&emu, "westus").await;
        assert_eq!(refused.status, 409, "{lock}");
        assert_eq!(refused.body["error"]["code"], "ScopeLocked", "{lock}");
        assert_eq!(failover_posts(&emu), 1);
        emu.shutdown().await;
    }
}

fn permissions_url(emu: &iothub_emulator::Emulator) -> String {
    format!(
        "{}{}/providers/Microsoft.Authorization/permissions?api-version=2022-04-01",
        emu.base_url(),
        hub_id()
    )
}

#[tokio::test]
async fn permissions_default_to_everything_and_follow_the_scenario() {
    let check = spec(
        "authorization-2022-04-01",
        "authorization-RoleDefinitionsCalls.json",
    );
    let emu = start(iothub_emulator::Scenario::default_scenario()).await;
    let a = get(&permissions_url(&emu)).await;
    assert_eq!(a.status, 200);
    check.check_ref("#/definitions/PermissionGetResult", &a.body);
    assert_eq!(
        a.body,
        json!({"value": [{"actions": ["*"], "notActions": [], "dataActions": [], "notDataActions": []}]})
    );
    emu.shutdown().await;

    let emu = start_yaml(
        "hubs:\n  - name: myIoTHub\n    permissions:\n      - { actions: ['*/read'] }\n      - { actions: ['Microsoft.Devices/*'], not_actions: ['Microsoft.Devices/IotHubs/delete'], data_actions: ['Microsoft.Devices/IotHubs/*'] }\n",
    )
    .await;
    let a = get(&permissions_url(&emu)).await;
    check.check_ref("#/definitions/PermissionGetResult", &a.body);
    assert_eq!(a.body["value"][0]["actions"], json!(["*/read"]));
    assert_eq!(
        a.body["value"][1]["notActions"],
        json!(["Microsoft.Devices/IotHubs/delete"])
    );
    assert_eq!(
        a.body["value"][1]["dataActions"],
        json!(["Microsoft.Devices/IotHubs/*"])
    );
    // Same keys as the official example's entry.
    let example = &check_example();
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&a.body["value"][0]), keys(example));
    // An unknown hub is a 404, like every hub-scoped read.
    let missing = get(&permissions_url(&emu).replace(HUB, "nohub")).await;
    assert_eq!(missing.status, 404);
    emu.shutdown().await;
}

fn check_example() -> Value {
    spec("authorization-2022-04-01", "GetPermissions.json").doc["responses"]["200"]["body"]["value"]
        [0]
    .clone()
}

#[tokio::test]
async fn data_residency_is_served_and_refuses_every_failover() {
    let emu = start_yaml("hubs:\n  - { name: myIoTHub, enable_data_residency: true }\n").await;
    let hub = get(&default_hub_url(&emu, "")).await;
    assert_eq!(hub.body["properties"]["enableDataResidency"], true);
    Spec::load().check("GET", T_HUB, 200, &hub.body);
    let refused = failover(&emu, "westus").await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert_eq!(
        refused.body["code"],
        "FailoverNotSupportedWithDataResidency"
    );
    let hub = get(&default_hub_url(&emu, "")).await;
    assert_eq!(hub.body["properties"]["state"], "Active");
    emu.shutdown().await;

    let emu = start(iothub_emulator::Scenario::default_scenario()).await;
    let hub = get(&default_hub_url(&emu, "")).await;
    assert!(hub.body["properties"].get("enableDataResidency").is_none());
    emu.shutdown().await;
}

#[test]
fn bad_preflight_seeds_are_refused_with_their_path() {
    for (yaml, path) in [
        (
            "locks:\n  - { name: l, level: Readonly }\n",
            "locks[0].level",
        ),
        (
            "locks:\n  - { name: l, level: ReadOnly, hub: h }\n",
            "locks[0].hub",
        ),
        (
            "hubs:\n  - name: myIoTHub\n    activity_log:\n      - { operation: x, status: Started, time: yesterday }\n",
            "hubs[0].activity_log[0].time",
        ),
    ] {
        let e = iothub_emulator::Scenario::from_yaml(yaml, "s.yaml")
            .unwrap_err()
            .to_string();
        assert!(e.contains(path), "{yaml}: {e}");
    }
}
