//! One-time codes to the phone before a booking is confirmed: on by default with an SMS gateway,
//! sent through it, taken once per hold and phone, bounded per hold, never shown to an operator.

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use queue_server::Config;
use queue_server::domain::ManualClock;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::notices::{Seen, gateway};

const EXAMPLE: &str = queue_server::config::EXAMPLE;

/// The example centre with an SMS gateway at `url`, as an operator writes it.
fn with_gateway(url: &str) -> Config {
    let text = EXAMPLE.replacen("[appointments]", &format!("[appointments]\nsms_url = \"{url}\""), 1);
    assert_ne!(text, EXAMPLE, "the example has an [appointments] section");
    Config::parse("example", &text).expect("config with a gateway")
}

async fn hold(app: &TestApp, time: &str) -> String {
    let slot = format!("2026-11-23T{time}:00+07:00");
    let (status, held) =
        app.post("/api/v1/appointments/holds", None, Some(json!({ "service": "CA", "slot": slot }))).await;
    assert_eq!(status, 201, "{held}");
    held["code"].as_str().expect("code").to_string()
}

/// The code in the `n`-th message the gateway got (waits for it).
async fn code_sent(seen: &Seen, n: usize) -> (String, String) {
    let started = Instant::now();
    loop {
        if let Some(q) = seen.lock().expect("lock").get(n).cloned() {
            let text = q.get("text").cloned().unwrap_or_default();
            // The one run of six digits (dates and times have fewer).
            let code =
                text.split(|c: char| !c.is_ascii_digit()).rfind(|run| run.len() == 6).unwrap_or_default().to_string();
            assert_eq!(code.len(), 6, "{text}");
            return (q.get("to").cloned().unwrap_or_default(), code);
        }
        assert!(started.elapsed() < Duration::from_secs(10), "message {n} never reached the gateway");
        tokio::task::yield_now().await;
    }
}

async fn confirm(app: &TestApp, code: &str, phone: &str, otp: Option<&str>) -> (u16, Value) {
    let mut body = json!({ "name": "Phạm Văn Đức", "phone": phone });
    if let Some(otp) = otp {
        body["verification_code"] = json!(otp);
    }
    app.post(&format!("/api/v1/appointments/{code}/confirm"), None, Some(body)).await
}

#[test]
fn the_code_is_asked_by_default_only_where_messages_reach_phones() {
    assert!(!Config::parse("example", EXAMPLE).expect("example").verify_phone, "outbox only: nobody gets a code");
    assert!(with_gateway("http://10.0.0.5:8090/send?to={phone}&text={text}").verify_phone);
    let off = EXAMPLE.replacen(
        "[appointments]",
        "[appointments]\nsms_url = \"http://10.0.0.5/s?to={phone}&text={text}\"\nverify_phone = false",
        1,
    );
    assert!(!Config::parse("example", &off).expect("config").verify_phone, "an operator may turn it off");
    let no_text = EXAMPLE.replacen("[appointments]", "[appointments]\nsms_url = \"http://10.0.0.5/s?to={phone}\"", 1);
    let refused = Config::parse("example", &no_text).expect_err("a GET gateway without the message");
    assert!(refused.to_string().contains("{text}"), "{refused}");
    let nobody_gets_it = EXAMPLE.replacen("[appointments]", "[appointments]\nverify_phone = true", 1);
    let refused = Config::parse("example", &nobody_gets_it).expect_err("codes nobody can receive");
    assert!(
        refused.to_string().contains("appointments.verify_phone") && refused.to_string().contains("sms_url"),
        "{refused}"
    );
}

#[tokio::test]
async fn a_code_given_after_the_hold_ran_out_is_told_so() {
    let (url, seen) = gateway(StatusCode::OK).await;
    let clock = ManualClock::new(monday("07:00"));
    let app = spawn(with_gateway(&url), Some(clock.clone()), None).await;
    let code = hold(&app, "09:00").await;
    let path = format!("/api/v1/appointments/{code}/verify");
    assert_eq!(app.post(&path, None, Some(json!({ "phone": "0912345678" }))).await.0, 202);
    let (_, otp) = code_sent(&seen, 0).await;
    clock.set(monday("07:11"));
    let (status, refused) = confirm(&app, &code, "0912345678", Some(&otp)).await;
    assert_eq!((status, refused["code"].as_str()), (410, Some("hold_expired")), "{refused}");
    app.stop().await;
}

#[tokio::test]
async fn a_booking_is_confirmed_only_with_the_code_sent_to_its_phone() {
    let (url, seen) = gateway(StatusCode::OK).await;
    let app = spawn(with_gateway(&url), Some(ManualClock::new(monday("07:00"))), None).await;
    let (_, services) = app.get("/api/v1/appointments/services").await;
    assert_eq!(services["verify_phone"], json!(true), "the page is told to ask for the code");
    let code = hold(&app, "09:00").await;

    let (status, refused) = confirm(&app, &code, "0912345678", None).await;
    assert_eq!((status, refused["code"].as_str()), (422, Some("verification_required")), "{refused}");

    let path = format!("/api/v1/appointments/{code}/verify");
    let (status, sent) = app.post(&path, None, Some(json!({ "phone": "+84 912 345 678" }))).await;
    assert_eq!(
        (status, sent["phone"].as_str(), sent["sends_left"].as_u64()),
        (202, Some("09******78"), Some(2)),
        "{sent}"
    );
    let (to, otp) = code_sent(&seen, 0).await;
    assert_eq!(to, "0912345678");
    let wrong = if otp == "000000" { "111111" } else { "000000" };

    let (status, refused) = confirm(&app, &code, "0912345678", Some(wrong)).await;
    assert_eq!((status, refused["code"].as_str()), (422, Some("verification_wrong")), "{refused}");
    assert!(refused["message"].as_str().is_some_and(|m| m.contains("còn 4 lần")), "{refused}");
    let (status, refused) = confirm(&app, &code, "0987654321", Some(&otp)).await;
    assert_eq!((status, refused["code"].as_str()), (422, Some("verification_required")), "another phone: {refused}");

    let (status, booking) = confirm(&app, &code, "0912 345 678", Some(&otp)).await;
    assert_eq!((status, booking["status"].as_str()), (200, Some("confirmed")), "{booking}");
    let (status, again) = confirm(&app, &code, "0912345678", Some(&otp)).await;
    assert_eq!((status, again["code"].as_str()), (200, Some(code.as_str())), "the same confirmation again: {again}");

    // The confirmation went out too; the operator's outbox list never shows the one-time code.
    let started = Instant::now();
    while seen.lock().expect("lock").len() < 2 {
        assert!(started.elapsed() < Duration::from_secs(10), "the confirmation never reached the gateway");
        tokio::task::yield_now().await;
    }
    let list =
        app.client.get(app.url("/api/v1/notifications")).bearer_auth("demo-supervisor").send().await.expect("answers");
    let (_, list) = status_json(list).await;
    let kinds: Vec<&str> = list.as_array().expect("list").iter().filter_map(|n| n["kind"].as_str()).collect();
    assert!(kinds.contains(&"verification") && kinds.contains(&"confirmation"), "{kinds:?}");
    assert!(!list.to_string().contains(&otp), "{list}");
    // Once sent, the stored message keeps no code either; the event names neither code nor phone.
    let conn = rusqlite::Connection::open(&app.db).expect("db");
    let started = Instant::now();
    loop {
        let stored: Vec<(String, String)> = conn
            .prepare("SELECT status, text FROM notifications WHERE kind = 'verification'")
            .and_then(|mut s| s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect())
            .expect("outbox");
        assert_eq!(stored.len(), 1);
        if stored[0].0 == "sent" {
            assert!(!stored[0].1.contains(&otp), "{stored:?}");
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "never marked sent: {stored:?}");
        tokio::task::yield_now().await;
    }
    let events: Vec<String> = conn
        .prepare("SELECT payload FROM events WHERE kind = 'booking_verification_sent'")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .expect("events");
    assert_eq!(events.len(), 1);
    assert!(!events[0].contains(&otp) && !events[0].contains("912345678"), "{}", events[0]);
    app.stop().await;
}

#[tokio::test]
async fn codes_are_bounded_per_hold_and_per_phone_and_five_wrong_guesses_void_one() {
    let (url, seen) = gateway(StatusCode::OK).await;
    let app = spawn(with_gateway(&url), Some(ManualClock::new(monday("07:00"))), None).await;
    let first = hold(&app, "09:00").await;
    let send = |code: String, phone: &'static str| {
        let app = &app;
        async move { app.post(&format!("/api/v1/appointments/{code}/verify"), None, Some(json!({ "phone": phone }))).await }
    };
    for left in [2, 1, 0] {
        let (status, sent) = send(first.clone(), "0912000001").await;
        assert_eq!((status, sent["sends_left"].as_u64()), (202, Some(left)), "{sent}");
    }
    let (status, refused) = send(first.clone(), "0912000001").await;
    assert_eq!((status, refused["code"].as_str()), (429, Some("verification_sends_spent")), "{refused}");
    let (_, latest) = code_sent(&seen, 2).await;

    // Five wrong guesses void the code; the right one is then refused too.
    let wrong = if latest == "000000" { "111111" } else { "000000" };
    for _ in 0..4 {
        assert_eq!(confirm(&app, &first, "0912000001", Some(wrong)).await.0, 422);
    }
    let (_, void) = confirm(&app, &first, "0912000001", Some(wrong)).await;
    assert_eq!(void["code"].as_str(), Some("verification_void"), "{void}");
    let (_, refused) = confirm(&app, &first, "0912000001", Some(&latest)).await;
    assert_eq!(refused["code"].as_str(), Some("verification_required"), "{refused}");

    // A second hold (this phone's second place) may send the phone its 4th and 5th codes; then the
    // phone has had its share for the hour, whoever asks.
    let second = hold(&app, "09:30").await;
    for _ in 0..2 {
        assert_eq!(send(second.clone(), "0912000001").await.0, 202);
    }
    let (status, refused) = send(second.clone(), "0912000001").await;
    assert_eq!((status, refused["code"].as_str()), (429, Some("verification_phone_busy")), "{refused}");
    // Not a mobile number, an unknown hold: refused before anything is sent.
    let (status, refused) = send(second.clone(), "12345").await;
    assert_eq!((status, refused["code"].as_str()), (422, Some("invalid_phone")), "{refused}");
    let (status, refused) = send("ACDEFG".into(), "0912000002").await;
    assert_eq!((status, refused["code"].as_str()), (404, Some("booking_not_found")), "{refused}");
    let conn = rusqlite::Connection::open(&app.db).expect("db");
    let queued: i64 = conn
        .query_row("SELECT COUNT(*) FROM notifications WHERE kind = 'verification'", [], |r| r.get(0))
        .expect("count");
    assert_eq!(queued, 5, "five codes queued, no more");
    code_sent(&seen, 4).await;
    app.stop().await;
}

#[tokio::test]
async fn without_a_gateway_no_code_is_asked_or_sent() {
    let app = spawn(crate::notices::config(None), Some(ManualClock::new(monday("07:00"))), None).await;
    let code = hold(&app, "09:00").await;
    let (status, refused) =
        app.post(&format!("/api/v1/appointments/{code}/verify"), None, Some(json!({ "phone": "0912345678" }))).await;
    assert_eq!((status, refused["code"].as_str()), (409, Some("verification_not_used")), "{refused}");
    let (status, booking) = confirm(&app, &code, "0912345678", None).await;
    assert_eq!((status, booking["status"].as_str()), (200, Some("confirmed")), "{booking}");
    app.stop().await;
}

#[tokio::test]
async fn a_phone_at_its_days_bookings_is_told_before_a_code_is_spent() {
    let (url, seen) = gateway(StatusCode::OK).await;
    let text = EXAMPLE.replacen("[appointments]", &format!("[appointments]\nsms_url = \"{url}\""), 1).replacen(
        "per_phone_per_day = 4",
        "per_phone_per_day = 1",
        1,
    );
    let config = Config::parse("example", &text).expect("config");
    let app = spawn(config, Some(ManualClock::new(monday("07:00"))), None).await;
    let first = hold(&app, "09:00").await;
    let (status, _) =
        app.post(&format!("/api/v1/appointments/{first}/verify"), None, Some(json!({ "phone": "0912000003" }))).await;
    assert_eq!(status, 202);
    let (_, code) = code_sent(&seen, 0).await;
    assert_eq!(confirm(&app, &first, "0912000003", Some(&code)).await.0, 200);
    // The same phone, another slot that day: refused at the code, not after it.
    let second = hold(&app, "10:00").await;
    let (status, refused) = app
        .post(&format!("/api/v1/appointments/{second}/verify"), None, Some(json!({ "phone": "0912 000 003" })))
        .await;
    assert_eq!((status, refused["code"].as_str()), (409, Some("booking_limit_phone")), "{refused}");
    let conn = rusqlite::Connection::open(&app.db).expect("db");
    let queued: i64 = conn
        .query_row("SELECT COUNT(*) FROM notifications WHERE kind = 'verification'", [], |r| r.get(0))
        .expect("count");
    assert_eq!(queued, 1, "no second code queued");
    // The refusal spent none of the hold's codes: another phone still has all three.
    let (status, sent) =
        app.post(&format!("/api/v1/appointments/{second}/verify"), None, Some(json!({ "phone": "0912000004" }))).await;
    assert_eq!((status, sent["sends_left"].as_u64()), (202, Some(2)), "{sent}");
    app.stop().await;
}
