//! A late dossier's apology at the kiosk: the province pushed the dossier, a supervisor recorded
//! the apology (Mẫu 04, Thông tư 01/2018/TT-VPCP); the citizen scans the receipt, gives the last
//! 4 digits of the phone, reads the apology and prints it on the ticket printer, whose simulator
//! decodes the bytes (a printer with the Windows-1258 code page, so the text comes back as text).
//! With the paper out, the kiosk says so and stays usable.

mod common;

use std::sync::Arc;
use std::time::Duration;

use motcua_hardware::sim::printer::Condition;
use queue_server::Config;
use queue_server::domain::ManualClock;
use serde_json::json;
use slint::ComponentHandle;

const WAIT: Duration = Duration::from_secs(15);
const CODE: &str = "H56.22-261201-0007";
const REASON: &str = "Chờ kết quả đo đạc lại thửa đất";

#[test]
fn a_citizen_reads_and_prints_the_apology_for_a_late_dossier() {
    i_slint_backend_testing::init_integration_test_with_system_time();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = ManualClock::new(common::centre_time("2026-12-16", "09:00"));
    let (server, _stop) = common::serve(&runtime, Config::demo(), Arc::new(clock), dir.path().join("server.db"));
    let http = reqwest::blocking::Client::new();
    let record = json!({
        "MaHoSo": CODE, "MaTTHC": "1.004227", "TenTTHC": "Đăng ký biến động quyền sử dụng đất",
        "ChuHoSo": "Phạm Thị Mai", "SoDienThoai": "0905123456", "TrangThaiHoSo": "4",
        "NgayTiepNhan": "20261201080000", "NgayHenTra": "20261215170000",
    });
    common::push_dossiers(&server, vec![record]);
    let recorded = http
        .post(format!("{server}/api/v1/dossiers/{CODE}/apology"))
        .bearer_auth("demo-supervisor")
        .json(&json!({ "reason": REASON, "new_due": "22/12/2026" }))
        .send()
        .expect("recorded");
    assert_eq!(recorded.status().as_u16(), 201);

    let config = kiosk_ui::config::KioskConfig {
        server_url: server.clone(),
        outbox: dir.path().join("outbox.db"),
        printer: kiosk_ui::config::PrinterConfig { pictures: None, code_page_1258: Some(52), ..Default::default() },
        ..Default::default()
    };
    let (core, app, _timer) = kiosk_ui::app::start(config, &runtime).expect("kiosk starts");
    app.show().expect("shows");
    let papers = {
        let core = core.clone();
        move || core.with_printer(|p| p.and_then(|p| p.sim().map(|s| s.papers())).unwrap_or_default())
    };
    let set_paper = {
        let core = core.clone();
        move |c: Condition| core.with_printer(|p| p.and_then(|p| p.sim().map(|s| s.set_condition(c))))
    };

    common::drive(&app, move |d| {
        d.wait_for("Lấy số thứ tự", WAIT);
        d.scan(CODE);
        d.wait_for("Trạng thái: Đang xử lý", WAIT);
        // Without the factor: the apology's fixed words and the new date, no button to print.
        assert!(!d.has("In thư xin lỗi"), "{:?}", d.labels());
        assert!(!d.labels().iter().any(|l| l.contains(REASON)), "no reason without the factor: {:?}", d.labels());
        d.tap("Xem tên và nội dung xử lý");
        d.type_keys("3456");
        d.tap("Xem");
        d.wait_for(&format!("{CODE} · Phạm T*** M***"), WAIT);
        let before = papers().len();
        d.tap("In thư xin lỗi");
        d.wait_for("Đã in thư xin lỗi. Mời ông/bà nhận phiếu ở khe máy in.", WAIT);
        let all = papers();
        assert_eq!(all.len(), before + 1, "one slip");
        let lines: Vec<String> = all[before].texts().map(|(t, _, _)| t.to_string()).collect();
        for expected in [
            "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ".to_string(),
            format!("Mã hồ sơ: {CODE}"),
            format!("Lý do chậm trễ: {REASON}"),
            "Ngày hẹn trả mới: 22/12/2026".to_string(),
            "Kính gửi: Phạm T*** M***".to_string(),
        ] {
            assert!(lines.contains(&expected), "«{expected}» not on the slip: {lines:?}");
        }
        // The paper runs out: the kiosk says so, prints nothing, and the citizen can go on.
        set_paper(Condition::PaperOut);
        d.tap("In thư xin lỗi");
        d.wait_for(
            "Máy in đang gặp sự cố, chưa in được. Ông/bà có thể xem thư ngay trên màn hình hoặc nhờ cán bộ in giúp.",
            WAIT,
        );
        assert_eq!(papers().len(), before + 1);
        d.tap("Tra hồ sơ khác");
        d.wait_for("Tra cứu", WAIT);
    });
}
