//! Booking messages through a Zalo Official Account (ZNS), against a fake of Zalo's two endpoints
//! on loopback that reads the real requests: the token refresh (secret key header, form body,
//! rotating refresh tokens) and the template send (access token header, JSON body). Success; an
//! expired access token refreshed and the message sent once more; the newest refresh token kept
//! across a restart; a quota error left pending with back-off and shown on the outbox list.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::HeaderMap;
use axum::{Form, Json};
use queue_server::Config;
use queue_server::domain::ManualClock;
use serde_json::{Value, json};

use crate::helpers::*;

const SUPERVISOR: &str = "demo-supervisor";

#[derive(Debug, Default)]
struct Zalo {
    /// The one refresh token Zalo accepts now.
    refresh: String,
    /// The one access token Zalo accepts now.
    access: Option<String>,
    issued: u32,
    refreshes: Vec<HashMap<String, String>>,
    sends: Vec<(String, Value)>,
    /// Errors to answer the next sends with, in order.
    errors: VecDeque<(i64, &'static str)>,
}

type Fake = Arc<Mutex<Zalo>>;

async fn oauth(State(fake): State<Fake>, headers: HeaderMap, Form(form): Form<HashMap<String, String>>) -> Json<Value> {
    let mut z = fake.lock().expect("lock");
    z.refreshes.push(form.clone());
    if headers.get("secret_key").and_then(|v| v.to_str().ok()) != Some("khoa-bi-mat") {
        return Json(json!({ "error": -14002, "error_name": "Invalid secret key" }));
    }
    if form.get("refresh_token") != Some(&z.refresh)
        || form.get("grant_type").map(String::as_str) != Some("refresh_token")
    {
        return Json(json!({ "error": -14014, "error_name": "Invalid refresh token" }));
    }
    z.issued += 1;
    let (access, refresh) = (format!("AT-{}", z.issued), format!("RT-{}", z.issued));
    z.access = Some(access.clone());
    z.refresh = refresh.clone();
    Json(json!({ "access_token": access, "refresh_token": refresh, "expires_in": "90000" }))
}

async fn send(State(fake): State<Fake>, headers: HeaderMap, Json(body): Json<Value>) -> Json<Value> {
    let mut z = fake.lock().expect("lock");
    let token = headers.get("access_token").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    z.sends.push((token.clone(), body));
    if z.access.as_deref() != Some(token.as_str()) {
        return Json(json!({ "error": -124, "message": "Access token is invalid" }));
    }
    match z.errors.pop_front() {
        Some((code, message)) => Json(json!({ "error": code, "message": message })),
        None => Json(json!({ "error": 0, "message": "Success", "data": { "msg_id": format!("m{}", z.sends.len()) } })),
    }
}

async fn fake_zalo() -> (String, Fake) {
    let fake: Fake = Arc::new(Mutex::new(Zalo { refresh: "RT-0".into(), ..Zalo::default() }));
    let app = axum::Router::new()
        .route("/v4/oa/access_token", axum::routing::post(oauth))
        .route("/message/template", axum::routing::post(send))
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("binds");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (base, fake)
}

fn config(base: &str) -> Config {
    config_with(base, "RT-0")
}

fn config_with(base: &str, refresh: &str) -> Config {
    let section = format!(
        "\n[zalo]\napp_id = \"1234567890\"\nsecret_key = \"khoa-bi-mat\"\nrefresh_token = \"{refresh}\"\n\
         oauth_url = \"{base}/v4/oa/access_token\"\napi_url = \"{base}/message/template\"\n\
         [zalo.templates.confirmation]\ntemplate_id = \"250101\"\n\
         data = {{ ma_lich_hen = \"{{code}}\", ho_ten = \"{{name}}\", linh_vuc = \"{{field}}\", thoi_gian = \"{{time}} ngày {{date}}\" }}\n"
    );
    Config::parse("motcua.toml", &format!("{}{section}", queue_server::config::EXAMPLE)).expect("config with [zalo]")
}

async fn book(app: &TestApp, time: &str, phone: &str) -> String {
    let slot = format!("2026-11-23T{time}:00+07:00");
    let (status, held) =
        app.post("/api/v1/appointments/holds", None, Some(json!({ "service": "CA", "slot": slot }))).await;
    assert_eq!(status, 201, "{held}");
    let code = held["code"].as_str().expect("code").to_string();
    let path = format!("/api/v1/appointments/{code}/confirm");
    let (status, booking) = app.post(&path, None, Some(json!({ "name": "Phạm Văn Đức", "phone": phone }))).await;
    assert_eq!(status, 200, "{booking}");
    code
}

/// The booking's message once its status is `status`: (attempts, last error).
async fn wait_for(app: &TestApp, booking: &str, status: &str) -> (i64, Option<String>) {
    let started = Instant::now();
    loop {
        let conn = rusqlite::Connection::open(&app.db).expect("opens db");
        let row: (String, i64, Option<String>) = conn
            .query_row("SELECT status, attempts, last_error FROM notifications WHERE booking = ?1", [booking], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .expect("a notification");
        if row.0 == status {
            return (row.1, row.2);
        }
        assert!(started.elapsed() < Duration::from_secs(10), "{booking} still {row:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn kept_refresh_token(app: &TestApp) -> String {
    let conn = rusqlite::Connection::open(&app.db).expect("opens db");
    conn.query_row("SELECT refresh_token FROM zalo_tokens WHERE app_id = '1234567890'", [], |r| r.get(0))
        .expect("a kept refresh token")
}

#[tokio::test]
async fn booking_messages_go_through_zalo_with_tokens_refreshed_kept_and_errors_retried() {
    let (base, fake) = fake_zalo().await;
    let clock = ManualClock::new(monday("07:00"));
    let mut app = spawn(config(&base), Some(clock.clone()), None).await;

    // Sent: the first call gets an access token with the configuration's refresh token.
    let first = book(&app, "09:00", "+84 912 345 678").await;
    assert_eq!(wait_for(&app, &first, "sent").await.0, 1);
    {
        let z = fake.lock().expect("lock");
        assert_eq!(z.refreshes.len(), 1);
        assert_eq!(z.refreshes[0].get("app_id").map(String::as_str), Some("1234567890"));
        let (token, body) = &z.sends[0];
        assert_eq!(token, "AT-1");
        assert_eq!(body["phone"], "84912345678");
        assert_eq!(body["template_id"], "250101");
        assert_eq!(body["template_data"]["ma_lich_hen"], first.as_str());
        assert_eq!(body["template_data"]["ho_ten"], "Phạm Văn Đức");
        assert!(body["template_data"]["linh_vuc"].as_str().is_some_and(|f| f.starts_with("Căn cước")), "{body}");
        assert_eq!(body["template_data"]["thoi_gian"], "09:00 ngày 23/11/2026");
        assert!(body["tracking_id"].as_str().is_some_and(|t| !t.is_empty()), "{body}");
    }
    assert_eq!(kept_refresh_token(&app), "RT-1", "the rotated refresh token is kept");

    // Zalo voids the access token: the send is refused, the token refreshed, the message sent.
    fake.lock().expect("lock").access = None;
    let second = book(&app, "10:00", "0987654321").await;
    assert_eq!(wait_for(&app, &second, "sent").await.0, 1, "one attempt of the outbox");
    {
        let z = fake.lock().expect("lock");
        let tokens: Vec<&str> = z.sends[1..].iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(tokens, ["AT-1", "AT-2"]);
        assert_eq!(z.refreshes.len(), 2);
        assert_eq!(z.sends[2].1["phone"], "84987654321");
    }
    assert_eq!(kept_refresh_token(&app), "RT-2");

    // A restart: the configuration's refresh token is void by now; the kept one is used.
    app.halt().await;
    let mut app = spawn(config(&base), Some(clock.clone()), Some(app.db.clone())).await;
    let third = book(&app, "10:30", "0905111222").await;
    assert_eq!(wait_for(&app, &third, "sent").await.0, 1);
    assert_eq!(
        fake.lock().expect("lock").refreshes.last().and_then(|f| f.get("refresh_token").cloned()),
        Some("RT-2".into())
    );

    // Out of quota: the message stays pending, says why on the supervisor's outbox list, and
    // goes once the back-off has passed.
    fake.lock().expect("lock").errors.push_back((-1141, "Daily quota exceeded"));
    let fourth = book(&app, "11:00", "0912000111").await;
    let started = Instant::now();
    let error = loop {
        let conn = rusqlite::Connection::open(&app.db).expect("opens db");
        let (attempts, error): (i64, Option<String>) = conn
            .query_row("SELECT attempts, last_error FROM notifications WHERE booking = ?1", [&fourth], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .expect("row");
        if attempts >= 1 {
            break error.unwrap_or_default();
        }
        assert!(started.elapsed() < Duration::from_secs(10), "never tried");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(error.contains("-1141") && error.contains("quota"), "{error}");
    let (status, outbox) = app.get_as("/api/v1/notifications?status=pending", SUPERVISOR).await;
    assert_eq!(status, 200, "{outbox}");
    let listed = outbox.as_array().and_then(|l| l.iter().find(|n| n["booking"] == fourth.as_str())).cloned();
    let listed = listed.expect("on the outbox list");
    assert_eq!((listed["status"].as_str(), listed["attempts"].as_u64()), (Some("pending"), Some(1)), "{listed}");
    assert!(listed["last_error"].as_str().is_some_and(|e| e.contains("-1141")), "{listed}");
    clock.advance(jiff::SignedDuration::from_secs(31));
    assert_eq!(wait_for(&app, &fourth, "sent").await.0, 2);

    // The OA is authorised again (the kept token is void): the new token written in the
    // configuration wins over the kept one.
    app.halt().await;
    fake.lock().expect("lock").refresh = "RT-moi".into();
    let mut app = spawn(config_with(&base, "RT-moi"), Some(clock.clone()), Some(app.db.clone())).await;
    let fifth = book(&app, "14:00", "0912000222").await;
    assert_eq!(wait_for(&app, &fifth, "sent").await.0, 1);
    let used = fake.lock().expect("lock").refreshes.last().and_then(|f| f.get("refresh_token").cloned());
    assert_eq!(used.as_deref(), Some("RT-moi"));
    app.halt().await;
}
