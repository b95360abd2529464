//! `EndpointHealthData`: health of one routing endpoint (GET `routingEndpointsHealth`, paged).

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::OffsetDateTime;

use super::timefmt::de_opt_timestamp;

/// Health of a routing endpoint as ARM reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EndpointHealth {
    /// Endpoint id (its name for custom endpoints, `events` for the built-in one).
    #[serde(default)]
    pub endpoint_id: String,
    /// Health status.
    #[serde(default)]
    pub health_status: EndpointHealthStatus,
    /// Last error seen delivering to the endpoint.
    #[serde(default)]
    pub last_known_error: Option<String>,
    /// When that error happened.
    #[serde(default, deserialize_with = "de_opt_timestamp")]
    #[serde(serialize_with = "time::serde::rfc3339::option::serialize")]
    pub last_known_error_time: Option<OffsetDateTime>,
    /// Last successful delivery.
    #[serde(default, deserialize_with = "de_opt_timestamp")]
    #[serde(serialize_with = "time::serde::rfc3339::option::serialize")]
    pub last_successful_send_attempt_time: Option<OffsetDateTime>,
    /// Last delivery attempt.
    #[serde(default, deserialize_with = "de_opt_timestamp")]
    #[serde(serialize_with = "time::serde::rfc3339::option::serialize")]
    pub last_send_attempt_time: Option<OffsetDateTime>,
}

/// `EndpointHealthStatus` (modelAsString: unknown values are kept, not rejected).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum EndpointHealthStatus {
    /// IoT Hub has not established a connection with the endpoint.
    #[default]
    Unknown,
    /// Accepting messages as expected.
    Healthy,
    /// Accepting messages with delays or partially.
    Degraded,
    /// Not accepting messages; IoT Hub retries.
    Unhealthy,
    /// Not accepting messages after the retrial period.
    Dead,
    /// A value this client does not know.
    Other(String),
}

impl EndpointHealthStatus {
    /// The wire spelling.
    pub fn as_str(&self) -> &str {
        match self {
            EndpointHealthStatus::Unknown => "unknown",
            EndpointHealthStatus::Healthy => "healthy",
            EndpointHealthStatus::Degraded => "degraded",
            EndpointHealthStatus::Unhealthy => "unhealthy",
            EndpointHealthStatus::Dead => "dead",
            EndpointHealthStatus::Other(other) => other,
        }
    }

    /// True only for `healthy`.
    pub fn is_healthy(&self) -> bool {
        *self == EndpointHealthStatus::Healthy
    }
}

impl From<&str> for EndpointHealthStatus {
    fn from(text: &str) -> Self {
        match text.to_ascii_lowercase().as_str() {
            "unknown" => EndpointHealthStatus::Unknown,
            "healthy" => EndpointHealthStatus::Healthy,
            "degraded" => EndpointHealthStatus::Degraded,
            "unhealthy" => EndpointHealthStatus::Unhealthy,
            "dead" => EndpointHealthStatus::Dead,
            _ => EndpointHealthStatus::Other(text.to_string()),
        }
    }
}

impl std::fmt::Display for EndpointHealthStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for EndpointHealthStatus {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for EndpointHealthStatus {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Ok(EndpointHealthStatus::from(text.as_str()))
    }
}
