//! The live stream: resume with Last-Event-ID, topic filters.

use std::time::Duration;

use crate::helpers::*;

const WAIT: Duration = Duration::from_secs(5);

#[tokio::test]
async fn a_reconnecting_client_gets_exactly_what_it_missed() {
    let app = spawn_demo().await;
    let mut first = SseClient::connect(&app, "", None).await;
    let snapshot = first.next(WAIT).await.expect("snapshot");
    let last_id = snapshot.id.clone().expect("snapshot has an id");
    drop(first);

    let a = app.issue("DD").await;
    let b = app.issue("XD").await;

    let mut again = SseClient::connect(&app, "", Some(&last_id)).await;
    let mut issued = Vec::new();
    while issued.len() < 2 {
        let event = again.next(WAIT).await.expect("missed events are replayed");
        assert_ne!(event.event, "snapshot", "a resumable client gets no snapshot");
        if event.event == "ticket_issued" {
            issued.push(event.data["ticket"]["id"].clone());
        }
    }
    assert_eq!(issued, vec![a["id"].clone(), b["id"].clone()]);

    let mut stale = SseClient::connect(&app, "", Some("some-other-start:12")).await;
    assert_eq!(stale.next(WAIT).await.map(|e| e.event), Some("snapshot".to_string()));
    app.stop().await;
}

#[tokio::test]
async fn a_topic_filter_delivers_only_its_events() {
    let app = spawn_demo().await;
    let mut calls = SseClient::connect(&app, "?topics=calls", None).await;
    assert_eq!(calls.next(WAIT).await.map(|e| e.event), Some("snapshot".to_string()), "snapshots always come");
    app.issue("DD").await;
    app.counter(1, "open").await;
    app.counter(1, "next").await;
    let next = calls.next(WAIT).await.expect("the call");
    assert_eq!(next.event, "ticket_called", "issue, counter and stats events are filtered out");
    app.counter(1, "recall").await;
    assert_eq!(calls.next(WAIT).await.map(|e| e.event), Some("ticket_recalled".to_string()));
    app.stop().await;
}

#[tokio::test]
async fn live_streams_end_when_the_server_stops() {
    let app = spawn_demo().await;
    let mut live = SseClient::connect(&app, "", None).await;
    live.next(WAIT).await.expect("snapshot");
    app.stop().await;
    assert!(live.next(WAIT).await.is_none(), "the stream closes instead of hanging");
}
