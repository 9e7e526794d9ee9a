//! Rules that depend on the time, through HTTP with the clock injected.

use jiff::SignedDuration;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn tickets_are_refused_outside_opening_hours_with_the_reason() {
    let app = spawn_at(monday("12:15")).await;
    let (status, body) = app.post("/api/v1/tickets", Some(KIOSK), Some(json!({ "service": "DD" }))).await;
    assert_eq!((status, body["code"].as_str()), (409, Some("service_closed")));
    assert!(body["message"].as_str().is_some_and(|m| m.contains("13:30")), "{body}");
    let (_, services) = app.get("/api/v1/services").await;
    assert_eq!(services["services"][0]["open"], false);
    assert!(services["services"][0]["closed_reason"].as_str().is_some_and(|m| m.contains("nghỉ trưa")));
    app.clock.as_ref().expect("manual clock").set(monday("13:30"));
    assert_eq!(app.issue("DD").await["number"], 1001);
    app.stop().await;
}

#[tokio::test]
async fn capacity_runs_out_and_the_services_list_says_so() {
    let app = spawn_at(monday("08:00")).await;
    for _ in 0..40 {
        app.issue("TN").await;
    }
    let (status, body) = app.post("/api/v1/tickets", Some(KIOSK), Some(json!({ "service": "TN" }))).await;
    assert_eq!((status, body["code"].as_str()), (409, Some("capacity_exhausted")));
    assert!(body["message"].as_str().is_some_and(|m| m.contains("Tài nguyên và Môi trường")));
    let (_, services) = app.get("/api/v1/services").await;
    let tn = services["services"].as_array().and_then(|s| s.iter().find(|s| s["code"] == "TN")).expect("TN");
    assert_eq!(
        (tn["remaining_today"].as_u64(), tn["open"].as_bool(), tn["waiting"].as_u64()),
        (Some(0), Some(false), Some(40))
    );
    app.stop().await;
}

#[tokio::test]
async fn the_day_rolls_over_numbers_restart_and_open_tickets_expire() {
    let app = spawn_at(monday("16:30")).await;
    let left = app.issue("DD").await;
    assert_eq!(app.counter(1, "open").await.0, 200);
    let clock = app.clock.as_ref().expect("manual clock");
    clock.set(monday("16:30") + SignedDuration::from_hours(15));
    let (status, _) = app.post("/api/v1/tickets", Some(KIOSK), Some(json!({ "service": "DD" }))).await;
    assert_eq!(status, 201, "07:30 on Tuesday is open");
    let (_, next_day) = app.get("/api/v1/services").await;
    assert_eq!(next_day["service_day"], "2026-11-24");
    let (_, old) = app.get(&format!("/api/v1/tickets/{}", left["id"].as_str().expect("id"))).await;
    assert_eq!(old["status"], "expired");
    let (_, counters) = app.get("/api/v1/counters").await;
    assert_eq!(counters[0]["state"], "closed", "counters close with the day");
    let tuesday = app.issue("DD").await;
    assert_eq!((tuesday["number"].as_u64(), tuesday["id"].as_str()), (Some(1002), Some("20261124-DD-1002")));
    app.stop().await;
}

#[tokio::test]
async fn transfer_keeps_arrival_and_a_no_show_can_rejoin() {
    let app = spawn_at(monday("08:00")).await;
    let first = app.issue("DD").await;
    app.clock.as_ref().expect("clock").advance(SignedDuration::from_mins(5));
    let later = app.issue("XD").await;
    app.counter(1, "open").await;
    app.counter(3, "open").await;
    assert_eq!(app.counter(1, "next").await.1["ticket"]["id"], first["id"]);
    let (status, moved) =
        app.post("/api/v1/counters/1/transfer", Some(COUNTER), Some(json!({ "service": "XD" }))).await;
    assert_eq!((status, moved["service"].as_str(), moved["position"].as_u64()), (200, Some("XD"), Some(0)), "{moved}");
    assert_eq!(
        (moved["number"].clone(), moved["transferred_from"].as_str()),
        (first["number"].clone(), Some("Đất đai"))
    );
    let (_, later_now) = app.get(&format!("/api/v1/tickets/{}", later["id"].as_str().expect("id"))).await;
    assert_eq!(later_now["position"], 1, "the transferred ticket arrived earlier");
    assert!(later_now.get("transferred_from").is_none(), "only a transferred ticket is marked: {later_now}");
    let (_, queue) = app.get_as("/api/v1/counters/3/queue", COUNTER).await;
    let listed = queue["waiting"].as_array().and_then(|w| w.iter().find(|t| t["id"] == first["id"]).cloned());
    assert_eq!(
        listed.map(|t| t["transferred_from"].clone()),
        Some(json!("Đất đai")),
        "the next counter sees it: {queue}"
    );
    let (_, call) = app.counter(3, "next").await;
    assert_eq!(call["ticket"]["id"], first["id"]);
    assert_eq!(call["ticket"]["transferred_from"], "Đất đai");
    let (status, absent) = app.counter(3, "no-show").await;
    assert_eq!((status, absent["status"].as_str()), (200, Some("no_show")));
    let id = first["id"].as_str().expect("id");
    let (status, back) = app.post(&format!("/api/v1/tickets/{id}/rejoin"), Some(KIOSK), None).await;
    assert_eq!((status, back["status"].as_str(), back["position"].as_u64()), (200, Some("waiting"), Some(0)));
    assert_eq!(back["transferred_from"], "Đất đai", "the mark stays through a rejoin");

    // The report counts the citizen once, in the field it was sent to, and says it came by transfer.
    let (status, report) = app.get_as("/api/v1/reports?from=2026-11-23&to=2026-11-23", "demo-supervisor").await;
    assert_eq!(status, 200, "{report}");
    let fields = report["fields"].as_array().expect("fields");
    let row = |code: &str| fields.iter().find(|r| r["key"] == code).cloned();
    let xd = row("XD").expect("XD row");
    assert_eq!((xd["tickets"].as_u64(), xd["transferred"].as_u64()), (Some(2), Some(1)), "{xd}");
    assert_eq!(row("DD"), None, "not counted again where it was issued");
    assert_eq!((report["total"]["tickets"].as_u64(), report["total"]["transferred"].as_u64()), (Some(2), Some(1)));
    app.stop().await;
}
