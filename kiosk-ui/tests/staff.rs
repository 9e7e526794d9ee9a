//! The staff pages in real headless Chromium, three browsers as in a centre: an officer signs in at
//! `/counter` and calls the next citizen with the keyboard; the waiting-room TV on `/board` shows
//! the number and plays its spoken call; the supervisor's `/supervisor` counts follow live.
//!
//! The supervisor then opens today's report. With `MOTCUA_SCREENSHOTS=DIR` the pages are also saved as
//! PNGs into DIR (docs/img/).

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::webdriver::{Browser, BrowserOptions};
use queue_server::Config;
use queue_server::domain::SystemClock;
use serde_json::json;

const WAIT: Duration = Duration::from_secs(15);

/// `MOTCUA_SCREENSHOTS`, a relative path taken from the workspace root (tests run in the crate's
/// folder).
fn shots() -> Option<PathBuf> {
    let dir = PathBuf::from(std::env::var_os("MOTCUA_SCREENSHOTS")?);
    Some(if dir.is_relative() { Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(dir) } else { dir })
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
fn the_staff_pages_pass_with_the_clock_a_year_ahead() {
    common::rerun_with_clock_ahead(
        365,
        &[
            "an_officers_call_reaches_the_board_with_its_voice_and_the_dashboard_live",
            "a_supervisor_apologises_for_an_overdue_dossier_and_it_leaves_the_list",
        ],
    );
}

/// The centre's `HH:MM` now (the board shows it from the server's heartbeat).
fn centre_hhmm() -> String {
    jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::get("Asia/Ho_Chi_Minh").expect("tz"))
        .strftime("%H:%M")
        .to_string()
}

#[test]
fn an_officers_call_reaches_the_board_with_its_voice_and_the_dashboard_live() {
    common::check_clock_ahead();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let (server, _stop) = common::serve(&runtime, Config::demo(), Arc::new(SystemClock), dir.path().join("server.db"));
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

    // The waiting-room TV, its zone left on UTC: the clock it shows is the centre's.
    let board = Browser::start_with(&BrowserOptions {
        size: Some((1920, 1080)),
        time_zone: Some("UTC".into()),
        ..BrowserOptions::default()
    });
    board.goto(&format!("{server}/board"));
    board.text_until("#counters", WAIT, |t| t.contains("Quầy 12"));
    let clock = board.text_until("#clock", WAIT, |t| t.starts_with(&centre_hhmm()));
    assert!(clock.contains(" · Thứ ") || clock.contains(" · Chủ Nhật"), "{clock}");
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
    let called = officer.text_until("#queue li.next", WAIT, |t| !t.is_empty());
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

    // The officer sends the citizen on to Đất đai: the number stays, and the console, the board
    // and the ticket's page all say where it came from.
    officer.click("#act-transfer", WAIT);
    officer.script("document.getElementById('transfer-to').value = 'DD'; return null;");
    officer.click("#transfer-form button[type=submit]", WAIT);
    officer.text_until("#current-number", WAIT, |t| t == "—");
    officer.text_until("#queue", WAIT, |t| t.contains(&format!("{expected} · Đất đai · chuyển từ Xây dựng")));
    let post = |path: &str| -> serde_json::Value {
        http.post(format!("{server}{path}"))
            .bearer_auth("demo-counter")
            .json(&json!({}))
            .send()
            .and_then(|r| r.error_for_status())
            .and_then(|r| r.json())
            .expect(path)
    };
    post("/api/v1/counters/1/open");
    let call = post("/api/v1/counters/1/next");
    assert_eq!(call["ticket"]["number"].to_string(), expected, "it kept its place by arrival: {call}");
    assert_eq!(call["ticket"]["transferred_from"], "Xây dựng", "{call}");
    board.text_until("#counters .tile[data-counter=\"1\"] .moved", WAIT, |t| t == "chuyển từ Xây dựng");
    assert_eq!(board.text("#counters .tile[data-counter=\"1\"] .number"), expected);
    let id = call["ticket"]["id"].as_str().expect("id");
    supervisor.goto(&format!("{server}/t/{id}"));
    supervisor.text_until("#service", WAIT, |t| t == "Đất đai (chuyển từ Xây dựng, giữ nguyên số)");
}

#[test]
fn an_admin_previews_a_catalogue_file_and_applies_it_from_the_admin_page() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let (server, _stop) = common::serve(&runtime, Config::demo(), Arc::new(SystemClock), dir.path().join("server.db"));
    // The example catalogue as a province would send it next: one fee changed, one procedure gone,
    // saved by a spreadsheet set to Vietnamese (';' between columns).
    let example =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/catalogue.example.csv"))
            .expect("example catalogue");
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(example.as_bytes());
    let mut rows: Vec<Vec<String>> =
        reader.records().map(|r| r.expect("row").iter().map(String::from).collect()).collect();
    rows[1][8] = "75.000 đồng/hồ sơ".into();
    let gone = rows.remove(2)[1].clone();
    let file = dir.path().join("danh-muc-2026.csv");
    let mut writer = csv::WriterBuilder::new().delimiter(b';').from_path(&file).expect("file");
    for row in &rows {
        writer.write_record(row).expect("row");
    }
    writer.flush().expect("written");
    let changed = rows[1][1].clone();

    let admin = Browser::start_sized(1024, 900);
    sign_in(&admin, &format!("{server}/admin"), "quantri", "demo-quantri");
    admin.choose_file("#catalogue-file", &file);
    admin.click("#catalogue-preview", WAIT);
    let summary = admin.text_until("#catalogue-summary", WAIT, |t| !t.is_empty());
    assert!(summary.starts_with(&format!("Thêm 0\nSửa 1: {changed}\nBỏ 1: {gone}\nGiữ nguyên 63")), "{summary}");
    let http = reqwest::blocking::Client::new();
    let fee = |code: &str| -> serde_json::Value {
        let p: serde_json::Value = http
            .get(format!("{server}/api/v1/procedures/{code}"))
            .bearer_auth("demo-kiosk")
            .send()
            .and_then(|r| r.json())
            .expect("procedure");
        p["fee"].clone()
    };
    assert_ne!(fee(&changed), "75.000 đồng/hồ sơ", "a preview changes nothing");
    admin.click("#catalogue-apply", WAIT);
    admin.text_until("#catalogue-status", WAIT, |t| t.contains("Đã áp dụng"));
    assert_eq!(fee(&changed), "75.000 đồng/hồ sơ");
    assert_eq!(
        http.get(format!("{server}/api/v1/procedures/{gone}"))
            .bearer_auth("demo-kiosk")
            .send()
            .expect("answers")
            .status()
            .as_u16(),
        404
    );
    // A file that is no catalogue: the page says why, in Vietnamese.
    let wrong = dir.path().join("ghi-chu.csv");
    std::fs::write(&wrong, "Ngày,Nội dung\n1/12,họp giao ban\n").expect("file");
    admin.choose_file("#catalogue-file", &wrong);
    admin.click("#catalogue-preview", WAIT);
    let said = admin.text_until("#catalogue-status", WAIT, |t| t.contains("Mã thủ tục"));
    assert!(said.contains("Không thấy dòng tiêu đề"), "{said}");
}

#[test]
fn a_supervisor_apologises_for_an_overdue_dossier_and_it_leaves_the_list() {
    common::check_clock_ahead();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let (server, _stop) = common::serve(&runtime, Config::demo(), Arc::new(SystemClock), dir.path().join("server.db"));
    // A dossier received 20 days ago and due 2 days ago, still being processed: the province pushes it.
    let zone = jiff::tz::TimeZone::get("Asia/Ho_Chi_Minh").expect("tz");
    let now = jiff::Timestamp::now().to_zoned(zone);
    let days = |n: i64| now.checked_add(jiff::SignedDuration::from_hours(24 * n)).expect("date");
    let dvcqg = |z: &jiff::Zoned| z.strftime("%Y%m%d%H%M%S").to_string();
    let code = format!("H56.22-{}-0042", days(-20).strftime("%y%m%d"));
    let record = json!({
        "MaHoSo": code, "MaTTHC": "1.004227", "TenTTHC": "Đăng ký biến động quyền sử dụng đất",
        "ChuHoSo": "Lê Thị Hoa", "SoDienThoai": "0987654321", "TrangThaiHoSo": "4",
        "NgayTiepNhan": dvcqg(&days(-20)), "NgayHenTra": dvcqg(&days(-2)),
    });
    common::push_dossiers(&server, vec![record]);

    let supervisor = Browser::start_sized(1440, 1000);
    sign_in(&supervisor, &format!("{server}/supervisor"), "giamsat", "demo-giamsat");
    let row = format!("#overdue tr[data-code=\"{code}\"]");
    let listed = supervisor.text_until(&row, WAIT, |t| !t.is_empty());
    assert!(listed.contains("Lê T*** H***") && listed.contains("Đăng ký biến động"), "{listed}");
    supervisor.script("window.stillHere = 'yes'; return null;");
    supervisor.click(&format!("{row} button"), WAIT);
    supervisor.type_into("#apology-reason", "Chờ kết quả đo đạc lại thửa đất");
    // The first day from 5 days on that the centre works (whatever day the suite runs).
    let schedule = Config::demo().centre.schedule.clone();
    let new_date = (5..40)
        .map(days)
        .find(|d| schedule.works_on(d.date()))
        .expect("a working day within weeks")
        .strftime("%Y-%m-%d")
        .to_string();
    supervisor.script(&format!("document.getElementById('apology-date').value = '{new_date}'; return null;"));
    supervisor.click("#apology-form button[type=submit]", WAIT);
    let done = supervisor.text_until("#apology-done", WAIT, |t| t.contains(&code));
    assert!(done.contains("tin nhắn đã vào hàng gửi"), "{done}");
    supervisor.wait_until("the dossier leaves the list", WAIT, |b| {
        b.script(&format!("return document.querySelector('{}') === null;", row.replace('\'', "\\'"))) == json!(true)
    });
    assert_eq!(supervisor.script("return window.stillHere || null;"), json!("yes"), "no reload");
    let href = supervisor.script("return document.querySelector('#apology-done a').getAttribute('href');");
    assert_eq!(href, json!(format!("/api/v1/dossiers/{code}/apology.pdf")));
    // The letter the link gives, with the supervisor's session.
    let pdf = supervisor.script(
        "return fetch(document.querySelector('#apology-done a').href).then(r => r.headers.get('content-type') + ' ' + r.status);",
    );
    assert_eq!(pdf, json!("application/pdf 200"));
    if let Some(dir) = shots() {
        supervisor.screenshot(&dir.join("supervisor-apology.png"));
    }
}
