//! Messages to citizens: queued with the booking, kept in the outbox by default, sent to an SMS
//! gateway when one is configured (retried when it fails); bookings survive a restart.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Query, State};
use axum::http::StatusCode;
use queue_server::Config;
use queue_server::config::SmsGateway;
use queue_server::domain::ManualClock;
use serde_json::{Value, json};

use crate::helpers::*;

pub(crate) type Seen = Arc<Mutex<Vec<HashMap<String, String>>>>;

/// A gateway on loopback that records each request's query and answers `status`.
pub(crate) async fn gateway(status: StatusCode) -> (String, Seen) {
    let seen: Seen = Arc::default();
    let record = |State((seen, status)): State<(Seen, StatusCode)>, Query(q): Query<HashMap<String, String>>| async move {
        seen.lock().expect("lock").push(q);
        status
    };
    let app = axum::Router::new().route("/send", axum::routing::get(record)).with_state((seen.clone(), status));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("binds");
    let url = format!("http://{}/send?to={{phone}}&text={{text}}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, seen)
}

pub(crate) fn config(sms: Option<String>) -> Config {
    let mut config = Config::parse("example", queue_server::config::EXAMPLE).expect("example config");
    config.sms = sms.map(|url| SmsGateway { url, post: false });
    config
}

async fn book(app: &TestApp, time: &str, phone: &str) -> Value {
    let slot = format!("2026-11-23T{time}:00+07:00");
    let (status, held) =
        app.post("/api/v1/appointments/holds", None, Some(json!({ "service": "CA", "slot": slot }))).await;
    assert_eq!(status, 201, "{held}");
    let path = format!("/api/v1/appointments/{}/confirm", held["code"].as_str().expect("code"));
    let (status, booking) = app.post(&path, None, Some(json!({ "name": "Phạm Văn Đức", "phone": phone }))).await;
    assert_eq!(status, 200, "{booking}");
    booking
}

fn notification(app: &TestApp) -> (String, i64, Option<String>) {
    let conn = rusqlite::Connection::open(&app.db).expect("opens db");
    conn.query_row("SELECT status, attempts, last_error FROM notifications ORDER BY id LIMIT 1", [], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
    })
    .expect("a notification")
}

async fn wait_status(app: &TestApp, status: &str) -> (String, i64, Option<String>) {
    let started = Instant::now();
    loop {
        let row = notification(app);
        if row.0 == status {
            return row;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "still {row:?}");
        tokio::task::yield_now().await;
    }
}

#[tokio::test]
async fn without_a_gateway_messages_are_kept_for_an_operator() {
    let app = spawn(config(None), Some(ManualClock::new(monday("07:00"))), None).await;
    let booking = book(&app, "09:00", "0912345678").await;
    wait_status(&app, "kept").await;
    let list =
        app.client.get(app.url("/api/v1/notifications")).bearer_auth("demo-supervisor").send().await.expect("answers");
    let (status, list) = status_json(list).await;
    assert_eq!(status, 200, "{list}");
    let first = &list[0];
    assert_eq!(
        (first["kind"].as_str(), first["phone"].as_str(), first["status"].as_str()),
        (Some("confirmation"), Some("0912345678"), Some("kept"))
    );
    let text = first["text"].as_str().expect("text");
    assert!(text.contains(booking["code"].as_str().expect("code")) && text.contains("09:00 ngày 23/11/2026"), "{text}");
    let forbidden =
        app.client.get(app.url("/api/v1/notifications")).bearer_auth(COUNTER).send().await.expect("answers");
    assert_eq!(forbidden.status().as_u16(), 403);
    // The scrape counts the outbox by status: one kept for an operator, none pending.
    let scrape = crate::metrics::scrape(&app).await;
    let outbox = |status| crate::metrics::value(&scrape, "motcua_outbox_messages", &[("status", status)]);
    assert_eq!((outbox("kept"), outbox("pending"), outbox("sent")), (Some(1.0), Some(0.0), Some(0.0)));
    app.stop().await;
}

#[tokio::test]
async fn a_configured_gateway_gets_each_message_once() {
    let (url, seen) = gateway(StatusCode::OK).await;
    let app = spawn(config(Some(url)), Some(ManualClock::new(monday("07:00"))), None).await;
    let booking = book(&app, "09:00", "+84 912 345 678").await;
    let (_, attempts, _) = wait_status(&app, "sent").await;
    assert_eq!(attempts, 1);
    let requests = seen.lock().expect("lock").clone();
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert_eq!(requests[0].get("to").map(String::as_str), Some("0912345678"));
    let text = requests[0].get("text").cloned().unwrap_or_default();
    assert!(text.contains(booking["code"].as_str().expect("code")) && text.contains("Căn cước"), "{text}");
    app.stop().await;
}

#[tokio::test]
async fn a_failing_gateway_is_retried_later_and_nothing_is_lost() {
    let (url, seen) = gateway(StatusCode::INTERNAL_SERVER_ERROR).await;
    let app = spawn(config(Some(url)), Some(ManualClock::new(monday("07:00"))), None).await;
    book(&app, "09:00", "0912345678").await;
    let started = Instant::now();
    let (status, attempts, error) = loop {
        let row = notification(&app);
        if row.1 >= 1 {
            break row;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "never tried: {row:?}");
        tokio::task::yield_now().await;
    };
    assert_eq!((status.as_str(), attempts), ("pending", 1), "kept for another try");
    assert!(error.is_some_and(|e| e.contains("500")));
    assert_eq!(seen.lock().expect("lock").len(), 1, "the retry waits (the manual clock has not moved)");
    app.stop().await;
}

#[tokio::test]
async fn a_gateway_that_cannot_be_reached_leaves_no_phone_code_or_key_in_the_stored_error() {
    // A port nobody listens on (bound, then let go), and a template with a key, as gateways have.
    let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port();
    let url = format!("http://127.0.0.1:{port}/send?key=bi-mat-9f3a&to={{phone}}&text={{text}}");
    let app = spawn(config(Some(url)), Some(ManualClock::new(monday("07:00"))), None).await;
    let booking = book(&app, "09:00", "0912345678").await;
    let code = booking["code"].as_str().expect("code").to_string();
    let started = Instant::now();
    let error = loop {
        let (_, attempts, error) = notification(&app);
        if attempts >= 1 {
            break error.expect("an error is kept");
        }
        assert!(started.elapsed() < Duration::from_secs(10), "never tried");
        tokio::task::yield_now().await;
    };
    assert!(error.contains("không kết nối được"), "{error}");
    for secret in ["0912345678", "912345678", code.as_str(), "bi-mat-9f3a", "127.0.0.1", "send?"] {
        assert!(!error.contains(secret), "{secret} in the stored error: {error}");
    }
    app.stop().await;
}

#[tokio::test]
async fn bookings_survive_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("motcua.db");
    let app = spawn(config(None), Some(ManualClock::new(monday("07:00"))), Some(db.clone())).await;
    let booking = book(&app, "09:00", "0912345678").await;
    app.stop().await;
    let again = spawn(config(None), Some(ManualClock::new(monday("07:05"))), Some(db)).await;
    let (status, seen) = again.get(&format!("/api/v1/appointments/{}", booking["code"].as_str().expect("code"))).await;
    assert_eq!((status, seen["status"].as_str(), seen["time"].as_str()), (200, Some("confirmed"), Some("09:00")));
    let (_, slots) = again.get("/api/v1/appointments/slots?service=CA&date=2026-11-23").await;
    let nine = slots["slots"].as_array().expect("slots").iter().find(|s| s["time"] == "09:00").cloned();
    assert_eq!(nine.map(|s| s["left"].clone()), Some(json!(2)), "its place is still taken");
    again.stop().await;
}
