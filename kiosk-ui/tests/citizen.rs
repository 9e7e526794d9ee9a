//! The citizen's journey in real headless Chromium: booking a slot on `/book`, checking the code in
//! at the kiosk (Slint testing backend), and following a ticket on `/t/{ticket}` while counters
//! call, without reloading the page.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::webdriver::Browser;
use kiosk_ui::config::{KioskConfig, PrinterConfig};
use queue_server::domain::{Clock, ManualClock, SystemClock};
use queue_server::{Config, Options};
use slint::ComponentHandle;

const WAIT: Duration = Duration::from_secs(15);

/// Monday 2026-11-23 at `hh:mm` in the centre's zone.
fn monday(hhmm: &str) -> jiff::Timestamp {
    let dt: jiff::civil::DateTime = format!("2026-11-23T{hhmm}:00").parse().expect("datetime");
    dt.to_zoned(jiff::tz::TimeZone::get("Asia/Ho_Chi_Minh").expect("tz")).expect("zoned").timestamp()
}

/// A server on `runtime` with `config` and `clock`; its URL and the stop switch.
fn serve(
    runtime: &tokio::runtime::Runtime,
    config: Config,
    clock: Arc<dyn Clock>,
    db: std::path::PathBuf,
) -> (String, tokio::sync::oneshot::Sender<()>) {
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let url = runtime.block_on(async {
        let app = queue_server::build(Options { config, db, demo: true, clock }).expect("builds");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("binds");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(queue_server::run(listener, app, async move {
            let _ = stopped.await;
        }));
        url
    });
    (url, stop)
}

#[test]
fn a_slot_booked_in_chromium_is_checked_in_at_the_kiosk() {
    i_slint_backend_testing::init_integration_test_with_system_time();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = ManualClock::new(monday("07:00"));
    let config = Config::parse("example", queue_server::config::EXAMPLE).expect("example config");
    let (server, _stop) = serve(&runtime, config, Arc::new(clock.clone()), dir.path().join("server.db"));
    let kiosk = KioskConfig {
        server_url: server.clone(),
        outbox: dir.path().join("outbox.db"),
        printer: PrinterConfig { pictures: None, ..PrinterConfig::default() },
        ..KioskConfig::default()
    };
    let (_core, app, _timer) = kiosk_ui::app::start(kiosk, &runtime).expect("kiosk starts");
    app.show().expect("shows");

    common::drive(&app, move |d| {
        // On the phone: field, day, 09:00, details (a wrong phone first), confirmation.
        let browser = Browser::start();
        browser.goto(&format!("{server}/book"));
        browser.click("#services button[data-code='CA']", WAIT);
        browser.click("#days button[data-date='2026-11-23']", WAIT);
        browser.click("#slots button[data-start='2026-11-23T09:00:00+07:00']", WAIT);
        browser.text_until("#held", WAIT, |t| t.contains("Đang giữ chỗ 09:00"));
        browser.type_into("#name", "Nguyễn Văn Bình");
        browser.type_into("#phone", "12345");
        browser.click("#confirm", WAIT);
        let error = browser.text_until("#error", WAIT, |t| !t.is_empty());
        assert!(error.contains("Số điện thoại di động không hợp lệ"), "{error}");
        browser.type_into("#phone", "0912 345 678");
        browser.type_into("#cid", "001203012345");
        browser.click("#confirm", WAIT);
        let code = browser.text_until("#code", WAIT, |t| t.len() == 6);
        assert!(browser.text("#summary").contains("09:00"), "{}", browser.text("#summary"));
        browser.wait_until("the QR image loaded", WAIT, |b| {
            b.script("return document.getElementById('qr').naturalWidth") != 0
        });
        assert!(browser.text("#instructions").contains(&code));
        eprintln!("booked in Chromium: {code}");

        // At the kiosk, ten minutes before the slot: the code becomes a ticket.
        clock.set(monday("08:50"));
        d.wait_for("Check-in lịch hẹn", WAIT);
        d.tap("Check-in lịch hẹn");
        d.type_keys(&code);
        d.tap("Check-in");
        d.wait_for("Số của ông/bà 4001", WAIT);
        let http = reqwest::blocking::Client::new();
        let booking: serde_json::Value =
            http.get(format!("{server}/api/v1/appointments/{code}")).send().and_then(|r| r.json()).expect("booking");
        assert_eq!(booking["status"], "checked_in");
        assert_eq!(booking["ticket"], "20261123-CA-4001");
    });
}

#[test]
fn the_ticket_page_follows_position_and_counter_without_reloading() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let (server, _stop) = serve(&runtime, Config::demo(), Arc::new(SystemClock), dir.path().join("server.db"));
    let http = reqwest::blocking::Client::new();
    let post = |path: &str, token: &str, body: serde_json::Value| -> serde_json::Value {
        let response = http.post(format!("{server}{path}")).bearer_auth(token).json(&body).send().expect("answers");
        assert!(response.status().is_success(), "{path}: {}", response.status());
        response.json().expect("json")
    };
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(post("/api/v1/tickets", "demo-kiosk", serde_json::json!({ "service": "DD" }))["id"].clone());
    }
    post("/api/v1/counters/1/open", "demo-counter", serde_json::json!({}));
    let mine = ids[2].as_str().expect("id").to_string();

    let browser = Browser::start();
    browser.goto(&format!("{server}/t/{mine}"));
    browser.text_until("#position", WAIT, |t| t == "2 người");
    assert_eq!(browser.text("#number"), "1003");
    browser.text_until("#live", WAIT, |t| t.contains("trực tiếp") || t.contains("Cập nhật"));
    // A mark on the page: still there at the end means the page never reloaded.
    browser.script("window.notReloaded = true; return true");

    post("/api/v1/counters/1/next", "demo-counter", serde_json::json!({}));
    browser.text_until("#position", WAIT, |t| t == "1 người");
    post("/api/v1/counters/1/done", "demo-counter", serde_json::json!({}));
    post("/api/v1/counters/1/next", "demo-counter", serde_json::json!({}));
    browser.text_until("#position", WAIT, |t| t.contains("người tiếp theo"));
    post("/api/v1/counters/1/done", "demo-counter", serde_json::json!({}));
    post("/api/v1/counters/1/next", "demo-counter", serde_json::json!({}));
    browser.text_until("#counter", WAIT, |t| t == "Quầy 1");
    assert_eq!(browser.text("#status"), "Đã đến lượt");
    assert_eq!(browser.script("return window.notReloaded === true"), serde_json::json!(true), "the page was reloaded");
    drop(runtime);
}
