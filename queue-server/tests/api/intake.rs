//! A supervisor stops a field's intake with a reason and opens it again: the kiosk's list and
//! `/book` say why, new tickets and today's bookings are refused with a code and change nothing,
//! those already waiting are still called, booked citizens still check in, the closure survives
//! a restart and ends with the service day; the stop before closing hour works the same way.

use jiff::SignedDuration;
use queue_server::Config;
use queue_server::domain::ManualClock;
use serde_json::{Value, json};

use crate::helpers::*;

const SUPERVISOR: &str = "demo-supervisor";

fn service<'a>(services: &'a Value, code: &str) -> &'a Value {
    services["services"].as_array().and_then(|s| s.iter().find(|s| s["code"] == code)).expect("listed")
}

/// Rows of the tables a refused request must leave alone.
fn rows(app: &TestApp) -> [i64; 3] {
    [app.count("tickets"), app.count("bookings"), app.count("events")]
}

#[tokio::test]
async fn a_closed_field_refuses_new_tickets_and_todays_bookings_but_serves_those_waiting() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("motcua.db");
    let clock = ManualClock::new(monday("08:00"));
    let example = || Config::parse("example", queue_server::config::EXAMPLE).expect("example config");
    let app = spawn(example(), Some(clock.clone()), Some(db.clone())).await;

    // A booking for TP this afternoon, made before the closure; a walk-in waiting for TP.
    let (status, held) = app
        .post("/api/v1/appointments/holds", None, Some(json!({ "service": "TP", "slot": "2026-11-23T14:00:00+07:00" })))
        .await;
    assert_eq!(status, 201, "{held}");
    let code = held["code"].as_str().expect("code").to_string();
    let confirm = json!({ "name": "Trần Văn Bình", "phone": "0912345678" });
    assert_eq!(app.post(&format!("/api/v1/appointments/{code}/confirm"), None, Some(confirm)).await.0, 200);
    let waiting = app.issue("TP").await;
    // A citizen is typing their details for a slot this afternoon while the field closes.
    let (status, typing) = app
        .post("/api/v1/appointments/holds", None, Some(json!({ "service": "TP", "slot": "2026-11-23T15:30:00+07:00" })))
        .await;
    assert_eq!(status, 201, "{typing}");
    let typing = typing["code"].as_str().expect("code").to_string();

    // Only a supervisor closes intake, and only with a reason.
    let reason = "Hệ thống hộ tịch đang bảo trì";
    let before = rows(&app);
    let (status, body) =
        app.post("/api/v1/services/TP/intake/close", Some(KIOSK), Some(json!({ "reason": reason }))).await;
    assert_eq!((status, body["code"].as_str()), (403, Some("forbidden")), "{body}");
    let (status, body) =
        app.post("/api/v1/services/TP/intake/close", Some(SUPERVISOR), Some(json!({ "reason": "  " }))).await;
    assert_eq!((status, body["code"].as_str()), (422, Some("invalid_text")), "{body}");
    assert!(body["message"].as_str().is_some_and(|m| m.contains("Lý do ngừng nhận số lĩnh vực Tư pháp")), "{body}");
    // Text that looks blank or reorders what follows it is no reason.
    for blank in ["\u{200B}\u{200B}", "\u{FEFF} \u{2060}", "\u{202E}trì bảo", "…"] {
        let (status, body) =
            app.post("/api/v1/services/TP/intake/close", Some(SUPERVISOR), Some(json!({ "reason": blank }))).await;
        assert_eq!((status, body["code"].as_str()), (422, Some("invalid_text")), "{blank:?}: {body}");
    }
    let (status, body) =
        app.post("/api/v1/services/ZZ/intake/close", Some(SUPERVISOR), Some(json!({ "reason": reason }))).await;
    assert_eq!((status, body["code"].as_str()), (404, Some("unknown_service")), "{body}");
    assert_eq!(rows(&app), before, "refusals change nothing");

    let (status, closed) =
        app.post("/api/v1/services/TP/intake/close", Some(SUPERVISOR), Some(json!({ "reason": reason }))).await;
    assert_eq!(
        (status, closed["open"].as_bool(), closed["intake_closed"].as_str()),
        (200, Some(false), Some(reason)),
        "{closed}"
    );
    let again = app.post("/api/v1/services/TP/intake/close", Some(SUPERVISOR), Some(json!({ "reason": reason }))).await;
    assert_eq!(again, (200, closed.clone()), "closing again with the same reason is the same answer");
    let events = app.count("events");

    // What the kiosk lists: TP closed with the reason, the other fields untouched.
    let (_, services) = app.get("/api/v1/services").await;
    let tp = service(&services, "TP");
    assert_eq!(tp["open"], false);
    let shown = tp["closed_reason"].as_str().expect("a reason");
    assert_eq!(shown, format!("Tạm ngừng nhận số hôm nay: {reason}"));
    assert_eq!(service(&services, "DD")["open"], true);

    // A new ticket and a booking for today are refused with the code and the reason; nothing written.
    let before = rows(&app);
    let (status, body) = app.post("/api/v1/tickets", Some(KIOSK), Some(json!({ "service": "TP" }))).await;
    assert_eq!((status, body["code"].as_str()), (409, Some("intake_closed")), "{body}");
    assert!(body["message"].as_str().is_some_and(|m| m.contains(reason)), "{body}");
    let (status, body) = app
        .post("/api/v1/appointments/holds", None, Some(json!({ "service": "TP", "slot": "2026-11-23T15:00:00+07:00" })))
        .await;
    assert_eq!((status, body["code"].as_str()), (409, Some("bookings_closed_today")), "{body}");
    assert!(body["message"].as_str().is_some_and(|m| m.contains(reason) && m.contains("chọn ngày khác")), "{body}");
    let details = json!({ "name": "Phạm Thu Hà", "phone": "0936777888" });
    let (status, body) = app.post(&format!("/api/v1/appointments/{typing}/confirm"), None, Some(details)).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("bookings_closed_today")),
        "held before, not confirmed after"
    );
    assert_eq!(rows(&app), before, "refusals change nothing");

    // /book says why today is closed; tomorrow is bookable as before.
    let (_, bookable) = app.get("/api/v1/appointments/services").await;
    let days = &service(&bookable, "TP")["days"];
    let today = days.as_array().and_then(|d| d.iter().find(|d| d["date"] == "2026-11-23")).expect("today listed");
    assert_eq!(today["places_left"], 0);
    assert!(today["closed_reason"].as_str().is_some_and(|r| r.contains(reason)), "{today}");
    let (status, body) = app
        .post("/api/v1/appointments/holds", None, Some(json!({ "service": "TP", "slot": "2026-11-24T09:00:00+07:00" })))
        .await;
    assert_eq!(status, 201, "another day is bookable: {body}");

    // Those already in: the waiting ticket is called, the booked citizen checks in.
    assert_eq!(app.counter(4, "open").await.0, 200);
    let (status, call) = app.counter(4, "next").await;
    assert_eq!((status, &call["ticket"]["id"]), (200, &waiting["id"]), "{call}");
    clock.set(monday("13:50"));
    let (status, checked) = app.post("/api/v1/appointments/check-in", Some(KIOSK), Some(json!({ "code": code }))).await;
    assert_eq!(status, 201, "a booked citizen still checks in: {checked}");
    assert!(app.count("events") > events);

    // A restart keeps the closure.
    app.stop().await;
    let app = spawn(example(), Some(clock.clone()), Some(db.clone())).await;
    let (_, services) = app.get("/api/v1/services").await;
    assert_eq!(service(&services, "TP")["intake_closed"], reason, "kept across a restart");
    let (status, body) = app.post("/api/v1/tickets", Some(KIOSK), Some(json!({ "service": "TP" }))).await;
    assert_eq!((status, body["code"].as_str()), (409, Some("intake_closed")));

    // Opened again: tickets as before; opening an open field changes nothing.
    let (status, opened) = app.post("/api/v1/services/TP/intake/open", Some(SUPERVISOR), None).await;
    assert_eq!((status, opened["open"].as_bool()), (200, Some(true)), "{opened}");
    assert!(opened.get("intake_closed").is_none());
    let events = app.count("events");
    assert_eq!(app.post("/api/v1/services/TP/intake/open", Some(SUPERVISOR), None).await.0, 200);
    assert_eq!(app.count("events"), events, "nothing to record");
    app.issue("TP").await;

    // Closed again late in the day: the next service day opens by itself.
    let reason = "Đã đủ số lượng có thể phục vụ trong hôm nay";
    assert_eq!(
        app.post("/api/v1/services/TP/intake/close", Some(SUPERVISOR), Some(json!({ "reason": reason }))).await.0,
        200
    );
    clock.set(at("2026-11-24", "07:35"));
    app.store_tick().await;
    let (_, services) = app.get("/api/v1/services").await;
    assert_eq!(services["service_day"], "2026-11-24");
    assert!(service(&services, "TP").get("intake_closed").is_none(), "{services}");

    // Closed first thing, before any ticket of the day, then a restart: still closed.
    let reason = "Cán bộ phụ trách đi công tác";
    let close = json!({ "reason": reason });
    assert_eq!(app.post("/api/v1/services/TP/intake/close", Some(SUPERVISOR), Some(close)).await.0, 200);
    app.stop().await;
    let app = spawn(example(), Some(clock.clone()), Some(db.clone())).await;
    let (_, services) = app.get("/api/v1/services").await;
    assert_eq!(service(&services, "TP")["intake_closed"], reason, "kept across a restart on a day without tickets");
    assert_eq!(app.post("/api/v1/services/TP/intake/open", Some(SUPERVISOR), None).await.0, 200);
    assert_eq!(app.issue("TP").await["number"], 2001);
    app.stop().await;
}

#[tokio::test]
async fn walk_in_tickets_stop_the_configured_minutes_before_closing_hour() {
    let text = queue_server::config::EXAMPLE.replacen(
        "stop_intake_before_close_minutes = 0",
        "stop_intake_before_close_minutes = 30",
        1,
    );
    let config = Config::parse("motcua.toml", &text).expect("parses");
    assert!(config.centre.enforce_hours);
    let clock = ManualClock::new(monday("16:29"));
    let app = spawn(config, Some(clock.clone()), None).await;
    app.issue("DD").await;
    clock.advance(SignedDuration::from_mins(1));
    let before = rows(&app);
    let (status, body) = app.post("/api/v1/tickets", Some(KIOSK), Some(json!({ "service": "DD" }))).await;
    assert_eq!((status, body["code"].as_str()), (409, Some("intake_stopped")), "{body}");
    assert!(body["message"].as_str().is_some_and(|m| m.contains("từ 16:30")), "{body}");
    assert_eq!(rows(&app), before);
    let (_, services) = app.get("/api/v1/services").await;
    assert_eq!(service(&services, "DD")["open"], false, "the kiosk sees it without any change made");
    assert!(service(&services, "DD")["closed_reason"].as_str().is_some_and(|r| r.contains("16:30")));
    // The next day opens as usual.
    clock.set(at("2026-11-24", "08:00"));
    assert_eq!(app.issue("DD").await["number"], 1001);
    app.stop().await;
}
