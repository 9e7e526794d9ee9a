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

#[tokio::test]
async fn a_full_writer_queue_answers_busy_at_once_and_every_queued_request_is_served_after() {
    use std::future::Future;
    let app = spawn_demo().await;
    assert_eq!(app.issue("DD").await["number"], 1001);
    // The writer is held inside a read (a stand-in for a disk that stalls)…
    let (release, held) = std::sync::mpsc::channel::<()>();
    let (entered, writer_held) = tokio::sync::oneshot::channel();
    let store = app.store.clone();
    let blocker = tokio::spawn(async move {
        store
            .read(move |_, _| {
                let _ = entered.send(());
                let _ = held.recv();
            })
            .await
    });
    writer_held.await.expect("the writer is held");
    // …while the queue in front of it fills up.
    let mut queued: Vec<_> =
        (0..queue_server::store::WRITER_QUEUE).map(|_| Box::pin(app.store.read(|queue, _| queue.day()))).collect();
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    for request in &mut queued {
        assert!(request.as_mut().poll(&mut cx).is_pending(), "queued, waiting for the writer");
    }
    let (status, body) = app.post("/api/v1/tickets", Some(KIOSK), Some(json!({ "service": "DD" }))).await;
    assert_eq!((status, body["code"].as_str()), (503, Some("server_busy")), "{body}");
    assert!(body["message"].as_str().is_some_and(|m| m.contains("thử lại")), "{body}");
    assert_eq!(app.get("/healthz").await.0, 503, "health says so too");

    release.send(()).expect("releases the writer");
    blocker.await.expect("joined").expect("the held read ends");
    for request in queued {
        request.await.expect("every queued request is served");
    }
    assert_eq!(app.issue("DD").await["number"], 1002, "the refused ticket used no number");
    app.stop().await;
}
