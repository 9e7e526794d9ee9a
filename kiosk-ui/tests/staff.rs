//! The staff pages in real headless Chromium, three browsers as in a centre: an officer signs in at
//! `/counter` and calls the next citizen with the keyboard; the waiting-room TV on `/board` shows
//! the number and plays its spoken call; the supervisor's `/supervisor` counts follow live.
//!
//! The supervisor then opens today's report. With `MOTCUA_SCREENSHOTS=DIR` the pages are also saved as
//! PNGs into DIR (docs/img/).

mod common;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::webdriver::Browser;
use queue_server::domain::SystemClock;
use queue_server::{Config, Options};
use serde_json::json;

const WAIT: Duration = Duration::from_secs(15);

fn serve(runtime: &tokio::runtime::Runtime, db: PathBuf) -> (String, tokio::sync::oneshot::Sender<()>) {
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let url = runtime.block_on(async {
        let options = Options { config: Config::demo(), db, demo: true, clock: Arc::new(SystemClock) };
        let app = queue_server::build(options).expect("builds");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("binds");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(queue_server::run(listener, app, async move {
            let _ = stopped.await;
        }));
        url
    });
    (url, stop)
}

fn shots() -> Option<PathBuf> {
    std::env::var_os("MOTCUA_SCREENSHOTS").map(PathBuf::from)
}

/// Signs in on the form the page answered with (401 and the form, for an anonymous visitor).
fn sign_in(browser: &Browser, url: &str, user: &str, password: &str) {
    browser.goto(url);
    browser.type_into("#username", user);
    browser.type_into("#password", password);
    browser.click("#submit", WAIT);
}

fn issue(http: &reqwest::blocking::Client, server: &str, service: &str) -> u64 {
    let answer: serde_json::Value = http
        .post(format!("{server}/api/v1/tickets"))
        .bearer_auth("demo-kiosk")
        .json(&json!({ "service": service }))
        .send()
        .and_then(|r| r.error_for_status())
        .and_then(|r| r.json())
        .expect("ticket issued");
    answer["number"].as_u64().expect("number")
}

#[test]
fn an_officers_call_reaches_the_board_with_its_voice_and_the_dashboard_live() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let (server, _stop) = serve(&runtime, dir.path().join("server.db"));
    let http = reqwest::blocking::Client::new();
    for service in ["XD", "DD", "DD", "TP", "CA", "CA", "KD"] {
        issue(&http, &server, service);
    }

    // The officer: /counter asks an anonymous visitor to sign in, then offers the counters.
    let officer = Browser::start_sized(1024, 700);
    sign_in(&officer, &format!("{server}/counter"), "canbo1", "demo-canbo1");
    officer.click("#counters button:nth-child(3)", WAIT);
    officer.text_until("#counter-name", WAIT, |t| t == "Quầy 3");
    officer.text_until("#queue", WAIT, |t| t.contains("Xây dựng") && t.contains("Đất đai"));

    // The waiting-room TV.
    let board = Browser::start_sized(1920, 1080);
    board.goto(&format!("{server}/board"));
    board.text_until("#counters", WAIT, |t| t.contains("Quầy 12"));
    board.click("#sound", WAIT);

    // The supervisor.
    let supervisor = Browser::start_sized(1440, 1000);
    sign_in(&supervisor, &format!("{server}/supervisor"), "giamsat", "demo-giamsat");
    supervisor.text_until("#kpi-waiting", WAIT, |t| t == "7");
    supervisor.script("window.stillHere = 'yes'; return null;");

    // A citizen takes a ticket at the kiosk: the dashboard counts it without a reload.
    let number = issue(&http, &server, "DD");
    supervisor.text_until("#kpi-waiting", WAIT, |t| t == "8");
    supervisor.text_until("#fields tr[data-field=\"DD\"] td:nth-child(2)", WAIT, |t| t == "3");

    // The officer presses N (Gọi tiếp): the first Xây dựng ticket is called at counter 3.
    let called = officer.text("#queue li.next");
    officer.key("n");
    let pressed = Instant::now();
    let expected = called.trim_start_matches("▶ ").split(' ').next().unwrap_or_default().to_string();
    assert!(!expected.is_empty() && expected != number.to_string(), "the next ticket is the oldest: {called}");
    let mut shown = String::new();
    board.wait_until("the board shows the call", Duration::from_secs(1), |b| {
        shown = b.text("#counters .tile[data-counter=\"3\"] .number");
        shown == expected
    });
    let latency = pressed.elapsed();
    println!("board showed {expected} at Quầy 3 {latency:?} after the key press");
    let latest = board.text("#recent li:first-child");
    assert!(latest.starts_with(&expected) && latest.ends_with("→ Quầy 3"), "{latest}");
    officer.text_until("#current-number", WAIT, |t| t == expected);

    // The board asked for the spoken call of that number and counter, and the file plays (> 1 s).
    board.text_until("#speaking", WAIT, |t| t.contains(&format!("số thứ tự {expected} đến quầy số 3")));
    let src = board.script("return document.getElementById('player').currentSrc;");
    let src = src.as_str().unwrap_or_default().to_string();
    assert!(src.ends_with(&format!("/api/v1/announcements/call.wav?number={expected}&counter=3")), "{src}");
    let mut duration = 0.0;
    board.wait_until("the call's audio is decoded", WAIT, |b| {
        duration = b.script("return document.getElementById('player').duration || 0;").as_f64().unwrap_or(0.0);
        duration > 1.0
    });
    println!("the call's audio lasts {duration:.2} s");

    // The dashboard moved live: one fewer waiting, counter 3 with its officer and ticket.
    supervisor.text_until("#kpi-waiting", WAIT, |t| t == "7");
    supervisor.text_until("#counters", WAIT, |t| t.contains("Nguyễn Thị Lan") && t.contains(&expected));
    assert_eq!(supervisor.script("return window.stillHere || null;"), json!("yes"), "no reload");

    // A kiosk's printer runs low: the alert and its suggested action appear on the dashboard live.
    let report = json!({ "kind": "kiosk", "printer": "paper_near_end", "displays": [] });
    let status = http
        .post(format!("{server}/api/v1/devices/health"))
        .bearer_auth("demo-kiosk")
        .json(&report)
        .send()
        .expect("health");
    assert!(status.status().is_success());
    supervisor.text_until(".alert[data-rule=\"printer_paper\"]", WAIT, |t| {
        t.contains("sắp hết giấy") && t.contains("Đề xuất: Thay cuộn giấy in nhiệt")
    });
    assert_eq!(supervisor.script("return window.stillHere || null;"), json!("yes"), "no reload");

    // The report of today shows the eight tickets, with its export links.
    supervisor.goto(&format!("{server}/reports"));
    supervisor.text_until("#total tbody tr td:nth-child(2)", WAIT, |t| t == "8");
    let xlsx = supervisor.script("return document.getElementById('xlsx').getAttribute('href');");
    assert!(xlsx.as_str().is_some_and(|h| h.starts_with("/api/v1/reports.xlsx?from=")), "{xlsx}");

    if let Some(dir) = shots() {
        std::fs::create_dir_all(&dir).expect("screenshot dir");
        officer.key("b");
        officer.text_until("#current-info", WAIT, |t| t.contains("đang phục vụ"));
        board.screenshot(&dir.join("board.png"));
        officer.screenshot(&dir.join("counter.png"));
        supervisor.screenshot(&dir.join("reports.png"));
        supervisor.goto(&format!("{server}/supervisor"));
        supervisor.text_until("#kpi-waiting", WAIT, |t| t == "7");
        supervisor.screenshot(&dir.join("supervisor.png"));
    }
}
