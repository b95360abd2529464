//! The official examples of the preflight reads (Activity Log 2015-04-01, management locks
//! 2016-09-01, permissions 2022-04-01; checked in under `tests/fixtures/arm/`) deserialize into
//! the client's types with the right values, and the client's URLs have the paths and
//! api-versions the examples' operations are declared with.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::sync::Arc;

use iothub_arm::{
    ActivityLogEvent, ArmClient, ClientOptions, LockLevel, LockScope, ManagementLock, Permission,
    StaticTokenCredential, models::page::Page, permits,
};
use serde_json::Value;
use time::macros::datetime;

fn example(folder: &str, name: &str) -> Value {
    let path = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/arm"
    ))
    .join(folder)
    .join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading fixture {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

fn body(folder: &str, name: &str) -> Value {
    example(folder, name)["responses"]["200"]["body"].clone()
}

#[test]
fn activity_log_example_deserializes_with_every_field_a_failover_check_reads() {
    let page: Page<ActivityLogEvent> = serde_json::from_value(body(
        "activitylog-2015-04-01",
        "GetActivityLogsFiltered.json",
    ))
    .unwrap();
    assert_eq!(page.value.len(), 1);
    let e = &page.value[0];
    assert_eq!(
        e.operation_name.value,
        "microsoft.support/supporttickets/write"
    );
    assert_eq!(e.status(), "Succeeded");
    assert_eq!(e.sub_status.as_ref().unwrap().value, "Created");
    assert_eq!(
        e.event_timestamp,
        datetime!(2015-01-21 22:14:26.9792776 UTC)
    );
    assert_eq!(
        e.submission_timestamp,
        Some(datetime!(2015-01-21 22:14:39.9936304 UTC))
    );
    assert_eq!(e.correlation_id, "1e121103-0ba6-4300-ac9d-952bb5d0c80f");
    assert_eq!(e.caller.as_deref(), Some("admin@contoso.com"));
    assert_eq!(e.event_name.as_ref().unwrap().value, "EndRequest");
    assert_eq!(e.level.as_deref(), Some("Informational"));
    assert_eq!(e.resource_group_name.as_deref(), Some("MSSupportGroup"));
    assert_eq!(
        e.properties.get("statusCode").and_then(Value::as_str),
        Some("Created")
    );
    // The example's event carries no `resourceId`; the id of its resource is in `authorization`.
    assert_eq!(e.resource_id, "");
    assert!(!e.is_failover_action());
    assert!(
        page.next_link.is_some(),
        "the example is one page of several"
    );
}

#[test]
fn failover_events_match_in_any_case_and_only_on_their_hub() {
    let mut raw =
        body("activitylog-2015-04-01", "GetActivityLogsFiltered.json")["value"][0].clone();
    let hub = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Devices/IotHubs/h";
    raw["operationName"]["value"] = "MICROSOFT.DEVICES/IOTHUBS/FAILOVER/ACTION".into();
    raw["resourceId"] = hub.to_lowercase().into();
    let e: ActivityLogEvent = serde_json::from_value(raw).unwrap();
    assert!(e.is_failover_action());
    assert!(e.is_about(hub));
    assert!(!e.is_about(&format!("{hub}2")));
}

#[test]
fn lock_examples_deserialize_at_every_scope() {
    for name in [
        "ManagementLocks_ListAtResourceLevel.json",
        "ManagementLocks_ListAtResourceGroupLevel.json",
        "ManagementLocks_ListAtSubscriptionLevel.json",
    ] {
        let page: Page<ManagementLock> =
            serde_json::from_value(body("locks-2016-09-01", name)).unwrap();
        assert_eq!(page.value.len(), 1, "{name}");
        let lock = &page.value[0];
        assert_eq!(lock.name, "testlock", "{name}");
        assert_eq!(
            lock.resource_type, "Microsoft.Authorization/locks",
            "{name}"
        );
        assert_eq!(*lock.level(), LockLevel::ReadOnly, "{name}");
        assert!(lock.level().blocks_actions(), "{name}");
        assert_eq!(
            lock.scope(),
            "",
            "{name}: the example's id has no scope before /providers"
        );
    }
}

#[test]
fn lock_levels_follow_the_spec_enum_and_keep_unknown_ones() {
    let level = |s: &str| -> LockLevel { serde_json::from_value(Value::from(s)).unwrap() };
    assert_eq!(level("NotSpecified"), LockLevel::NotSpecified);
    assert_eq!(level("CanNotDelete"), LockLevel::CanNotDelete);
    assert!(!level("CanNotDelete").blocks_actions());
    assert_eq!(level("Frozen"), LockLevel::Other("Frozen".into()));
    let spec = example("locks-2016-09-01", "locks.json");
    let values = spec["definitions"]["ManagementLockProperties"]["properties"]["level"]["enum"]
        .as_array()
        .unwrap()
        .clone();
    for v in values {
        assert!(
            !matches!(level(v.as_str().unwrap()), LockLevel::Other(_)),
            "spec level {v} is typed"
        );
    }
}

#[test]
fn permission_examples_deserialize_and_grant_nothing() {
    for name in ["GetPermissions.json", "GetResourcePermissions.json"] {
        let page: Page<Permission> =
            serde_json::from_value(body("authorization-2022-04-01", name)).unwrap();
        assert_eq!(page.value, vec![Permission::default()], "{name}");
        assert!(permits(&page.value, "Microsoft.Devices/IotHubs/read").is_none());
    }
    let spec = example(
        "authorization-2022-04-01",
        "authorization-RoleDefinitionsCalls.json",
    );
    let fields: Vec<&String> = spec["definitions"]["Permission"]["properties"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(
        fields,
        ["actions", "dataActions", "notActions", "notDataActions"]
    );
}

fn client() -> ArmClient {
    ArmClient::new(
        Arc::new(StaticTokenCredential::new("t")),
        "sub",
        ClientOptions::default(),
    )
    .unwrap()
}

/// The spec's path template with `{...}` placeholders, compared segment by segment with a URL.
fn matches_template(template: &str, path: &str) -> bool {
    let t: Vec<&str> = template.trim_matches('/').split('/').collect();
    let p: Vec<&str> = path.trim_matches('/').split('/').collect();
    t.len() == p.len()
        && t.iter()
            .zip(&p)
            .all(|(t, p)| (t.starts_with('{') && t.ends_with('}')) || t.eq_ignore_ascii_case(p))
}

fn spec_paths(folder: &str, name: &str) -> Vec<String> {
    example(folder, name)["paths"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect()
}

#[test]
fn urls_follow_the_spec_paths_and_api_versions() {
    let c = client();
    let from = datetime!(2026-03-01 10:00 UTC);
    let to = datetime!(2026-03-02 10:00 UTC);
    let hub = c.hub_id("rg", "h");
    let url = c.activity_log_url(from, to, &hub).unwrap();
    let paths = spec_paths("activitylog-2015-04-01", "activityLogs_API.json");
    assert!(
        paths.iter().any(|t| matches_template(t, url.path())),
        "{url}"
    );
    assert_eq!(
        url.query().unwrap(),
        "api-version=2015-04-01&$filter=eventTimestamp%20ge%20%272026-03-01T10%3A00%3A00Z%27%20and%20eventTimestamp%20le%20%272026-03-02T10%3A00%3A00Z%27%20and%20resourceUri%20eq%20%27%2Fsubscriptions%2Fsub%2FresourceGroups%2Frg%2Fproviders%2FMicrosoft.Devices%2FIotHubs%2Fh%27"
    );
    // Decoded, the filter is exactly the documented resource shape.
    let filter = url
        .query_pairs()
        .find(|(k, _)| k == "$filter")
        .map(|(_, v)| v.into_owned())
        .unwrap();
    assert_eq!(
        filter,
        format!(
            "eventTimestamp ge '2026-03-01T10:00:00Z' and eventTimestamp le '2026-03-02T10:00:00Z' and resourceUri eq '{hub}'"
        )
    );

    let lock_paths = spec_paths("locks-2016-09-01", "locks.json");
    for scope in LockScope::ALL {
        let url = c.locks_url(scope, "rg", "h");
        assert_eq!(url.query(), Some("api-version=2016-09-01"), "{scope:?}");
        let template = match scope {
            LockScope::Subscription => {
                "/subscriptions/{subscriptionId}/providers/Microsoft.Authorization/locks"
            }
            LockScope::ResourceGroup => {
                "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Authorization/locks"
            }
            LockScope::Hub => {
                "/subscriptions/{subscriptionId}/resourcegroups/{resourceGroupName}/providers/{resourceProviderNamespace}/{parentResourcePath}/{resourceType}/{resourceName}/providers/Microsoft.Authorization/locks"
            }
        };
        assert!(
            lock_paths.iter().any(|p| p == template),
            "{template} is in locks.json"
        );
        // The hub has no parent resource: the spec's `{parentResourcePath}` is empty for it.
        let template = template.replace("/{parentResourcePath}", "");
        assert!(matches_template(&template, url.path()), "{scope:?}: {url}");
    }

    let url = c.permissions_url("rg", "h");
    assert_eq!(url.query(), Some("api-version=2022-04-01"));
    assert_eq!(
        url.path(),
        format!("{hub}/providers/Microsoft.Authorization/permissions")
    );
    let template = "/subscriptions/{subscriptionId}/resourcegroups/{resourceGroupName}/providers/{resourceProviderNamespace}/{parentResourcePath}/{resourceType}/{resourceName}/providers/Microsoft.Authorization/permissions";
    assert!(
        spec_paths(
            "authorization-2022-04-01",
            "authorization-RoleDefinitionsCalls.json"
        )
        .iter()
        .any(|p| p == template)
    );
    assert!(matches_template(
        &template.replace("/{parentResourcePath}", ""),
        url.path()
    ));
}
