//! Client overhead per request: `ArmClient::get_hub` (token cache, headers, retry
//! wrapper, typed deserialization) against a bare reqwest GET of the same URL with the
//! same bearer header (body read, not parsed), both against the emulator on 127.0.0.1
//! in the same run. The ratio of the two is the client's overhead.

use std::{hint::black_box, sync::Arc};

use criterion::{Criterion, criterion_group, criterion_main};
use iothub_arm::{ArmClient, ClientOptions, StaticTokenCredential};
use iothub_emulator::{
    DEFAULT_HUB, DEFAULT_RESOURCE_GROUP, DEFAULT_SUBSCRIPTION, Emulator, EmulatorConfig, Scenario,
};

fn get_hub(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let emu = rt
        .block_on(Emulator::start(
            Scenario::default_scenario(),
            EmulatorConfig::default(),
        ))
        .expect("emulator starts");
    let endpoint = url::Url::parse(emu.base_url()).expect("emulator URL");
    let client = ArmClient::new(
        Arc::new(StaticTokenCredential::new("bench-token")),
        DEFAULT_SUBSCRIPTION,
        ClientOptions::for_endpoint(endpoint),
    )
    .expect("client");
    let url = client.hub_url(DEFAULT_RESOURCE_GROUP, DEFAULT_HUB);
    let bare = reqwest::Client::new();

    let mut group = c.benchmark_group("get_hub");
    group.bench_function("bare_reqwest", |b| {
        b.to_async(&rt).iter(|| async {
            let body = bare
                .get(url.clone())
                .bearer_auth("bench-token")
                .send()
                .await
                .expect("bare GET")
                .bytes()
                .await
                .expect("bare body");
            black_box(body)
        })
    });
    group.bench_function("arm_client", |b| {
        b.to_async(&rt).iter(|| async {
            black_box(
                client
                    .get_hub(DEFAULT_RESOURCE_GROUP, DEFAULT_HUB)
                    .await
                    .expect("get_hub"),
            )
        })
    });
    group.finish();
    rt.block_on(emu.shutdown());
}

criterion_group!(benches, get_hub);
criterion_main!(benches);
