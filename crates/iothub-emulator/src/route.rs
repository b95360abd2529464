//! ARM path parsing: a request path to the operation it names.
//!
//! ARM matches its fixed segments (`subscriptions`, `resourceGroups`, `providers`,
//! `Microsoft.Devices`, `IotHubs`, ...) case-insensitively, so this is a hand-written matcher
//! over the path segments rather than a router table. Besides Microsoft.Devices it knows the
//! reads a preflight makes: the Activity Log and, at each scope, locks and permissions.

/// What a hub-scoped path asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HubAction {
    Get,
    Stats,
    QuotaMetrics,
    EndpointHealth,
    Failover,
    /// `providers/Microsoft.Insights/metrics` under the hub (Azure Monitor).
    Metrics,
}

/// A recognised ARM path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ArmPath<'a> {
    ListBySubscription {
        sub: &'a str,
    },
    OperationResult {
        sub: &'a str,
        id: &'a str,
    },
    ListByResourceGroup {
        sub: &'a str,
        rg: &'a str,
    },
    Hub {
        sub: &'a str,
        rg: &'a str,
        name: &'a str,
        action: HubAction,
    },
    /// The subscription's Activity Log (Microsoft.Insights, 2015-04-01).
    ActivityLog {
        sub: &'a str,
    },
    /// Management locks at a subscription, resource group or hub (2016-09-01).
    Locks {
        sub: &'a str,
        rg: Option<&'a str>,
        hub: Option<&'a str>,
    },
    /// The caller's permissions on a hub (Microsoft.Authorization, 2022-04-01).
    Permissions {
        sub: &'a str,
        rg: &'a str,
        name: &'a str,
    },
    /// Under a subscription, but not an IoT Hub operation the emulator serves.
    Unknown,
}

fn is(segment: &str, literal: &str) -> bool {
    segment.eq_ignore_ascii_case(literal)
}

/// Parses `path` (no query). Trailing slashes are ignored, as ARM does.
pub(crate) fn parse(path: &str) -> ArmPath<'_> {
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let authz = |p: &str, ns: &str| is(p, "providers") && is(ns, "Microsoft.Authorization");
    match segs.as_slice() {
        [s, sub, p, ns, e, m, v]
            if is(s, "subscriptions")
                && is(p, "providers")
                && is(ns, "Microsoft.Insights")
                && is(e, "eventtypes")
                && is(m, "management")
                && is(v, "values") =>
        {
            ArmPath::ActivityLog { sub }
        }
        [s, sub, p, ns, l] if is(s, "subscriptions") && authz(p, ns) && is(l, "locks") => {
            ArmPath::Locks {
                sub,
                rg: None,
                hub: None,
            }
        }
        [s, sub, g, rg, p, ns, l]
            if is(s, "subscriptions")
                && is(g, "resourceGroups")
                && authz(p, ns)
                && is(l, "locks") =>
        {
            ArmPath::Locks {
                sub,
                rg: Some(rg),
                hub: None,
            }
        }
        [s, sub, p, ns, hubs]
            if is(s, "subscriptions")
                && is(p, "providers")
                && is(ns, "Microsoft.Devices")
                && is(hubs, "IotHubs") =>
        {
            ArmPath::ListBySubscription { sub }
        }
        [s, sub, p, ns, ops, id]
            if is(s, "subscriptions")
                && is(p, "providers")
                && is(ns, "Microsoft.Devices")
                && is(ops, "operationResults") =>
        {
            ArmPath::OperationResult { sub, id }
        }
        [s, sub, g, rg, p, ns, hubs, rest @ ..]
            if is(s, "subscriptions")
                && is(g, "resourceGroups")
                && is(p, "providers")
                && is(ns, "Microsoft.Devices")
                && is(hubs, "IotHubs") =>
        {
            match rest {
                [] => ArmPath::ListByResourceGroup { sub, rg },
                [name] => ArmPath::Hub {
                    sub,
                    rg,
                    name,
                    action: HubAction::Get,
                },
                [name, a] => {
                    let action = if is(a, "IotHubStats") {
                        HubAction::Stats
                    } else if is(a, "quotaMetrics") {
                        HubAction::QuotaMetrics
                    } else if is(a, "routingEndpointsHealth") {
                        HubAction::EndpointHealth
                    } else if is(a, "failover") {
                        HubAction::Failover
                    } else {
                        return ArmPath::Unknown;
                    };
                    ArmPath::Hub {
                        sub,
                        rg,
                        name,
                        action,
                    }
                }
                [name, p, ns, l] if authz(p, ns) && is(l, "locks") => ArmPath::Locks {
                    sub,
                    rg: Some(rg),
                    hub: Some(name),
                },
                [name, p, ns, perms] if authz(p, ns) && is(perms, "permissions") => {
                    ArmPath::Permissions { sub, rg, name }
                }
                [name, p, ns, m]
                    if is(p, "providers") && is(ns, "Microsoft.Insights") && is(m, "metrics") =>
                {
                    ArmPath::Hub {
                        sub,
                        rg,
                        name,
                        action: HubAction::Metrics,
                    }
                }
                _ => ArmPath::Unknown,
            }
        }
        _ => ArmPath::Unknown,
    }
}

/// The value of query parameter `name` (first occurrence), and whether `name` appears at all.
pub(crate) fn query_param<'q>(query: &'q str, name: &str) -> Option<&'q str> {
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (k.eq_ignore_ascii_case(name)).then_some(v)
    })
}

/// The `{s}` of a `/subscriptions/{s}/...` path (the key of ARM's throttling budgets).
pub(crate) fn subscription_of(path: &str) -> Option<&str> {
    let mut parts = path.trim_start_matches('/').split('/');
    match (parts.next(), parts.next()) {
        (Some(first), Some(sub))
            if first.eq_ignore_ascii_case("subscriptions") && !sub.is_empty() =>
        {
            Some(sub)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_route_case_insensitively() {
        let base = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Devices/IotHubs";
        assert_eq!(
            parse("/subscriptions/s/providers/Microsoft.Devices/IotHubs"),
            ArmPath::ListBySubscription { sub: "s" }
        );
        assert_eq!(
            parse(base),
            ArmPath::ListByResourceGroup { sub: "s", rg: "rg" }
        );
        assert_eq!(
            parse(&format!("{}/h/", base.to_lowercase())),
            ArmPath::Hub {
                sub: "s",
                rg: "rg",
                name: "h",
                action: HubAction::Get
            }
        );
        assert_eq!(
            parse(&format!("{base}/h/iothubstats")),
            ArmPath::Hub {
                sub: "s",
                rg: "rg",
                name: "h",
                action: HubAction::Stats
            }
        );
        assert_eq!(
            parse("/subscriptions/s/providers/Microsoft.Devices/operationResults/x"),
            ArmPath::OperationResult { sub: "s", id: "x" }
        );
        assert_eq!(parse(&format!("{base}/h/skus")), ArmPath::Unknown);
        assert_eq!(
            parse("/subscriptions/s/providers/microsoft.insights/eventTypes/management/values"),
            ArmPath::ActivityLog { sub: "s" }
        );
        assert_eq!(
            parse("/subscriptions/s/providers/Microsoft.Authorization/locks"),
            ArmPath::Locks {
                sub: "s",
                rg: None,
                hub: None
            }
        );
        assert_eq!(
            parse("/subscriptions/s/resourcegroups/rg/providers/Microsoft.Authorization/locks"),
            ArmPath::Locks {
                sub: "s",
                rg: Some("rg"),
                hub: None
            }
        );
        assert_eq!(
            parse(&format!("{base}/h/providers/Microsoft.Authorization/locks")),
            ArmPath::Locks {
                sub: "s",
                rg: Some("rg"),
                hub: Some("h")
            }
        );
        assert_eq!(
            parse(&format!(
                "{base}/h/providers/Microsoft.Authorization/permissions"
            )),
            ArmPath::Permissions {
                sub: "s",
                rg: "rg",
                name: "h"
            }
        );
        assert_eq!(parse("/"), ArmPath::Unknown);
    }

    #[test]
    fn finds_query_params() {
        assert_eq!(
            query_param("api-version=1&asyncinfo", "asyncinfo"),
            Some("")
        );
        assert_eq!(
            query_param("api-version=1&asyncinfo", "API-VERSION"),
            Some("1")
        );
        assert_eq!(query_param("", "api-version"), None);
    }
}
