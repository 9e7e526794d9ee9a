//! A keyboard-wedge barcode scanner at the kiosk, fed the key events real scanners send: Shift held
//! around every capital, a stray key touched before a scan, a scan cut off half way, two scans back
//! to back. Receipt codes, ticket QR links and booking codes all carry capitals. Against the example
//! centre on a manual clock (Monday 23 November 2026) with the demo dossiers.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::monday;
use queue_server::Config;
use queue_server::domain::ManualClock;
use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(15);

#[test]
fn codes_with_capitals_scan_as_printed_whatever_else_the_scanner_or_a_person_typed() {
    i_slint_backend_testing::init_integration_test_with_system_time();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = ManualClock::new(monday("07:00"));
    let config = Config::parse("example", queue_server::config::EXAMPLE).expect("example config");
    let (server, _stop) = common::serve(&runtime, config, Arc::new(clock.clone()), dir.path().join("server.db"));
    let http = reqwest::blocking::Client::new();
    let post = |path: &str, token: Option<&str>, body: Value| -> Value {
        let mut request = http.post(format!("{server}{path}")).json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().expect("answers");
        assert!(response.status().is_success(), "{path}: {}", response.status());
        response.json().expect("json")
    };
    // A booking for 09:00, made at 07:00; at 08:50 a Đất đai ticket is served at counter 1.
    let held =
        post("/api/v1/appointments/holds", None, json!({ "service": "CA", "slot": "2026-11-23T09:00:00+07:00" }));
    let code = held["code"].as_str().expect("code").to_string();
    post(
        &format!("/api/v1/appointments/{code}/confirm"),
        None,
        json!({ "name": "Trần Văn Ba", "phone": "0912345678" }),
    );
    clock.set(monday("08:50"));
    let served = post("/api/v1/tickets", Some("demo-kiosk"), json!({ "service": "DD" }));
    post("/api/v1/counters/1/open", Some("demo-counter"), json!({}));
    post("/api/v1/counters/1/next", Some("demo-counter"), json!({}));
    post("/api/v1/counters/1/done", Some("demo-counter"), json!({}));
    let ticket_id = served["id"].as_str().expect("id").to_string();
    assert_eq!(ticket_id, "20261123-DD-1001");

    let (_core, app, _timer) = common::kiosk_window(&runtime, &server, dir.path());

    common::drive(&app, move |d| {
        d.wait_for("Lấy số thứ tự", WAIT);

        // A stray key touched on the home screen, then (a moment later) the receipt's barcode.
        d.keys(vec![slint::platform::WindowEvent::KeyPressed { text: "x".into() }]);
        d.wait_scanner_idle(WAIT);
        d.scan("H56.22-261027-0007");
        d.wait_for("Trạng thái: Đang xử lý", WAIT);

        // A scan cut off half way (no Enter), then the whole code.
        let half: Vec<_> = common::scanner_events("H56.22-2611").into_iter().take(12).collect();
        d.keys(half);
        d.wait_scanner_idle(WAIT);
        d.scan("H56.22-261113-0004");
        d.wait_for("Trạng thái: Đã xử lý xong", WAIT);

        // Two receipts scanned back to back: the second one is shown.
        let mut both = common::scanner_events("H56.22-261027-0007");
        both.extend(common::scanner_events("H56.22-261120-0001"));
        d.keys(both);
        d.wait_for("Trạng thái: Được tiếp nhận", WAIT);
        d.tap("Trang chủ");

        // The ticket's QR link (capitals in its id) opens the rating for that ticket.
        d.wait_for("Lấy số thứ tự", WAIT);
        d.scan(&format!("{server}/t/{ticket_id}"));
        d.wait_for("Không hài lòng", WAIT);
        d.tap("Trang chủ");

        // The booking's QR (its code, in capitals) checks the booking in from the home screen.
        d.wait_for("Lấy số thứ tự", WAIT);
        d.scan(&code);
        d.wait_for("Số của ông/bà 4001", WAIT);
        let booking: Value = reqwest::blocking::get(format!("{server}/api/v1/appointments/{code}"))
            .and_then(|r| r.json())
            .expect("booking");
        assert_eq!(booking["status"], "checked_in");
    });
    drop(runtime);
}
