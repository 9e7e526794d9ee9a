//! What anyone on the citizens' network can send, played at a bounded size: each costs the server
//! a bounded amount and leaves staff and kiosks served.

use std::time::Duration;

use queue_server::config::{Config, StreamLimits};

use crate::helpers::{KIOSK, SseClient, phone, spawn, spawn_demo, status_json};

#[tokio::test]
async fn the_dossier_api_is_limited_like_the_lookup_page_for_anyone_without_a_valid_token() {
    let mut config = Config::demo();
    config.public_rate_per_minute = 5;
    let app = spawn(config, None, None).await;
    // Sequential receipt codes, as someone enumerating dossiers would try them.
    let code = |i: u32| format!("/api/v1/dossiers/H56.22-261027-{i:04}");
    let (mut limited, started) = (0, std::time::Instant::now());
    for i in 1..=150 {
        let (status, body) = app.get(&code(i)).await;
        if status == 429 {
            assert_eq!(body["code"], "rate_limited");
            limited += 1;
        }
    }
    // 5 at once, then one more every 12 s the loop may have lasted.
    let refilled = (started.elapsed().as_secs() / 12) as usize;
    assert!((145 - refilled..=145).contains(&limited), "5 a minute, then 429 like /lookup: {limited}");
    let page = app.client.get(app.url("/lookup?code=H56.22-261027-0007")).send().await.expect("answers");
    assert_eq!(page.status().as_u16(), 429, "the page and the API share the client's budget");
    for path in ["/api/v1/tickets/20261123-DD-1001", "/api/v1/tickets/by-number/1001", "/api/v1/procedures?q=dat"] {
        assert_eq!(app.get(path).await.0, 429, "{path}");
    }
    // A made-up token does not lift the limit; the kiosk's real one does.
    let guessed = app.client.get(app.url(&code(7))).bearer_auth("doan-ma").send().await.expect("answers");
    assert_eq!(guessed.status().as_u16(), 429);
    for i in 1..=20 {
        let (status, _) = app.get_as(&code(i), KIOSK).await;
        assert!(status == 200 || status == 404, "the kiosk looks up citizen after citizen: {status}");
    }
    app.stop().await;
}

#[tokio::test]
async fn a_reconnect_from_further_back_than_the_window_gets_a_snapshot_not_the_whole_ring() {
    let app = spawn_demo().await;
    let mut early = SseClient::connect(&app, "", None).await;
    let opened = early.next(Duration::from_secs(5)).await.expect("the snapshot");
    let (old_id, _) = (opened.id.clone().expect("an id"), drop(early));
    // A busy morning: well over 256 events (each ticket is an issue event and new figures).
    for i in 0..160 {
        app.issue(["DD", "XD", "TP", "CA"][i % 4]).await;
    }
    let mut replayed = SseClient::connect(&app, "", Some(&old_id)).await;
    let first = replayed.next(Duration::from_secs(5)).await.expect("an event");
    assert_eq!(first.event, "snapshot", "from {old_id}: a snapshot, not hundreds of old events");

    // From a recent id: exactly what was missed.
    let recent = first.id.clone().expect("an id");
    drop(replayed);
    let ticket = app.issue("DD").await;
    let mut resumed = SseClient::connect(&app, "", Some(&recent)).await;
    let missed = resumed.next(Duration::from_secs(5)).await.expect("an event");
    assert_eq!((missed.event.as_str(), &missed.data["ticket"]["id"]), ("ticket_issued", &ticket["id"]));
    app.stop().await;
}

#[tokio::test]
async fn one_client_opens_only_its_share_of_live_streams() {
    let mut config = Config::demo();
    config.streams = StreamLimits { per_client: 3, total: 2000 };
    let app = spawn(config, None, None).await;
    let phone =
        reqwest::Client::builder().local_address(Some("127.0.0.77".parse().expect("ip"))).build().expect("client");
    let open = |path: &str| phone.get(app.url(path)).send();
    let ticket = app.issue("DD").await;
    let follow = format!("/api/v1/tickets/{}/live", ticket["id"].as_str().expect("id"));
    let mut held = Vec::new();
    for path in ["/api/v1/events", "/api/v1/events?topics=calls", follow.as_str()] {
        let response = open(path).await.expect("answers");
        assert_eq!(response.status().as_u16(), 200, "{path}");
        held.push(response);
    }
    let refused = status_json(open("/api/v1/events").await.expect("answers")).await;
    assert_eq!((refused.0, refused.1["code"].as_str()), (429, Some("too_many_streams")), "the fourth: {refused:?}");
    let (status, _) = status_json(open(&follow).await.expect("answers")).await;
    assert_eq!(status, 429);
    // Another device is not held back by this one.
    let board = SseClient::connect(&app, "?topics=calls", None).await;
    drop(board);
    // A stream closed by the client gives its place back.
    drop(held.pop());
    let started = std::time::Instant::now();
    loop {
        let response = open("/api/v1/events").await.expect("answers");
        if response.status().as_u16() == 200 {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "the closed stream's place never came back");
        tokio::task::yield_now().await;
    }
    drop(held);
    app.stop().await;
}

/// Reads until the server closes the connection; what it sent, or `None` when it was still open
/// at `within`.
async fn until_closed(stream: &mut tokio::net::TcpStream, within: Duration) -> Option<String> {
    use tokio::io::AsyncReadExt;
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return Some(String::from_utf8_lossy(&got).into_owned()),
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
            Err(_) => return None,
        }
    }
}

#[tokio::test]
async fn half_sent_requests_and_idle_sockets_are_closed_but_open_streams_are_not() {
    use tokio::io::AsyncWriteExt;
    let mut config = Config::demo();
    config.connections.header_read_timeout_seconds = 1;
    let app = spawn(config, None, None).await;
    let mut half = tokio::net::TcpStream::connect(app.addr).await.expect("connects");
    half.write_all(b"GET /healthz HTTP/1.1\r\nHost: motcua\r\nUser-Agent: slow").await.expect("writes");
    let idle = tokio::net::TcpStream::connect(app.addr).await;
    let mut idle = idle.expect("connects");
    let mut stream = SseClient::connect(&app, "?topics=calls", None).await;
    let answered = until_closed(&mut half, Duration::from_secs(10)).await.expect("the half-sent request is closed");
    assert!(!answered.contains("200 OK"), "never served: {answered}");
    assert!(until_closed(&mut idle, Duration::from_secs(10)).await.is_some(), "the idle socket is closed");
    // The stream opened at the same time outlives the timeout: heartbeats keep coming.
    let beats = [stream.next_any(Duration::from_secs(5)).await, stream.next_any(Duration::from_secs(5)).await];
    assert!(beats.iter().all(|b| b.is_some()), "the open stream still delivers after the header timeout");
    assert_eq!(app.get("/healthz").await.0, 200);
    // A body begun and never finished (or trickled) is answered and closed after the same time.
    let mut trickle = tokio::net::TcpStream::connect(app.addr).await.expect("connects");
    let head = "POST /api/v1/appointments/holds HTTP/1.1\r\nHost: motcua\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"a";
    trickle.write_all(head.as_bytes()).await.expect("writes");
    let answered = until_closed(&mut trickle, Duration::from_secs(10)).await.expect("the unfinished body is closed");
    assert!(answered.starts_with("HTTP/1.1 408") && answered.contains("body_timeout"), "answered: {answered}");
    app.stop().await;
}

#[tokio::test]
async fn one_phone_holds_two_places_at_once_and_the_third_is_refused() {
    use serde_json::json;
    let app = crate::helpers::spawn_at(crate::helpers::monday("07:00")).await;
    let phone =
        reqwest::Client::builder().local_address(Some("127.0.0.91".parse().expect("ip"))).build().expect("client");
    let hold = |slot: &'static str| {
        let body = json!({ "service": "CA", "slot": format!("2026-11-23T{slot}:00+07:00") });
        phone.post(app.url("/api/v1/appointments/holds")).json(&body).send()
    };
    // Three at once, as a script would send them: two held, the third refused.
    let answers = futures_util::future::join_all([hold("09:00"), hold("09:15"), hold("09:30")]).await;
    let mut answers: Vec<(u16, serde_json::Value)> =
        futures_util::future::join_all(answers.into_iter().map(|a| status_json(a.expect("answers")))).await;
    answers.sort_by_key(|(status, _)| *status);
    assert_eq!(answers.iter().map(|(s, _)| *s).collect::<Vec<_>>(), [201, 201, 429], "{answers:?}");
    assert_eq!(answers[2].1["code"], "too_many_holds");
    // Another phone is not held back; confirming one hold frees a place.
    let (status, _) = app
        .post("/api/v1/appointments/holds", None, Some(json!({ "service": "CA", "slot": "2026-11-23T09:45:00+07:00" })))
        .await;
    assert_eq!(status, 201);
    let code = answers[0].1["code"].as_str().expect("code").to_string();
    let confirm = json!({ "name": "Lê Thị Hoa", "phone": "0912345678" });
    assert_eq!(app.post(&format!("/api/v1/appointments/{code}/confirm"), None, Some(confirm)).await.0, 200);
    assert_eq!(status_json(hold("10:00").await.expect("answers")).await.0, 201, "a place freed by the confirmation");
    let refused = hold("10:15").await.expect("answers");
    // Its first place comes free when the earliest hold lapses, ten minutes on the queue's clock.
    assert_eq!(refused.headers().get("retry-after").and_then(|v| v.to_str().ok()), Some("600"));
    let (status, refused) = status_json(refused).await;
    assert_eq!(status, 429);
    assert!(refused["message"].as_str().unwrap_or_default().contains("chờ khoảng 10 phút"), "{refused}");
    // Holds lapse on the queue's clock, and their places come back with them.
    app.clock.as_ref().expect("clock").advance(jiff::SignedDuration::from_mins(11));
    assert_eq!(status_json(hold("10:15").await.expect("answers")).await.0, 201, "lapsed holds count no more");
    app.stop().await;
}

#[tokio::test]
async fn many_phones_following_a_ticket_or_probing_health_cost_the_writer_one_read_per_change() {
    use std::sync::atomic::Ordering::Relaxed;
    let app = spawn_demo().await;
    let reads = || app.store.counters().reads.load(Relaxed);
    assert_eq!(app.counter(1, "open").await.0, 200);
    app.issue("DD").await;
    let ticket = app.issue("DD").await;
    let follow = format!("/api/v1/tickets/{}/live", ticket["id"].as_str().expect("id"));
    let before = reads();
    // 150 pages following the same ticket, ten from each of 15 phones.
    let mut pages = Vec::new();
    for n in 0..150u32 {
        let response = phone(n / 10).get(app.url(&follow)).send().await.expect("answers");
        assert_eq!(response.status().as_u16(), 200, "follower {n}");
        let mut page = SseClient::from_response(response);
        let first = page.next(Duration::from_secs(5)).await.expect("the ticket");
        assert_eq!((first.event.as_str(), first.data["position"].as_u64()), ("ticket", Some(1)), "one ahead");
        pages.push(page);
    }
    // The one ahead is called: every page learns it is next.
    assert_eq!(app.counter(1, "next").await.0, 200);
    for page in &mut pages {
        let moved = loop {
            let event = page.next(Duration::from_secs(10)).await.expect("an update");
            if event.event == "ticket" {
                break event;
            }
        };
        assert_eq!(moved.data["position"].as_u64(), Some(0), "{}", moved.data);
    }
    let followed = reads() - before;
    assert!(followed <= 10, "{followed} reads by the writer for 150 followers and one change (300 unshared)");
    // Fifty health probes at once reach the writer about once.
    let before = reads();
    let probes = (0..50u32).map(|n| phone(n).get(app.url("/healthz")).send());
    for answer in futures_util::future::join_all(probes).await {
        assert_eq!(answer.expect("answers").status().as_u16(), 200);
    }
    let probed = reads() - before;
    assert!(probed <= 2, "{probed} writer reads for 50 probes");
    app.stop().await;
}

#[tokio::test]
async fn made_up_tokens_cost_the_accounts_database_no_more_than_the_public_budget() {
    let app = spawn_demo().await;
    let phone = phone(9);
    let mut answers = Vec::new();
    for n in 0..80 {
        let sent = phone
            .post(app.url("/api/v1/tickets"))
            .bearer_auth(format!("doan-bua-{n}"))
            .json(&serde_json::json!({ "service": "DD" }))
            .send()
            .await
            .expect("answers");
        answers.push(status_json(sent).await);
    }
    let refused = answers.iter().filter(|(s, b)| *s == 401 && b["code"] == "invalid_token").count();
    let limited = answers.iter().filter(|(s, b)| *s == 429 && b["code"] == "rate_limited").count();
    assert_eq!((refused, limited), (60, 20), "60 looked up (the budget), then refused unread");
    // The kiosk's configured token is not held back.
    assert_eq!(app.issue("DD").await["number"], 1001);
    assert_eq!(app.post("/api/v1/tickets", Some(KIOSK), Some(serde_json::json!({ "service": "DD" }))).await.0, 201);
    app.stop().await;
}

#[tokio::test]
async fn made_up_session_cookies_cost_the_accounts_database_no_more_than_the_public_budget() {
    let app = spawn_demo().await;
    let phone = phone(11);
    let mut answers = Vec::new();
    for n in 0..80 {
        let sent = phone
            .get(app.url("/api/v1/staff/me"))
            .header("cookie", format!("motcua_session=doan-bua-{n}"))
            .send()
            .await
            .expect("answers");
        answers.push(status_json(sent).await);
    }
    let refused = answers.iter().filter(|(s, _)| *s == 401).count();
    let limited = answers.iter().filter(|(s, b)| *s == 429 && b["code"] == "rate_limited").count();
    assert_eq!((refused, limited), (60, 20), "60 looked up (the budget), then refused unread");
    // A page asked with a made-up cookie past the budget gets the page saying so.
    let page =
        phone.get(app.url("/counter")).header("cookie", "motcua_session=doan-bua").send().await.expect("answers");
    assert_eq!(page.status().as_u16(), 429);
    // An officer's real session is not charged: far more requests than the public budget pass.
    let officer = crate::staff::sign_in(&app, "canbo1", "demo-canbo1").await;
    for n in 0..100 {
        assert_eq!(officer.get(&app, "/api/v1/staff/me").await.0, 200, "request {n}");
    }
    app.stop().await;
}

#[tokio::test]
async fn many_phones_reading_the_booking_pages_cost_the_writer_one_computation_per_change_and_minute() {
    use std::sync::atomic::Ordering::Relaxed;
    let clock = queue_server::domain::ManualClock::new(crate::helpers::monday("07:00"));
    let app = spawn(Config::demo(), Some(clock.clone()), None).await;
    let reads = || app.store.counters().reads.load(Relaxed);
    let read_all = |n: u32| {
        let app = &app;
        async move {
            let pages = (0..n).map(|i| {
                let path = if i % 2 == 0 {
                    "/api/v1/appointments/services"
                } else {
                    "/api/v1/appointments/slots?service=CA&date=2026-11-23"
                };
                phone(i).get(app.url(path)).send()
            });
            for answer in futures_util::future::join_all(pages).await {
                assert_eq!(answer.expect("answers").status().as_u16(), 200);
            }
        }
    };
    let before = reads();
    read_all(60).await;
    assert_eq!(reads() - before, 2, "60 phones, two pages: two computations");
    // A hold changes what is left: the next readers see it, computed once more.
    let (status, _) = app
        .post(
            "/api/v1/appointments/holds",
            None,
            Some(serde_json::json!({ "service": "CA", "slot": "2026-11-23T09:00:00+07:00" })),
        )
        .await;
    assert_eq!(status, 201);
    let before = reads();
    let (_, slots) = app.get("/api/v1/appointments/slots?service=CA&date=2026-11-23").await;
    let nine = slots["slots"].as_array().expect("slots").iter().find(|s| s["time"] == "09:00").cloned().expect("09:00");
    assert_eq!(nine["left"], 2, "the held place is not offered: {nine}");
    read_all(60).await;
    assert_eq!(reads() - before, 2, "once more per page after the change");
    // A minute later what can be booked is computed again, without any change.
    clock.set(crate::helpers::monday("07:01"));
    let before = reads();
    read_all(20).await;
    assert_eq!(reads() - before, 2);
    app.stop().await;
}
