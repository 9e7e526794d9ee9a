//! The kiosk's appointment and intake screens driven headlessly through accessible labels (Slint's
//! testing backend, drawn by its software renderer) against the real server on loopback, its clock
//! set to a Monday morning: a phone with two bookings lists them and checks in the one touched; a
//! booked citizen marked absent enters the code again and rejoins with the same number, and after
//! the rejoin window is told the number is over; a field whose intake the supervisor closed is
//! greyed out with the reason. Every screen is rendered; with `MOTCUA_SCREENSHOTS=DIR` the PNGs are
//! saved into DIR (docs/img/). One test: the testing backend allows one event loop a process.

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{Driver, monday};
use i_slint_backend_testing::{TestingBackend, TestingBackendOptions};
use kiosk_ui::config::{KioskConfig, PrinterConfig};
use kiosk_ui::core::Core;
use queue_server::Config;
use queue_server::domain::ManualClock;
use serde_json::{Value, json};
use slint::ComponentHandle;

const WAIT: Duration = Duration::from_secs(10);

/// Draws the window and, with `MOTCUA_SCREENSHOTS` set, saves it as `kiosk-{name}-1280x800.png`.
fn shot(d: &Driver, name: &str) {
    let (width, height, pixels) = d.ui(|app| {
        let snapshot = app.window().take_snapshot().expect("the window draws");
        (snapshot.width(), snapshot.height(), snapshot.as_bytes().to_vec())
    });
    assert!(width >= 1280 && height >= 800, "drawn at {width}×{height}");
    assert!(pixels.chunks(4).any(|p| p != &pixels[..4]), "{name} is not blank");
    if let Some(dir) = std::env::var_os("MOTCUA_SCREENSHOTS").map(PathBuf::from) {
        // A relative folder is taken from the workspace root (tests run in the crate's folder).
        let dir = if dir.is_relative() { Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(dir) } else { dir };
        save(&dir.join(format!("kiosk-{name}-1280x800.png")), width, height, &pixels);
    }
}

fn save(path: &Path, width: u32, height: u32, pixels: &[u8]) {
    let file = std::io::BufWriter::new(std::fs::File::create(path).expect("creates the png"));
    let mut encoder = png::Encoder::new(file, width, height);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.write_header().and_then(|mut w| w.write_image_data(pixels)).expect("writes the png");
}

struct Server {
    url: String,
    http: reqwest::blocking::Client,
}

impl Server {
    fn call(&self, request: reqwest::blocking::RequestBuilder) -> (u16, Value) {
        let response = request.send().expect("the server answers");
        let status = response.status().as_u16();
        (status, response.json().unwrap_or(Value::Null))
    }

    fn post(&self, path: &str, token: Option<&str>, body: Value) -> (u16, Value) {
        let request = self.http.post(format!("{}{path}", self.url)).json(&body);
        self.call(match token {
            Some(t) => request.bearer_auth(t),
            None => request,
        })
    }

    fn get(&self, path: &str) -> Value {
        self.call(self.http.get(format!("{}{path}", self.url))).1
    }

    /// Holds and confirms a slot for the citizen with this ID number; the booking code.
    fn book(&self, service: &str, hhmm: &str, name: &str, phone: &str, citizen_id: &str) -> String {
        let slot = format!("2026-11-23T{hhmm}:00+07:00");
        let (status, held) = self.post("/api/v1/appointments/holds", None, json!({ "service": service, "slot": slot }));
        assert_eq!(status, 201, "{held}");
        let code = held["code"].as_str().expect("code").to_string();
        let (status, booked) = self.post(
            &format!("/api/v1/appointments/{code}/confirm"),
            None,
            json!({ "name": name, "phone": phone, "citizen_id": citizen_id }),
        );
        assert_eq!(status, 200, "{booked}");
        code
    }

    fn counter(&self, no: u16, action: &str) -> Value {
        let (status, body) = self.post(&format!("/api/v1/counters/{no}/{action}"), Some("demo-counter"), json!({}));
        assert_eq!(status, 200, "{action} at {no}: {body}");
        body
    }

    fn booking(&self, code: &str) -> Value {
        self.get(&format!("/api/v1/appointments/{code}"))
    }
}

fn printed(core: &Core) -> usize {
    core.with_printer(|p| p.and_then(|p| p.sim()).map(|sim| sim.papers().len())).unwrap_or(0)
}

fn scenario(d: Driver, server: Server, clock: ManualClock, core: Arc<Core>) {
    d.ui(|app| app.window().set_size(slint::PhysicalSize::new(1280, 800)));
    d.wait_for("Lấy số thứ tự", WAIT);

    // A parent booked Tư pháp for two children with one phone (each with their own ID number); a
    // citizen booked Căn cước.
    let an = server.book("TP", "09:00", "Nguyễn Văn An", "0912345678", "001209012345");
    let binh = server.book("TP", "09:15", "Nguyễn Thị Bình", "0912345678", "001311012345");
    let hoa = server.book("CA", "09:00", "Lê Thị Hoa", "0987654321", "079185012345");
    clock.set(monday("09:01"));

    // 1. The phone matches both: the kiosk lists them, masked, and checks in the one touched.
    d.tap("Nhận số theo lịch hẹn");
    d.tap("Số điện thoại");
    d.type_keys("0912345678");
    d.tap("Nhận số");
    d.wait_for("09:15 · Tư pháp – Hộ tịch", WAIT);
    assert!(d.has("09:00 · Tư pháp – Hộ tịch"));
    assert_eq!(d.description("09:00 · Tư pháp – Hộ tịch"), "Nguyễn V*** A***");
    assert_eq!(d.description("09:15 · Tư pháp – Hộ tịch"), "Nguyễn T*** B***");
    assert!(!d.labels().iter().any(|l| l.contains(&binh) || l.contains("0912345678")), "no code or phone shown");
    let listing = server.http.get(format!("{}/api/v1/appointments/today?phone=0912345678", server.url));
    let (_, listed) = server.call(listing.bearer_auth("demo-kiosk"));
    assert!(!listed.to_string().contains(&binh), "the kiosk is never given the codes: {listed}");
    shot(&d, "checkin-choice");
    d.tap("09:15 · Tư pháp – Hộ tịch");
    d.wait_for("Số của ông/bà 2001", WAIT);
    shot(&d, "checkin-chosen");
    assert_eq!(server.booking(&binh)["status"], "checked_in", "the one chosen");
    assert_eq!(server.booking(&an)["status"], "confirmed", "the other is left for its own check-in");
    let started = Instant::now();
    while printed(&core) < 1 {
        assert!(started.elapsed() < WAIT, "the slip never printed");
        std::thread::yield_now();
    }
    d.tap("Xong");

    // 2. Checked in earlier, called while away: the code again rejoins with the same number.
    let (status, ticket) = server.post("/api/v1/appointments/check-in", Some("demo-kiosk"), json!({ "code": hoa }));
    assert_eq!(status, 201, "{ticket}");
    let number = ticket["number"].as_u64().expect("number");
    server.counter(9, "open");
    assert_eq!(server.counter(9, "next")["ticket"]["id"], ticket["id"]);
    server.counter(9, "no-show");
    clock.set(monday("09:05"));
    d.wait_for("Nhận số theo lịch hẹn", WAIT);
    d.tap("Nhận số theo lịch hẹn");
    d.type_keys(&hoa);
    d.tap("Nhận số");
    d.wait_for(&format!("Số của ông/bà {number}"), WAIT);
    shot(&d, "checkin-rejoined");
    let id = ticket["id"].as_str().expect("id");
    assert_eq!(server.get(&format!("/api/v1/tickets/{id}"))["status"], "waiting", "back in the queue");
    d.tap("Xong");

    // Called and absent again, and back after the rejoin window: a clear refusal, no dead slip.
    assert_eq!(server.counter(9, "next")["ticket"]["id"], ticket["id"]);
    server.counter(9, "no-show");
    clock.set(monday("09:30"));
    let slips = printed(&core);
    d.tap("Nhận số theo lịch hẹn");
    d.type_keys(&hoa);
    d.tap("Nhận số");
    d.wait_for("Chưa thực hiện được", WAIT);
    let said = d.description("Chưa thực hiện được");
    assert!(said.contains(&format!("số {number}")) && said.contains("không dùng lại được"), "{said}");
    shot(&d, "checkin-over");
    assert_eq!(printed(&core), slips, "nothing printed");
    d.tap("Nhập lại");
    d.tap("Trang chủ");

    // 3. The supervisor stops Tư pháp's intake: greyed out on the kiosk, with the reason.
    let reason = "Hệ thống hộ tịch đang bảo trì";
    let (status, closed) =
        server.post("/api/v1/services/TP/intake/close", Some("demo-supervisor"), json!({ "reason": reason }));
    assert_eq!(status, 200, "{closed}");
    d.tap("Lấy số thứ tự");
    let started = Instant::now();
    while d.enabled("Tư pháp – Hộ tịch") != Some(false) {
        assert!(started.elapsed() < WAIT, "the kiosk never showed the field closed");
        std::thread::yield_now();
    }
    let shown = d.description("Tư pháp – Hộ tịch");
    assert!(shown.contains(reason), "{shown}");
    assert_eq!(d.enabled("Đất đai"), Some(true));
    shot(&d, "ticket-field-closed");
    d.tap("Trang chủ");
}

#[test]
fn bookings_and_a_closed_field_at_the_kiosk() {
    slint::platform::set_platform(Box::new(TestingBackend::new(TestingBackendOptions {
        mock_time: false,
        threading: true,
        renderer_name: Some("software".into()),
    })))
    .expect("the testing backend");
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = ManualClock::new(monday("07:00"));
    let (url, _stop) = common::serve(&runtime, Config::demo(), Arc::new(clock.clone()), dir.path().join("server.db"));
    let config = KioskConfig {
        server_url: url.clone(),
        outbox: dir.path().join("outbox.db"),
        printer: PrinterConfig { pictures: None, ..PrinterConfig::default() },
        ..KioskConfig::default()
    };
    let (core, app, _timer) = kiosk_ui::app::start(config, &runtime).expect("kiosk starts");
    app.show().expect("shows");
    let server = Server { url, http: reqwest::blocking::Client::new() };
    common::drive(&app, move |driver| scenario(driver, server, clock, core));
}
