//! How long loading a runbook takes, stage by stage included: the shipped drill and a generated
//! 1,000-step runbook. The whole-process numbers (`runbook validate`) come from
//! `bench/validate.sh`; this isolates the library from process start-up.

#![allow(clippy::unwrap_used)]

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};

/// A runbook with `n` steps (n a multiple of 8) that exercises every kind, templates and
/// references to earlier steps, so semantic analysis does real work.
fn generated(n: usize) -> String {
    let mut s = String::from(
        "version: 1\nname: generated\nparameters:\n  hub: { default: myIoTHub }\n  region: { default: westus }\ntarget:\n  subscription: sub\n  resource_group: rg\n  hub: \"{{params.hub}}\"\nsteps:\n",
    );
    for b in 0..n / 8 {
        s.push_str(&format!(
            "  - id: check_{b}\n    name: Check {b}\n    validate: {{ state: Active, location: \"{{{{params.region}}}}\" }}\n    retry: {{ attempts: 3, backoff: exponential, delay: 1s, max_delay: 10s }}\n\
             \x20 - id: pre_{b}\n    snapshot-metrics: {{}}\n\
             \x20 - id: go_{b}\n    failover: {{ region: \"{{{{steps.pre_{b}.secondary}}}}\" }}\n    confirm: \"Fail {{{{target.hub}}}} over from {{{{steps.pre_{b}.location}}}}?\"\n\
             \x20 - id: wait_{b}\n    await: {{ operation: go_{b}, timeout: 2h, interval: 15s }}\n\
             \x20 - id: settle_{b}\n    sleep: 5s\n\
             \x20 - id: post_{b}\n    snapshot-metrics: {{ include: [hub, stats] }}\n\
             \x20 - id: devices_{b}\n    compare-devices: {{ before: pre_{b}, after: post_{b}, max_drift: \"1%\" }}\n\
             \x20 - id: health_{b}\n    when: \"{{{{#if (eq steps.post_{b}.state \\\"Active\\\")}}}}true{{{{else}}}}false{{{{/if}}}}\"\n    health-check: {{ require: all-healthy, wait: 1m, interval: 10s }}\n    on_failure: warn\n"
        ));
    }
    s
}

fn bench(c: &mut Criterion) {
    let drill_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../runbooks/drill.yaml");
    let drill = std::fs::read_to_string(&drill_path).unwrap();
    let big = generated(1_000);
    // Guard the benchmark's premise: both inputs are valid, so every stage runs.
    runbook_spec::load_str("drill.yaml", &drill).unwrap();
    let loaded = runbook_spec::load_str("generated.yaml", &big).unwrap();
    assert_eq!(loaded.runbook.steps.len(), 1_000);

    c.bench_function("load drill.yaml", |b| {
        b.iter(|| runbook_spec::load_str("drill.yaml", black_box(&drill)))
    });
    c.bench_function("load_file drill.yaml", |b| {
        b.iter(|| runbook_spec::load_file(black_box(&drill_path)))
    });
    let mut group = c.benchmark_group("large");
    group.sample_size(20);
    group.bench_function("load 1000 steps", |b| {
        b.iter(|| runbook_spec::load_str("generated.yaml", black_box(&big)))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
