//! Time formats found on the wire: RFC 1123 / IMF-fixdate (`Wed, 13 Sep 2022 18:04:32 GMT`,
//! used by `Retry-After` and the spec's `date-time-rfc1123` fields) and RFC 3339.
//!
//! Parsing is tolerant in one direction only: a field documented as RFC 1123 also
//! accepts RFC 3339 (older examples used it), and an unparseable timestamp in a
//! response becomes `None` rather than failing a whole health report.

use serde::{Deserialize, Deserializer};
use time::{
    OffsetDateTime, PrimitiveDateTime, format_description::BorrowedFormatItem,
    format_description::well_known::Rfc3339, macros::format_description,
};

const IMF_FIXDATE: &[BorrowedFormatItem<'static>] = format_description!(
    "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
);

/// Parses an HTTP-date in IMF-fixdate form.
pub fn parse_http_date(text: &str) -> Option<OffsetDateTime> {
    PrimitiveDateTime::parse(text.trim(), IMF_FIXDATE)
        .ok()
        .map(PrimitiveDateTime::assume_utc)
}

/// Parses RFC 1123, falling back to RFC 3339.
pub fn parse_timestamp(text: &str) -> Option<OffsetDateTime> {
    parse_http_date(text).or_else(|| OffsetDateTime::parse(text.trim(), &Rfc3339).ok())
}

/// Serde helper: an optional RFC 1123 (or RFC 3339) timestamp.
pub fn de_opt_timestamp<'de, D>(deserializer: D) -> Result<Option<OffsetDateTime>, D::Error>
where
    D: Deserializer<'de>,
{
    let raw: Option<String> = Option::deserialize(deserializer)?;
    Ok(raw.as_deref().and_then(|text| {
        let parsed = parse_timestamp(text);
        if parsed.is_none() {
            tracing::warn!(value = text, "ignoring an unparseable timestamp from ARM");
        }
        parsed
    }))
}
