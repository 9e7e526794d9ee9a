//! Crash safety: the server process is killed (SIGKILL) while many clients issue tickets. After a
//! restart every acknowledged ticket is there, numbers per service and day are unique and gapless,
//! and SQLite's integrity check passes.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::*;

/// Starts the real binary on a free port and returns it with its base URL.
fn start_server(db: &Path) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_queue-server"))
        .args(["--demo", "--listen", "127.0.0.1:0", "--db"])
        .arg(db)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("server starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let base = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|line| line.split_once("đang chạy tại ").map(|(_, url)| url.trim().to_string()))
        .expect("the banner names the address");
    // Keep draining stdout so the server never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    (child, base)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_tickets_survive_sigkill_and_numbers_stay_gapless() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("crash.db");
    let (mut server, base) = start_server(&db);
    // A second server on the same database (a manual run beside the service) is refused at start:
    // it would number tickets on its own copy of the day.
    let second = Command::new(env!("CARGO_BIN_EXE_queue-server"))
        .args(["--demo", "--listen", "127.0.0.1:0", "--db"])
        .arg(&db)
        .output()
        .expect("runs");
    let said = String::from_utf8_lossy(&second.stderr);
    assert!(!second.status.success(), "a second server started: {said}");
    assert!(said.contains("đang được một máy chủ khác dùng"), "{said}");
    // A server whose port is taken says so, and leaves no new database behind.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let other = dir.path().join("other.db");
    let refused = Command::new(env!("CARGO_BIN_EXE_queue-server"))
        .args(["--demo", "--listen", &taken.local_addr().expect("addr").to_string(), "--db"])
        .arg(&other)
        .output()
        .expect("runs");
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success() && said.contains("cổng đang được một chương trình khác dùng"), "{said}");
    assert!(!other.exists(), "a database was made for a server that could not start");

    let acknowledged: Arc<Mutex<Vec<Value>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let enough = Arc::new(tokio::sync::Notify::new());
    let client = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().expect("client");
    let mut workers = Vec::new();
    for w in 0..16 {
        let (client, base, acknowledged, stop, enough) =
            (client.clone(), base.clone(), acknowledged.clone(), stop.clone(), enough.clone());
        workers.push(tokio::spawn(async move {
            let services = ["CA", "TP", "GT", "KD"];
            let mut i = w;
            while !stop.load(Ordering::Relaxed) {
                let body = json!({ "service": services[i % services.len()] });
                i += 1;
                let Ok(response) =
                    client.post(format!("{base}/api/v1/tickets")).bearer_auth(KIOSK).json(&body).send().await
                else {
                    break;
                };
                if response.status().as_u16() != 201 {
                    continue;
                }
                if let Ok(ticket) = response.json::<Value>().await {
                    let mut acked = acknowledged.lock().expect("lock");
                    acked.push(ticket);
                    if acked.len() == 250 {
                        enough.notify_one();
                    }
                }
            }
        }));
    }
    tokio::time::timeout(Duration::from_secs(60), enough.notified())
        .await
        .expect("250 tickets acknowledged within a minute");
    server.kill().expect("SIGKILL");
    server.wait().expect("reaped");
    stop.store(true, Ordering::Relaxed);
    for worker in workers {
        worker.await.expect("worker ends");
    }
    let acknowledged = acknowledged.lock().expect("lock").clone();

    let (mut restarted, base) = start_server(&db);
    for ticket in &acknowledged {
        let id = ticket["id"].as_str().expect("id");
        // As the kiosk reads them (an anonymous client has a budget of 60 a minute).
        let response =
            client.get(format!("{base}/api/v1/tickets/{id}")).bearer_auth("demo-kiosk").send().await.expect("answers");
        assert_eq!(response.status().as_u16(), 200, "acknowledged ticket {id} lost");
        let stored: Value = response.json().await.expect("json");
        assert_eq!((&stored["number"], &stored["service"]), (&ticket["number"], &ticket["service"]));
    }

    let conn = rusqlite::Connection::open(&db).expect("opens");
    let check: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).expect("checks");
    assert_eq!(check, "ok");
    let mut stmt = conn
        .prepare("SELECT day, issued_service, number FROM tickets ORDER BY day, issued_service, number")
        .expect("query");
    let rows: Vec<(String, String, u32)> =
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).expect("rows").map(|r| r.expect("row")).collect();
    assert!(rows.len() >= acknowledged.len());
    let first = |service: &str| match service {
        "CA" => 4001,
        "TP" => 2001,
        "GT" => 3501,
        "KD" => 2501,
        other => panic!("unexpected service {other}"),
    };
    let mut expected: Option<(String, String, u32)> = None;
    for (day, service, number) in rows {
        let want = match &expected {
            Some((d, s, n)) if *d == day && *s == service => n + 1,
            _ => first(&service),
        };
        assert_eq!(number, want, "gap or duplicate in {service} on {day}");
        expected = Some((day, service, number));
    }
    let events: i64 =
        conn.query_row("SELECT count(*) FROM events WHERE kind = 'ticket_issued'", [], |r| r.get(0)).expect("count");
    let tickets: i64 = conn.query_row("SELECT count(*) FROM tickets", [], |r| r.get(0)).expect("count");
    assert_eq!(events, tickets, "every ticket row has its event");

    let next: Value = client
        .post(format!("{base}/api/v1/tickets"))
        .bearer_auth(KIOSK)
        .json(&json!({ "service": "GT" }))
        .send()
        .await
        .expect("answers")
        .json()
        .await
        .expect("json");
    let max_gt: u32 =
        conn.query_row("SELECT max(number) FROM tickets WHERE issued_service = 'GT'", [], |r| r.get(0)).expect("max");
    assert_eq!(
        next["number"].as_u64(),
        Some(u64::from(max_gt)),
        "numbering continues right after the last committed ticket"
    );
    restarted.kill().expect("stops");
    restarted.wait().expect("reaped");
}
