//! Lists page with absolute `nextLink` URLs: hubs by resource group and by subscription,
//! quota metrics and endpoint health, across at least three pages.
#![allow(clippy::unwrap_used)]

mod common;
use common::*;
use serde_json::Value;

async fn collect(first: String) -> (Vec<Value>, usize) {
    let mut items = Vec::new();
    let mut pages = 0;
    let mut next = Some(first);
    while let Some(url) = next {
        let page = get(&url).await;
        assert_eq!(page.status, 200, "{url}");
        items.extend(page.body["value"].as_array().unwrap().iter().cloned());
        next = page.body["nextLink"].as_str().map(str::to_owned);
        if let Some(link) = &next {
            assert!(
                link.starts_with("http://127.0.0.1:"),
                "absolute nextLink: {link}"
            );
            assert!(link.contains("api-version=2023-06-30"));
        }
        pages += 1;
        assert!(pages < 100, "paging does not end");
    }
    (items, pages)
}

#[tokio::test]
async fn hub_lists_page_across_three_pages() {
    let mut yaml = String::from("page_size: 2\nhubs:\n");
    for i in 0..5 {
        yaml.push_str(&format!("  - name: hub-{i}\n"));
    }
    yaml.push_str("  - { name: elsewhere, resource_group: otherGroup }\n");
    let emu = start_yaml(&yaml).await;
    let base = emu.base_url();
    let (by_rg, pages) = collect(format!(
        "{base}/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Devices/IotHubs?{API}"
    ))
    .await;
    assert_eq!(pages, 3);
    let names: Vec<&str> = by_rg.iter().map(|h| h["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["hub-0", "hub-1", "hub-2", "hub-3", "hub-4"]);
    let (by_sub, pages) = collect(format!(
        "{base}/subscriptions/{SUB}/providers/Microsoft.Devices/IotHubs?{API}"
    ))
    .await;
    assert_eq!(pages, 3);
    assert_eq!(by_sub.len(), 6);
    assert_eq!(by_sub[5]["name"], "elsewhere");
}

#[tokio::test]
async fn quota_metrics_and_endpoint_health_page() {
    let emu = start_yaml(
        "page_size: 1\nhubs:\n  - name: myIoTHub\n    quotas: { A: [1, 2], B: [3, 4], C: [5, 6] }\n    endpoints: { events: healthy, a: dead, b: degraded, c: unknown }\n",
    )
    .await;
    let (quotas, pages) = collect(default_hub_url(&emu, "/quotaMetrics")).await;
    assert_eq!(pages, 3);
    let names: Vec<&str> = quotas.iter().map(|q| q["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["A", "B", "C"]);
    let (health, pages) = collect(default_hub_url(&emu, "/routingEndpointsHealth")).await;
    assert_eq!(pages, 4);
    let statuses: Vec<&str> = health
        .iter()
        .map(|e| e["healthStatus"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["healthy", "dead", "degraded", "unknown"]);
}

#[tokio::test]
async fn empty_resource_group_lists_empty() {
    let emu = start_yaml("hubs: []\nresource_groups: [{ subscription: 00000000-0000-0000-0000-000000000000, name: empty }]\n").await;
    let page = get(&format!(
        "{}/subscriptions/{SUB}/resourceGroups/empty/providers/Microsoft.Devices/IotHubs?{API}",
        emu.base_url()
    ))
    .await;
    assert_eq!(page.status, 200);
    assert_eq!(page.body, serde_json::json!({ "value": [] }));
}
