//! The server goes away: the kiosk says so within 10 s, ratings wait in the outbox, and when the
//! server is back each arrives exactly once.

use std::time::Duration;

use kiosk_ui::core::Outcome;
use kiosk_ui::flows::Effect;
use kiosk_ui::flows::rating::RatingFlow;

use crate::{Server, db, kiosk, until};

fn ratings_of(db: &std::path::Path, ticket: &str) -> i64 {
    let conn = rusqlite::Connection::open(db).expect("opens");
    conn.query_row("SELECT count(*) FROM ratings WHERE ticket_id = ?1", [ticket], |r| r.get(0)).expect("counts")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ratings_given_offline_arrive_once_when_the_server_is_back() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = Server::start("127.0.0.1:0".parse().expect("addr"), &db(dir.path())).await;
    let addr = server.addr;
    let core = kiosk(&server.url(), dir.path(), 1.0).await;
    let online = core.online();
    until(Duration::from_secs(10), "the kiosk online", || *online.borrow()).await;

    // Two citizens are served before the outage.
    let mut served = Vec::new();
    server.post("/api/v1/counters/2/open", "demo-counter", None).await;
    for _ in 0..2 {
        let ticket = server.post("/api/v1/tickets", "demo-kiosk", Some(serde_json::json!({ "service": "DD" }))).await;
        server.post("/api/v1/counters/2/next", "demo-counter", None).await;
        server.post("/api/v1/counters/2/done", "demo-counter", None).await;
        served.push(ticket);
    }

    server.stop().await;
    let noticed = until(Duration::from_secs(10), "the offline banner", || !*online.borrow()).await;
    eprintln!("offline noticed after {noticed:?}");

    for (i, ticket) in served.iter().enumerate() {
        let mut flow = RatingFlow::new(core.keys(), &core.config().rating_tags);
        flow.value = ticket["number"].to_string();
        let find = flow.submit_number();
        assert!(matches!(find, Effect::FindNumber(_)));
        let Outcome::Found(answer) = core.run(find).await else { panic!("found") };
        flow.found(answer);
        let rate = flow.choose(if i == 0 { 4 } else { 1 }, 4);
        let rate = if rate == Effect::None {
            flow.toggle_tag(0);
            flow.send()
        } else {
            rate
        };
        assert_eq!(core.run(rate).await, Outcome::Rated { queued: true }, "kept in the outbox while offline");
    }

    let server = Server::start(addr, &db(dir.path())).await;
    let ids: Vec<String> = served.iter().map(|t| t["id"].as_str().expect("id").to_string()).collect();
    until(Duration::from_secs(15), "both ratings delivered", || {
        ids.iter().all(|id| ratings_of(&db(dir.path()), id) == 1)
    })
    .await;
    until(Duration::from_secs(10), "the kiosk back online", || *online.borrow()).await;

    // The kiosk marks each rating delivered once the server's answer is back; a further round, run
    // here beside the kiosk's own, may repeat a delivery, which the idempotency key makes harmless.
    let outbox = kiosk_ui::outbox::Outbox::open(&dir.path().join("outbox.db")).expect("opens");
    let no_rating_waiting =
        || outbox.waiting().expect("reads").iter().all(|(_, item)| !matches!(item, kiosk_ui::outbox::Item::Rating(_)));
    until(Duration::from_secs(10), "the outbox emptied of ratings", no_rating_waiting).await;
    outbox.deliver(&core.api).await;
    for id in &ids {
        assert_eq!(ratings_of(&db(dir.path()), id), 1, "{id} rated exactly once");
    }
    server.stop().await;
}
