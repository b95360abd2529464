//! Client overhead per request: `ArmClient::get_hub` (token cache, headers, retry
//! wrapper, typed deserialization) against a bare reqwest GET of the same URL with the
//! same bearer header (body read, not parsed), both against the emulator on 127.0.0.1
//! in the same run, interleaved request by request. The ratio of the two is the client's overhead.

use std::{
    hint::black_box,
    sync::Arc,
    time::{Duration, Instant},
};

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
    // Same timeout as the client's default, to show what the timeout alone costs.
    let bare_timeout = reqwest::Client::builder()
        .timeout(ClientOptions::default().request_timeout)
        .build()
        .expect("reqwest client");
    let bare_get = |http: &reqwest::Client| {
        let request = http.get(url.clone()).bearer_auth("bench-token");
        async move {
            let body = request
                .send()
                .await
                .expect("bare GET")
                .bytes()
                .await
                .expect("bare body");
            black_box(body);
        }
    };
    // Each iteration makes one request of each kind back to back, so all see the same
    // machine load (the build machine is shared); the first slot rotates because the
    // order measurably matters. Each benchmark reports only its own share.
    let rotation = |iters: u64| {
        rt.block_on(async {
            let mut totals = [Duration::ZERO; 3];
            for i in 0..iters {
                for slot in 0..3u64 {
                    let which = ((i + slot) % 3) as usize;
                    let t = Instant::now();
                    match which {
                        0 => bare_get(&bare).await,
                        1 => bare_get(&bare_timeout).await,
                        _ => {
                            black_box(
                                client
                                    .get_hub(DEFAULT_RESOURCE_GROUP, DEFAULT_HUB)
                                    .await
                                    .expect("get_hub"),
                            );
                        }
                    }
                    totals[which] += t.elapsed();
                }
            }
            totals
        })
    };

    let mut group = c.benchmark_group("get_hub");
    group.bench_function("bare_reqwest", |b| {
        b.iter_custom(|iters| rotation(iters)[0])
    });
    group.bench_function("bare_reqwest_with_timeout", |b| {
        b.iter_custom(|iters| rotation(iters)[1])
    });
    group.bench_function("arm_client", |b| b.iter_custom(|iters| rotation(iters)[2]));
    // The typed-deserialization share of the client's overhead.
    let body = rt.block_on(async {
        bare.get(url.clone())
            .bearer_auth("bench-token")
            .send()
            .await
            .expect("bare GET")
            .bytes()
            .await
            .expect("bare body")
    });
    group.bench_function("deserialize_only", |b| {
        b.iter(|| {
            black_box(serde_json::from_slice::<iothub_arm::IotHub>(black_box(&body)).expect("hub"))
        })
    });
    group.finish();
    rt.block_on(emu.shutdown());
}

criterion_group!(benches, get_hub);
criterion_main!(benches);
