//! `queue-server backup` while the server takes tickets: the copy passes SQLite's integrity check
//! and holds every ticket acknowledged before the backup started.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::helpers::{KIOSK, spawn_demo};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_under_load_is_whole_and_holds_every_ticket_acknowledged_before_it() {
    let app = spawn_demo().await;
    let base = format!("http://{}", app.addr);
    let acked: Arc<Mutex<Vec<(Instant, String)>>> = Arc::default();
    let (stop, _) = tokio::sync::watch::channel(false);
    let mut clients = Vec::new();
    for client in 0..4usize {
        let (base, acked, mut stopped) = (base.clone(), acked.clone(), stop.subscribe());
        clients.push(tokio::spawn(async move {
            let http = reqwest::Client::new();
            let fields = ["DD", "XD", "TP", "KD", "LD", "GT", "CA", "TN"];
            let mut i = client;
            while !*stopped.borrow_and_update() {
                let r = http
                    .post(format!("{base}/api/v1/tickets"))
                    .bearer_auth(KIOSK)
                    .json(&serde_json::json!({ "service": fields[i % fields.len()] }))
                    .send()
                    .await
                    .expect("answers");
                i += 4;
                if r.status().as_u16() == 201 {
                    let body: serde_json::Value = r.json().await.expect("json");
                    let id = body["id"].as_str().expect("id").to_string();
                    acked.lock().expect("lock").push((Instant::now(), id));
                }
            }
        }));
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while acked.lock().expect("lock").len() < 120 {
        assert!(Instant::now() < deadline, "tickets are being issued");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let dest = dir.path().join("sao-luu.db");
    let started = Instant::now();
    let (db, to) = (app.db.clone(), dest.clone());
    let summary = tokio::task::spawn_blocking(move || queue_server::backup::backup(&db, &to))
        .await
        .expect("joins")
        .expect("backs up while serving");
    let _ = stop.send(true);
    for c in clients {
        c.await.expect("client");
    }
    assert!(summary.pages > 0 && summary.bytes > 0);
    let before: Vec<String> =
        acked.lock().expect("lock").iter().filter(|(at, _)| *at < started).map(|(_, id)| id.clone()).collect();
    assert!(before.len() >= 120);
    let copy = rusqlite::Connection::open(&dest).expect("opens the copy");
    let check: String = copy.query_row("PRAGMA integrity_check", [], |r| r.get(0)).expect("checks");
    assert_eq!(check, "ok");
    for id in &before {
        let n: i64 = copy.query_row("SELECT count(*) FROM tickets WHERE id = ?1", [id], |r| r.get(0)).expect("row");
        assert_eq!(n, 1, "{id} acknowledged before the backup is in it");
    }
    assert!(!dest.with_extension("db.partial").exists(), "no partial file left");
    // The command line says where it came from and that it checked.
    let mut out = Vec::new();
    let args: Vec<String> =
        ["backup", dest.to_str().expect("path"), "--db", app.db.to_str().expect("path")].map(String::from).to_vec();
    queue_server::backup::run(&args, &mut out).expect("runs");
    let said = String::from_utf8(out).expect("utf-8");
    assert!(said.contains("kiểm tra toàn vẹn: đạt"), "{said}");
    let e = queue_server::backup::run(&["backup".to_string(), "x.db".to_string()], &mut Vec::new()).expect_err("no db");
    assert!(e.to_string().contains("--db"), "{e}");
}
