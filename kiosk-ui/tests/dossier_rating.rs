//! Rating a dossier at the kiosk: after being served, the citizen scans the receipt's QR (the
//! portal link with `MHS=`) on the rating screen and rates the handling of that dossier; the rating
//! reaches the server's store tied to the dossier. A receipt the centre does not hold is said so.
//! (Its own test binary: the Slint testing backend is set up once per process.)

mod common;

use std::sync::Arc;
use std::time::Duration;

use queue_server::Config;
use queue_server::domain::ManualClock;
use serde_json::json;

const WAIT: Duration = Duration::from_secs(15);
const CODE: &str = "H56.22-261201-0007";

#[test]
fn a_citizen_rates_the_handling_of_a_dossier_by_scanning_the_receipt() {
    i_slint_backend_testing::init_integration_test_with_system_time();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = ManualClock::new(common::centre_time("2026-12-16", "09:00"));
    let db = dir.path().join("server.db");
    let (server, _stop) = common::serve(&runtime, Config::demo(), Arc::new(clock), db.clone());
    let record = json!({
        "MaHoSo": CODE, "MaTTHC": "1.004227", "ChuHoSo": "Phạm Thị Mai", "SoDienThoai": "0905123456",
        "TrangThaiHoSo": "10", "NgayTiepNhan": "20261201080000", "NgayHenTra": "20261215170000",
        "NgayTra": "20261214100000",
    });
    common::push_dossiers(&server, vec![record]);
    let (_core, app, _timer) = common::kiosk_window(&runtime, &server, dir.path());
    common::drive(&app, move |d| {
        d.wait_for("Lấy số thứ tự", WAIT);
        d.tap("Đánh giá");
        // The receipt's QR, the portal link, scanned on the rating screen: that dossier is rated.
        d.scan(&format!("https://dichvucong.gov.vn/p/home/dvc-tra-cuu-ho-so.html?MHS={CODE}"));
        d.wait_for("Rất hài lòng", WAIT);
        assert!(d.labels().iter().any(|l| l.starts_with(&format!("Hồ sơ {CODE}"))), "{:?}", d.labels());
        // A low level asks for reasons first.
        d.tap("Chấp nhận được");
        d.tap("Phải đi lại nhiều lần");
        d.tap("Gửi đánh giá");
        d.wait_for("Cảm ơn", WAIT);
        let conn = rusqlite::Connection::open(&db).expect("opens");
        let deadline = std::time::Instant::now() + WAIT;
        let (score, ticket): (i64, Option<String>) = loop {
            let found = conn.query_row("SELECT score, ticket_id FROM ratings WHERE dossier = ?1", [CODE], |r| {
                Ok((r.get(0)?, r.get(1)?))
            });
            if let Ok(row) = found {
                break row;
            }
            assert!(std::time::Instant::now() < deadline, "the dossier's rating never arrived");
            std::thread::sleep(Duration::from_millis(20));
        };
        assert_eq!((score, ticket), (2, None), "«Chấp nhận được» is level 2 of the demo's 4, of no ticket");
        d.tap("Xong");
        // A receipt the centre does not hold: said so, nothing rated.
        d.wait_for("Lấy số thứ tự", WAIT);
        d.tap("Đánh giá");
        d.scan("H56.22-261201-0999");
        d.wait_for("Không tìm thấy hồ sơ", WAIT);
    });
}
