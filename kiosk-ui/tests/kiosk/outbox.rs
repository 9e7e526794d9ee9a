//! The kiosk's outbox against what servers and proxies really answer: a 401 after a token change
//! keeps the ratings, a proxy's HTML 502 page for one item does not hold back the others, a rating
//! given offline at 16:30 and delivered the next morning lands on the right ticket of the right
//! day, and what is delivered leaves the file.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kiosk_ui::api::Api;
use kiosk_ui::core::{Core, Outcome};
use kiosk_ui::flows::Effect;
use kiosk_ui::flows::rating::{PendingRating, RatingFlow};
use kiosk_ui::outbox::{Item, Outbox};
use queue_server::domain::ManualClock;
use serde_json::{Value, json};

use crate::proxy::Proxy;
use crate::{Server, db, until};

fn at(day: &str, hhmm: &str) -> jiff::Timestamp {
    let dt: jiff::civil::DateTime = format!("{day}T{hhmm}:00").parse().expect("datetime");
    dt.to_zoned(jiff::tz::TimeZone::get("Asia/Ho_Chi_Minh").expect("tz")).expect("zoned").timestamp()
}

async fn core(server: &str, dir: &std::path::Path, token: &str) -> Arc<Core> {
    let config = kiosk_ui::config::KioskConfig {
        server_url: server.to_string(),
        token: token.to_string(),
        request_timeout_seconds: 2.0,
        outbox: dir.join("outbox.db"),
        printer: kiosk_ui::config::PrinterConfig { pictures: None, ..Default::default() },
        ..Default::default()
    };
    let core = Core::start(config).await.expect("kiosk starts");
    core.spawn_background(&tokio::runtime::Handle::current());
    core
}

fn rows(db: &std::path::Path, sql: &str) -> Vec<(String, String, i64)> {
    let conn = rusqlite::Connection::open(db).expect("opens");
    let mut stmt = conn.prepare(sql).expect("prepares");
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).expect("reads").map(|r| r.expect("row")).collect()
}

/// Issues a Đất đai ticket and serves it at counter 1; its id.
async fn serve_one(server: &Server) -> String {
    let ticket = server.post("/api/v1/tickets", "demo-kiosk", Some(json!({ "service": "DD" }))).await;
    server.post("/api/v1/counters/1/open", "demo-counter", None).await;
    server.post("/api/v1/counters/1/next", "demo-counter", None).await;
    server.post("/api/v1/counters/1/done", "demo-counter", None).await;
    ticket["id"].as_str().expect("id").to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_401_after_a_token_change_keeps_the_ratings_until_the_token_is_right() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = Server::start("127.0.0.1:0".parse().expect("addr"), &db(dir.path())).await;
    let id = serve_one(&server).await;
    let wrong = core(&server.url(), dir.path(), "a-token-replaced-on-the-server").await;
    let pending = PendingRating {
        ticket: Some(id.clone()),
        number: 1001,
        day: None,
        given_at: None,
        score: 4,
        tags: vec![],
        idempotency_key: wrong.keys().next("r1001-"),
        receipt_code: None,
    };
    assert_eq!(wrong.run(Effect::Rate(pending)).await, Outcome::Rated { queued: true });
    let outbox = Outbox::open(&dir.path().join("outbox.db")).expect("opens");
    // The kiosk's health report, refused with the same 401, may be kept beside it.
    let waiting: Vec<_> =
        outbox.waiting().expect("reads").into_iter().filter(|(_, item)| matches!(item, Item::Rating(_))).collect();
    assert_eq!(waiting.len(), 1, "the 401 did not drop it");
    let note = outbox.note(waiting[0].0).expect("reads").unwrap_or_default();
    assert!(note.contains("401"), "{note}");
    drop(wrong);

    // The token is put right (the same outbox file, the next start): the rating arrives, once.
    let right = core(&server.url(), dir.path(), "demo-kiosk").await;
    let db = db(dir.path());
    until(Duration::from_secs(15), "the kept rating delivered", || {
        rows(&db, "SELECT ticket_id, day, score FROM ratings").len() == 1
    })
    .await;
    let day = format!("{}-{}-{}", &id[..4], &id[4..6], &id[6..8]);
    assert_eq!(rows(&db, "SELECT ticket_id, day, score FROM ratings"), vec![(id, day, 4)]);
    until(Duration::from_secs(5), "the outbox emptied", || outbox.rows().unwrap_or(-1) == 0).await;
    drop(right);
    server.stop().await;
}

/// A stand-in for a server behind a proxy that fails one request: the rating with key `poison`
/// always gets the proxy's HTML 502 page; others are recorded (201). Counts tries per key.
#[derive(Clone, Default)]
struct Flaky {
    tries: Arc<Mutex<HashMap<String, u32>>>,
}

async fn flaky_rate(State(flaky): State<Flaky>, body: axum::Json<Value>) -> Response {
    let key = body["idempotency_key"].as_str().unwrap_or_default().to_string();
    *flaky.tries.lock().expect("lock").entry(key.clone()).or_default() += 1;
    if key == "poison" {
        let page = "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>";
        return (StatusCode::BAD_GATEWAY, [("content-type", "text/html")], page).into_response();
    }
    let rating = motcua_protocol::api::Rating {
        id: 1,
        ticket: body["ticket"].as_str().map(String::from),
        counter: Some(1),
        receipt_code: None,
        score: 3,
        label: "Hài lòng".into(),
        tags: vec![],
        at: "2026-11-30T09:00:00+07:00".into(),
    };
    (StatusCode::CREATED, axum::Json(rating)).into_response()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_item_a_proxy_keeps_failing_does_not_hold_back_the_ones_behind_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let flaky = Flaky::default();
    let app = axum::Router::new().route("/api/v1/ratings", axum::routing::post(flaky_rate)).with_state(flaky.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("binds");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });

    let outbox = Outbox::open(&dir.path().join("outbox.db")).expect("opens");
    let rating = |key: &str| {
        Item::Rating(PendingRating {
            ticket: Some("20261130-DD-1001".into()),
            number: 1001,
            day: None,
            given_at: None,
            score: 3,
            tags: vec![],
            idempotency_key: key.into(),
            receipt_code: None,
        })
    };
    for key in ["poison", "second", "third"] {
        outbox.push(&rating(key)).expect("stores");
    }
    let api = Api::new(&url, "demo-kiosk", Duration::from_secs(2));
    let round = outbox.deliver(&api).await;
    assert_eq!((round.delivered, round.waiting), (2, 1), "the two behind the failing one went through");
    let again = outbox.deliver(&api).await;
    assert_eq!((again.delivered, again.waiting), (0, 1));
    let tries = flaky.tries.lock().expect("lock").clone();
    assert_eq!(tries.get("poison"), Some(&1), "not tried again before its own back-off: {tries:?}");
    assert_eq!((tries.get("second"), tries.get("third")), (Some(&1), Some(&1)));
    let waiting = outbox.waiting().expect("reads");
    assert!(outbox.note(waiting[0].0).expect("reads").unwrap_or_default().contains("502"));
    let due = outbox.next_due().await.expect("it still waits");
    assert!(due > Duration::from_secs(1) && due <= Duration::from_secs(3), "{due:?}");
    assert_eq!(outbox.rows().expect("counts"), 1, "the delivered ones left the file");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rating_kept_offline_at_1630_lands_on_that_days_ticket_the_next_morning() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = ManualClock::new(at("2026-11-23", "16:00"));
    let server =
        Server::start_with("127.0.0.1:0".parse().expect("addr"), &db(dir.path()), Arc::new(clock.clone())).await;
    let monday = serve_one(&server).await;
    assert_eq!(monday, "20261123-DD-1001");
    let proxy = Proxy::start(server.addr).await;
    let kiosk = core(&proxy.url(), dir.path(), "demo-kiosk").await;
    let online = kiosk.online();
    until(Duration::from_secs(10), "the kiosk online", || *online.borrow() && kiosk.service_day().is_some()).await;
    clock.set(at("2026-11-23", "16:30"));
    let knows_1630 = || kiosk.now() >= at("2026-11-23", "16:30");
    until(Duration::from_secs(10), "the kiosk hearing the server's 16:30", knows_1630).await;

    // The network goes; a citizen rates ticket 1001 by its number.
    proxy.set_upstream(None);
    let mut flow = RatingFlow::new(kiosk.keys(), &[]);
    flow.value = "1001".into();
    let find = flow.submit_number();
    let Outcome::Found(answer) = kiosk.run(find).await else { panic!("a lookup") };
    assert!(answer.is_err(), "offline");
    flow.found(answer);
    let rate = flow.choose(4, 4);
    assert_eq!(kiosk.run(rate).await, Outcome::Rated { queued: true });

    // The next morning another 1001 is issued and served; then the network comes back.
    clock.set(at("2026-11-24", "08:00"));
    let tuesday = serve_one(&server).await;
    assert_eq!(tuesday, "20261124-DD-1001");
    proxy.set_upstream(Some(server.addr));
    let db = db(dir.path());
    until(Duration::from_secs(20), "the kept rating delivered", || {
        !rows(&db, "SELECT ticket_id, day, at_ms FROM ratings").is_empty()
    })
    .await;
    let ratings = rows(&db, "SELECT ticket_id, day, at_ms FROM ratings");
    assert_eq!(ratings.len(), 1);
    let (ticket, day, at_ms) = ratings[0].clone();
    assert_eq!((ticket, day), (monday.clone(), "2026-11-23".to_string()), "Monday's 1001 on Monday, not Tuesday's");
    // Given at 16:30 by the server's clock as the kiosk kept it (plus the moments the test took).
    let given = at("2026-11-23", "16:30").as_millisecond();
    assert!((given..given + 30_000).contains(&at_ms), "given at {at_ms}, not 16:30 ({given})");
    let rated = rows(&db, "SELECT id, CAST(rated AS TEXT), rated FROM tickets WHERE number = 1001 ORDER BY id");
    assert_eq!(rated.iter().map(|r| r.2).collect::<Vec<_>>(), vec![1, 0], "only Monday's ticket is rated");
    let outbox = Outbox::open(&dir.path().join("outbox.db")).expect("opens");
    until(Duration::from_secs(5), "the outbox emptied", || outbox.rows().unwrap_or(-1) == 0).await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kiosk_started_while_the_server_is_away_keeps_the_centres_rating_scale() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = Server::start("127.0.0.1:0".parse().expect("addr"), &db(dir.path())).await;
    let url = server.url();
    let first = core(&url, dir.path(), "demo-kiosk").await;
    // The demo centre rates on 4 levels.
    assert_eq!(first.centre().rating_levels.len(), 4);
    drop(first);
    server.stop().await;
    // Restarted with the server away (a power cut in the morning): the same 4 levels, so a
    // "Rất hài lòng" given now is level 4, not the 3 of a scale the kiosk made up.
    let again = core(&url, dir.path(), "demo-kiosk").await;
    assert_eq!(again.centre().rating_levels, vec!["Không hài lòng", "Chấp nhận được", "Hài lòng", "Rất hài lòng"]);
    // A kiosk that never heard from its server uses the one-stop 3-level scale.
    let fresh = tempfile::tempdir().expect("tempdir");
    let never = core(&url, fresh.path(), "demo-kiosk").await;
    assert_eq!(never.centre().rating_levels.len(), 3);
}
