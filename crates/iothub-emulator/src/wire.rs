//! The emulator's own wire types, shaped exactly as `iothub.json` (2023-06-30) declares them,
//! and the functions that render a hub's state into them.
//!
//! Hub state + seed -> `IotHubDescription` etc. -> JSON bytes. Optional fields are omitted rather
//! than sent as null, as ARM does.

use crate::hub::{Hub, HubState};
use crate::scenario::EndpointHealth;
use serde::Serialize;
use std::collections::BTreeMap;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

pub const API_VERSION: &str = "2023-06-30";
pub const RESOURCE_TYPE: &str = "Microsoft.Devices/IotHubs";

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IotHubDescription<'a> {
    pub id: String,
    pub name: &'a str,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub location: &'a str,
    pub tags: BTreeMap<&'a str, &'a str>,
    pub etag: String,
    pub properties: IotHubProperties<'a>,
    pub sku: Sku<'a>,
    pub system_data: SystemData,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IotHubProperties<'a> {
    pub state: &'a str,
    pub provisioning_state: &'static str,
    pub ip_filter_rules: Vec<IpFilterRule<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network_rule_sets: Option<NetworkRuleSets<'a>>,
    pub host_name: String,
    pub event_hub_endpoints: BTreeMap<&'static str, EventHubProperties>,
    pub routing: Routing<'a>,
    pub storage_endpoints: BTreeMap<&'static str, StorageEndpoint>,
    pub messaging_endpoints: BTreeMap<&'static str, MessagingEndpoint>,
    pub enable_file_upload_notifications: bool,
    /// Sent only when true: the official `iothub_get.json` leaves it out, which reads as false.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub enable_data_residency: bool,
    pub cloud_to_device: CloudToDevice,
    pub features: &'static str,
    pub locations: [Location<'a>; 2],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_tls_version: Option<&'a str>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IpFilterRule<'a> {
    pub filter_name: &'a str,
    pub action: &'a str,
    pub ip_mask: &'a str,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NetworkRuleSets<'a> {
    pub default_action: &'a str,
    pub apply_to_built_in_event_hub_endpoint: bool,
    pub ip_rules: Vec<IpFilterRule<'a>>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EventHubProperties {
    pub retention_time_in_days: u32,
    pub partition_count: u32,
    pub partition_ids: Vec<String>,
    pub path: String,
    pub endpoint: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Routing<'a> {
    pub endpoints: RoutingEndpoints<'a>,
    pub routes: Vec<Route<'a>>,
    pub fallback_route: FallbackRoute,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RoutingEndpoints<'a> {
    pub service_bus_queues: [(); 0],
    pub service_bus_topics: [(); 0],
    pub event_hubs: Vec<RoutingEventHub<'a>>,
    pub storage_containers: [(); 0],
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RoutingEventHub<'a> {
    pub name: &'a str,
    pub endpoint_uri: String,
    pub entity_path: &'a str,
    pub authentication_type: &'static str,
    pub subscription_id: &'a str,
    pub resource_group: &'a str,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Route<'a> {
    pub name: &'a str,
    pub source: &'static str,
    pub condition: &'static str,
    pub endpoint_names: [&'a str; 1],
    pub is_enabled: bool,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FallbackRoute {
    pub source: &'static str,
    pub condition: &'static str,
    pub endpoint_names: [&'static str; 1],
    pub is_enabled: bool,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StorageEndpoint {
    pub sas_ttl_as_iso8601: &'static str,
    pub connection_string: &'static str,
    pub container_name: &'static str,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MessagingEndpoint {
    pub lock_duration_as_iso8601: &'static str,
    pub ttl_as_iso8601: &'static str,
    pub max_delivery_count: u32,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CloudToDevice {
    pub max_delivery_count: u32,
    pub default_ttl_as_iso8601: &'static str,
    pub feedback: MessagingEndpoint,
}

#[derive(Debug, Serialize)]
pub struct Location<'a> {
    pub location: &'a str,
    pub role: &'static str,
}

#[derive(Debug, Serialize)]
pub struct Sku<'a> {
    pub name: &'a str,
    pub tier: &'static str,
    pub capacity: u64,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SystemData {
    pub created_at: String,
}

/// `RegistryStatistics`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RegistryStatistics {
    pub total_device_count: u64,
    pub enabled_device_count: u64,
    pub disabled_device_count: u64,
}

/// `IotHubQuotaMetricInfo`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QuotaMetric {
    pub name: String,
    pub current_value: u64,
    pub max_value: u64,
}

/// `EndpointHealthData`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EndpointHealthData {
    pub endpoint_id: String,
    pub health_status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_known_error: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_known_error_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_successful_send_attempt_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_send_attempt_time: Option<String>,
}

/// A page of a list: `{"value": [...], "nextLink": "..."}`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    pub value: Vec<T>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_link: Option<String>,
}

/// The async-operation status body (`Azure-AsyncOperation` URL).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OperationStatus<'a> {
    pub id: String,
    pub name: String,
    pub status: &'static str,
    pub start_time: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<OperationError<'a>>,
}

#[derive(Debug, Serialize)]
pub struct OperationError<'a> {
    pub code: &'a str,
    pub message: &'a str,
}

const FIXED_CREATED_AT: &str = "2023-06-30T00:00:00Z";

fn sku_tier(name: &str) -> &'static str {
    match name.chars().next() {
        Some('F') | Some('f') => "Free",
        Some('B') | Some('b') => "Basic",
        _ => "Standard",
    }
}

fn rule(r: &crate::scenario::IpFilterRuleSeed) -> IpFilterRule<'_> {
    IpFilterRule {
        filter_name: &r.name,
        action: &r.action,
        ip_mask: &r.ip_mask,
    }
}

/// The ARM resource id of a hub.
pub fn hub_id(hub: &Hub) -> String {
    let s = &hub.seed;
    format!(
        "/subscriptions/{}/resourceGroups/{}/providers/{RESOURCE_TYPE}/{}",
        s.subscription, s.resource_group, s.name
    )
}

/// The hub as `IotHubDescription` JSON, and its etag.
pub fn render_hub(hub: &Hub, st: &HubState) -> (Vec<u8>, String) {
    let s = &hub.seed;
    let lower = s.name.to_lowercase();
    let mut routes = Vec::new();
    let mut event_hubs = Vec::new();
    for (name, _) in st.endpoints.iter().filter(|(n, _)| *n != "events") {
        event_hubs.push(RoutingEventHub {
            name,
            endpoint_uri: format!("sb://{lower}-{name}.servicebus.windows.net"),
            entity_path: name,
            authentication_type: "identityBased",
            subscription_id: &s.subscription,
            resource_group: &s.resource_group,
        });
        routes.push(Route {
            name,
            source: "DeviceMessages",
            condition: "true",
            endpoint_names: [name],
            is_enabled: true,
        });
    }
    let eh = &s.event_hub;
    let etag = match (&s.etag, st.version) {
        (Some(tag), 0) => tag.clone(),
        _ => format!("AAAAAA{:06X}{:02X}=", hub.index, st.version % 256),
    };
    let messaging = || MessagingEndpoint {
        lock_duration_as_iso8601: "PT1M",
        ttl_as_iso8601: "PT1H",
        max_delivery_count: 10,
    };
    let body = IotHubDescription {
        id: hub_id(hub),
        name: &s.name,
        kind: RESOURCE_TYPE,
        location: &st.location,
        tags: s.tags.iter().map(|(k, v)| (k, v.as_str())).collect(),
        etag: etag.clone(),
        properties: IotHubProperties {
            state: &st.state,
            provisioning_state: "Succeeded",
            ip_filter_rules: s.ip_filter_rules.iter().map(rule).collect(),
            network_rule_sets: s.network_rule_sets.as_ref().map(|n| NetworkRuleSets {
                default_action: &n.default_action,
                apply_to_built_in_event_hub_endpoint: n.apply_to_built_in_event_hub_endpoint,
                ip_rules: n.ip_rules.iter().map(rule).collect(),
            }),
            host_name: s
                .host_name
                .clone()
                .unwrap_or_else(|| format!("{}.azure-devices.net", s.name)),
            event_hub_endpoints: BTreeMap::from([(
                "events",
                EventHubProperties {
                    retention_time_in_days: eh.retention_days,
                    partition_count: eh.partition_count,
                    partition_ids: (0..eh.partition_count).map(|i| i.to_string()).collect(),
                    path: eh.path.clone().unwrap_or_else(|| lower.clone()),
                    endpoint: events_endpoint(eh.endpoint.as_deref(), &lower, st.completed.len()),
                },
            )]),
            routing: Routing {
                endpoints: RoutingEndpoints {
                    service_bus_queues: [],
                    service_bus_topics: [],
                    event_hubs,
                    storage_containers: [],
                },
                routes,
                fallback_route: FallbackRoute {
                    source: "DeviceMessages",
                    condition: "true",
                    endpoint_names: ["events"],
                    is_enabled: true,
                },
            },
            storage_endpoints: BTreeMap::from([(
                "$default",
                StorageEndpoint {
                    sas_ttl_as_iso8601: "PT1H",
                    connection_string: "",
                    container_name: "",
                },
            )]),
            messaging_endpoints: BTreeMap::from([("fileNotifications", messaging())]),
            enable_file_upload_notifications: false,
            enable_data_residency: s.enable_data_residency,
            cloud_to_device: CloudToDevice {
                max_delivery_count: 10,
                default_ttl_as_iso8601: "PT1H",
                feedback: messaging(),
            },
            features: "None",
            locations: [
                Location {
                    location: &st.primary,
                    role: "primary",
                },
                Location {
                    location: &st.secondary,
                    role: "secondary",
                },
            ],
            min_tls_version: s.min_tls_version.as_deref(),
        },
        sku: Sku {
            name: &s.sku.name,
            tier: sku_tier(&s.sku.name),
            capacity: s.sku.capacity,
        },
        system_data: SystemData {
            created_at: s
                .created_at
                .clone()
                .unwrap_or_else(|| FIXED_CREATED_AT.to_owned()),
        },
    };
    (serde_json::to_vec(&body).unwrap_or_default(), etag)
}

/// `RegistryStatistics` of a hub.
pub fn stats(st: &HubState) -> RegistryStatistics {
    RegistryStatistics {
        total_device_count: st.devices.total(),
        enabled_device_count: st.devices.enabled,
        disabled_device_count: st.devices.disabled,
    }
}

/// Quota metrics of a hub, in scenario order.
pub fn quota_metrics(st: &HubState) -> Vec<QuotaMetric> {
    st.effective_quotas()
        .iter()
        .map(|(name, [current, max])| QuotaMetric {
            name: name.to_owned(),
            current_value: *current,
            max_value: *max,
        })
        .collect()
}

/// RFC 1123 (`date-time-rfc1123`), e.g. `Wed, 13 Sep 2022 18:04:32 GMT`.
pub fn rfc1123(t: OffsetDateTime) -> String {
    const FORMAT: &[time::format_description::BorrowedFormatItem<'static>] = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    t.to_offset(time::UtcOffset::UTC)
        .format(FORMAT)
        .unwrap_or_default()
}

/// RFC 3339 UTC.
pub fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

/// Endpoint health of a hub, in scenario order, with times as Azure reports them.
pub fn endpoint_health(st: &HubState, now: OffsetDateTime) -> Vec<EndpointHealthData> {
    let now = rfc1123(now);
    st.endpoints
        .iter()
        .map(|(name, health)| {
            // Unknown: never tried. Otherwise it was tried, and worked at some point; only a
            // healthy endpoint has no last error.
            let attempted = *health != EndpointHealth::Unknown;
            let error = attempted && *health != EndpointHealth::Healthy;
            let ok = attempted;
            EndpointHealthData {
                endpoint_id: name.to_owned(),
                health_status: health.as_str(),
                last_known_error: error.then_some("NotFound"),
                last_known_error_time: error.then(|| now.clone()),
                last_successful_send_attempt_time: ok.then(|| now.clone()),
                last_send_attempt_time: attempted.then(|| now.clone()),
            }
        })
        .collect()
}

/// The built-in Event Hub-compatible endpoint after `failovers` completed failovers: Azure moves
/// it to a new namespace on failover, so each one gives the first host label a new suffix
/// (`sb://iothub-ns-myhub.servicebus...` -> `sb://iothub-ns-myhub-f1.servicebus...`).
pub fn events_endpoint(seeded: Option<&str>, lower_name: &str, failovers: usize) -> String {
    let base = seeded
        .map(str::to_owned)
        .unwrap_or_else(|| format!("sb://iothub-ns-{lower_name}.servicebus.windows.net/"));
    if failovers == 0 {
        return base;
    }
    let (scheme, rest) = base.split_once("://").unwrap_or(("", base.as_str()));
    let cut = rest.find(['.', '/', ':']).unwrap_or(rest.len());
    let sep = if scheme.is_empty() { "" } else { "://" };
    format!("{scheme}{sep}{}-f{failovers}{}", &rest[..cut], &rest[cut..])
}
