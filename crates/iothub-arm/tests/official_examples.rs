//! Every official example response of api-version 2023-06-30 (checked in under `tests/fixtures/arm/`)
//! deserializes into the client's types with the right values.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use iothub_arm::{
    EndpointHealth, EndpointHealthStatus, IotHub, QuotaMetric, RegistryStats, ReplicaRole,
    models::{error_body::ErrorBody, page::Page},
};
use serde_json::Value;
use time::macros::datetime;

fn fixtures() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/arm/2023-06-30"
    ))
}

fn example(name: &str) -> Value {
    let text = std::fs::read_to_string(fixtures().join(name))
        .unwrap_or_else(|e| panic!("reading fixture {name}: {e}"));
    serde_json::from_str(&text).unwrap()
}

fn body(name: &str, status: &str) -> Value {
    example(name)["responses"][status]["body"].clone()
}

fn check_test_hub(hub: &IotHub) {
    assert_eq!(hub.name, "testHub");
    assert_eq!(
        hub.id,
        "/subscriptions/91d12660-3dec-467a-be2a-213b5544ddc0/resourceGroups/myResourceGroup/providers/Microsoft.Devices/IotHubs/testHub"
    );
    assert_eq!(hub.resource_type, "Microsoft.Devices/IotHubs");
    assert_eq!(hub.location, "centraluseuap");
    assert_eq!(hub.etag.as_deref(), Some("AAAAAAFD6M4="));
    assert_eq!(hub.state(), "Active");
    assert_eq!(hub.provisioning_state(), "Succeeded");
    assert_eq!(
        hub.properties.host_name.as_deref(),
        Some("iot-dps-cit-hub-1.azure-devices.net")
    );
    assert_eq!(hub.resource_group(), Some("myResourceGroup"));
    assert_eq!(
        hub.subscription_id(),
        Some("91d12660-3dec-467a-be2a-213b5544ddc0")
    );
    let sku = hub.sku.as_ref().unwrap();
    assert_eq!(sku.name, "S1");
    assert_eq!(sku.tier.as_deref(), Some("Standard"));
    assert_eq!(sku.capacity, Some(1));
}

#[test]
fn get_hub_example() {
    let hub: IotHub = serde_json::from_value(body("iothub_get.json", "200")).unwrap();
    check_test_hub(&hub);
    assert_eq!(hub.properties.locations.len(), 2);
    assert_eq!(hub.properties.locations[0].role, ReplicaRole::Primary);
    assert_eq!(hub.properties.locations[1].role, ReplicaRole::Secondary);
    assert_eq!(hub.primary_location(), "West US");
    assert_eq!(hub.secondary_location(), Some("East US"));
}

#[test]
fn list_by_resource_group_example() {
    let page: Page<IotHub> = serde_json::from_value(body("iothub_listbyrg.json", "200")).unwrap();
    assert_eq!(page.value.len(), 1);
    check_test_hub(&page.value[0]);
    // The list examples carry no `locations`: the primary falls back to `location`.
    assert!(page.value[0].properties.locations.is_empty());
    assert_eq!(page.value[0].primary_location(), "centraluseuap");
    assert_eq!(page.value[0].secondary_location(), None);
    assert_eq!(page.next_link, None);
}

#[test]
fn list_by_subscription_example() {
    let page: Page<IotHub> =
        serde_json::from_value(body("iothub_listbysubscription.json", "200")).unwrap();
    assert_eq!(page.value.len(), 1);
    check_test_hub(&page.value[0]);
    // The list examples carry no `locations`: the primary falls back to `location`.
    assert!(page.value[0].properties.locations.is_empty());
    assert_eq!(page.value[0].primary_location(), "centraluseuap");
    assert_eq!(page.value[0].secondary_location(), None);
}

#[test]
fn stats_example() {
    let stats: RegistryStats = serde_json::from_value(body("iothub_stats.json", "200")).unwrap();
    assert_eq!(
        stats,
        RegistryStats {
            total_device_count: 0,
            enabled_device_count: 0,
            disabled_device_count: 0
        }
    );
}

#[test]
fn quota_metrics_example() {
    let page: Page<QuotaMetric> =
        serde_json::from_value(body("iothub_quotametrics.json", "200")).unwrap();
    assert_eq!(
        page.value,
        vec![
            QuotaMetric {
                name: "TotalMessages".into(),
                current_value: 0,
                max_value: 400000
            },
            QuotaMetric {
                name: "TotalDeviceCount".into(),
                current_value: 0,
                max_value: 500000
            },
        ]
    );
}

#[test]
fn routing_endpoint_health_example() {
    let page: Page<EndpointHealth> =
        serde_json::from_value(body("iothub_routingendpointhealth.json", "200")).unwrap();
    let v = &page.value;
    assert_eq!(v.len(), 3);
    let t = datetime!(2022-09-13 18:04:32 UTC);

    assert_eq!(v[0].endpoint_id, "id1");
    assert_eq!(v[0].health_status, EndpointHealthStatus::Healthy);
    assert!(v[0].health_status.is_healthy());
    assert_eq!(v[0].last_successful_send_attempt_time, Some(t));
    assert_eq!(v[0].last_send_attempt_time, Some(t));
    assert_eq!(v[0].last_known_error, None);
    assert_eq!(v[0].last_known_error_time, None);

    assert_eq!(v[1].endpoint_id, "id2");
    assert_eq!(v[1].health_status, EndpointHealthStatus::Unknown);
    assert_eq!(v[1].last_send_attempt_time, None);

    assert_eq!(v[2].endpoint_id, "id3");
    assert_eq!(v[2].health_status, EndpointHealthStatus::Unhealthy);
    assert_eq!(v[2].last_known_error.as_deref(), Some("NotFound"));
    assert_eq!(v[2].last_known_error_time, Some(t));
    assert_eq!(v[2].last_successful_send_attempt_time, Some(t));
}

#[test]
fn manual_failover_example_headers_are_absolute_operation_urls() {
    let ex = example("IotHub_ManualFailover.json");
    assert_eq!(
        ex["parameters"]["failoverInput"]["failoverRegion"],
        "testHub"
    );
    let headers = &ex["responses"]["202"]["headers"];
    for name in ["Azure-AsyncOperation", "Location"] {
        let url = url::Url::parse(headers[name].as_str().unwrap()).unwrap();
        assert_eq!(url.scheme(), "https");
        assert_eq!(url.host_str(), Some("management.azure.com"));
        assert!(
            url.path()
                .contains("/providers/Microsoft.Devices/operationResults/")
        );
    }
    // 200 has no body: completion within the request.
    assert!(ex["responses"]["200"].get("body").is_none());
}

#[test]
fn every_example_file_is_covered() {
    let mut names: Vec<String> = std::fs::read_dir(fixtures())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "iothub.json")
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "IotHub_ManualFailover.json",
            "iothub_get.json",
            "iothub_listbyrg.json",
            "iothub_listbysubscription.json",
            "iothub_quotametrics.json",
            "iothub_routingendpointhealth.json",
            "iothub_stats.json",
        ]
    );
}

#[test]
fn spec_error_details_shape_parses() {
    // The spec's default error response is the flat ErrorDetails definition.
    let spec: Value =
        serde_json::from_str(&std::fs::read_to_string(fixtures().join("iothub.json")).unwrap())
            .unwrap();
    let props = spec["definitions"]["ErrorDetails"]["properties"]
        .as_object()
        .unwrap();
    for key in ["code", "httpStatusCode", "message", "details"] {
        assert!(props.contains_key(key), "ErrorDetails lacks {key}");
    }
    let flat = ErrorBody::parse(
        br#"{"code":"IotHubNotFound","httpStatusCode":"NotFound","message":"hub gone","details":"look elsewhere"}"#,
    );
    assert_eq!(flat.code.as_deref(), Some("IotHubNotFound"));
    assert_eq!(
        flat.full_message().as_deref(),
        Some("hub gone (look elsewhere)")
    );
    let wrapped = ErrorBody::parse(
        br#"{"error":{"code":"ResourceNotFound","message":"The Resource was not found.","details":[{"code":"x","message":"inner"}]}}"#,
    );
    assert_eq!(wrapped.code.as_deref(), Some("ResourceNotFound"));
    assert_eq!(
        wrapped.full_message().as_deref(),
        Some("The Resource was not found. (inner)")
    );
    assert_eq!(
        ErrorBody::parse(b"<html>bad gateway</html>"),
        ErrorBody::default()
    );
}

#[test]
fn unknown_enum_values_are_kept() {
    let e: EndpointHealth =
        serde_json::from_str(r#"{"endpointId":"x","healthStatus":"Sleepy","newField":1}"#).unwrap();
    assert_eq!(
        e.health_status,
        EndpointHealthStatus::Other("Sleepy".into())
    );
    let dead: EndpointHealth =
        serde_json::from_str(r#"{"endpointId":"x","healthStatus":"dead"}"#).unwrap();
    assert_eq!(dead.health_status, EndpointHealthStatus::Dead);
}
