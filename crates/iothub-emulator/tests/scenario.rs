//! Scenario files: the documented format parses, defaults are as promised, unknown keys and
//! impossible combinations are errors that name the file and line.
#![allow(clippy::unwrap_used)]

use iothub_emulator::{EndpointHealth, Outcome, Scenario, ScenarioError};
use std::time::Duration;

const FULL: &str = r#"
page_size: 2
hubs:
  - name: myIoTHub
    resource_group: myResourceGroup
    subscription: 00000000-0000-0000-0000-000000000000
    location: westus2
    secondary: westus
    state: Active
    devices: { enabled: 1180, disabled: 20 }
    quotas: { TotalMessages: [1200, 400000], TotalDeviceCount: [1200, 500000] }
    endpoints: { events: healthy, telemetry-archive: healthy }
    failover:
      duration: 2s
      outcome: failed
      error: { code: Boom, message: it broke }
      after: { devices: { enabled: 1100 }, endpoints: { telemetry-archive: unhealthy }, state: Active }
      retry_after: 500ms
faults:
  - { method: GET, path: IotHubStats, status: 429, retry_after: 1, times: 2 }
  - { method: POST, path: failover, status: 503, times: 1 }
  - { method: GET, path: myIoTHub, delay: 500ms }
  - { method: POST, path: failover, drop_connection: true, after_effect: true, times: 1 }
"#;

#[test]
fn the_documented_format_parses() {
    let s = Scenario::from_yaml(FULL, "full.yaml").unwrap();
    assert_eq!(s.page_size, Some(2));
    let hub = &s.hubs[0];
    assert_eq!(hub.devices.enabled, 1180);
    assert_eq!(
        hub.quotas.as_ref().unwrap().get("TotalDeviceCount"),
        Some(&[1200, 500_000])
    );
    assert_eq!(
        hub.endpoints.get("telemetry-archive"),
        Some(&EndpointHealth::Healthy)
    );
    assert_eq!(hub.failover.duration, Duration::from_secs(2));
    assert_eq!(hub.failover.retry_after, Duration::from_millis(500));
    assert_eq!(hub.failover.outcome, Outcome::Failed);
    let after = hub.failover.after.as_ref().unwrap();
    assert_eq!(after.devices.unwrap().enabled, Some(1100));
    assert_eq!(
        after.endpoints.get("telemetry-archive"),
        Some(&EndpointHealth::Unhealthy)
    );
    assert_eq!(s.faults.len(), 4);
    assert_eq!(s.faults[0].retry_after, Some(Duration::from_secs(1)));
    assert_eq!(s.faults[2].delay, Some(Duration::from_millis(500)));
    assert!(s.faults[3].drop_connection && s.faults[3].after_effect);
}

#[test]
fn defaults_match_the_default_scenario() {
    let parsed = Scenario::from_yaml("hubs: [{ name: myIoTHub }]", "min.yaml").unwrap();
    assert_eq!(parsed, Scenario::default_scenario());
    let hub = &parsed.hubs[0];
    assert_eq!(
        (
            hub.location.as_str(),
            hub.secondary.as_str(),
            hub.state.as_str()
        ),
        ("westus2", "westus", "Active")
    );
    assert_eq!((hub.devices.enabled, hub.devices.disabled), (1180, 20));
    assert_eq!(hub.endpoints.len(), 2);
    let single = Scenario::single_hub("sub-1", "rg-1", "hub-1");
    assert_eq!(single.hubs[0].subscription, "sub-1");
    assert_eq!(single.hubs[0].resource_group, "rg-1");
    assert_eq!(single.hubs[0].name, "hub-1");
}

#[test]
fn unknown_keys_are_errors_with_origin_line_and_column() {
    let err =
        Scenario::from_yaml("hubs:\n  - name: a\n    colour: blue\n", "bad.yaml").unwrap_err();
    match &err {
        ScenarioError::Parse {
            origin,
            line,
            message,
            ..
        } => {
            assert_eq!(origin, "bad.yaml");
            assert_eq!(*line, 3, "{err}");
            assert!(message.contains("colour"), "{message}");
        }
        other => panic!("expected a parse error, got {other:?}"),
    }
    assert!(err.to_string().starts_with("bad.yaml:3:"), "{err}");
    assert!(
        !err.to_string().contains("line 3"),
        "position said once: {err}"
    );
    let top = Scenario::from_yaml("hubz: []\n", "top.yaml").unwrap_err();
    assert!(top.to_string().starts_with("top.yaml:1:"), "{top}");
}

#[test]
fn wrong_values_are_errors() {
    for (yaml, needle) in [
        ("hubs: [{ name: a, endpoints: { e: sick } }]", "sick"),
        ("hubs: [{ name: a, failover: { duration: soon } }]", "soon"),
        (
            "faults: [{ path: x, times: 2 }]",
            "status, delay, drop_connection or hold",
        ),
        ("faults: [{ path: x, status: 200 }]", "400..=599"),
        (
            "faults: [{ path: x, delay: 1s, after_effect: true }]",
            "after_effect",
        ),
        ("hubs: [{ name: hub-a }, { name: HUB-A }]", "duplicate"),
        ("hubs: [{ name: hub-a, secondary: westus2 }]", "secondary"),
        (
            "hubs: [{ name: hub-a, failover: { error: { code: c, message: m } } }]",
            "outcome: failed",
        ),
        ("page_size: 0", "page_size"),
        ("hubs: [{ name: ab }]", "IoT hub name"),
        ("hubs: [{ name: my_hub }]", "IoT hub name"),
        ("hubs: [{ name: hub- }]", "IoT hub name"),
        ("hubs: [{ name: \"12345\" }]", "IoT hub name"),
    ] {
        let err = Scenario::from_yaml(yaml, "s.yaml").unwrap_err().to_string();
        assert!(err.starts_with("s.yaml"), "{err}");
        assert!(err.contains(needle), "{yaml}: {err}");
    }
}

#[test]
fn load_reads_a_file_and_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("scenario.yaml");
    std::fs::write(&path, FULL).unwrap();
    assert_eq!(Scenario::load(&path).unwrap().hubs[0].name, "myIoTHub");
    let missing = Scenario::load(&dir.path().join("nope.yaml")).unwrap_err();
    assert!(matches!(missing, ScenarioError::Io { .. }));
    assert!(missing.to_string().contains("nope.yaml"));
}

#[test]
fn hold_and_manual_completion_parse_and_are_checked_where_they_are() {
    let s = Scenario::from_yaml(
        "hubs: [{ name: myIoTHub, failover: { complete: manual } }]\n\
         faults:\n  - { method: POST, path: failover, hold: before, status: 503 }\n  \
         - { path: failover, hold: after, drop_connection: true, after_effect: true }\n  \
         - { path: x, hold: after, delay: 1s }\n",
        "ok.yaml",
    )
    .unwrap();
    assert_eq!(
        s.hubs[0].failover.complete,
        iothub_emulator::Completion::Manual
    );
    assert_eq!(s.faults[0].hold, Some(iothub_emulator::HoldStage::Before));
    assert_eq!(s.faults[1].hold, Some(iothub_emulator::HoldStage::After));
    for (yaml, expected) in [
        (
            "faults: [{ path: x, hold: after, status: 503 }]",
            "s.yaml: faults[0]: hold: after needs a request that takes effect; with status nothing does (use hold: before)",
        ),
        (
            "faults: [{ path: x, delay: 1s }, { path: x, hold: after, drop_connection: true }]",
            "s.yaml: faults[1]: hold: after with drop_connection needs after_effect: true (otherwise use hold: before)",
        ),
        (
            "hubs: [{ name: myIoTHub }, { name: hub-b, failover: { complete: manual, stuck: true } }]",
            "s.yaml: hubs[1].failover.complete: manual completion and stuck: true exclude each other",
        ),
    ] {
        let err = Scenario::from_yaml(yaml, "s.yaml").unwrap_err().to_string();
        assert_eq!(err, expected, "{yaml}");
    }
    for (yaml, line_col) in [
        ("faults:\n  - { path: x, hold: sideways }", "s.yaml:2:"),
        (
            "hubs:\n  - name: myIoTHub\n    failover: { complete: later }",
            "s.yaml:3:",
        ),
    ] {
        let err = Scenario::from_yaml(yaml, "s.yaml").unwrap_err();
        assert!(matches!(err, ScenarioError::Parse { .. }), "{err}");
        assert!(err.to_string().starts_with(line_col), "{err}");
    }
}

#[test]
fn device_counts_are_bounded_with_an_error_naming_the_field() {
    let at_bound = "hubs: [{ name: myIoTHub, devices: { enabled: 999999000, disabled: 1000 } }]";
    assert!(Scenario::from_yaml(at_bound, "s.yaml").is_ok());
    for (yaml, expected) in [
        (
            "hubs: [{ name: myIoTHub, devices: { enabled: 18446744073709551615, disabled: 1 } }]",
            "s.yaml: hubs[0].devices: enabled (18446744073709551615) + disabled (1) = more than 2^64 is more than the 1000000000 devices a hub may have",
        ),
        (
            "hubs: [{ name: myIoTHub, devices: { enabled: 1000000001 } }]",
            "s.yaml: hubs[0].devices: enabled (1000000001) + disabled (0) = 1000000001 is more than the 1000000000 devices a hub may have",
        ),
        (
            // The patch keeps the 20 disabled devices of the default counts.
            "hubs: [{ name: myIoTHub, failover: { after: { devices: { enabled: 999999999 } } } }]",
            "s.yaml: hubs[0].failover.after.devices: enabled (999999999) + disabled (20) = 1000000019 is more than the 1000000000 devices a hub may have",
        ),
        (
            "generate: { count: 2, devices: { enabled: 600000000, disabled: 600000000 } }",
            "s.yaml: generate.devices: enabled (600000000) + disabled (600000000) = 1200000000 is more than the 1000000000 devices a hub may have",
        ),
        (
            "generate: { count: 1, failover: { after: { devices: { disabled: 18446744073709551615 } } } }",
            "s.yaml: generate.failover.after.devices: enabled (1180) + disabled (18446744073709551615) = more than 2^64 is more than the 1000000000 devices a hub may have",
        ),
    ] {
        let err = Scenario::from_yaml(yaml, "s.yaml").unwrap_err().to_string();
        assert_eq!(err, expected, "{yaml}");
    }
    assert_eq!(iothub_emulator::MAX_DEVICES, 1_000_000_000);
}
