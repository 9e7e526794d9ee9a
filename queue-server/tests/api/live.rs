//! The live stream: resume with Last-Event-ID, topic filters.

use std::time::Duration;

use crate::helpers::*;
use queue_server::Config;
use queue_server::domain::ManualClock;

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

#[tokio::test]
async fn every_stream_carries_the_centres_clock_as_heartbeats() {
    // 23:02:05 at the centre (16:02:05 UTC): what the board and the ticket page show, whatever the
    // zone or clock of the device that shows it.
    let at: jiff::civil::DateTime = "2026-11-30T23:02:05".parse().expect("datetime");
    let at = at.to_zoned(jiff::tz::TimeZone::get("Asia/Ho_Chi_Minh").expect("tz")).expect("zoned").timestamp();
    let app = spawn(Config::demo(), Some(ManualClock::new(at)), None).await;
    let mut live = SseClient::connect(&app, "", None).await;
    assert_eq!(live.next_any(WAIT).await.map(|e| e.event), Some("snapshot".to_string()));
    let beat = live.next_any(WAIT).await.expect("a heartbeat follows the snapshot at once");
    assert_eq!(beat.event, "heartbeat");
    assert_eq!(beat.id, None, "heartbeats are not part of the resumable history");
    assert_eq!(beat.data["now"], "2026-11-30T23:02:05+07:00");
    assert_eq!(beat.data["time"], "23:02:05");
    assert_eq!(beat.data["date_vi"], "Thứ Hai, 30/11/2026");
    let every = beat.data["every_seconds"].as_u64().expect("interval");
    let again = live.next_any(Duration::from_secs(every + 2)).await.expect("the next heartbeat");
    assert_eq!(again.event, "heartbeat", "a quiet stream still beats");

    // The ticket's own stream: the ticket, then the clock.
    let ticket = app.issue("DD").await;
    let path = format!("/api/v1/tickets/{}/live", ticket["id"].as_str().expect("id"));
    let mut follow = SseClient::from_response(app.client.get(app.url(&path)).send().await.expect("opens"));
    assert_eq!(follow.next_any(WAIT).await.map(|e| e.event), Some("ticket".to_string()));
    let beat = follow.next_any(WAIT).await.expect("heartbeat");
    assert_eq!((beat.event.as_str(), beat.data["time"].as_str()), ("heartbeat", Some("23:02:05")));
    app.stop().await;
}
