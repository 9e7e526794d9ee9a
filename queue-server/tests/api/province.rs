//! Dossiers fetched from the province's TTHC system: a fake LGSP on loopback
//! (`queue_server::dossiers::fake_province`, written for the tests and the README's example) speaking the contract (`authenticate`, then `service` `TraCuuHoSo`), holds 10,000 dossiers and
//! can answer 500s, garbage, hang or be down.

use std::time::{Duration, Instant};

use jiff::SignedDuration;
use queue_server::Config;
use serde_json::{Value, json};

use crate::helpers::*;

use queue_server::dossiers::fake_province::{FakeProvince, Mode, code};

/// The fake province on a free port, with 10,000 dossiers; its address and handle.
async fn province() -> (String, FakeProvince, tokio::task::JoinHandle<()>) {
    let fake = FakeProvince::new(10_000);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("binds");
    let url = format!("http://{}/lgsp", listener.local_addr().expect("addr"));
    let task = fake.serve(listener);
    (url, fake, task)
}

fn config(url: &str) -> Config {
    let text = format!(
        "{}\n[province]\nurl = \"{url}\"\nusername = \"motcua\"\npassword = \"mat-khau-lgsp\"\nmadonvi = \"000.00.20.H56\"\ntimeout_ms = 800\nstale_after_seconds = 1\npoll_seconds = 0\n",
        queue_server::config::EXAMPLE
    );
    Config::parse("motcua.toml", &text).expect("config with a province")
}

async fn look_up(app: &TestApp, code: &str) -> (u16, Value, Duration) {
    let started = Instant::now();
    let (status, body) = app.get_as(&format!("/api/v1/dossiers/{code}"), KIOSK).await;
    (status, body, started.elapsed())
}

#[tokio::test]
async fn dossiers_come_from_the_province_and_the_store_answers_when_it_does_not() {
    let (url, fake, task) = province().await;
    let clock = queue_server::domain::ManualClock::new(crate::helpers::monday("09:00"));
    let app = spawn_centre_at(config(&url), clock.clone()).await;
    // Asked at the kiosk, fetched from the province, kept.
    let (status, seen, took) = look_up(&app, &code(4321)).await;
    eprintln!("a dossier fetched from the province in {took:?}");
    assert_eq!(status, 200, "{seen}");
    assert_eq!(
        (seen["status_label"].as_str(), seen["procedure_code"].as_str()),
        (Some("Đang xử lý"), Some("1.004227"))
    );
    let synced = seen["synced_at"].as_str().expect("synced_at").to_string();
    assert_eq!(app.count("dossiers"), 1, "only the dossier asked for");
    let (_, with_factor) = app.get_as(&format!("/api/v1/dossiers/{}?phone_last4=4321", code(4321)), KIOSK).await;
    assert!(with_factor.to_string().contains("Phòng Tài nguyên: Thẩm định"), "{with_factor}");
    // The province's session expires: the connector signs in again and the lookup still answers.
    *fake.session.lock().expect("lock") = "phien-2".into();
    let (status, again, _) = look_up(&app, &code(1234)).await;
    assert_eq!((status, again["status_label"].as_str()), (200, Some("Đang xử lý")), "{again}");
    // Unknown to the province: 404, as before.
    assert_eq!(look_up(&app, "000.00.20.H56-261201-9999X").await.0, 404);

    // The province returns the result; the kiosk sees it once the record is stale (1 s here).
    {
        let mut dossiers = fake.dossiers.lock().expect("lock");
        let record = dossiers.get_mut(&code(4321)).expect("held");
        record["TrangThaiHoSo"] = json!("10");
        record["NgayTra"] = json!("20261210100000");
    }
    let (_, seen, _) = look_up(&app, &code(4321)).await;
    assert_eq!(seen["status_label"], "Đang xử lý", "fresh for a second: the store answers");
    clock.advance(SignedDuration::from_secs(2));
    let (_, seen, _) = look_up(&app, &code(4321)).await;
    assert_eq!(seen["status_label"], "Đã trả kết quả", "stale: fetched again");

    // Another dossier held, then the province misbehaves in every way: the store answers within
    // the connector's timeout, saying when it synchronised; a dossier never fetched is 503.
    let (_, held, _) = look_up(&app, &code(7)).await;
    let held_synced = held["synced_at"].as_str().expect("synced").to_string();
    for mode in [Mode::Error500, Mode::Garbage, Mode::Hang] {
        *fake.mode.lock().expect("lock") = mode;
        // Past the staleness and any back-off from the mode before: the province is asked and
        // fails; then, in the back-off, it is not asked at all.
        clock.advance(SignedDuration::from_secs(61));
        for _ in 0..2 {
            let (status, seen, took) = look_up(&app, &code(7)).await;
            assert_eq!(status, 200, "{mode:?}: {seen}");
            assert!(took < Duration::from_millis(1500), "{mode:?}: the kiosk waited {took:?}");
            assert_eq!(seen["synced_at"].as_str(), Some(held_synced.as_str()), "{mode:?}: the store's, with its time");
        }
        let (status, refused, took) = look_up(&app, &code(8)).await;
        assert_eq!((status, refused["code"].as_str()), (503, Some("province_unavailable")), "{mode:?}: {refused}");
        assert!(took < Duration::from_millis(1500), "{mode:?}: {took:?}");
    }
    // Down altogether.
    task.abort();
    let _ = task.await;
    let (status, seen, _) = look_up(&app, &code(4321)).await;
    assert_eq!((status, seen["status_label"].as_str()), (200, Some("Đã trả kết quả")));
    assert_ne!(seen["synced_at"].as_str(), Some(synced.as_str()), "synchronised again after the first fetch");
    assert_eq!(app.get("/healthz").await.0, 200, "the server stood it all");
    app.stop().await;
}

#[tokio::test]
async fn a_centre_whose_province_only_exports_reads_the_export_file_at_lookup() {
    let dir = tempfile::tempdir().expect("tempdir");
    let export = dir.path().join("ho-so-xuat.json");
    let record = |status: &str| {
        json!({ "DongBoHoSoMC": [{ "MaHoSo": code(1), "MaTTHC": "1.004227", "ChuHoSo": "Trần Văn Nam",
            "SoDienThoai": "0987654321", "NgayTiepNhan": "20261201080000", "NgayHenTra": "20261215170000",
            "TrangThaiHoSo": status }] })
    };
    std::fs::write(&export, record("4").to_string()).expect("export");
    let text = format!(
        "{}\n[province]\nfile = \"{}\"\nstale_after_seconds = 1\npoll_seconds = 0\n",
        queue_server::config::EXAMPLE,
        export.display()
    );
    let clock = queue_server::domain::ManualClock::new(crate::helpers::monday("09:00"));
    let app = spawn_centre_at(Config::parse("motcua.toml", &text).expect("config"), clock.clone()).await;
    let (status, seen, _) = look_up(&app, &code(1)).await;
    assert_eq!((status, seen["status_label"].as_str()), (200, Some("Đang xử lý")), "{seen}");
    assert_eq!(look_up(&app, &code(2)).await.0, 404, "not in the export");
    // The next export: returned.
    std::fs::write(&export, record("10").to_string()).expect("export");
    clock.advance(SignedDuration::from_secs(2));
    assert_eq!(look_up(&app, &code(1)).await.1["status_label"], "Đã trả kết quả", "the new export, read once stale");
    app.stop().await;
}
