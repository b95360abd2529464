//! GET hub throughput, in process over real HTTP on 127.0.0.1: an emulator holding 10,000
//! hubs, and 32 concurrent keep-alive clients each issuing GETs for a different hub.
//! (`benches/loadtest.sh` measures the same with wrk, plus RSS.)

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use iothub_emulator::{
    DEFAULT_RESOURCE_GROUP, DEFAULT_SUBSCRIPTION, Emulator, EmulatorConfig, HubSeed, Scenario,
};
use std::time::{Duration, Instant};

const HUBS: usize = 10_000;
const CLIENTS: usize = 32;
const PER_CLIENT: usize = 64;

fn get_hub(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let mut scenario = Scenario::default_scenario();
    scenario.hubs = (0..HUBS)
        .map(|i| {
            HubSeed::new(
                DEFAULT_SUBSCRIPTION,
                DEFAULT_RESOURCE_GROUP,
                &format!("hub-{i:05}"),
            )
        })
        .collect();
    let emulator = rt
        .block_on(Emulator::start(scenario, EmulatorConfig::default()))
        .expect("emulator starts");
    let client = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client");
    let urls: Vec<String> = (0..CLIENTS)
        .map(|i| {
            format!(
                "{}/subscriptions/{DEFAULT_SUBSCRIPTION}/resourceGroups/{DEFAULT_RESOURCE_GROUP}/providers/Microsoft.Devices/IotHubs/hub-{:05}?api-version=2023-06-30",
                emulator.base_url(),
                i * (HUBS / CLIENTS)
            )
        })
        .collect();

    let mut group = c.benchmark_group("emulator");
    group.throughput(Throughput::Elements((CLIENTS * PER_CLIENT) as u64));
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("get_hub_32_clients", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let started = Instant::now();
                for _ in 0..iters {
                    let tasks = urls.iter().cloned().map(|url| {
                        let client = client.clone();
                        tokio::spawn(async move {
                            for _ in 0..PER_CLIENT {
                                let resp = client
                                    .get(&url)
                                    .bearer_auth("bench")
                                    .send()
                                    .await
                                    .expect("request");
                                assert_eq!(resp.status(), 200);
                                resp.bytes().await.expect("body");
                            }
                        })
                    });
                    for task in futures::future::join_all(tasks).await {
                        task.expect("client task");
                    }
                }
                started.elapsed()
            })
        });
    });
    group.finish();
    rt.block_on(emulator.shutdown());
}

criterion_group!(benches, get_hub);
criterion_main!(benches);
