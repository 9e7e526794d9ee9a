//! Writes a client may send twice — a double tap, a retry after an answer lost on the way — are
//! done once, each answered as the first time; and each rule a listing or a hold checked is checked
//! again when the write is made.

use queue_server::domain::ManualClock;
use serde_json::{Value, json};

use crate::helpers::*;

async fn post_keyed(app: &TestApp, path: &str, token: &str, key: &str) -> (u16, Value) {
    let response =
        app.client.post(app.url(path)).bearer_auth(token).header("Idempotency-Key", key).send().await.expect("answers");
    status_json(response).await
}

#[tokio::test]
async fn confirming_or_cancelling_twice_answers_the_booking_it_made() {
    let app = spawn(queue_server::Config::demo(), Some(ManualClock::new(monday("07:00"))), None).await;
    let (status, held) = app
        .post("/api/v1/appointments/holds", None, Some(json!({ "service": "CA", "slot": "2026-11-23T09:00:00+07:00" })))
        .await;
    assert_eq!(status, 201, "{held}");
    let code = held["code"].as_str().expect("code").to_string();
    let details = json!({ "name": "Lê Thị Hoa", "phone": "0912345678" });
    let path = format!("/api/v1/appointments/{code}/confirm");
    let (first, booked) = app.post(&path, None, Some(details.clone())).await;
    let notices = app.count("notifications");
    let (second, again) = app.post(&path, None, Some(details)).await;
    assert_eq!((first, second), (200, 200), "{again}");
    assert_eq!(again, booked, "the same booking, as it was made");
    assert_eq!(app.count("notifications"), notices, "one confirmation message, not two");
    let (other, refused) = app.post(&path, None, Some(json!({ "name": "Người Khác", "phone": "0987654321" }))).await;
    assert_eq!((other, refused["code"].as_str()), (409, Some("booking_not_active")), "other details are refused");

    let cancel = format!("/api/v1/appointments/{code}/cancel");
    let (c1, cancelled) = app.post(&cancel, None, Some(json!({ "phone": "0912345678" }))).await;
    let (c2, again) = app.post(&cancel, None, Some(json!({ "phone": "0912345678" }))).await;
    assert_eq!((c1, c2, &again["status"]), (200, 200, &cancelled["status"]));
    app.stop().await;
}

#[tokio::test]
async fn a_counter_action_sent_twice_with_its_key_calls_one_citizen() {
    let app = spawn_demo().await;
    let a = app.issue("DD").await;
    let b = app.issue("DD").await;
    app.counter(1, "open").await;
    let (s1, first) = post_keyed(&app, "/api/v1/counters/1/next", COUNTER, "console-7f3a").await;
    let events = app.count("events");
    let (s2, again) = post_keyed(&app, "/api/v1/counters/1/next", COUNTER, "console-7f3a").await;
    assert_eq!((s1, s2), (200, 200));
    assert_eq!(first["ticket"]["id"], a["id"]);
    assert_eq!(again, first, "the answer of the first call, not a second citizen");
    assert_eq!(app.count("events"), events, "nothing done the second time");
    let (_, waiting) = app.get(&format!("/api/v1/tickets/{}", b["id"].as_str().expect("id"))).await;
    assert_eq!(waiting["status"], "waiting", "the next citizen is still waiting");

    // The same key for another action is refused; another caller does not get the recorded answer.
    let (status, refused) = post_keyed(&app, "/api/v1/counters/1/done", COUNTER, "console-7f3a").await;
    assert_eq!((status, refused["code"].as_str()), (422, Some("idempotency_key_reused")));
    let (status, _) = post_keyed(&app, "/api/v1/counters/1/next", "demo-counter-3", "console-7f3a").await;
    assert_eq!(status, 403, "counter 3's token is checked, not answered from the record");
    // A new key is a new action.
    assert_eq!(post_keyed(&app, "/api/v1/counters/1/done", COUNTER, "console-8b21").await.0, 200);
    let (_, next) = post_keyed(&app, "/api/v1/counters/1/next", COUNTER, "console-9c02").await;
    assert_eq!(next["ticket"]["id"], b["id"]);
    app.stop().await;
}
