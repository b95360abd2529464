//! The scenario knobs of a hub's device population (`monitor:` on a hub or a `generate:`
//! template): how many devices are connected, how much telemetry they send, how they come back
//! after a failover, when Azure publishes a minute, and which metrics fail on request.
//!
//! Read once from YAML by `scenario`; `population` and `api` only read them.

use crate::duration;
use crate::ordered::OrderedMap;
use schemars::JsonSchema;
use serde::{Deserialize, Deserializer};
use std::time::Duration;

/// `monitor:` of a hub.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MonitorSeed {
    /// Fraction of the enabled devices connected in steady state (`0.95` or `95%`).
    #[schemars(schema_with = "crate::schema::fraction")]
    #[serde(default = "default_connected", deserialize_with = "fraction")]
    pub connected: f64,
    /// Messages each connected device sends per minute.
    #[serde(default = "default_rate")]
    pub telemetry_per_minute: f64,
    /// How devices reconnect after a failover completes.
    #[serde(default)]
    pub reconnect: ReconnectSeed,
    /// Time from the end of a minute until Azure serves it (scaled).
    #[schemars(schema_with = "crate::schema::duration", extend("default" = "1m"))]
    #[serde(default = "default_delay", deserialize_with = "duration::deserialize")]
    pub delay: Duration,
    /// Metric name -> `errorCode` it fails with inside a 200 (`InvalidSamplingType`, ...).
    #[serde(default)]
    pub errors: OrderedMap<String>,
}

impl Default for MonitorSeed {
    fn default() -> Self {
        MonitorSeed {
            connected: default_connected(),
            telemetry_per_minute: default_rate(),
            reconnect: ReconnectSeed::default(),
            delay: default_delay(),
            errors: OrderedMap::default(),
        }
    }
}

/// `reconnect: { median: 3m, p95: 12m, never: 2% }`: after a failover completes, the time a
/// device takes to reconnect is log-normal with that median and 95th percentile; `never` of
/// them stay away.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReconnectSeed {
    #[schemars(schema_with = "crate::schema::duration", extend("default" = "3m"))]
    #[serde(default = "default_median", deserialize_with = "duration::deserialize")]
    pub median: Duration,
    #[schemars(schema_with = "crate::schema::duration", extend("default" = "12m"))]
    #[serde(default = "default_p95", deserialize_with = "duration::deserialize")]
    pub p95: Duration,
    #[schemars(schema_with = "crate::schema::fraction")]
    #[serde(default, deserialize_with = "fraction")]
    pub never: f64,
}

impl Default for ReconnectSeed {
    fn default() -> Self {
        ReconnectSeed {
            median: default_median(),
            p95: default_p95(),
            never: 0.0,
        }
    }
}

fn default_connected() -> f64 {
    1.0
}

fn default_rate() -> f64 {
    1.0
}

fn default_delay() -> Duration {
    Duration::from_secs(60)
}

fn default_median() -> Duration {
    Duration::from_secs(180)
}

fn default_p95() -> Duration {
    Duration::from_secs(720)
}

/// A fraction in [0, 1], written `0.02` or `2%`.
fn fraction<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Number(f64),
        Text(String),
    }
    let value = match Raw::deserialize(d)? {
        Raw::Number(n) => n,
        Raw::Text(t) => {
            let t = t.trim();
            let parsed = t
                .strip_suffix('%')
                .and_then(|p| p.trim().parse::<f64>().ok())
                .map(|p| p / 100.0)
                .or_else(|| t.parse::<f64>().ok());
            parsed.ok_or_else(|| {
                serde::de::Error::custom(format!(
                    "expected a fraction such as 0.02 or 2%, found {t:?}"
                ))
            })?
        }
    };
    if (0.0..=1.0).contains(&value) {
        Ok(value)
    } else {
        Err(serde::de::Error::custom(format!(
            "a fraction must be between 0 and 1 (0% and 100%), found {value}"
        )))
    }
}
