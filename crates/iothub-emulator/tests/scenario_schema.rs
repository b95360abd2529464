//! The scenario schema agrees with the loader: what `Scenario::from_yaml` (or, for a test
//! case's inline scenario, serde from a JSON tree) refuses, the schema refuses, and the forms
//! it accepts (durations, fractions, `null`s) the schema accepts. The fields read by the
//! emulator's own code (durations, fractions) are compared value by value.
#![allow(clippy::unwrap_used)]

use iothub_emulator::{Scenario, scenario_schema};
use serde_json::{Value, json};

fn validator() -> jsonschema::Validator {
    jsonschema::options()
        .should_validate_formats(false)
        .build(&scenario_schema())
        .unwrap()
}

/// The YAML as the schema sees it: parsed by the emulator's own YAML parser.
fn tree(yaml: &str) -> Value {
    serde_saphyr::from_str(yaml).unwrap()
}

fn schema_errors(v: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    v.iter_errors(doc)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

#[test]
fn the_schema_refuses_what_the_loader_refuses() {
    let v = validator();
    let cases = [
        // Unknown keys, at the top and deep down.
        "hubz: []",
        "hubs: [{ name: myIoTHub, colour: blue }]",
        "hubs: [{ name: myIoTHub, failover: { after: { devices: { enabeld: 3 } } } }]",
        "faults: [{ status: 500, tiems: 2 }]",
        "throttling: { reads: { burst: 1, per_second: 1, jitter: 0 } }",
        // Durations the parser does not take.
        "hubs: [{ name: myIoTHub, failover: { duration: 3 fortnights } }]",
        "hubs: [{ name: myIoTHub, failover: { retry_after: 2d } }]",
        "hubs: [{ name: myIoTHub, failover: { cooldown: -1h } }]",
        "faults: [{ delay: -1 }]",
        "faults: [{ status: 500, retry_after: null }]",
        "hubs: [{ name: myIoTHub, monitor: { reconnect: { median: soon } } }]",
        // Fractions out of range or not fractions.
        "hubs: [{ name: myIoTHub, monitor: { connected: 150% } }]",
        "hubs: [{ name: myIoTHub, monitor: { reconnect: { never: 1.5 } } }]",
        "hubs: [{ name: myIoTHub, monitor: { connected: most } }]",
        // Wrong types.
        "page_size: many",
        "page_size: -1",
        "hubs: { name: myIoTHub }",
        "hubs: [{ name: myIoTHub, devices: { enabled: lots } }]",
        "hubs: [{ name: myIoTHub, quotas: { TotalMessages: [1, 2, 3] } }]",
        "hubs: [{ name: myIoTHub, endpoints: { events: fine } }]",
        "hubs: [{ name: myIoTHub, failover: { outcome: maybe } }]",
        "hubs: [{ name: myIoTHub, failover: { stuck: sometimes } }]",
        "hubs: [{ name: myIoTHub, tags: [drill] }]",
        "faults: [{ hold: during }]",
        "faults: [{ status: 70000 }]",
        "generate: { count: lots }",
        // A required key missing.
        "hubs: [{ location: westus2 }]",
        "generate: { prefix: hub- }",
        "locks: [{ name: no-level }]",
        // The rules of `validate` a schema can say.
        "page_size: 0",
        "hubs: [{ name: ab }]",
        "hubs: [{ name: -hub }]",
        "hubs: [{ name: hub- }]",
        "hubs: [{ name: '12345' }]",
        "hubs: [{ name: my_hub }]",
        "hubs: [{ name: myIoTHub, resource_group: a/b }]",
        "hubs: [{ name: myIoTHub, failover: { outcome: failed, error: { code: c, message: m, status: 200 } } }]",
        "faults: [{ status: 200 }]",
        "faults: [{ delay: 1s, times: 0 }]",
        "generate: { count: 0 }",
        "generate: { count: 100001 }",
        "generate: { count: 3, failing_every: 0 }",
        "locks: [{ name: l, level: readonly }]",
        "locks: [{ name: ' ', level: ReadOnly }]",
        "locks: [{ name: a/b, level: ReadOnly }]",
        "throttling: { reads: { burst: 0, per_second: 1 } }",
        "throttling: { writes: { burst: 1, per_second: 0 } }",
    ];
    for yaml in cases {
        let loaded = Scenario::from_yaml(yaml, "case.yaml");
        assert!(loaded.is_err(), "the loader accepted {yaml}");
        assert!(
            !v.is_valid(&tree(yaml)),
            "the schema accepted what the loader refuses: {yaml} ({})",
            loaded.unwrap_err()
        );
    }
}

#[test]
fn the_schema_accepts_what_the_loader_accepts() {
    let v = validator();
    let cases = [
        "{}",
        "page_size: null",
        "throttling: {}",
        "throttling: { reads: null, writes: { burst: 5, per_second: 0.5 } }",
        "hubs: [{ name: myIoTHub, failover: { duration: 500ms, retry_after: 1.5s, cooldown: 1h } }]",
        "hubs: [{ name: myIoTHub, failover: { duration: 3, retry_after: 0.25, cooldown: 2 min } }]",
        "hubs: [{ name: myIoTHub, failover: { outcome: failed, error: null, after: null } }]",
        "hubs: [{ name: myIoTHub, monitor: { connected: 95%, reconnect: { never: 0.02 } } }]",
        "hubs: [{ name: myIoTHub, monitor: { connected: 1, delay: 0, errors: { X: InvalidSamplingType } } }]",
        "hubs: [{ name: myIoTHub, quotas: { TotalMessages: [0, 1] }, tags: { env: drill } }]",
        "faults: [{ method: GET, status: 429, retry_after: 1, delay: 10ms, hold: before }]",
        "generate: { count: 3, failover: { duration: 0s, retry_after: 0s } }",
        "locks: [{ name: l, level: ReadOnly, resource_group: rg }]",
        "locks: [{ name: l, level: CanNotDelete }, { name: m, level: NotSpecified }]",
        "hubs: [{ name: a-1 }, { name: A2345678901234567890123456789012345678901234567890 }]",
        "faults: [{ status: 400, times: 1 }, { status: 599 }]",
        "generate: { count: 5, failing_every: 1, untagged_every: 1 }",
    ];
    for yaml in cases {
        if let Err(e) = Scenario::from_yaml(yaml, "case.yaml") {
            panic!("the loader refused {yaml}: {e}");
        }
        let errors = schema_errors(&v, &tree(yaml));
        assert!(errors.is_empty(), "the schema refused {yaml}: {errors:?}");
    }
}

/// A scenario file is read type first: serde-saphyr takes the plain text `5` for a string and
/// the quoted `"5"` for a count. The schema, like a test case's inline scenario (read from its
/// JSON tree), goes by the YAML type, so editors ask for the quotes the type suggests.
#[test]
fn scalars_are_judged_by_their_yaml_type_as_inline_scenarios_are() {
    let v = validator();
    for yaml in [
        "hubs: [{ name: myIoTHub, tags: { version: 1 } }]",
        "hubs: [{ name: myIoTHub, min_tls_version: 1.2 }]",
        "hubs: [{ name: myIoTHub, devices: { enabled: '5' } }]",
        "hubs: [{ name: myIoTHub, failover: { stuck: 'true' } }]",
    ] {
        assert!(Scenario::from_yaml(yaml, "file.yaml").is_ok(), "{yaml}");
        let doc = tree(yaml);
        assert!(
            serde_json::from_value::<Scenario>(doc.clone()).is_err(),
            "{yaml}"
        );
        assert!(!v.is_valid(&doc), "{yaml}");
    }
}

/// A hub whose `field` (a JSON pointer below the hub) is `value`.
fn hub_with(path: &[&str], value: Value) -> Value {
    let leaf = path
        .iter()
        .rev()
        .fold(value, |inner, key| json!({ *key: inner }));
    let mut hub = leaf;
    hub["name"] = json!("myIoTHub");
    json!({ "hubs": [hub] })
}

/// Every value is judged alike by serde (as for an inline scenario) and by the schema.
fn assert_agree(path: &[&str], values: &[Value]) {
    let v = validator();
    for value in values {
        let doc = hub_with(path, value.clone());
        let loader = serde_json::from_value::<Scenario>(doc.clone());
        let schema = schema_errors(&v, &doc);
        assert_eq!(
            loader.is_ok(),
            schema.is_empty(),
            "{path:?} = {value}: loader {:?}, schema {schema:?}",
            loader.map(|_| ()).map_err(|e| e.to_string())
        );
    }
}

#[test]
fn durations_are_judged_alike() {
    let texts = [
        "500ms", "2s", "1.5s", "2m", "2min", "1h", "3", "0", "1.", ".5s", " 2 s ", "2\tm", "0.0h",
        "", ".", "s", "1.2.3s", "-1s", "+1s", "1e3", "2S", "2hr", "2 d", "1 m s", "٣s", "1,5s",
        "inf", "NaN",
    ];
    let mut values: Vec<Value> = texts.iter().map(|t| json!(t)).collect();
    values.extend([
        json!(0),
        json!(7),
        json!(0.5),
        json!(-1),
        json!(-0.5),
        json!(true),
    ]);
    assert_agree(&["failover", "duration"], &values);
    assert_agree(&["failover", "cooldown"], &values);
    assert_agree(&["monitor", "reconnect", "p95"], &values);
}

#[test]
fn fractions_are_judged_alike() {
    let texts = [
        "2%", "100%", "0%", " 5 % ", "99.5%", "100.0%", "007%", ".5%", "5.%", "0.02", "1", "1.0",
        "0", ".25", "00.5", "01", "100.5%", "101%", "1.5", "05", "-1%", "%", "", "half", "2 %%",
    ];
    let mut values: Vec<Value> = texts.iter().map(|t| json!(t)).collect();
    values.extend([json!(0), json!(1), json!(0.5), json!(1.01), json!(-0.1)]);
    assert_agree(&["monitor", "connected"], &values);
    assert_agree(&["monitor", "reconnect", "never"], &values);
}

#[test]
fn the_schema_shows_the_loaders_defaults() {
    let schema = scenario_schema();
    let defs = &schema["$defs"];
    let default = |def: &str, field: &str| defs[def]["properties"][field]["default"].clone();
    let seed = Scenario::from_yaml("hubs: [{ name: myIoTHub }]", "d.yaml").unwrap();
    let hub = &seed.hubs[0];
    let as_duration =
        |v: Value| iothub_emulator::parse_duration(v.as_str().unwrap_or_default()).unwrap();
    assert_eq!(
        as_duration(default("FailoverSeed", "duration")),
        hub.failover.duration
    );
    assert_eq!(
        as_duration(default("FailoverSeed", "retry_after")),
        hub.failover.retry_after
    );
    assert_eq!(
        as_duration(default("MonitorSeed", "delay")),
        hub.monitor.delay
    );
    assert_eq!(
        as_duration(default("ReconnectSeed", "median")),
        hub.monitor.reconnect.median
    );
    assert_eq!(
        as_duration(default("ReconnectSeed", "p95")),
        hub.monitor.reconnect.p95
    );
    assert_eq!(default("HubSeed", "location"), json!(hub.location));
    assert_eq!(default("HubSeed", "secondary"), json!(hub.secondary));
    // An optional duration is absent by default; `null` is not one of its values.
    assert_eq!(default("FailoverSeed", "cooldown"), Value::Null);
    assert!(
        !defs["FailoverSeed"]["properties"]["cooldown"]
            .as_object()
            .unwrap()
            .contains_key("default")
    );
}
