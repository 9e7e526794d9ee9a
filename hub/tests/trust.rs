//! Trust between a centre and the province: a rating edited in a centre's SQLite file behind the
//! server's back is flagged at its event; a centre reinstalled under its old code is told its log
//! diverged, loses nothing, and ships its new log once the province archives the old one.

mod common;

use std::time::{Duration, Instant};

use common::{Centre, at, centre_in, held, hub, hub_on, province_view};
use province_hub::db;
use province_hub::pg::LocalCluster;
use queue_server::domain::ManualClock;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_rating_edited_in_a_centres_sqlite_file_is_flagged_at_its_event_and_the_other_centre_stays_clean() {
    let cluster = LocalCluster::start(false).expect("postgres starts");
    let pool = db::pool(&cluster.url(), 2).expect("pool");
    db::migrate(&pool).await.expect("migrates");
    let viewer = db::add_viewer(&pool, "Giám sát tỉnh", None).await.expect("viewer");
    // The hub is away while the day's ratings are given (a commune's line is down).
    let reserved = std::net::TcpListener::bind("127.0.0.1:0").expect("binds");
    let addr = reserved.local_addr().expect("addr");
    drop(reserved);
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = ManualClock::new(at("2026-11-23", "08:00"));
    let mut centres = Vec::new();
    for code in ["000.07.01.H70", "000.08.01.H70"] {
        let token = db::add_centre(&pool, code, code, "").await.expect("centre");
        let centre = Centre::start(dir.path(), &format!("http://{addr}"), code, &token, clock.clone()).await;
        assert_eq!(centre.counter(1, "open").await, 200);
        for score in [1, 3, 1, 2] {
            centre.issue("DD").await;
            let _ = centre.counter(1, "done").await;
            assert_eq!(centre.counter(1, "next").await, 200);
            let (status, body) =
                centre.post("/api/v1/ratings", "demo-kiosk", json!({ "score": score, "counter": 1 })).await;
            assert_eq!(status, 201, "{body}");
        }
        centres.push(centre);
    }
    // At the first centre someone turns the first "Không hài lòng" into "Rất hài lòng", in the
    // ratings table and in its event, with the sqlite3 tools (no chain function), behind the server.
    let a = &centres[0];
    let plain = rusqlite::Connection::open(&a.db).expect("plain connection");
    let (rating_id, event_id): (i64, i64) = plain
        .query_row(
            "SELECT r.id, e.id FROM ratings r JOIN events e ON e.kind = 'rating_given'
                 AND json_extract(e.payload, '$.rating.id') = r.id
             WHERE r.score = 1 ORDER BY r.id LIMIT 1",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .expect("a dissatisfied rating and its event");
    plain.execute("UPDATE ratings SET score = 3 WHERE id = ?1", [rating_id]).expect("edits the rating");
    plain
        .execute("UPDATE events SET payload = json_set(payload, '$.rating.score', 3) WHERE id = ?1", [event_id])
        .expect("edits its event");
    drop(plain);

    // The line comes back.
    let listener = tokio::net::TcpListener::bind(addr).await.expect("the hub's port");
    let hub = hub_on(&cluster.url(), listener).await;
    for c in &centres {
        c.wait_shipped(&hub.hub, Duration::from_secs(30)).await;
    }
    let view = province_view(&hub.base, &viewer).await;
    let flagged = centre_in(&view, &centres[0].code).expect("listed");
    assert_eq!(flagged["chain"]["event_id"], event_id, "{flagged}");
    assert_eq!(flagged["chain"]["kind"], "edited");
    assert_eq!(flagged["trouble"], "critical");
    assert_eq!(view["centres"][0]["code"], centres[0].code.as_str(), "the flagged centre first");
    let clean = centre_in(&view, &centres[1].code).expect("listed");
    assert!(clean["chain"].is_null(), "{clean}");
    // The centre's own supervisor page hears it too.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (_, uplink) = centres[0].get("/api/v1/supervisor/uplink", "demo-supervisor").await;
        if uplink["chain_break_id"] == event_id {
            break;
        }
        assert!(Instant::now() < deadline, "{uplink}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_centre_reinstalled_under_its_old_code_is_told_its_log_diverged_and_loses_nothing() {
    let cluster = LocalCluster::start(false).expect("postgres starts");
    let hub = hub(&cluster.url()).await;
    let code = "000.09.01.H80";
    let token = db::add_centre(&hub.hub.pool, code, code, "").await.expect("centre");
    let clock = ManualClock::new(at("2026-11-23", "08:00"));
    let first = tempfile::tempdir().expect("tempdir");
    let old = Centre::start(first.path(), &hub.base, code, &token, clock.clone()).await;
    for _ in 0..5 {
        old.issue("DD").await;
    }
    old.wait_shipped(&hub.hub, Duration::from_secs(30)).await;
    let shipped = held(&hub.hub, code).await;
    drop(old);
    // The machine is replaced: a fresh database, the same code and token.
    let second = tempfile::tempdir().expect("tempdir");
    let new = Centre::start(second.path(), &hub.base, code, &token, clock.clone()).await;
    new.issue("TP").await;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (_, uplink) = new.get("/api/v1/supervisor/uplink", "demo-supervisor").await;
        if uplink["error_code"] == "diverged" {
            assert!(uplink["error"].as_str().is_some_and(|e| e.contains("quản trị")), "{uplink}");
            assert!(uplink["backlog"].as_u64() > Some(0), "its events still wait: {uplink}");
            break;
        }
        assert!(Instant::now() < deadline, "not told: {uplink}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(held(&hub.hub, code).await, shipped, "the hub's copy untouched");
    let viewer = db::add_viewer(&hub.hub.pool, "Giám sát tỉnh", None).await.expect("viewer");
    let view = province_view(&hub.base, &viewer).await;
    let line = centre_in(&view, code).expect("listed");
    assert_eq!(line["trouble"], "critical", "{line}");
    assert_eq!(line["alerts"][0]["rule"], "log_diverged", "{line}");
    // The new centre keeps working; the province sets the old log aside and the new one arrives.
    new.issue("CA").await;
    let archived = db::archive_log(&hub.hub.pool, code).await.expect("archives");
    assert_eq!(archived, format!("{code}~1"));
    assert_eq!(held(&hub.hub, &archived).await, shipped, "the old log kept under {archived}");
    new.wait_shipped(&hub.hub, Duration::from_secs(30)).await;
    assert_eq!(held(&hub.hub, code).await, new.log(), "the new log, whole");
    let (_, uplink) = new.get("/api/v1/supervisor/uplink", "demo-supervisor").await;
    assert!(uplink["error_code"].is_null(), "{uplink}");
}
