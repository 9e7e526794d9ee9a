//! Refusals of the queue and booking rules on a day under way: each has a code and a Vietnamese
//! message, and leaves every row of every table as it was.

use serde_json::{Value, json};

use crate::bad_input::assert_refused;
use crate::helpers::*;

/// Every row of every table, as text, with its table: what a refused request must leave exactly
/// as it was.
fn fingerprint(app: &TestApp) -> Vec<(String, Vec<String>)> {
    let conn = rusqlite::Connection::open(&app.db).expect("opens db");
    let mut tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .expect("tables");
    tables.retain(|t| t != "device_tokens" && t != "sessions");
    tables
        .into_iter()
        .map(|table| {
            let mut stmt = conn.prepare(&format!("SELECT * FROM {table} ORDER BY rowid")).expect("reads");
            let columns = stmt.column_count();
            let rows = stmt
                .query_map([], |r| {
                    (0..columns)
                        .map(|i| {
                            r.get_ref(i).map(|v| match v {
                                rusqlite::types::ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                                other => format!("{other:?}"),
                            })
                        })
                        .collect::<Result<Vec<_>, _>>()
                        .map(|cells| cells.join("|"))
                })
                .and_then(|rows| rows.collect())
                .expect("rows");
            (table, rows)
        })
        .collect()
}

/// Fails naming the tables a refusal changed.
fn unchanged(before: &[(String, Vec<String>)], after: &[(String, Vec<String>)], code: &str) {
    for ((table, old), (_, new)) in before.iter().zip(after) {
        assert_eq!(new, old, "the refusal {code} changed {table}");
    }
    assert_eq!(before.len(), after.len());
}

#[tokio::test]
async fn every_rule_refusal_has_a_code_a_vietnamese_message_and_changes_no_row() {
    let app = spawn_at(monday("09:00")).await;
    let clock = app.clock.clone().expect("clock");
    const SUPERVISOR: &str = "demo-supervisor";
    // A day under way: a ticket served and rated, one waiting, one for Xây dựng, two bookings on
    // one phone, a counter busy, a paused one, a field's intake closed.
    let served = app.issue("DD").await;
    let waiting = app.issue("DD").await;
    let building = app.issue("XD").await;
    assert_eq!(app.counter(1, "open").await.0, 200);
    assert_eq!(app.counter(1, "next").await.1["ticket"]["id"], served["id"]);
    assert_eq!(app.counter(1, "done").await.0, 200);
    let rating = json!({ "ticket": served["id"], "score": 4, "idempotency_key": "kiosk-a1b2-rating-1" });
    assert_eq!(app.post("/api/v1/ratings", Some(KIOSK), Some(rating)).await.0, 201);
    assert_eq!(app.counter(1, "next").await.1["ticket"]["id"], waiting["id"]);
    assert_eq!(app.counter(2, "open").await.0, 200);
    assert_eq!(app.post("/api/v1/counters/2/pause", Some(COUNTER), Some(json!({ "reason": "Họp" }))).await.0, 200);
    assert_eq!(app.counter(3, "open").await.0, 200);
    let keyed = json!({ "service": "DD", "idempotency_key": "kiosk-a1b2-ticket-7" });
    assert_eq!(app.post("/api/v1/tickets", Some(KIOSK), Some(keyed)).await.0, 201);
    let mut codes = Vec::new();
    for (service, slot) in [("CA", "10:30"), ("TP", "11:00")] {
        let slot = format!("2026-11-23T{slot}:00+07:00");
        let (_, held) =
            app.post("/api/v1/appointments/holds", None, Some(json!({ "service": service, "slot": slot }))).await;
        let code = held["code"].as_str().expect("held").to_string();
        let confirm = json!({ "name": "Lê Thị Hoa", "phone": "0912345678" });
        assert_eq!(app.post(&format!("/api/v1/appointments/{code}/confirm"), None, Some(confirm)).await.0, 200);
        codes.push(code);
    }
    let (_, extra) = app
        .post("/api/v1/appointments/holds", None, Some(json!({ "service": "CA", "slot": "2026-11-23T10:45:00+07:00" })))
        .await;
    let extra = extra["code"].as_str().unwrap_or_else(|| panic!("held: {extra}")).to_string();
    let (_, cancelled) = app
        .post("/api/v1/appointments/holds", None, Some(json!({ "service": "CA", "slot": "2026-11-24T09:00:00+07:00" })))
        .await;
    let cancelled = cancelled["code"].as_str().expect("held").to_string();
    let who = json!({ "name": "Phạm Văn Tú", "phone": "0987654321" });
    assert_eq!(app.post(&format!("/api/v1/appointments/{cancelled}/confirm"), None, Some(who)).await.0, 200);
    let cancel = json!({ "phone": "0987654321" });
    assert_eq!(app.post(&format!("/api/v1/appointments/{cancelled}/cancel"), None, Some(cancel)).await.0, 200);
    let reason = json!({ "reason": "Hệ thống chuyên ngành đang bảo trì" });
    assert_eq!(app.post("/api/v1/services/TP/intake/close", Some(SUPERVISOR), Some(reason)).await.0, 200);

    let id = |t: &Value| t["id"].as_str().expect("id").to_string();
    let slot = |day: &str, hhmm: &str| format!("{day}T{hhmm}:00+07:00");
    type Case = (&'static str, Option<&'static str>, String, Option<Value>, u16, &'static str);
    let cases: Vec<Case> = vec![
        ("POST", Some(KIOSK), "/api/v1/tickets".into(), Some(json!({ "service": "TP" })), 409, "intake_closed"),
        (
            "POST",
            Some(KIOSK),
            "/api/v1/tickets".into(),
            Some(json!({ "service": "XD", "idempotency_key": "kiosk-a1b2-ticket-7" })),
            422,
            "idempotency_key_reused",
        ),
        ("POST", Some(COUNTER), "/api/v1/counters/1/next".into(), None, 409, "counter_busy"),
        ("POST", Some(COUNTER), "/api/v1/counters/2/next".into(), None, 409, "counter_paused"),
        ("POST", Some(COUNTER), "/api/v1/counters/3/serve".into(), None, 409, "no_current_ticket"),
        ("POST", Some(COUNTER), "/api/v1/counters/5/next".into(), None, 409, "counter_closed"),
        (
            "POST",
            Some(COUNTER),
            "/api/v1/counters/1/transfer".into(),
            Some(json!({ "service": "DD" })),
            409,
            "same_service",
        ),
        (
            "POST",
            Some(COUNTER),
            "/api/v1/counters/3/call".into(),
            Some(json!({ "ticket": id(&served) })),
            409,
            "invalid_transition",
        ),
        (
            "POST",
            Some(COUNTER),
            "/api/v1/counters/4/call".into(),
            Some(json!({ "ticket": id(&building) })),
            409,
            "counter_closed",
        ),
        ("POST", Some(KIOSK), format!("/api/v1/tickets/{}/cancel", id(&served)), None, 409, "invalid_transition"),
        ("POST", Some(KIOSK), format!("/api/v1/tickets/{}/rejoin", id(&building)), None, 409, "invalid_transition"),
        (
            "POST",
            Some(KIOSK),
            "/api/v1/ratings".into(),
            Some(json!({ "ticket": id(&building), "score": 3 })),
            409,
            "ticket_not_served",
        ),
        (
            "POST",
            Some(KIOSK),
            "/api/v1/ratings".into(),
            Some(json!({ "ticket": id(&served), "score": 2 })),
            409,
            "already_rated",
        ),
        ("POST", Some(KIOSK), "/api/v1/ratings".into(), Some(json!({ "score": 3 })), 422, "rating_without_target"),
        (
            "POST",
            None,
            "/api/v1/appointments/holds".into(),
            Some(json!({ "service": "DD", "slot": slot("2026-11-23", "15:00") })),
            409,
            "not_bookable",
        ),
        (
            "POST",
            None,
            "/api/v1/appointments/holds".into(),
            Some(json!({ "service": "CA", "slot": slot("2026-11-23", "08:00") })),
            422,
            "slot_in_past",
        ),
        (
            "POST",
            None,
            "/api/v1/appointments/holds".into(),
            Some(json!({ "service": "CA", "slot": slot("2026-11-23", "12:00") })),
            422,
            "not_a_slot",
        ),
        (
            "POST",
            None,
            "/api/v1/appointments/holds".into(),
            Some(json!({ "service": "CA", "slot": slot("2026-12-30", "09:00") })),
            422,
            "slot_beyond_horizon",
        ),
        (
            "POST",
            None,
            "/api/v1/appointments/holds".into(),
            Some(json!({ "service": "TP", "slot": slot("2026-11-23", "15:00") })),
            409,
            "bookings_closed_today",
        ),
        (
            "POST",
            None,
            format!("/api/v1/appointments/{extra}/confirm"),
            Some(json!({ "name": "Lê Thị Hoa", "phone": "0912345678" })),
            409,
            "booking_limit_day",
        ),
        (
            "POST",
            None,
            format!("/api/v1/appointments/{extra}/confirm"),
            Some(json!({ "name": "Lê Thị Hoa", "phone": "0123" })),
            422,
            "invalid_phone",
        ),
        (
            "POST",
            None,
            format!("/api/v1/appointments/{}/cancel", codes[0]),
            Some(json!({ "phone": "0987654321" })),
            404,
            "booking_not_found",
        ),
        (
            "POST",
            None,
            format!("/api/v1/appointments/{cancelled}/reschedule"),
            Some(json!({ "phone": "0987654321", "slot": slot("2026-11-24", "10:00") })),
            409,
            "booking_not_active",
        ),
        (
            "POST",
            Some(KIOSK),
            "/api/v1/appointments/check-in".into(),
            Some(json!({ "code": codes[0] })),
            409,
            "checkin_too_early",
        ),
        (
            "POST",
            Some(KIOSK),
            "/api/v1/appointments/check-in".into(),
            Some(json!({ "phone": "0912345678" })),
            409,
            "several_bookings",
        ),
        (
            "POST",
            Some(KIOSK),
            "/api/v1/appointments/check-in".into(),
            Some(json!({ "phone": "0977000111" })),
            404,
            "booking_not_found",
        ),
        (
            "POST",
            Some(SUPERVISOR),
            "/api/v1/services/TP/intake/close".into(),
            Some(json!({ "reason": "" })),
            422,
            "invalid_text",
        ),
        ("POST", Some(KIOSK), "/api/v1/services/TP/intake/open".into(), None, 403, "forbidden"),
    ];
    for (method, token, path, body, status, code) in cases {
        let before = fingerprint(&app);
        let answer = match method {
            "POST" => app.post(&path, token, body).await,
            _ => unreachable!(),
        };
        assert_refused(&app, answer, status, code).await;
        unchanged(&before, &fingerprint(&app), code);
    }

    // Refusals that depend on the time: lunch, and a no-show whose rejoin window is over (expired).
    assert_eq!(app.counter(1, "no-show").await.0, 200);
    // (The server first notices the time: holds lapse, the no-show's window ends; then the refusals.)
    clock.set(monday("12:00"));
    app.store_tick().await;
    let before = fingerprint(&app);
    let answer = app.post("/api/v1/tickets", Some(KIOSK), Some(json!({ "service": "DD" }))).await;
    assert_refused(&app, answer, 409, "service_closed").await;
    unchanged(&before, &fingerprint(&app), "service_closed");
    let answer = app.post(&format!("/api/v1/tickets/{}/rejoin", id(&waiting)), Some(KIOSK), None).await;
    assert_refused(&app, answer, 409, "invalid_transition").await;
    unchanged(&before, &fingerprint(&app), "invalid_transition (expired)");
    app.stop().await;
}
