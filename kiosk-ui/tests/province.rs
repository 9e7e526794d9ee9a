//! The kiosk looking up a dossier held by the province's system: a fake LGSP on loopback (the
//! contract of `queue-server`'s `[province]` connector) holds the dossiers; the receipt's QR (a
//! portal link with `MHS=`) is scanned; the province returns the result; then it hangs, and the
//! kiosk still answers from the centre's store, saying when it was synchronised.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::State;
use queue_server::Config;
use queue_server::domain::ManualClock;
use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(15);
const CODE: &str = "000.00.20.H56-261201-0042";
const OTHER: &str = "000.00.20.H56-261201-0043";

/// The fake province: its dossiers' status (one for all), whether it hangs.
#[derive(Clone, Default)]
struct Fake {
    status: Arc<Mutex<u8>>,
    hang: Arc<Mutex<bool>>,
}

async fn authenticate() -> Json<Value> {
    Json(json!({ "error_code": "00", "session": "phien" }))
}

async fn service(State(fake): State<Fake>, Json(body): Json<Value>) -> Json<Value> {
    if *fake.hang.lock().expect("lock") {
        std::future::pending::<()>().await;
    }
    let asked = body["mahoso"].as_str().unwrap_or_default().to_string();
    if asked != CODE && asked != OTHER {
        return Json(json!({ "error_code": "00", "data": null }));
    }
    let status = *fake.status.lock().expect("lock");
    Json(json!({ "error_code": "00", "data": {
        "MaHoSo": asked, "MaTTHC": "1.004227", "TenTTHC": "Đăng ký biến động đất đai", "TenLinhVuc": "Đất đai",
        "ChuHoSo": "Trần Văn Nam", "SoDienThoai": "0987654321", "NgayTiepNhan": "20261201080000",
        "NgayHenTra": "20261215170000", "TrangThaiHoSo": status, "NgayTra": if status == 10 { "20261210100000" } else { "" },
        "TienDo": []
    }}))
}

#[test]
fn a_scanned_receipt_is_looked_up_in_the_provinces_system_and_answered_from_the_store_when_it_hangs() {
    i_slint_backend_testing::init_integration_test_with_system_time();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let fake = Fake { status: Arc::new(Mutex::new(4)), hang: Arc::default() };
    let province = runtime.block_on(async {
        let app = axum::Router::new()
            .route("/lgsp/authenticate", axum::routing::post(authenticate))
            .route("/lgsp/service", axum::routing::post(service))
            .with_state(fake.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("binds");
        let url = format!("http://{}/lgsp", listener.local_addr().expect("addr"));
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        url
    });
    let text = format!(
        "{}\n[province]\nurl = \"{province}\"\nmadonvi = \"000.00.20.H56\"\ntimeout_ms = 800\nstale_after_seconds = 1\npoll_seconds = 0\n",
        queue_server::config::EXAMPLE
    );
    let config = Config::parse("motcua.toml", &text).expect("config");
    // The server's clock is moved on by hand past the staleness (`stale_after_seconds`).
    let clock = ManualClock::new(common::centre_time("2026-12-01", "09:00"));
    let (server, _stop) = common::serve(&runtime, config, Arc::new(clock.clone()), dir.path().join("server.db"));
    let (_core, app, _timer) = common::kiosk_window(&runtime, &server, dir.path());

    common::drive(&app, move |d| {
        d.wait_for("Lấy số thứ tự", WAIT);
        // The receipt's QR: the national portal's link carrying the code.
        let started = Instant::now();
        d.scan(&format!("https://dichvucong.gov.vn/p/home/dvc-tra-cuu-ho-so.html?MHS={CODE}"));
        d.wait_for("Trạng thái: Đang xử lý", WAIT);
        eprintln!("scanned and shown from the province's system in {:?}", started.elapsed());
        let fresh = |d: &common::Driver| d.labels().iter().any(|l| l.starts_with("Cập nhật lúc "));
        assert!(fresh(&d), "the kiosk says how fresh it is: {:?}", d.labels());
        // The applicant is hidden until the last 4 digits of the phone are given; a wrong guess
        // says so, the right one shows the masked name.
        assert!(d.has(&format!("{CODE} · (ẩn để bảo vệ thông tin cá nhân)")), "{:?}", d.labels());
        d.tap("Xem tên và nội dung xử lý");
        d.type_keys("1111");
        d.tap("Xem");
        d.wait_for("Trạng thái: Đang xử lý", WAIT);
        assert!(d.labels().iter().any(|l| l.starts_with("4 số cuối điện thoại chưa khớp")), "{:?}", d.labels());
        d.tap("Xem tên và nội dung xử lý");
        d.type_keys("4321");
        d.tap("Xem");
        d.wait_for(&format!("{CODE} · Trần V*** N***"), WAIT);
        d.tap("Tra hồ sơ khác");

        // The province returns the result; scanned again once the record is stale (1 s).
        *fake.status.lock().expect("lock") = 10;
        clock.advance(jiff::SignedDuration::from_secs(2));
        d.scan(CODE);
        d.wait_for("Trạng thái: Đã trả kết quả", WAIT);
        d.tap("Tra hồ sơ khác");

        // Another dossier, still being processed, is held; then the province hangs: the kiosk
        // answers from the store once the connector's timeout (0.8 s) is up.
        *fake.status.lock().expect("lock") = 4;
        d.scan(OTHER);
        d.wait_for("Trạng thái: Đang xử lý", WAIT);
        d.tap("Tra hồ sơ khác");
        *fake.hang.lock().expect("lock") = true;
        clock.advance(jiff::SignedDuration::from_secs(2));
        let started = Instant::now();
        d.scan(OTHER);
        d.wait_for("Trạng thái: Đang xử lý", WAIT);
        eprintln!("answered from the store in {:?} with the province hanging", started.elapsed());
        assert!(fresh(&d), "{:?}", d.labels());
    });
}
