//! The kiosk facing a server that misbehaves: 500s, silence past the timeout, garbage JSON and
//! refusals. Every time: no panic, a calm Vietnamese message, and a way back to a usable screen.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use common::Driver;
use futures_util::StreamExt;
use kiosk_ui::config::{KioskConfig, PrinterConfig};
use slint::ComponentHandle;

const WAIT: Duration = Duration::from_secs(10);

/// How the fake server answers tickets and dossiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    ServerError,
    Silence,
    Garbage,
    Refusal,
}

type Shared = Arc<Mutex<Mode>>;

const CENTRE: &str = r#"{"name":"Trung tâm thử","time_zone":"Asia/Ho_Chi_Minh","public_url":"http://127.0.0.1","priority_classes":[],"rating_levels":["Không hài lòng","Hài lòng"]}"#;
const SERVICE: &str = r#"{"code":"DD","name_vi":"Đất đai","name_en":"Land","waiting":2,"estimated_wait_minutes":9,"remaining_today":50,"capacity_today":120,"open":true,"counters_open":1}"#;

async fn misbehave(State(mode): State<Shared>) -> Response {
    let mode = *mode.lock().expect("mode");
    match mode {
        Mode::ServerError => (StatusCode::INTERNAL_SERVER_ERROR, "boom").into_response(),
        Mode::Silence => std::future::pending::<Response>().await,
        Mode::Garbage => ([("content-type", "application/json")], "{\"id\": [1, 2").into_response(),
        Mode::Refusal => (
            StatusCode::CONFLICT,
            [("content-type", "application/json")],
            r#"{"code":"capacity_exhausted","message":"Lĩnh vực Đất đai đã hết số hôm nay (120 số)"}"#,
        )
            .into_response(),
    }
}

async fn events() -> Response {
    let snapshot = format!(
        "event: snapshot\ndata: {{\"type\":\"snapshot\",\"centre\":\"Trung tâm thử\",\"service_day\":\"2026-11-23\",\"services\":[{SERVICE}],\"counters\":[]}}\n\n"
    );
    let stream = futures_util::stream::once(async move { Ok::<_, std::io::Error>(snapshot) })
        .chain(futures_util::stream::pending());
    ([("content-type", "text/event-stream")], axum::body::Body::from_stream(stream)).into_response()
}

fn scenario(d: Driver, mode: Shared) {
    let set = |m: Mode| *mode.lock().expect("mode") = m;
    for (m, title) in [
        (Mode::ServerError, "Hệ thống đang bận"),
        (Mode::Silence, "Hệ thống đang bận"),
        (Mode::Garbage, "Hệ thống gặp lỗi"),
        (Mode::Refusal, "Chưa thực hiện được"),
    ] {
        set(m);
        d.wait_for("Lấy số thứ tự", WAIT);
        d.tap("Lấy số thứ tự");
        d.tap("Đất đai");
        d.wait_for(title, WAIT);
        let message = d.description(title);
        assert!(!message.is_empty() && !message.contains("boom") && !message.contains("EOF"), "{m:?}: «{message}»");
        if m == Mode::Refusal {
            assert!(message.contains("đã hết số"), "the server's own words: «{message}»");
        }
        d.tap("Chọn lại");
        d.wait_for("Đất đai", WAIT);
        d.tap("Trang chủ");

        d.tap("Tra cứu hồ sơ");
        d.type_keys("H56.22-1");
        d.tap("Tra cứu");
        d.wait_for("Nhập lại", WAIT);
        d.tap("Nhập lại");
        d.wait_for("Tra cứu", WAIT);
        d.tap("Trang chủ");
    }
    // A rating while the server fails is kept for later, not lost.
    set(Mode::ServerError);
    d.tap("Đánh giá");
    d.type_keys("1001");
    d.tap("Tiếp tục");
    d.tap("Hài lòng");
    d.wait_for("Cảm ơn", WAIT);
    d.tap("Xong");
    d.wait_for("Lấy số thứ tự", WAIT);
}

#[test]
fn server_failures_get_a_calm_message_and_a_way_back() {
    i_slint_backend_testing::init_integration_test_with_system_time();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let mode: Shared = Arc::new(Mutex::new(Mode::ServerError));
    let server = runtime.block_on(async {
        let router = Router::new()
            .route("/api/v1/centre", get(|| async { ([("content-type", "application/json")], CENTRE) }))
            .route("/api/v1/events", get(events))
            .route("/api/v1/tickets", post(misbehave))
            .route("/api/v1/dossiers/{code}", get(misbehave))
            .route("/api/v1/tickets/by-number/{n}", get(misbehave))
            .route("/api/v1/ratings", post(misbehave))
            .route("/api/v1/devices/health", post(misbehave))
            .with_state(mode.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("binds");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, router).await });
        url
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let config = KioskConfig {
        server_url: server,
        request_timeout_seconds: 1.0,
        outbox: dir.path().join("outbox.db"),
        printer: PrinterConfig { pictures: None, ..PrinterConfig::default() },
        ..KioskConfig::default()
    };
    let (_core, app, _timer) = kiosk_ui::app::start(config, &runtime).expect("kiosk starts");
    app.show().expect("shows");

    common::drive(&app, move |driver| scenario(driver, mode));
    let waiting =
        kiosk_ui::outbox::Outbox::open(&dir.path().join("outbox.db")).expect("opens").waiting().expect("reads");
    assert!(
        waiting.iter().any(|(_, item)| matches!(item, kiosk_ui::outbox::Item::Rating(r) if r.number == 1001)),
        "the rating waits in the outbox"
    );
}
