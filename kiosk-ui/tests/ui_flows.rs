//! Every kiosk flow driven headlessly through accessible labels, against the real demo server on
//! loopback with the simulated printer. One test: the testing backend allows one event loop a
//! process.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::Driver;
use kiosk_ui::config::{KioskConfig, PrinterConfig};
use kiosk_ui::core::Core;
use queue_server::domain::SystemClock;
use queue_server::{Config, Options};
use slint::ComponentHandle;

const WAIT: Duration = Duration::from_secs(10);

fn scenario(
    d: Driver,
    server: String,
    db: std::path::PathBuf,
    core: Arc<Core>,
    stop: tokio::sync::oneshot::Sender<()>,
) {
    let http = reqwest::blocking::Client::new();
    let post =
        |path: &str, token: &str| http.post(format!("{server}{path}")).bearer_auth(token).send().expect("answers");

    // Home → take a ticket for Đất đai, no priority: the number is shown and printed.
    d.wait_for("Lấy số thứ tự", WAIT);
    d.tap("Lấy số thứ tự");
    d.wait_for("Đất đai", WAIT);
    assert_eq!(d.enabled("Đất đai"), Some(true));
    d.tap("Đất đai");
    d.tap("Không, lấy số thường");
    d.wait_for("Số của ông/bà 1001", WAIT);
    let printed = core.with_printer(|p| p.and_then(|p| p.sim()).map(|sim| sim.papers().len()));
    assert_eq!(printed, Some(1), "the ticket came out of the printer");
    d.tap("Xong");
    d.wait_for("Tra cứu hồ sơ", WAIT);

    // Dossier by keypad, with the letter prefix, then an unknown one, then by scanner.
    d.tap("Tra cứu hồ sơ");
    d.type_keys("H56.22-261027-0007");
    d.tap("Tra cứu");
    d.wait_for("Trạng thái: Đang xử lý", WAIT);
    assert!(d.has("Thư xin lỗi"), "the late dossier shows its apology");
    d.tap("Tra hồ sơ khác");
    for _ in 0..18 {
        d.tap("Xóa");
    }
    d.type_keys("999999");
    d.tap("Tra cứu");
    d.wait_for("Không tìm thấy hồ sơ", WAIT);
    d.tap("Nhập lại");
    // The scanner types like a keyboard (Shift around capitals) and ends with Enter.
    d.scan("H56.22-261113-0004");
    d.wait_for("Trạng thái: Đã xử lý xong", WAIT);
    d.tap("Trang chủ");

    // Catalogue: a field, a search typed without diacritics, the detail, straight to a ticket.
    d.tap("Thủ tục hành chính");
    d.tap("Đất đai");
    d.tap("Tìm kiếm");
    d.type_keys("CAP");
    d.tap("Ẩn bàn phím");
    d.wait_for("Cấp đổi Giấy chứng nhận quyền sử dụng đất", WAIT);
    d.tap("Cấp đổi Giấy chứng nhận quyền sử dụng đất");
    d.tap("Lấy số cho thủ tục này");
    d.tap("Không, lấy số thường");
    d.wait_for("Số của ông/bà 1002", WAIT);
    d.tap("Trang chủ");

    // Check-in of a code nobody booked: the server's refusal, in its own words, and a way back.
    d.tap("Nhận số theo lịch hẹn");
    d.type_keys("K7MX3Q");
    d.tap("Nhận số");
    d.wait_for("Chưa thực hiện được", WAIT);
    d.tap("Nhập lại");
    d.tap("Trang chủ");

    // Rating 1001 after it is served: a low level asks for reasons.
    assert!(post("/api/v1/counters/1/open", "demo-counter").status().is_success());
    assert!(post("/api/v1/counters/1/next", "demo-counter").status().is_success());
    assert!(post("/api/v1/counters/1/done", "demo-counter").status().is_success());
    d.tap("Đánh giá");
    d.type_keys("1001");
    d.tap("Tiếp tục");
    d.wait_for("Không hài lòng", WAIT);
    d.tap("Không hài lòng");
    d.tap("Chờ quá lâu");
    d.tap("Gửi đánh giá");
    d.wait_for("Cảm ơn", WAIT);
    // Thanks come at once (the rating is in the outbox); the server has it moments later.
    let conn = rusqlite::Connection::open(&db).expect("opens");
    let started = std::time::Instant::now();
    let (score, tags): (i64, String) = loop {
        let found = conn.query_row("SELECT score, tags FROM ratings WHERE ticket_id LIKE '%-DD-1001'", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        });
        if let Ok(row) = found {
            break row;
        }
        assert!(started.elapsed() < WAIT, "the rating never arrived");
        std::thread::yield_now();
    };
    assert_eq!((score, tags.contains("Chờ quá lâu")), (1, true));
    d.tap("Xong");

    // The language toggle, and idle screens going home by themselves are covered by the timer:
    // leave a screen and it must return home within the idle timeout.
    d.tap("English");
    d.wait_for("Take a number", WAIT);
    d.tap("Tiếng Việt");
    d.tap("Tra cứu hồ sơ");
    d.wait_for("Nhập hoặc quét mã hồ sơ", WAIT);
    d.wait_for("Lấy số thứ tự", Duration::from_secs(12));

    // The server goes away: the banner says so within 10 s.
    assert!(!d.has("Mất kết nối máy chủ"));
    let _ = stop.send(());
    let started = std::time::Instant::now();
    d.wait_for("Mất kết nối máy chủ", Duration::from_secs(10));
    eprintln!("offline banner after {:?}", started.elapsed());
}

#[test]
fn every_flow_through_accessible_labels() {
    i_slint_backend_testing::init_integration_test_with_system_time();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("server.db");
    let options = Options { config: Config::demo(), db: db.clone(), demo: true, clock: Arc::new(SystemClock) };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = runtime.block_on(async {
        let app = queue_server::build(options).expect("builds");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("binds");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(queue_server::run(listener, app, async move {
            let _ = stopped.await;
        }));
        url
    });
    let config = KioskConfig {
        server_url: server.clone(),
        idle_timeout_seconds: 5,
        outbox: dir.path().join("outbox.db"),
        printer: PrinterConfig { pictures: None, ..PrinterConfig::default() },
        ..KioskConfig::default()
    };
    let (core, app, _timer) = kiosk_ui::app::start(config, &runtime).expect("kiosk starts");
    app.show().expect("shows");

    common::drive(&app, move |driver| scenario(driver, server, db, core, stop));
}
