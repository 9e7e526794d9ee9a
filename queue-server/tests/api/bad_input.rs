//! Bad input answers 4xx with a code and a Vietnamese message, and changes nothing.

use serde_json::{Value, json};

use crate::helpers::*;

pub(crate) async fn assert_refused(app: &TestApp, answer: (u16, Value), status: u16, code: &str) {
    let (got, body) = answer;
    assert_eq!((got, body["code"].as_str()), (status, Some(code)), "{body}");
    let message = body["message"].as_str().expect("message");
    assert!(
        message.chars().any(|c| "ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹáàãéèíìóòõúùýĐ".contains(c)),
        "not Vietnamese: {message}"
    );
    for english in ["invalid", "expected", "missing", "unknown", "column", "EOF", "type"] {
        assert!(!message.contains(english), "the parser's English «{english}» in: {message}");
    }
    let _ = app;
}

#[tokio::test]
async fn every_kind_of_bad_request_is_refused_without_a_trace() {
    let app = spawn_demo().await;
    app.issue("DD").await;
    let events_before = app.count("events");
    let tickets_before = app.count("tickets");
    let raw = |body: &'static str, token: Option<&'static str>| {
        let mut r = app.client.post(app.url("/api/v1/tickets")).header("Content-Type", "application/json").body(body);
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        r
    };

    let answer = status_json(raw("{\"service\": ", Some(KIOSK)).send().await.expect("answers")).await;
    assert_refused(&app, answer, 400, "invalid_json").await;
    let answer = status_json(raw("{\"servce\": \"DD\"}", Some(KIOSK)).send().await.expect("answers")).await;
    assert_refused(&app, answer, 400, "invalid_json").await;
    let answer = status_json(raw("[1,2,3]", Some(KIOSK)).send().await.expect("answers")).await;
    assert_refused(&app, answer, 400, "invalid_json").await;
    let no_type = app
        .client
        .post(app.url("/api/v1/tickets"))
        .bearer_auth(KIOSK)
        .body("{\"service\":\"DD\"}")
        .send()
        .await
        .expect("answers");
    assert_refused(&app, status_json(no_type).await, 415, "not_json").await;
    let huge = format!("{{\"service\":\"DD\",\"idempotency_key\":\"{}\"}}", "x".repeat(64 * 1024));
    let answer = app
        .client
        .post(app.url("/api/v1/tickets"))
        .bearer_auth(KIOSK)
        .header("Content-Type", "application/json")
        .body(huge)
        .send()
        .await
        .expect("answers");
    assert_refused(&app, status_json(answer).await, 413, "body_too_large").await;

    assert_refused(
        &app,
        app.post("/api/v1/tickets", Some(KIOSK), Some(json!({ "service": "ZZ" }))).await,
        404,
        "unknown_service",
    )
    .await;
    assert_refused(
        &app,
        app.post("/api/v1/tickets", Some(KIOSK), Some(json!({ "service": "Đ Đ" }))).await,
        400,
        "invalid_service_code",
    )
    .await;
    assert_refused(
        &app,
        app.post("/api/v1/tickets", Some(KIOSK), Some(json!({ "service": "DD", "priority": "vip" }))).await,
        422,
        "unknown_priority",
    )
    .await;
    assert_refused(
        &app,
        app.post("/api/v1/tickets", Some(KIOSK), Some(json!({ "service": "DD", "channel": "fax" }))).await,
        400,
        "invalid_channel",
    )
    .await;
    assert_refused(
        &app,
        app.post("/api/v1/tickets", None, Some(json!({ "service": "DD" }))).await,
        401,
        "missing_token",
    )
    .await;
    assert_refused(
        &app,
        app.post("/api/v1/tickets", Some("wrong-token-123"), Some(json!({ "service": "DD" }))).await,
        401,
        "invalid_token",
    )
    .await;

    assert_refused(&app, app.post("/api/v1/counters/99/next", Some(COUNTER), None).await, 404, "unknown_counter").await;
    assert_refused(&app, app.post("/api/v1/counters/abc/next", Some(COUNTER), None).await, 400, "invalid_counter")
        .await;
    assert_refused(&app, app.post("/api/v1/counters/1/next", None, None).await, 401, "missing_token").await;
    assert_refused(&app, app.post("/api/v1/counters/1/next", Some(KIOSK), None).await, 403, "forbidden").await;
    assert_refused(&app, app.post("/api/v1/counters/1/next", Some("demo-counter-3"), None).await, 403, "forbidden")
        .await;
    assert_refused(&app, app.post("/api/v1/counters/1/next", Some(COUNTER), None).await, 409, "counter_closed").await;
    assert_refused(
        &app,
        app.post("/api/v1/counters/1/pause", Some(COUNTER), Some(json!({ "reason": "" }))).await,
        422,
        "invalid_text",
    )
    .await;
    assert_refused(
        &app,
        app.post("/api/v1/ratings", Some(KIOSK), Some(json!({ "score": 9, "counter": 1 }))).await,
        422,
        "invalid_score",
    )
    .await;

    assert_refused(&app, app.get("/api/v1/dossiers/not a code").await, 400, "invalid_receipt_code").await;
    assert_refused(&app, app.get("/api/v1/dossiers/H56.22-261231-9999").await, 404, "dossier_not_found").await;
    // A receipt code in the form of Thông tư 01/2018 whose date does not exist (a misread digit).
    assert_refused(&app, app.get("/api/v1/dossiers/H56.22-261331-0001").await, 400, "invalid_receipt_code").await;
    assert_refused(&app, app.get("/api/v1/tickets/yesterday").await, 400, "invalid_ticket_id").await;
    assert_refused(&app, app.get("/api/v1/tickets/20261122-DD-9999").await, 404, "ticket_not_found").await;
    assert_refused(&app, app.get("/api/v1/events?topics=weather").await, 400, "invalid_topic").await;
    assert_refused(&app, app.get("/api/v1/nowhere").await, 404, "not_found").await;
    // Escapes that are not UTF-8 in a path, as a damaged QR code or link gives them.
    for path in ["/api/v1/tickets/%ff", "/api/v1/appointments/%C3%28/release", "/api/v1/dossiers/%ff"] {
        assert_refused(&app, app.get(path).await, 400, "invalid_path").await;
    }
    // A phone's browser at a wrong address gets a page, not JSON.
    for (path, status, title) in [
        ("/t/%ff", 400, "Địa chỉ không hợp lệ"),
        ("/book/", 404, "Không tìm thấy trang"),
        ("/BOOK", 404, "Không tìm thấy trang"),
    ] {
        let page = app.client.get(app.url(path)).send().await.expect("answers");
        assert_eq!(page.status().as_u16(), status, "{path}");
        let kind = page.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
        let html = page.text().await.expect("body");
        assert!(kind.starts_with("text/html") && html.contains(&format!("<h1>{title}</h1>")), "{path}: {kind} {html}");
    }
    // A query string with a parameter missing or of the wrong kind is about the query, not JSON.
    let today = app.get_as("/api/v1/appointments/today", KIOSK).await;
    assert_refused(&app, today, 400, "invalid_query").await;
    assert_refused(&app, app.get("/api/v1/appointments/slots?service=CA").await, 400, "invalid_query").await;
    let slots = app.get("/api/v1/appointments/slots?service=CA&date=2026-13-01").await;
    assert_refused(&app, slots, 400, "invalid_date").await;
    // A booking code read off a screenshot with an O for a 0-like letter: the message names it and
    // the letters codes use; one typed short says its length.
    let (status, wrong) = app.get("/api/v1/appointments/k7mxo-q").await;
    assert_eq!((status, wrong["code"].as_str()), (400, Some("invalid_booking_code")), "{wrong}");
    let message = wrong["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("«O»") && message.contains("ACDEFGHJKMNPQRTUVWXY") && message.contains("34679"),
        "{message}"
    );
    let (_, short) = app.get("/api/v1/appointments/K7MX").await;
    assert!(short["message"].as_str().unwrap_or_default().contains("gồm 6 ký tự, đã nhập 4"), "{short}");

    assert_eq!(app.count("events"), events_before, "no event was written");
    assert_eq!(app.count("tickets"), tickets_before, "no ticket was written");
    let (_, services) = app.get("/api/v1/services").await;
    assert_eq!(services["services"][0]["waiting"], 1);
    app.stop().await;
}

#[tokio::test]
async fn a_key_replayed_with_another_request_is_refused_never_answered_with_the_old_ticket() {
    let app = spawn_demo().await;
    let key = "kiosk-sanh-a-3f2a9c01d4e5b6a7-t1";
    let (status, first) =
        app.post("/api/v1/tickets", Some(KIOSK), Some(json!({ "service": "DD", "idempotency_key": key }))).await;
    assert_eq!(status, 201, "{first}");
    let (tickets, events) = (app.count("tickets"), app.count("events"));
    for other in [
        json!({ "service": "XD", "idempotency_key": key }),
        json!({ "service": "DD", "priority": "elderly", "idempotency_key": key }),
    ] {
        let answer = app.post("/api/v1/tickets", Some(KIOSK), Some(other)).await;
        assert!(answer.1.get("number").is_none(), "no ticket in a refusal: {}", answer.1);
        assert_refused(&app, answer, 422, "idempotency_key_reused").await;
    }
    assert_eq!((app.count("tickets"), app.count("events")), (tickets, events), "nothing written");
    let (status, again) =
        app.post("/api/v1/tickets", Some(KIOSK), Some(json!({ "service": "DD", "idempotency_key": key }))).await;
    assert_eq!((status, &again["id"]), (200, &first["id"]), "the same request is the same ticket");

    // Ratings: one key, one rating.
    app.counter(1, "open").await;
    app.counter(1, "next").await;
    app.counter(1, "done").await;
    let rating =
        json!({ "ticket": first["id"], "score": 4, "idempotency_key": "kiosk-sanh-a-3f2a9c01d4e5b6a7-r1001-2" });
    assert_eq!(app.post("/api/v1/ratings", Some(KIOSK), Some(rating.clone())).await.0, 201);
    let ratings = app.count("ratings");
    let mut changed = rating.clone();
    changed["score"] = json!(1);
    let answer = app.post("/api/v1/ratings", Some(KIOSK), Some(changed)).await;
    assert_refused(&app, answer, 422, "idempotency_key_reused").await;
    assert_eq!(app.count("ratings"), ratings);
    assert_eq!(app.post("/api/v1/ratings", Some(KIOSK), Some(rating)).await.0, 200, "a true retry");
    app.stop().await;
}

#[tokio::test]
async fn a_rating_of_an_earlier_days_ticket_lands_on_that_day_within_a_week_and_is_refused_after() {
    let day = |d: &str| {
        let dt: jiff::civil::DateTime = format!("{d}T10:00:00").parse().expect("datetime");
        dt.to_zoned(jiff::tz::TimeZone::get("Asia/Ho_Chi_Minh").expect("tz")).expect("zoned").timestamp()
    };
    let clock = queue_server::domain::ManualClock::new(day("2026-11-23"));
    let app = spawn(queue_server::Config::demo(), Some(clock.clone()), None).await;
    let first = app.issue("DD").await;
    let second = app.issue("DD").await;
    app.counter(1, "open").await;
    for _ in 0..2 {
        app.counter(1, "next").await;
        app.counter(1, "done").await;
    }
    clock.set(day("2026-11-26"));
    let (status, rated) = app
        .post(
            "/api/v1/ratings",
            Some(KIOSK),
            Some(json!({ "number": 1001, "day": "2026-11-23", "score": 4, "idempotency_key": "k-late-1" })),
        )
        .await;
    assert_eq!(status, 201, "{rated}");
    assert_eq!(rated["ticket"], first["id"]);
    let (status, again) = app
        .post(
            "/api/v1/ratings",
            Some(KIOSK),
            Some(json!({ "number": 1001, "day": "2026-11-23", "score": 4, "idempotency_key": "k-late-1" })),
        )
        .await;
    assert_eq!((status, &again["id"]), (200, &rated["id"]), "a retried late rating is the same rating");
    clock.set(day("2026-12-01"));
    app.store.advance().await.expect("the new day starts");
    let (ratings, events) = (app.count("ratings"), app.count("events"));
    let answer = app
        .post(
            "/api/v1/ratings",
            Some(KIOSK),
            Some(json!({ "ticket": second["id"], "score": 2, "idempotency_key": "k-late-2" })),
        )
        .await;
    assert_refused(&app, answer, 409, "rating_too_late").await;
    assert_eq!((app.count("ratings"), app.count("events")), (ratings, events), "nothing written");
    app.stop().await;
}

/// What schemathesis found against the document (deploy/check-contract), kept as cases: a query
/// value of the wrong form is refused with a code, never taken as something else; an empty one
/// (a form's «all» choice) is one not given.
#[tokio::test]
async fn query_values_are_taken_as_the_document_states() {
    let app = spawn_demo().await;
    // A dossier's second factor is 4 digits; another form is refused and is no wrong guess.
    let (status, body) = app.get_as("/api/v1/dossiers/H56.22-261030-0006?phone_last4=%F1%80%9A%A1", KIOSK).await;
    assert_eq!((status, body["code"].as_str()), (400, Some("invalid_phone_last4")), "{body}");
    let answer = app.get_as("/api/v1/dossiers/H56.22-261030-0006?phone_last4=12345", KIOSK).await;
    assert_refused(&app, answer, 400, "invalid_phone_last4").await;
    // The same parameter twice: the project's JSON refusal, not the extractor's English text.
    let answer = app.get_as("/api/v1/dossiers/H56.22-261030-0006?phone_last4=1&phone_last4=2", KIOSK).await;
    assert_refused(&app, answer, 400, "invalid_query").await;
    // A procedure search names a field by its code; `service=` is every field.
    let answer = app.get("/api/v1/procedures?service=0.5").await;
    assert_refused(&app, answer, 400, "invalid_service_code").await;
    let (status, all) = app.get("/api/v1/procedures?service=").await;
    let (_, unfiltered) = app.get("/api/v1/procedures").await;
    assert_eq!(status, 200);
    assert!(all["total"].as_u64().is_some_and(|n| n > 0), "{all}");
    assert_eq!(all["total"], unfiltered["total"]);
    let (status, limited) = app.get("/api/v1/procedures?limit=4294967296").await;
    assert_eq!((status, limited["code"].as_str()), (400, Some("invalid_query")), "{limited}");
    // The day summary with `date=` is today's.
    let (status, today) = app.get_as("/api/v1/appointments/summary?date=", "demo-supervisor").await;
    let (_, plain) = app.get_as("/api/v1/appointments/summary", "demo-supervisor").await;
    assert_eq!((status, &today), (200, &plain));
    // A quarter is `YYYY-Qn`: a sign or a second Q is no quarter.
    for bad in ["%2B2026-Q4", "2026-QQ4", "2026-Q%2B4", "2026-Q04"] {
        let answer = app.get_as(&format!("/api/v1/ratings/export?quarter={bad}"), "demo-supervisor").await;
        assert_refused(&app, answer, 400, "invalid_quarter").await;
    }
    app.stop().await;
}
