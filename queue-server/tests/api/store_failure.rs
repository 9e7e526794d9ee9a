//! Failure injection at the store: the database refuses writes. Nothing is half-written, the
//! client is told, and numbering continues without a gap once the database is back.

use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn a_locked_database_answers_unavailable_and_loses_no_number() {
    let app = spawn_demo().await;
    assert_eq!(app.issue("DD").await["number"], 1001);
    let events_before = app.count("events");

    let blocker = rusqlite::Connection::open(&app.db).expect("opens");
    blocker.execute_batch("BEGIN EXCLUSIVE").expect("takes the write lock");
    let (status, body) = app.post("/api/v1/tickets", Some(KIOSK), Some(json!({ "service": "DD" }))).await;
    assert_eq!((status, body["code"].as_str()), (503, Some("store_unavailable")), "{body}");
    assert!(body["message"].as_str().is_some_and(|m| m.contains("thử lại")));
    blocker.execute_batch("COMMIT").expect("releases");
    drop(blocker);

    assert_eq!(app.count("events"), events_before, "the refused ticket left no event");
    let (_, services) = app.get("/api/v1/services").await;
    assert_eq!(services["services"][0]["waiting"], 1, "the live state did not count it either");
    assert_eq!(app.issue("DD").await["number"], 1002, "no gap: the failed ticket used no number");
    app.stop().await;
}
