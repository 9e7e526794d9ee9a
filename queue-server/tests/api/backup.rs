//! `queue-server backup` while the server takes tickets: the copy passes SQLite's integrity check
//! and holds every ticket acknowledged before the backup started.

use std::path::PathBuf;
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
    // An administrator in the database's folder types the database's own name, or its journal's:
    // refused, and the server's file is untouched.
    let before = std::fs::metadata(&app.db).expect("db").len();
    let same = app.db.parent().expect("folder").join(".").join(app.db.file_name().expect("name"));
    for target in [app.db.clone(), same, PathBuf::from(format!("{}-wal", app.db.display()))] {
        let e = queue_server::backup::backup(&app.db, &target).expect_err("the live database");
        assert!(e.to_string().contains("chính là cơ sở dữ liệu đang dùng"), "{e}");
    }
    assert_eq!(std::fs::metadata(&app.db).expect("db").len(), before);
    let (_, ticket) = app.post("/api/v1/tickets", Some(KIOSK), Some(serde_json::json!({ "service": "DD" }))).await;
    assert!(ticket["id"].is_string(), "the server goes on: {ticket}");
    // A folder as the target: refused, nothing left behind.
    let e = queue_server::backup::backup(&app.db, dir.path()).expect_err("a folder");
    assert!(e.to_string().contains("là một thư mục"), "{e}");
    let left: Vec<_> = std::fs::read_dir(dir.path()).expect("reads").map(|e| e.expect("entry").file_name()).collect();
    assert_eq!(left.len(), 1, "only the good copy: {left:?}");
}

/// The example configuration with a `[backup]` section appended.
fn with_backup(section: &str) -> Result<queue_server::Config, queue_server::config::ConfigError> {
    queue_server::Config::parse("motcua.toml", &format!("{}\n[backup]\n{section}\n", queue_server::config::EXAMPLE))
}

#[tokio::test]
async fn the_daily_backup_is_taken_once_a_local_day_after_its_hour_and_keeps_the_newest_copies() {
    let mut app = crate::helpers::spawn_at(crate::helpers::monday("09:00")).await;
    let first = app.issue("DD").await;
    let dir = tempfile::tempdir().expect("tempdir");
    let store = dir.path().join("sao-luu");
    let config =
        with_backup(&format!("dir = {:?}\nat = \"21:00\"\nkeep = 3", store.display().to_string())).expect("parses");
    let plan = config.backup.clone().expect("a plan");
    let zone = config.centre.schedule.time_zone.clone();
    let look = |now| queue_server::backup::daily(&plan, &app.db, &zone, now).expect("looks");
    std::fs::create_dir_all(&store).expect("folder");
    // A file of the operator's own and one named almost like a copy are never touched.
    std::fs::write(store.join("ghi-chu.txt"), "giữ").expect("note");
    std::fs::write(store.join("motcua-cuoi.db"), "giữ").expect("look-alike");
    // A copy named for a day ahead (taken while the clock was wrong) is kept and takes no place.
    std::fs::write(store.join("motcua-2027-05-01.db"), "giữ").expect("ahead");
    // Before Monday's hour: Sunday's copy is the one due (a machine switched off after hours).
    let sunday = look(crate::helpers::monday("20:59")).taken.expect("the last evening's copy");
    assert_eq!(sunday.0, store.join("motcua-2026-11-22.db"));
    assert_eq!(look(crate::helpers::monday("20:59")).taken, None, "taken once");
    // 21:30 in Hà Nội is 14:30 UTC: the copy is named by the local day.
    let done = look(crate::helpers::monday("21:30"));
    let (file, summary) = done.taken.expect("taken after 21:00");
    assert_eq!(file, store.join("motcua-2026-11-23.db"));
    assert!(summary.pages > 0);
    let copy = rusqlite::Connection::open(&file).expect("opens");
    let id: String = copy.query_row("SELECT id FROM tickets", [], |r| r.get(0)).expect("the ticket");
    assert_eq!(id, first["id"].as_str().expect("id"));
    // Looked at again the same evening: already there.
    assert_eq!(look(crate::helpers::monday("23:59")).taken, None);
    // 00:30 on Tuesday local is still Monday in UTC: not yet Tuesday's hour.
    assert_eq!(look(crate::helpers::at("2026-11-24", "00:30")).taken, None);
    // Four more evenings: three copies kept, the oldest deleted in order.
    let mut removed = Vec::new();
    for day in ["2026-11-24", "2026-11-25", "2026-11-26", "2026-11-27"] {
        let done = look(crate::helpers::at(day, "22:00"));
        assert_eq!(done.taken.expect("taken").0, store.join(format!("motcua-{day}.db")));
        removed.extend(done.removed);
    }
    assert_eq!(
        removed,
        [store.join("motcua-2026-11-22.db"), store.join("motcua-2026-11-23.db"), store.join("motcua-2026-11-24.db")]
    );
    let mut left: Vec<String> = std::fs::read_dir(&store)
        .expect("reads")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(
        left,
        [
            "ghi-chu.txt",
            "motcua-2026-11-25.db",
            "motcua-2026-11-26.db",
            "motcua-2026-11-27.db",
            "motcua-2027-05-01.db",
            "motcua-cuoi.db"
        ]
    );
    app.halt().await;
}

#[tokio::test]
async fn a_server_started_after_the_backup_hour_takes_the_day_s_copy_itself() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = dir.path().join("sao-luu");
    let config = with_backup(&format!("dir = {:?}\nat = \"08:00\"", store.display().to_string())).expect("parses");
    let app = crate::helpers::spawn(
        config,
        Some(queue_server::domain::ManualClock::new(crate::helpers::monday("09:00"))),
        None,
    )
    .await;
    let file = store.join("motcua-2026-11-23.db");
    let deadline = Instant::now() + Duration::from_secs(20);
    while !file.exists() {
        assert!(Instant::now() < deadline, "the server takes the day's copy when it starts after the hour");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let copy = rusqlite::Connection::open(&file).expect("opens");
    let check: String = copy.query_row("PRAGMA integrity_check", [], |r| r.get(0)).expect("checks");
    assert_eq!(check, "ok");
    app.stop().await;
}

#[test]
fn a_wrong_backup_section_is_refused_with_its_line() {
    for (section, key, says) in [
        ("dir = \"\"", "backup.dir", "đường dẫn đầy đủ"),
        ("dir = \"sao-luu\"", "backup.dir", "đường dẫn đầy đủ"),
        ("at = \"21:00\"", "backup.dir", "cần thư mục"),
        ("dir = \"/tmp/x\"\nat = \"9h\"", "backup.at", "HH:MM"),
        ("dir = \"/tmp/x\"\nkeep = 0", "backup.keep", "từ 1 đến 3650"),
        ("dir = \"/tmp/x\"\nkept = 3", "", "kept"),
    ] {
        let e = with_backup(section).expect_err(section);
        assert!(e.key.contains(key) && e.to_string().contains(says), "{section}: {e}");
        assert!(e.line.is_some(), "{section}: {e}");
    }
    let plan = with_backup("dir = \"/var/lib/motcua/backups\"").expect("defaults").backup.expect("plan");
    assert_eq!((plan.at.hour(), plan.at.minute(), plan.keep), (21, 0, 14));
}
