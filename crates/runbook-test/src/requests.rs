//! Request patterns: `"POST failover"` in a case's `expect.requests`, matched against the
//! requests the case's emulator recorded.
//!
//! A pattern is a method and the end of a path: it matches a request with that method whose
//! path (query left out) ends with `/` and those segments, letters in any case, as ARM's are.
//! `GET myIoTHub` is the hub's own GET, not `.../myIoTHub/IotHubStats`.

use iothub_emulator::RecordedRequest;

const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestPattern {
    method: String,
    /// `/segment...`, lowercased.
    tail: String,
}

impl RequestPattern {
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut parts = text.split_whitespace();
        let (Some(method), Some(path), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(format!(
                "`{text}` is not a request pattern (a method and the end of a path)"
            ));
        };
        let method = method.to_ascii_uppercase();
        if !METHODS.contains(&method.as_str()) {
            return Err(format!(
                "`{method}` is not an HTTP method ARM uses here ({})",
                METHODS.join(", ")
            ));
        }
        let path = path.trim_matches('/');
        if path.is_empty() {
            return Err(format!("`{text}` names no path"));
        }
        Ok(Self {
            method,
            tail: format!("/{}", path.to_ascii_lowercase()),
        })
    }

    pub fn matches(&self, r: &RecordedRequest) -> bool {
        let path = r.path.split('?').next().unwrap_or_default();
        r.method.eq_ignore_ascii_case(&self.method)
            && path
                .trim_end_matches('/')
                .to_ascii_lowercase()
                .ends_with(&self.tail)
    }

    pub fn count(&self, requests: &[RecordedRequest]) -> u32 {
        let n = requests.iter().filter(|r| self.matches(r)).count();
        u32::try_from(n).unwrap_or(u32::MAX)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn req(method: &str, path: &str) -> RecordedRequest {
        let (path, query) = path.split_once('?').unwrap_or((path, ""));
        RecordedRequest {
            seq: 1,
            time: "2026-01-01T00:00:00Z".into(),
            method: method.into(),
            path: path.into(),
            query: query.into(),
            status: 200,
        }
    }

    #[test]
    fn a_pattern_matches_the_end_of_the_path_by_whole_segments() {
        let hub = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Devices/IotHubs/myIoTHub";
        let p = RequestPattern::parse("GET myIoTHub").unwrap();
        assert!(p.matches(&req("GET", &format!("{hub}?api-version=2023-06-30"))));
        assert!(!p.matches(&req("GET", &format!("{hub}/IotHubStats"))));
        assert!(!p.matches(&req("POST", hub)));
        let failover = RequestPattern::parse("post failover").unwrap();
        assert!(failover.matches(&req("POST", &format!("{hub}/failover"))));
        assert!(
            !RequestPattern::parse("GET hub")
                .unwrap()
                .matches(&req("GET", hub))
        );
    }

    #[test]
    fn malformed_patterns_say_why() {
        assert!(
            RequestPattern::parse("failover")
                .unwrap_err()
                .contains("not a request pattern")
        );
        assert!(
            RequestPattern::parse("FETCH x")
                .unwrap_err()
                .contains("not an HTTP method")
        );
        assert!(
            RequestPattern::parse("GET /")
                .unwrap_err()
                .contains("no path")
        );
    }
}
