//! The Activity Log (`GET /subscriptions/{s}/providers/Microsoft.Insights/eventtypes/management/
//! values`, api-version 2015-04-01): each hub's seeded past events plus its own failovers.
//!
//! Request -> percent-decoded `$filter` -> `parse_filter` (ARM's strict grammar: `eventTimestamp
//! ge` required, `eventTimestamp le` optional, at most one of resourceGroupName, resourceUri,
//! resourceProvider, correlationId; anything else 400) -> events of the subscription's hubs,
//! built at read time from their seeds and failover operations (so nothing is stored twice) ->
//! filtered, newest first -> pages with an absolute `nextLink` that carries the filter.

use crate::app::{App, Req};
use crate::arm_error::ArmError;
use crate::hub::{Hub, OpStatus};
use crate::route::query_param;
use crate::wire::{self, Page};
use serde::Serialize;
use time::{OffsetDateTime, format_description::well_known::Rfc3339};

pub(crate) const API_VERSION: &str = "2015-04-01";

/// The operation name the emulator records for its own failovers. Azure does not document it;
/// the end event is written in lower case, as Azure varies the case of the same operation.
pub(crate) const FAILOVER_OPERATION: &str = "Microsoft.Devices/IotHubs/failover/action";

/// A page when the scenario sets no `page_size` (Azure's pages are about this long).
const DEFAULT_PAGE: usize = 200;

/// The one optional narrowing clause of a filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Narrow {
    ResourceGroupName(String),
    ResourceUri(String),
    ResourceProvider(String),
    CorrelationId(String),
}

/// A parsed `$filter`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Filter {
    pub from: OffsetDateTime,
    pub to: Option<OffsetDateTime>,
    pub narrow: Option<Narrow>,
}

const GRAMMAR: &str = "allowed: eventTimestamp ge '<start>' [and eventTimestamp le '<end>'] \
     [and one of resourceGroupName, resourceUri, resourceProvider, correlationId eq '<value>']";

/// The first word of `text` (after leading spaces) and what follows it.
fn word(text: &str) -> Option<(&str, &str)> {
    let text = text.trim_start();
    let end = text.find(char::is_whitespace).unwrap_or(text.len());
    (end > 0).then(|| (&text[..end], &text[end..]))
}

/// `name op 'value'` clauses joined by `and`; values are single-quoted (`''` is a quote).
fn clauses(filter: &str) -> Result<Vec<(String, String, String)>, String> {
    let mut out = Vec::new();
    let mut rest = filter;
    loop {
        let Some((name, after_name)) = word(rest) else {
            return Err("expected `name op 'value'`, found nothing".to_owned());
        };
        let Some((op, tail)) = word(after_name) else {
            return Err(format!("expected an operator after {name}"));
        };
        let Some(quoted) = tail.trim_start().strip_prefix('\'') else {
            return Err(format!("the value of {name} must be in single quotes"));
        };
        let mut value = String::new();
        let mut chars = quoted.char_indices().peekable();
        let mut end = None;
        while let Some((i, c)) = chars.next() {
            if c == '\'' {
                if chars.peek().map(|(_, c)| *c) == Some('\'') {
                    chars.next();
                    value.push('\'');
                    continue;
                }
                end = Some(i + 1);
                break;
            }
            value.push(c);
        }
        let Some(end) = end else {
            return Err(format!("the value of {name} has no closing quote"));
        };
        out.push((name.to_owned(), op.to_ascii_lowercase(), value));
        rest = &quoted[end..];
        match word(rest) {
            None => return Ok(out),
            Some((and, after)) if and.eq_ignore_ascii_case("and") => rest = after,
            Some((other, _)) => return Err(format!("expected `and`, found `{other}`")),
        }
    }
}

/// Parses a decoded `$filter`, or says (for the 400) what is wrong with it.
pub(crate) fn parse_filter(filter: &str) -> Result<Filter, String> {
    let mut from = None;
    let mut to = None;
    let mut narrow: Option<Narrow> = None;
    let time = |v: &str| {
        OffsetDateTime::parse(v, &Rfc3339)
            .map_err(|_| format!("'{v}' is not a date-time (ISO 8601, e.g. 2026-01-02T03:04:05Z)"))
    };
    for (name, op, value) in clauses(filter)? {
        let field = name.to_ascii_lowercase();
        match (field.as_str(), op.as_str()) {
            ("eventtimestamp", "ge") if from.is_none() => from = Some(time(&value)?),
            ("eventtimestamp", "le") if to.is_none() => to = Some(time(&value)?),
            // Older documentation adds this clause; Azure accepts and ignores it.
            ("eventchannels", "eq") => {}
            (f, "eq")
                if matches!(
                    f,
                    "resourcegroupname" | "resourceuri" | "resourceprovider" | "correlationid"
                ) =>
            {
                if narrow.is_some() {
                    return Err(format!(
                        "{name} is a second narrowing clause; at most one is allowed"
                    ));
                }
                narrow = Some(match f {
                    "resourcegroupname" => Narrow::ResourceGroupName(value),
                    "resourceuri" => Narrow::ResourceUri(value),
                    "resourceprovider" => Narrow::ResourceProvider(value),
                    _ => Narrow::CorrelationId(value),
                });
            }
            _ => return Err(format!("`{name} {op}` is not supported")),
        }
    }
    let from = from.ok_or("eventTimestamp ge '<start>' is required")?;
    if to.is_some_and(|to| to < from) {
        return Err("the end of the time range is before its start".to_owned());
    }
    Ok(Filter { from, to, narrow })
}

/// `%XX` and `+` decoded; `None` on a broken escape or bytes that are not UTF-8.
pub(crate) fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = text.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// One event as the spec's `EventData` has it (the fields Azure always fills).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EventData {
    authorization: Authorization,
    caller: String,
    correlation_id: String,
    description: &'static str,
    event_data_id: String,
    event_name: Localizable,
    category: Localizable,
    id: String,
    level: &'static str,
    operation_id: String,
    operation_name: Localizable,
    resource_group_name: String,
    resource_provider_name: Localizable,
    resource_type: Localizable,
    resource_id: String,
    status: Localizable,
    sub_status: Localizable,
    event_timestamp: String,
    submission_timestamp: String,
    subscription_id: String,
    #[serde(skip)]
    at: OffsetDateTime,
}

#[derive(Debug, Clone, Serialize)]
struct Authorization {
    action: String,
    scope: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct Localizable {
    value: String,
    localized_value: String,
}

fn text(value: &str) -> Localizable {
    Localizable {
        value: value.to_owned(),
        localized_value: value.to_owned(),
    }
}

/// What one event says; the rest follows from the hub.
struct Fact<'a> {
    operation: &'a str,
    status: &'a str,
    at: OffsetDateTime,
    correlation_id: String,
    caller: &'a str,
    seq: String,
}

fn event(hub: &Hub, fact: Fact<'_>) -> EventData {
    let s = &hub.seed;
    let resource_id = wire::hub_id(hub);
    let event_data_id = format!("00000000-0000-4000-c000-{:06x}{}", hub.index, fact.seq);
    let ticks = (fact.at.unix_timestamp_nanos() / 100).max(0);
    let begin = fact.status.eq_ignore_ascii_case("Started");
    EventData {
        authorization: Authorization {
            action: fact.operation.to_owned(),
            scope: resource_id.clone(),
        },
        caller: fact.caller.to_owned(),
        operation_id: fact.correlation_id.clone(),
        correlation_id: fact.correlation_id,
        description: "",
        id: format!("{resource_id}/events/{event_data_id}/ticks/{ticks}"),
        event_data_id,
        event_name: text(if begin { "BeginRequest" } else { "EndRequest" }),
        category: text("Administrative"),
        level: if fact.status.eq_ignore_ascii_case("Failed") {
            "Error"
        } else {
            "Informational"
        },
        operation_name: text(fact.operation),
        resource_group_name: s.resource_group.clone(),
        resource_provider_name: text("Microsoft.Devices"),
        resource_type: text(wire::RESOURCE_TYPE),
        resource_id,
        status: text(fact.status),
        sub_status: text(""),
        event_timestamp: wire::rfc3339(fact.at),
        submission_timestamp: wire::rfc3339(fact.at),
        subscription_id: s.subscription.clone(),
        at: fact.at,
    }
}

/// Every event of a hub: its seeded past, then its own failovers (a Started event when each
/// began and a Succeeded or Failed one when it ended, with one correlation id).
pub(crate) fn hub_events(app: &App, hub: &Hub, req: &Req<'_>) -> Vec<EventData> {
    let mut out = Vec::new();
    for (i, seed) in hub.seed.activity_log.iter().enumerate() {
        // Validated when the scenario loaded.
        let Ok(at) = seed.at(app.started) else {
            continue;
        };
        out.push(event(
            hub,
            Fact {
                operation: &seed.operation,
                status: &seed.status,
                at,
                correlation_id: seed
                    .correlation_id
                    .clone()
                    .unwrap_or_else(|| format!("00000000-0000-4000-b000-{:06x}{i:06x}", hub.index)),
                caller: seed.caller.as_deref().unwrap_or("someone@example.com"),
                seq: format!("b{i:05x}"),
            },
        ));
    }
    let mut st = hub.state.lock();
    st.advance(&hub.seed, req.now);
    let lower = FAILOVER_OPERATION.to_ascii_lowercase();
    for op in &st.operations {
        let correlation_id = format!("00000000-0000-4000-a000-{:06x}{:06x}", hub.index, op.seq);
        out.push(event(
            hub,
            Fact {
                operation: FAILOVER_OPERATION,
                status: "Started",
                at: op.started_at,
                correlation_id: correlation_id.clone(),
                caller: "emulator@example.com",
                seq: format!("a{:04x}0", op.seq),
            },
        ));
        if let (Some(ended), true) = (op.ended_at, op.status != OpStatus::InProgress) {
            out.push(event(
                hub,
                Fact {
                    operation: &lower,
                    status: op.status.as_str(),
                    at: ended,
                    correlation_id,
                    caller: "emulator@example.com",
                    seq: format!("a{:04x}1", op.seq),
                },
            ));
        }
    }
    out
}

/// ARM compares resource ids and names without regard to case or a trailing slash.
fn same(a: &str, b: &str) -> bool {
    a.trim_end_matches('/')
        .eq_ignore_ascii_case(b.trim_end_matches('/'))
}

/// Whether any event of `hub` can pass the filter's resource group narrowing.
fn may_match(filter: &Filter, hub: &Hub) -> bool {
    match &filter.narrow {
        Some(Narrow::ResourceGroupName(rg)) => same(&hub.seed.resource_group, rg),
        _ => true,
    }
}

/// The hub whose resource id `uri` is (`/subscriptions/S/resourceGroups/RG/providers/
/// Microsoft.Devices/IotHubs/NAME`, in any case); only a hub's events carry its id.
fn hub_named_by<'a>(app: &'a App, uri: &str) -> Option<&'a Hub> {
    let parts: Vec<&str> = uri.trim_end_matches('/').split('/').collect();
    let [
        "",
        subscriptions,
        sub,
        groups,
        rg,
        providers,
        namespace,
        kind,
        name,
    ] = parts.as_slice()
    else {
        return None;
    };
    let is = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
    (is(subscriptions, "subscriptions")
        && is(groups, "resourceGroups")
        && is(providers, "providers")
        && is(&format!("{namespace}/{kind}"), wire::RESOURCE_TYPE))
    .then(|| app.store.hub(sub, rg, name))
    .flatten()
}

fn keep(filter: &Filter, e: &EventData) -> bool {
    if e.at < filter.from || filter.to.is_some_and(|to| e.at > to) {
        return false;
    }
    match &filter.narrow {
        None => true,
        Some(Narrow::ResourceGroupName(rg)) => same(&e.resource_group_name, rg),
        Some(Narrow::ResourceUri(uri)) => same(&e.resource_id, uri),
        Some(Narrow::ResourceProvider(p)) => same(&e.resource_provider_name.value, p),
        Some(Narrow::CorrelationId(c)) => same(&e.correlation_id, c),
    }
}

fn bad_filter(why: &str) -> ArmError {
    ArmError::new(
        400,
        "BadRequest",
        format!("The $filter is invalid: {why}; {GRAMMAR}."),
    )
}

/// The answer to one Activity Log page request for subscription `sub` (known to exist).
pub(crate) fn list(app: &App, req: &Req<'_>, hubs: &[usize]) -> Result<Page<EventData>, ArmError> {
    let raw = query_param(req.query, "$filter")
        .or_else(|| query_param(req.query, "%24filter"))
        .ok_or_else(|| bad_filter("$filter is required"))?;
    let decoded =
        percent_decode(raw).ok_or_else(|| bad_filter("it is not percent-encoded UTF-8"))?;
    let filter = parse_filter(&decoded).map_err(|why| bad_filter(&why))?;
    // A narrowing to one resource or resource group rules hubs out before their events are
    // built: a fleet's preflight asks once per hub, and building every hub's events for each
    // question made a 10,000-hub fleet quadratic.
    let asked: Vec<&Hub> = match &filter.narrow {
        Some(Narrow::ResourceUri(uri)) => hub_named_by(app, uri)
            .filter(|hub| hubs.contains(&hub.index))
            .into_iter()
            .collect(),
        _ => hubs
            .iter()
            .filter_map(|&i| app.store.hubs.get(i))
            .filter(|hub| may_match(&filter, hub))
            .collect(),
    };
    let mut events: Vec<EventData> = asked
        .into_iter()
        .flat_map(|hub| hub_events(app, hub, req))
        .filter(|e| keep(&filter, e))
        .collect();
    // Newest first, as Azure lists them; ties keep a stable order.
    events.sort_by(|a, b| {
        b.at.cmp(&a.at)
            .then_with(|| a.event_data_id.cmp(&b.event_data_id))
    });
    let start = match query_param(req.query, "$skiptoken")
        .or_else(|| query_param(req.query, "%24skiptoken"))
    {
        None => 0,
        Some(t) => t.parse::<usize>().map_err(|_| {
            ArmError::new(
                400,
                "InvalidSkipToken",
                format!("The skip token '{t}' is not valid."),
            )
        })?,
    };
    let size = app.page_size.unwrap_or(DEFAULT_PAGE);
    let end = start.saturating_add(size).min(events.len());
    let next_link = (end < events.len()).then(|| {
        format!(
            "{}{}?api-version={API_VERSION}&$filter={raw}&$skiptoken={end}",
            req.origin, req.path
        )
    });
    let value = events
        .into_iter()
        .skip(start)
        .take(end.saturating_sub(start))
        .collect();
    Ok(Page { value, next_link })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const T: &str =
        "eventTimestamp ge '2026-01-01T00:00:00Z' and eventTimestamp le '2026-01-02T00:00:00Z'";

    #[test]
    fn accepts_the_documented_shapes() {
        let f = parse_filter(T).unwrap();
        assert_eq!(f.from, datetime!(2026-01-01 0:00 UTC));
        assert_eq!(f.to, Some(datetime!(2026-01-02 0:00 UTC)));
        assert_eq!(f.narrow, None);
        for (clause, narrow) in [
            (
                "resourceGroupName eq 'rg'",
                Narrow::ResourceGroupName("rg".into()),
            ),
            (
                "resourceUri eq '/subscriptions/s/x'",
                Narrow::ResourceUri("/subscriptions/s/x".into()),
            ),
            (
                "resourceProvider eq 'Microsoft.Devices'",
                Narrow::ResourceProvider("Microsoft.Devices".into()),
            ),
            ("correlationId eq 'c'", Narrow::CorrelationId("c".into())),
        ] {
            let f = parse_filter(&format!("{T} and {clause}")).unwrap();
            assert_eq!(f.narrow, Some(narrow), "{clause}");
        }
        assert!(parse_filter("eventTimestamp ge '2026-01-01T00:00:00Z'").is_ok());
        // Extra spaces and upper-case keywords are fine; `''` is a quote inside a value.
        let f = parse_filter(&format!("  {T}  AND   correlationId  eq  'it''s' ")).unwrap();
        assert_eq!(f.narrow, Some(Narrow::CorrelationId("it's".into())));
        assert!(parse_filter(&format!("{T} and eventChannels eq 'Admin, Operation'")).is_ok());
    }

    #[test]
    fn refuses_everything_else() {
        for bad in [
            "",
            "eventTimestamp le '2026-01-02T00:00:00Z'",
            "resourceUri eq '/x'",
            "eventTimestamp ge 'yesterday'",
            "eventTimestamp ge 2026-01-01T00:00:00Z",
            "eventTimestamp ge '2026-01-01T00:00:00Z",
            "eventTimestamp gt '2026-01-01T00:00:00Z'",
            "eventTimestamp ge '2026-01-02T00:00:00Z' and eventTimestamp le '2026-01-01T00:00:00Z'",
            &format!("{T} and resourceUri eq '/x' and correlationId eq 'c'"),
            &format!("{T} and operationName eq 'x'"),
            &format!("{T} or resourceUri eq '/x'"),
        ] {
            assert!(parse_filter(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn decodes_percent_escapes_and_plus() {
        assert_eq!(percent_decode("a%20b+c%27").as_deref(), Some("a b c'"));
        assert_eq!(percent_decode("%2"), None);
        assert_eq!(percent_decode("%ff"), None);
    }
}
