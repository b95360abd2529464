//! `GET /_emulator/requests` and `Emulator::requests` report what was received, in order.
#![allow(clippy::unwrap_used)]

mod common;
use common::*;
use iothub_emulator::{Emulator, EmulatorConfig, Scenario};

#[tokio::test]
async fn requests_are_recorded_in_order_with_status() {
    let emu = start(Scenario::default_scenario()).await;
    get(&default_hub_url(&emu, "")).await;
    get(&default_hub_url(&emu, "/IotHubStats")).await;
    failover(&emu, "westus").await;
    let _ = client()
        .get(default_hub_url(&emu, ""))
        .send()
        .await
        .unwrap(); // 401

    let over_http: Vec<iothub_emulator::RecordedRequest> = {
        let resp = client()
            .get(format!("{}/_emulator/requests", emu.base_url()))
            .send()
            .await
            .unwrap();
        assert_eq!(
            resp.status(),
            200,
            "no auth needed for the emulator's own endpoint"
        );
        resp.json().await.unwrap()
    };
    let in_process = emu.requests();
    assert_eq!(over_http, in_process);
    let summary: Vec<(&str, &str, u16)> = in_process
        .iter()
        .map(|r| {
            (
                r.method.as_str(),
                r.path.rsplit('/').next().unwrap(),
                r.status,
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("GET", "myIoTHub", 200),
            ("GET", "IotHubStats", 200),
            ("POST", "failover", 202),
            ("GET", "myIoTHub", 401)
        ]
    );
    assert_eq!(in_process[0].query, "api-version=2023-06-30");
    assert!(
        time::OffsetDateTime::parse(
            &in_process[0].time,
            &time::format_description::well_known::Rfc3339
        )
        .is_ok()
    );
    assert!(in_process.windows(2).all(|w| w[0].seq < w[1].seq));
}

#[tokio::test]
async fn api_surface_reports_hubs_and_url_and_shuts_down() {
    let emu = Emulator::start(
        Scenario::from_yaml("hubs: [{ name: hub-b }, { name: hub-a }]", "t").unwrap(),
        EmulatorConfig::default(),
    )
    .await
    .unwrap();
    assert_eq!(emu.hub_names(), ["hub-b", "hub-a"]);
    assert_eq!(
        emu.hub_ids()[0],
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/myResourceGroup/providers/Microsoft.Devices/IotHubs/hub-b"
    );
    let url = emu.base_url().to_owned();
    assert!(url.starts_with("http://127.0.0.1:") && !url.ends_with('/'));
    emu.shutdown().await;
    assert!(
        client()
            .get(format!("{url}/_emulator/requests"))
            .send()
            .await
            .is_err(),
        "port closed after shutdown"
    );
}

#[tokio::test]
async fn bad_configuration_is_an_error() {
    let bad = EmulatorConfig {
        time_scale: 0.0,
        ..EmulatorConfig::default()
    };
    assert!(
        Emulator::start(Scenario::default_scenario(), bad)
            .await
            .is_err()
    );
}

#[test]
fn handles_and_futures_can_cross_threads() {
    fn send<T: Send + 'static>(_: &T) {}
    fn sync<T: Sync>() {}
    let start = Emulator::start(Scenario::default_scenario(), EmulatorConfig::default());
    send(&start);
    sync::<Emulator>();
    sync::<Scenario>();
}
