//! The hub on a real PostgreSQL (started here with initdb and postgres), fed with events from real
//! centre SQLite logs: bad batches refused whole, batches sent again taken once, a log edited behind
//! a centre's back flagged at the right event, two hub processes on one database.

mod common;

use std::path::Path;

use common::{RunningHub, held};

use province_hub::db;
use province_hub::pg::LocalCluster;
use queue_server::chain::{self, ChainEvent};
use queue_server::uplink::wire::{Ack, Batch, Refusal};
use rusqlite::Connection;
use serde_json::json;

async fn start_hub(url: &str) -> RunningHub {
    common::hub(url).await
}

/// A centre's SQLite log with the queue server's schema (the chain trigger included).
fn centre_log(dir: &Path, name: &str) -> Connection {
    let mut conn = queue_server::store::schema::open(&dir.join(name)).expect("opens");
    queue_server::store::schema::migrate(&mut conn).expect("migrates");
    conn
}

fn write_events(conn: &Connection, n: usize, day: &str) {
    for i in 0..n {
        let (kind, payload) = if i % 5 == 4 {
            ("rating_given", json!({"kind": "rating_given", "rating": {"id": i, "score": 3}}).to_string())
        } else {
            (
                "ticket_issued",
                json!({"kind": "ticket_issued", "ticket": {"id": format!("T{i}"), "day": day}}).to_string(),
            )
        };
        conn.execute(
            "INSERT INTO events (at_ms, day, kind, ticket_id, service, payload) VALUES (?1, ?2, ?3, ?4, 'DD', ?5)",
            rusqlite::params![1_764_560_000_000_i64 + i as i64 * 1000, day, kind, format!("T{i}"), payload],
        )
        .expect("event");
    }
}

async fn send(base: &str, token: &str, batch: &serde_json::Value) -> (u16, serde_json::Value) {
    let response = reqwest::Client::new()
        .post(format!("{base}/api/v1/ingest"))
        .bearer_auth(token)
        .json(batch)
        .send()
        .await
        .expect("sends");
    let status = response.status().as_u16();
    (status, response.json().await.expect("json answer"))
}

fn batch(centre: &str, after: i64, events: &[ChainEvent]) -> serde_json::Value {
    serde_json::to_value(Batch {
        centre: centre.into(),
        after,
        events: events.to_vec(),
        backlog: 0,
        live: None,
        waits: None,
        profile: None,
    })
    .expect("json")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_batches_are_refused_whole_and_a_batch_sent_again_is_taken_once() {
    let cluster = LocalCluster::start(false).expect("postgres starts");
    let running = start_hub(&cluster.url()).await;
    let (base, hub) = (&running.base, &running.hub);
    let a = db::add_centre(&hub.pool, "000.01.01.H10", "Bộ phận Một cửa xã A", "").await.expect("centre a");
    let _b = db::add_centre(&hub.pool, "000.02.01.H10", "Bộ phận Một cửa xã B", "").await.expect("centre b");
    let dir = tempfile::tempdir().expect("tempdir");
    let log = centre_log(dir.path(), "a.db");
    write_events(&log, 30, "2026-12-01");
    let events = chain::read_after(&log, 0, 1000).expect("reads");

    // A wrong token.
    let (status, body) = send(base, "not-a-token", &batch("000.01.01.H10", 0, &events[..10])).await;
    assert_eq!((status, body["code"].as_str()), (401, Some("bad_token")));
    // Another centre's events with this centre's token.
    let (status, body) = send(base, &a, &batch("000.02.01.H10", 0, &events[..10])).await;
    assert_eq!((status, body["code"].as_str()), (403, Some("wrong_centre")));
    assert!(held(hub, "000.02.01.H10").await.is_empty() && held(hub, "000.01.01.H10").await.is_empty());

    // The first ten.
    let (status, body) = send(base, &a, &batch("000.01.01.H10", 0, &events[..10])).await;
    assert_eq!(status, 200, "{body}");
    let ack: Ack = serde_json::from_value(body).expect("ack");
    assert_eq!((ack.acked, ack.written, ack.chain_break), (10, 10, None));

    // A batch with a gap: the centre believes the hub has up to 15.
    let (status, body) = send(base, &a, &batch("000.01.01.H10", 15, &events[15..20])).await;
    let refusal: Refusal = serde_json::from_value(body).expect("refusal");
    assert_eq!((status, refusal.code.as_str(), refusal.hub_last_id), (409, "gap", Some(10)));
    assert!(refusal.message.contains("gửi lại từ số 11"), "{}", refusal.message);

    // Malformed events anywhere in a batch: nothing of it is written, the event is named.
    for (what, change) in [
        ("day", json!({"day": "01/12/2026"})),
        ("payload", json!({"payload": "{not json"})),
        ("hash", json!({"hash": "XYZ"})),
        ("kind", json!({"kind": "Ticket Issued!"})),
        ("type", json!({"at_ms": "yesterday"})),
    ] {
        let mut b = batch("000.01.01.H10", 10, &events[10..20]);
        let target = &mut b["events"][4];
        for (k, v) in change.as_object().expect("object") {
            target[k] = v.clone();
        }
        let (status, body) = send(base, &a, &b).await;
        assert_eq!((status, body["code"].as_str()), (422, Some("malformed_event")), "{what}: {body}");
        assert_eq!(body["event_id"], 15, "{what}: names the event");
        assert!(body["message"].as_str().is_some_and(|m| m.contains("15")), "{what}: {body}");
        assert_eq!(held(hub, "000.01.01.H10").await.len(), 10, "{what}: nothing written");
    }
    // Out of order inside a batch.
    let mut shuffled = events[10..20].to_vec();
    shuffled.swap(2, 3);
    let (status, body) = send(base, &a, &batch("000.01.01.H10", 10, &shuffled)).await;
    assert_eq!((status, body["code"].as_str()), (422, Some("out_of_order")));
    assert_eq!(held(hub, "000.01.01.H10").await.len(), 10);
    // Not JSON at all.
    let response = reqwest::Client::new()
        .post(format!("{base}/api/v1/ingest"))
        .bearer_auth(&a)
        .body("{\"centre\": ")
        .send()
        .await
        .expect("sends");
    assert_eq!(response.status().as_u16(), 400);

    // The rest, then the same batch again (its answer lost on the way): taken once.
    let rest = batch("000.01.01.H10", 10, &events[10..]);
    let (status, first) = send(base, &a, &rest).await;
    assert_eq!((status, first["acked"].as_i64(), first["written"].as_u64()), (200, Some(30), Some(20)));
    let (status, again) = send(base, &a, &rest).await;
    assert_eq!((status, again["acked"].as_i64(), again["written"].as_u64()), (200, Some(30), Some(0)));
    let stored = held(hub, "000.01.01.H10").await;
    let expected: Vec<(i64, String)> = events.iter().map(|e| (e.id, e.hash.clone())).collect();
    assert_eq!(stored, expected, "every event once, in order, as the centre wrote it");
    assert!(held(hub, "000.02.01.H10").await.is_empty());

    // The centre restored from an older backup writes other events under ids the hub holds: refused,
    // naming the first, rather than acknowledged past the centre's new events.
    let restored = centre_log(dir.path(), "restored.db");
    write_events(&restored, 12, "2026-12-02");
    let other = chain::read_after(&restored, 0, 100).expect("reads");
    let (status, body) = send(base, &a, &batch("000.01.01.H10", 0, &other)).await;
    assert_eq!((status, body["code"].as_str(), body["event_id"].as_i64()), (409, Some("diverged"), Some(1)), "{body}");
    assert_eq!(held(hub, "000.01.01.H10").await, expected, "nothing written");

    // A shipped event edited and sent again under its old hash: flagged, nothing rewritten.
    let mut edited = events[20..25].to_vec();
    edited[4].payload = edited[4].payload.replace("\"score\":3", "\"score\":1");
    assert_ne!(edited[4].payload, events[24].payload, "the test edits a rating");
    let (status, body) = send(base, &a, &batch("000.01.01.H10", 20, &edited)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["chain_break"]["id"], edited[4].id, "{body}");
    assert_eq!(held(hub, "000.01.01.H10").await, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rating_edited_behind_a_centres_back_is_flagged_at_that_event_and_the_other_centre_stays_clean() {
    let cluster = LocalCluster::start(false).expect("postgres starts");
    let running = start_hub(&cluster.url()).await;
    let (base, hub) = (&running.base, &running.hub);
    let viewer = db::add_viewer(&hub.pool, "Giám sát tỉnh", None).await.expect("viewer");
    let dir = tempfile::tempdir().expect("tempdir");
    let mut tokens = Vec::new();
    for (code, file) in [("000.01.01.H20", "a.db"), ("000.02.01.H20", "b.db")] {
        let token = db::add_centre(&hub.pool, code, code, "").await.expect("centre");
        let log = centre_log(dir.path(), file);
        write_events(&log, 40, "2026-12-01");
        tokens.push((code, token, log));
    }
    // Ship the first 20 of each.
    for (code, token, log) in &tokens {
        let events = chain::read_after(log, 0, 20).expect("reads");
        let (status, body) = send(base, token, &batch(code, 0, &events)).await;
        assert_eq!(status, 200, "{body}");
    }
    // At centre A someone changes a rating event not yet shipped, with a plain SQLite connection
    // (the whole centre, with its ratings table, in `province.rs`).
    let (_, _, log_a) = &tokens[0];
    let edited: i64 = log_a
        .query_row("SELECT min(id) FROM events WHERE kind = 'rating_given' AND id > 20", [], |r| r.get(0))
        .expect("a rating event");
    let plain = Connection::open(dir.path().join("a.db")).expect("plain connection");
    plain
        .execute("UPDATE events SET payload = json_set(payload, '$.rating.score', 1) WHERE id = ?1", [edited])
        .expect("edits");
    for (code, token, log) in &tokens {
        let events = chain::read_after(log, 20, 100).expect("reads");
        let (status, body) = send(base, token, &batch(code, 20, &events)).await;
        assert_eq!(status, 200, "{body}");
        let ack: Ack = serde_json::from_value(body).expect("ack");
        assert_eq!(ack.acked, 40, "the events are kept");
    }
    let view: serde_json::Value = reqwest::Client::new()
        .get(format!("{base}/api/v1/province/centres"))
        .bearer_auth(&viewer)
        .send()
        .await
        .expect("sends")
        .json()
        .await
        .expect("json");
    let centres = view["centres"].as_array().expect("centres");
    let a = centres.iter().find(|c| c["code"] == "000.01.01.H20").expect("A listed");
    let b = centres.iter().find(|c| c["code"] == "000.02.01.H20").expect("B listed");
    assert_eq!(a["chain"]["event_id"], edited, "{a}");
    assert_eq!(a["chain"]["kind"], "edited");
    assert!(a["chain"]["message"].as_str().is_some_and(|m| m.contains(&edited.to_string())));
    assert_eq!(a["trouble"], "critical");
    assert_eq!(centres[0]["code"], "000.01.01.H20", "the troubled centre first");
    assert!(b["chain"].is_null(), "{b}");

    // The province's metrics say the same, for a province-wide viewer only.
    let scrape = |token: Option<String>| {
        let mut request = reqwest::Client::new().get(format!("{base}/metrics"));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send()
    };
    assert_eq!(scrape(None).await.expect("answers").status(), 401);
    let one_centre = db::add_viewer(&hub.pool, "Giám sát xã", Some("000.02.01.H20")).await.expect("viewer");
    assert_eq!(scrape(Some(one_centre)).await.expect("answers").status(), 403);
    let text = scrape(Some(viewer.clone())).await.expect("answers").text().await.expect("text");
    let s = prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_string()))).expect("a Prometheus scrape");
    let value = |name: &str, labels: &[(&str, &str)]| {
        s.samples.iter().find(|x| x.metric == name && labels.iter().all(|(k, v)| x.labels.get(k) == Some(*v))).map(
            |x| match &x.value {
                prometheus_parse::Value::Counter(v)
                | prometheus_parse::Value::Gauge(v)
                | prometheus_parse::Value::Untyped(v) => *v,
                prometheus_parse::Value::Histogram(b) => b.last().map_or(0.0, |b| b.count),
                prometheus_parse::Value::Summary(_) => f64::NAN,
            },
        )
    };
    for code in ["000.01.01.H20", "000.02.01.H20"] {
        assert_eq!(value("motcua_hub_events_received_total", &[("centre", code)]), Some(40.0), "{text}");
    }
    assert_eq!(value("motcua_hub_centre_chain_broken", &[("centre", "000.01.01.H20")]), Some(1.0));
    assert_eq!(value("motcua_hub_centre_chain_broken", &[("centre", "000.02.01.H20")]), Some(0.0));
    assert_eq!(value("motcua_hub_batch_events", &[]), Some(4.0), "four accepted batches");
    let ingests = [("route", "/api/v1/ingest"), ("method", "POST"), ("status", "200")];
    assert_eq!(value("motcua_http_request_duration_seconds", &ingests), Some(4.0));
    assert_eq!(value("motcua_hub_public_streams", &[]), Some(0.0));

    // A hub process reached over https (behind nginx): HSTS on its answers, the sign-in cookie
    // Secure; the plain one above sets neither.
    let config = province_hub::Config {
        public_url: Some("https://hub.example.gov.vn".into()),
        ..province_hub::Config::for_database(cluster.url())
    };
    let https = province_hub::connect(&config).await.expect("connects");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("binds");
    let https_base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(province_hub::run(listener, https, std::future::pending()));
    let no_redirect = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    for (base, secure) in [(&https_base, true), (base, false)] {
        let signed = no_redirect
            .post(format!("{base}/province/sign-in"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("token={viewer}"))
            .send()
            .await
            .expect("signs in");
        assert_eq!(signed.status(), 303);
        let cookie = signed.headers()["set-cookie"].to_str().expect("ascii");
        assert_eq!(cookie.contains("; Secure"), secure, "{cookie}");
        assert_eq!(signed.headers().contains_key("strict-transport-security"), secure);
    }

    // Deleting an event (at B, after the hub took 40) breaks the chain at the event after it.
    let (code_b, token_b, log_b) = &tokens[1];
    write_events(log_b, 5, "2026-12-01");
    Connection::open(dir.path().join("b.db"))
        .expect("plain")
        .execute("DELETE FROM events WHERE id = 42", [])
        .expect("deletes");
    let events = chain::read_after(log_b, 40, 100).expect("reads");
    let (status, body) = send(base, token_b, &batch(code_b, 40, &events)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["chain_break"]["id"], 43, "{body}");
    assert_eq!(body["chain_break"]["kind"], "not_following");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hub_processes_on_one_database_take_every_event_once() {
    let cluster = LocalCluster::start(false).expect("postgres starts");
    let one = start_hub(&cluster.url()).await;
    let two = start_hub(&cluster.url()).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut jobs = Vec::new();
    for i in 0..6 {
        let code = format!("000.{i:02}.01.H30");
        let token = db::add_centre(&one.hub.pool, &code, &code, "").await.expect("centre");
        let log = centre_log(dir.path(), &format!("{i}.db"));
        write_events(&log, 300, "2026-12-01");
        let events = chain::read_after(&log, 0, 1000).expect("reads");
        // Centres split between the two processes; each batch also sent to the other process once
        // (a centre switching over after a lost answer).
        let (mine, other) =
            if i % 2 == 0 { (one.base.clone(), two.base.clone()) } else { (two.base.clone(), one.base.clone()) };
        jobs.push(tokio::spawn(async move {
            let mut after = 0;
            for chunk in events.chunks(50) {
                let b = batch(&code, after, chunk);
                let (s1, r1) = send(&mine, &token, &b).await;
                let (s2, r2) = send(&other, &token, &b).await;
                assert_eq!((s1, s2), (200, 200), "{r1} {r2}");
                after = chunk.last().map_or(after, |e| e.id);
            }
            (code, events)
        }));
    }
    for job in jobs {
        let (code, events) = job.await.expect("centre done");
        let stored = held(&one.hub, &code).await;
        let expected: Vec<(i64, String)> = events.iter().map(|e| (e.id, e.hash.clone())).collect();
        assert_eq!(stored.len(), 300, "{code}: no duplicate, no gap");
        assert_eq!(stored, expected, "{code}");
    }
    let client = one.hub.pool.get().await.expect("client");
    let breaks: i64 =
        client.query_one("SELECT count(*) FROM centres WHERE chain_break_id IS NOT NULL", &[]).await.expect("q").get(0);
    assert_eq!(breaks, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_registry_refuses_bad_codes_and_a_second_registration_and_replaces_and_clears() {
    let cluster = LocalCluster::start(false).expect("postgres starts");
    let running = start_hub(&cluster.url()).await;
    let (base, hub) = (&running.base, &running.hub);
    for (code, name) in
        [("", "Xã A"), ("xã Hòa An", "Xã A"), ("000.01'; DROP TABLE x;--", "Xã A"), ("000.01.01.H90", " ")]
    {
        let e = db::add_centre(&hub.pool, code, name, "").await.expect_err("refused");
        assert!(e.to_string().contains("mã đơn vị") || e.to_string().contains("tên"), "{code}: {e}");
    }
    let first =
        db::add_centre(&hub.pool, " 000.01.01.H90 ", "Bộ phận Một cửa xã A", "Xã A").await.expect("added, trimmed");
    let again = db::add_centre(&hub.pool, "000.01.01.H90", "Tên khác", "").await.expect_err("once");
    assert!(again.to_string().contains("replace-token"), "{again}");
    let e = db::add_viewer(&hub.pool, "X", Some("000.99.99.H90")).await.expect_err("no such centre");
    assert!(e.to_string().contains("000.99.99.H90"), "{e}");

    // A new token revokes the old one.
    let dir = tempfile::tempdir().expect("tempdir");
    let log = centre_log(dir.path(), "a.db");
    write_events(&log, 10, "2026-12-01");
    let events = chain::read_after(&log, 0, 100).expect("reads");
    let second = db::replace_token(&hub.pool, "000.01.01.H90").await.expect("replaced");
    let (status, _) = send(base, &first, &batch("000.01.01.H90", 0, &events)).await;
    assert_eq!(status, 401, "the old token no longer works");
    // A lower-case scheme is still a bearer token.
    let r = reqwest::Client::new()
        .post(format!("{base}/api/v1/ingest"))
        .header("authorization", format!("bearer {second}"))
        .json(&batch("000.01.01.H90", 0, &events[..5]))
        .send()
        .await
        .expect("sends");
    assert_eq!(r.status().as_u16(), 200);

    // An edited event flagged, looked into, cleared with a note; the record stays.
    let mut edited = events[5..].to_vec();
    edited[0].payload = "{\"kind\":\"ticket_issued\"}".into();
    let (status, body) = send(base, &second, &batch("000.01.01.H90", 5, &edited)).await;
    assert_eq!((status, body["chain_break"]["id"].as_i64()), (200, Some(6)), "{body}");
    assert_eq!(
        db::clear_alert(&hub.pool, "000.01.01.H90", "Đã kiểm tra: cán bộ sửa nhầm").await.expect("cleared"),
        Some(6)
    );
    let client = hub.pool.get().await.expect("client");
    let row = client
        .query_one("SELECT chain_break_id, (SELECT note FROM chain_alerts_cleared WHERE centre = $1) FROM centres WHERE code = $1", &[&"000.01.01.H90"])
        .await
        .expect("row");
    assert_eq!(
        (row.get::<_, Option<i64>>(0), row.get::<_, Option<String>>(1).as_deref()),
        (None, Some("Đã kiểm tra: cán bộ sửa nhầm"))
    );
    assert!(db::clear_alert(&hub.pool, "000.01.01.H90", " ").await.is_err(), "a note is needed");

    // A report without a centre: a code and a Vietnamese message.
    let viewer = db::add_viewer(&hub.pool, "Tỉnh", None).await.expect("viewer");
    let r = reqwest::Client::new()
        .get(format!("{base}/api/v1/province/report?from=2026-12-01&to=2026-12-01"))
        .bearer_auth(&viewer)
        .send()
        .await
        .expect("sends");
    assert_eq!(r.status().as_u16(), 400);
    let body: serde_json::Value = r.json().await.expect("json");
    assert_eq!(body["code"], "bad_request");
    assert!(body.get("event_id").is_none(), "no empty fields: {body}");
    // Health answers while the database does.
    let health = reqwest::get(format!("{base}/healthz")).await.expect("health");
    assert_eq!(health.status().as_u16(), 200);
}
