//! Device health reports: stored per device, listed, and published on the live stream.

use std::time::Duration;

use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn a_health_report_is_listed_and_streamed_and_bad_ones_are_refused() {
    let app = spawn_demo().await;
    let mut live = SseClient::connect(&app, "?topics=devices", None).await;
    live.next(Duration::from_secs(5)).await.expect("snapshot");

    let report = json!({
        "kind": "kiosk",
        "printer": "paper_near_end",
        "displays": [{ "address": 3, "counter": 3, "alive": false }],
        "detail": "Sắp hết giấy"
    });
    let (status, stored) = app.post("/api/v1/devices/health", Some(KIOSK), Some(report)).await;
    assert_eq!(
        (status, stored["device"].as_str(), stored["online"].as_bool()),
        (200, Some("Kiosk sảnh chính"), Some(true))
    );
    let seen = live.until("device_health", Duration::from_secs(5)).await;
    assert_eq!(seen.last().map(|e| e.data["health"]["report"]["printer"].clone()), Some(json!("paper_near_end")));

    let (_, devices) = app.get("/api/v1/devices").await;
    assert_eq!(devices.as_array().map(Vec::len), Some(1));
    assert_eq!(devices[0]["report"]["displays"][0]["alive"], false);

    for bad in [
        json!({ "kind": "toaster" }),
        json!({ "kind": "kiosk", "printer": "on_fire" }),
        json!({ "kind": "display_bridge", "displays": [{ "address": 40, "alive": true }] }),
    ] {
        let (status, body) = app.post("/api/v1/devices/health", Some(KIOSK), Some(bad)).await;
        assert_eq!((status, body["code"].as_str()), (400, Some("invalid_health_report")));
    }
    let (status, _) = app.post("/api/v1/devices/health", None, Some(json!({ "kind": "kiosk" }))).await;
    assert_eq!(status, 401);
    let (_, devices) = app.get("/api/v1/devices").await;
    assert_eq!(devices[0]["report"]["printer"], "paper_near_end", "refused reports changed nothing");
    app.stop().await;
}
