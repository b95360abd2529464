//! `IotHubDescription`: the hub resource (GET hub, list by resource group / subscription).
//!
//! Only what a DR drill reads is typed: identity, location, state, provisioning state,
//! host name, SKU, tags, the primary/secondary `locations` and `enableDataResidency`. Every other field is ignored.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An IoT hub as ARM describes it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IotHub {
    /// Full resource id (`/subscriptions/.../IotHubs/<name>`).
    #[serde(default)]
    pub id: String,
    /// Hub name.
    #[serde(default)]
    pub name: String,
    /// Resource type (`Microsoft.Devices/IotHubs`).
    #[serde(default, rename = "type")]
    pub resource_type: String,
    /// Resource location (the region the hub was created in; `locations` says where it runs now).
    #[serde(default)]
    pub location: String,
    /// Resource etag.
    #[serde(default)]
    pub etag: Option<String>,
    /// SKU.
    #[serde(default)]
    pub sku: Option<IotHubSku>,
    /// Hub properties.
    #[serde(default)]
    pub properties: IotHubProperties,
    /// Resource tags (what a fleet's `targets.tags` selects on).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub tags: std::collections::BTreeMap<String, String>,
}

/// The subset of `IotHubProperties` a DR drill uses.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IotHubProperties {
    /// Hub state (`Active`, `FailingOver`, ...; free-form in the spec).
    #[serde(default)]
    pub state: Option<String>,
    /// Provisioning state (`Succeeded`, ...).
    #[serde(default)]
    pub provisioning_state: Option<String>,
    /// Host name (`<hub>.azure-devices.net`).
    #[serde(default)]
    pub host_name: Option<String>,
    /// Where the hub is provisioned: the primary region and its DR pair.
    #[serde(default)]
    pub locations: Vec<HubLocation>,
    /// `enableDataResidency`: a hub created with it (Brazil South, Southeast Asia) keeps its
    /// data in one region and has no failover at all. Absent on most hubs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_data_residency: Option<bool>,
    /// `eventHubEndpoints`: the built-in Event Hub-compatible endpoints by name (`events`).
    /// Consumers (Functions, Stream Analytics) read device telemetry there; a failover moves it.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub event_hub_endpoints: std::collections::BTreeMap<String, EventHubEndpoint>,
}

/// `EventHubProperties`: the part of a built-in endpoint its consumers connect to.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventHubEndpoint {
    /// The Event Hub-compatible endpoint (`sb://iothub-ns-....servicebus.windows.net/`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// The Event Hub-compatible name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

/// `IotHubLocationDescription`: one region of the hub and its role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HubLocation {
    /// Region name as ARM spells it (`West US`, `westus2`).
    #[serde(default)]
    pub location: String,
    /// Role of the region.
    #[serde(default)]
    pub role: ReplicaRole,
}

/// `IotHubReplicaRoleType` (modelAsString: unknown values are kept).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ReplicaRole {
    /// Where the hub currently runs.
    #[default]
    Primary,
    /// The paired region it can fail over to.
    Secondary,
    /// A value this client does not know.
    Other(String),
}

impl ReplicaRole {
    /// The wire spelling.
    pub fn as_str(&self) -> &str {
        match self {
            ReplicaRole::Primary => "primary",
            ReplicaRole::Secondary => "secondary",
            ReplicaRole::Other(other) => other,
        }
    }
}

impl Serialize for ReplicaRole {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ReplicaRole {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Ok(match text.to_ascii_lowercase().as_str() {
            "primary" => ReplicaRole::Primary,
            "secondary" => ReplicaRole::Secondary,
            _ => ReplicaRole::Other(text),
        })
    }
}

/// `IotHubSkuInfo`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct IotHubSku {
    /// SKU name (`S1`, ...).
    #[serde(default)]
    pub name: String,
    /// Tier (`Standard`, ...).
    #[serde(default)]
    pub tier: Option<String>,
    /// Units.
    #[serde(default)]
    pub capacity: Option<u64>,
}

impl IotHub {
    /// The region the hub runs in now (role `primary`), falling back to `location`.
    pub fn primary_location(&self) -> &str {
        self.location_with_role(&ReplicaRole::Primary)
            .unwrap_or(self.location.as_str())
    }

    /// The paired region a manual failover goes to (role `secondary`).
    pub fn secondary_location(&self) -> Option<&str> {
        self.location_with_role(&ReplicaRole::Secondary)
    }

    /// The hub state (`Active`, `FailingOver`, ...), empty when ARM sent none.
    pub fn state(&self) -> &str {
        self.properties.state.as_deref().unwrap_or("")
    }

    /// The provisioning state, empty when ARM sent none.
    pub fn provisioning_state(&self) -> &str {
        self.properties.provisioning_state.as_deref().unwrap_or("")
    }

    /// The built-in Event Hub-compatible endpoint (`eventHubEndpoints.events.endpoint`).
    pub fn event_hub_endpoint(&self) -> Option<&str> {
        self.properties
            .event_hub_endpoints
            .get("events")
            .and_then(|e| e.endpoint.as_deref())
    }

    /// The resource group, parsed from the resource id.
    pub fn resource_group(&self) -> Option<&str> {
        id_segment(&self.id, "resourceGroups")
    }

    /// The subscription id, parsed from the resource id.
    pub fn subscription_id(&self) -> Option<&str> {
        id_segment(&self.id, "subscriptions")
    }

    fn location_with_role(&self, role: &ReplicaRole) -> Option<&str> {
        self.properties
            .locations
            .iter()
            .find(|l| &l.role == role)
            .map(|l| l.location.as_str())
    }
}

/// The segment following `key` in an ARM resource id (keys compare case-insensitively, as ARM does).
fn id_segment<'a>(id: &'a str, key: &str) -> Option<&'a str> {
    let mut parts = id.split('/');
    while let Some(part) = parts.next() {
        if part.eq_ignore_ascii_case(key) {
            return parts.next().filter(|s| !s.is_empty());
        }
    }
    None
}
