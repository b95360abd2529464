//! ARM error bodies, in both shapes ARM uses: IoT Hub's flat `ErrorDetails`
//! (`{"code", "httpStatusCode", "message", "details"}`) and the common
//! `{"error": {"code", "message", "details": [...]}}` envelope.
//!
//! [`ErrorBody::parse`] never fails: a body that is neither (an HTML gateway page,
//! nothing at all) yields an empty `ErrorBody`, and the caller falls back to the status.

use serde::Deserialize;
use serde_json::Value;

/// Code and message extracted from an error response.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ErrorBody {
    /// ARM error code.
    pub code: Option<String>,
    /// ARM error message.
    pub message: Option<String>,
    /// Extra detail text (flat `details` string, or the messages of the `details` array).
    pub details: Option<String>,
}

#[derive(Deserialize)]
struct Flat {
    #[serde(default)]
    code: Option<Value>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    details: Option<Value>,
}

impl ErrorBody {
    /// Extracts code and message from a response body of either shape.
    pub fn parse(body: &[u8]) -> ErrorBody {
        let Ok(value) = serde_json::from_slice::<Value>(body) else {
            return ErrorBody::default();
        };
        let inner = match value.get("error") {
            Some(error @ Value::Object(_)) => error.clone(),
            _ => value,
        };
        Self::from_value(inner)
    }

    /// Extracts code and message from an error object (`{"code", "message", ...}`).
    pub fn from_value(value: Value) -> ErrorBody {
        let Ok(flat) = serde_json::from_value::<Flat>(value) else {
            return ErrorBody::default();
        };
        let code = flat.code.and_then(|c| match c {
            Value::String(s) if !s.is_empty() => Some(s),
            // IoT Hub sometimes sends numeric codes (e.g. 404001).
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        });
        let details = flat.details.and_then(|d| match d {
            Value::String(s) if !s.is_empty() => Some(s),
            Value::Array(items) => {
                let texts: Vec<String> = items
                    .iter()
                    .filter_map(|i| i.get("message").and_then(Value::as_str))
                    .map(str::to_string)
                    .collect();
                (!texts.is_empty()).then(|| texts.join("; "))
            }
            _ => None,
        });
        ErrorBody {
            code,
            message: flat.message.filter(|m| !m.is_empty()),
            details,
        }
    }

    /// The message with details appended, or `None` when the body said nothing.
    pub fn full_message(&self) -> Option<String> {
        match (&self.message, &self.details) {
            (Some(m), Some(d)) if !m.contains(d.as_str()) => Some(format!("{m} ({d})")),
            (Some(m), _) => Some(m.clone()),
            (None, Some(d)) => Some(d.clone()),
            (None, None) => None,
        }
    }
}
