//! The Activity Log read: what Azure recorded about one resource in a time range.
//!
//! `GET /subscriptions/{sub}/providers/Microsoft.Insights/eventtypes/management/values
//! ?api-version=2015-04-01&$filter=eventTimestamp ge '<from>' and eventTimestamp le '<to>' and
//! resourceUri eq '<id>'`. ARM accepts only a few `$filter` shapes (a time range plus at most one
//! of resourceGroupName, resourceUri, resourceProvider, correlationId), so the filter is built
//! here, never taken from a caller. Pages follow `nextLink` up to a caller's bound; a log cut
//! by the bound says so (`truncated`) instead of looking complete. Each page is one read of
//! ARM's budget.

use std::collections::HashSet;

use time::{OffsetDateTime, UtcOffset, format_description::well_known::Rfc3339};
use url::Url;

use crate::{
    client::{ArmClient, non_empty},
    error::ArmError,
    models::{ActivityLog, ActivityLogEvent},
};

/// The Activity Log api-version.
pub const ACTIVITY_LOG_API_VERSION: &str = "2015-04-01";

/// Azure keeps Activity Log events this long; an older `from` finds nothing more.
pub const ACTIVITY_LOG_RETENTION_DAYS: i64 = 90;

/// The `$filter` for the events of one resource between `from` and `to` (both inclusive).
pub fn activity_log_filter(
    from: OffsetDateTime,
    to: OffsetDateTime,
    resource_uri: &str,
) -> Result<String, ArmError> {
    non_empty("resource id", resource_uri)?;
    if resource_uri.contains('\'') {
        return Err(ArmError::InvalidInput {
            what: "resource id".into(),
            message: format!("{resource_uri:?} contains a quote, which no ARM resource id has")
                .into(),
        });
    }
    if from > to {
        return Err(ArmError::InvalidInput {
            what: "Activity Log time range".into(),
            message: format!(
                "it starts ({}) after it ends ({})",
                stamp(from)?,
                stamp(to)?
            )
            .into(),
        });
    }
    Ok(format!(
        "eventTimestamp ge '{}' and eventTimestamp le '{}' and resourceUri eq '{resource_uri}'",
        stamp(from)?,
        stamp(to)?
    ))
}

/// RFC 3339 in UTC, as the spec's examples write it.
fn stamp(at: OffsetDateTime) -> Result<String, ArmError> {
    at.to_offset(UtcOffset::UTC)
        .format(&Rfc3339)
        .map_err(|e| ArmError::InvalidInput {
            what: "Activity Log time".into(),
            message: format!("{at} cannot be written as RFC 3339 ({e})").into(),
        })
}

/// Percent-encodes a query value: every byte but `A-Z a-z 0-9 - . _ ~` as `%XX`, so a space is
/// `%20` (never `+`, which a strict server may keep as a plus) and quotes and colons are escaped.
fn encode_query_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len() * 3);
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl ArmClient {
    /// URL of the first page of the Activity Log of `resource_uri` between `from` and `to`.
    pub fn activity_log_url(
        &self,
        from: OffsetDateTime,
        to: OffsetDateTime,
        resource_uri: &str,
    ) -> Result<Url, ArmError> {
        let filter = activity_log_filter(from, to, resource_uri)?;
        let mut url = self.url_with_version(
            &[
                "subscriptions",
                self.subscription(),
                "providers",
                "Microsoft.Insights",
                "eventtypes",
                "management",
                "values",
            ],
            ACTIVITY_LOG_API_VERSION,
        );
        let query = format!(
            "{}&$filter={}",
            url.query().unwrap_or_default(),
            encode_query_value(&filter)
        );
        url.set_query(Some(&query));
        Ok(url)
    }

    /// The Activity Log events of `resource_uri` between `from` and `to`, reading at most
    /// `max_pages` pages (at least one). Events are returned as Azure sent them, every
    /// operation included: the caller picks what it looks for (see
    /// [`ActivityLogEvent::is_failover_action`]).
    pub async fn activity_log(
        &self,
        from: OffsetDateTime,
        to: OffsetDateTime,
        resource_uri: &str,
        max_pages: usize,
    ) -> Result<ActivityLog, ArmError> {
        let mut next = Some(self.activity_log_url(from, to, resource_uri)?);
        let mut log = ActivityLog::default();
        let mut seen: HashSet<Url> = HashSet::new();
        while let Some(url) = next.take() {
            if log.pages >= max_pages.max(1) {
                log.truncated = true;
                break;
            }
            if !seen.insert(url.clone()) {
                return Err(ArmError::InvalidResponse {
                    method: "GET".into(),
                    url: url.to_string().into(),
                    message: "nextLink points back at a page already read".into(),
                });
            }
            let (events, page_next) = self.fetch_page::<ActivityLogEvent>(&url).await?;
            log.pages += 1;
            log.events.extend(events);
            next = page_next;
        }
        Ok(log)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn the_filter_is_the_documented_resource_shape() {
        let f = activity_log_filter(
            datetime!(2026-01-02 03:04:05 +01:00),
            datetime!(2026-01-03 00:00:00 UTC),
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Devices/IotHubs/h",
        )
        .unwrap();
        assert_eq!(
            f,
            "eventTimestamp ge '2026-01-02T02:04:05Z' and eventTimestamp le '2026-01-03T00:00:00Z' \
             and resourceUri eq '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Devices/IotHubs/h'"
        );
    }

    #[test]
    fn bad_ranges_and_ids_are_refused_before_any_call() {
        let t = datetime!(2026-01-02 00:00 UTC);
        assert!(activity_log_filter(t, t - time::Duration::SECOND, "/x").is_err());
        assert!(activity_log_filter(t, t, " ").is_err());
        assert!(activity_log_filter(t, t, "/x' or '1' eq '1").is_err());
    }

    #[test]
    fn query_values_are_percent_encoded_with_percent_20() {
        assert_eq!(
            encode_query_value("a ge 'b:c' + /d"),
            "a%20ge%20%27b%3Ac%27%20%2B%20%2Fd"
        );
    }
}
