//! The citizen's journey in real headless Chromium: booking a slot on `/book` (also with the code an
//! SMS gateway took to the phone), checking the booking code in
//! at the kiosk (Slint testing backend), and following a ticket on `/t/{ticket}` while counters
//! call, without reloading the page. The phone is set up as phones are found: its zone left on UTC
//! and its clock ten minutes off; the server runs on a manual clock on a fixed day. The tests run
//! again with the machine's clock a year ahead (`faketime`): no page depends on today's date.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::webdriver::{Browser, BrowserOptions};
use common::{monday, serve};
use queue_server::Config;
use queue_server::domain::ManualClock;

const WAIT: Duration = Duration::from_secs(15);

/// A phone left on UTC whose clock is ten minutes slow.
fn phone_with_a_wrong_clock() -> Browser {
    let browser = Browser::start_with(&BrowserOptions {
        time_zone: Some("UTC".into()),
        clock_offset: Some("-10m".into()),
        ..BrowserOptions::default()
    });
    browser.goto("about:blank");
    let zone = browser.script("return Intl.DateTimeFormat().resolvedOptions().timeZone;");
    assert_eq!(zone, serde_json::json!("UTC"), "the phone's zone");
    // Behind this machine's clock by ten minutes (by a year and ten minutes when the machine's own
    // clock is moved ahead).
    let phone_ms = browser.script("return Date.now();").as_i64().expect("ms");
    let off = jiff::Timestamp::now().as_millisecond() - phone_ms;
    assert!(off >= 540_000, "the phone's clock is {off} ms behind, not ten minutes");
    browser
}

#[test]
fn the_page_tests_pass_with_the_clock_a_year_ahead() {
    common::rerun_with_clock_ahead(
        365,
        &[
            "a_slot_booked_in_chromium_is_checked_in_at_the_kiosk",
            "the_ticket_page_follows_position_and_counter_without_reloading",
            "with_an_sms_gateway_the_booking_is_confirmed_with_the_code_sent_to_the_phone",
        ],
    );
}

#[test]
fn a_slot_booked_in_chromium_is_checked_in_at_the_kiosk() {
    common::check_clock_ahead();
    i_slint_backend_testing::init_integration_test_with_system_time();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = ManualClock::new(monday("07:00"));
    let config = Config::parse("example", queue_server::config::EXAMPLE).expect("example config");
    let (server, _stop) = serve(&runtime, config, Arc::new(clock.clone()), dir.path().join("server.db"));
    let (_core, app, _timer) = common::kiosk_window(&runtime, &server, dir.path());

    common::drive(&app, move |d| {
        // On the phone: field, day, a slot then another (each given back as the next is taken,
        // so the phone's share of two holds is never spent), 09:00, details (a wrong phone
        // first), confirmation.
        // Checked from another address than the phone's, so polling spends none of its budget.
        let http = reqwest::blocking::Client::builder()
            .local_address(Some(std::net::Ipv4Addr::new(127, 0, 0, 9).into()))
            .build()
            .expect("client");
        // Places left in a slot of the day (null when the answer has none, e.g. a 429).
        let left = |hhmm: &str| -> serde_json::Value {
            let slots: serde_json::Value = http
                .get(format!("{server}/api/v1/appointments/slots?service=CA&date=2026-11-23"))
                .send()
                .and_then(|r| r.json())
                .expect("slots");
            slots["slots"]
                .as_array()
                .and_then(|s| s.iter().find(|x| x["time"] == hhmm).map(|x| x["left"].clone()))
                .unwrap_or_default()
        };
        let browser = phone_with_a_wrong_clock();
        browser.goto(&format!("{server}/book"));
        browser.click("#services button[data-code='CA']", WAIT);
        browser.click("#days button[data-date='2026-11-23']", WAIT);
        for hhmm in ["09:30", "10:00", "10:30"] {
            browser.click(&format!("#slots button[data-start='2026-11-23T{hhmm}:00+07:00']"), WAIT);
            browser.text_until("#held", WAIT, |t| t.contains(&format!("Đang giữ chỗ {hhmm}")));
            assert_eq!(left(hhmm), 2, "{hhmm} held");
            browser.click("#days button[data-date='2026-11-23']", WAIT);
        }
        browser
            .wait_until("each hold given back", WAIT, |_| [left("09:30"), left("10:00"), left("10:30")] == [3, 3, 3]);
        // Another time straight away, without choosing the day again.
        browser.click("#slots button[data-start='2026-11-23T09:30:00+07:00']", WAIT);
        browser.text_until("#held", WAIT, |t| t.contains("Đang giữ chỗ 09:30"));
        browser.click("#slots button[data-start='2026-11-23T10:00:00+07:00']", WAIT);
        browser.text_until("#held", WAIT, |t| t.contains("Đang giữ chỗ 10:00"));
        browser.wait_until("09:30 given back", WAIT, |_| left("09:30") == 3);
        // Other citizens take every place of 10:30 while this page still shows it free: the pick
        // is refused and the 10:00 held is still held.
        let others: Vec<(reqwest::blocking::Client, String)> = [11u8, 11, 12]
            .iter()
            .map(|last| {
                let client = reqwest::blocking::Client::builder()
                    .local_address(Some(std::net::Ipv4Addr::new(127, 0, 0, *last).into()))
                    .build()
                    .expect("client");
                let held: serde_json::Value = client
                    .post(format!("{server}/api/v1/appointments/holds"))
                    .json(&serde_json::json!({ "service": "CA", "slot": "2026-11-23T10:30:00+07:00" }))
                    .send()
                    .and_then(|r| r.json())
                    .expect("held");
                (client, held["code"].as_str().map(String::from).unwrap_or_default())
            })
            .collect();
        assert_eq!(left("10:30"), 0, "10:30 taken by others");
        browser.click("#slots button[data-start='2026-11-23T10:30:00+07:00']", WAIT);
        let said = browser.text_until("#error", WAIT, |t| !t.is_empty());
        assert!(said.contains("Khung giờ 10:30 đã hết chỗ"), "the refusal says why: {said}");
        browser.text_until("#held", WAIT, |t| t.contains("Đang giữ chỗ 10:00"));
        assert_eq!(left("10:00"), 2, "the time held is kept after a refused pick");
        for (client, code) in others {
            client.post(format!("{server}/api/v1/appointments/{code}/release")).send().expect("released");
        }
        // A pick the server refuses says why and stays said: this phone's other tabs hold its share.
        browser.click("#days button[data-date='2026-11-23']", WAIT);
        browser.wait_until("10:00 given back", WAIT, |_| left("10:00") == 3);
        let same_phone = reqwest::blocking::Client::builder()
            .local_address(Some(std::net::Ipv4Addr::LOCALHOST.into()))
            .build()
            .expect("client");
        let other_tab: Vec<String> = ["13:30", "14:00"]
            .iter()
            .map(|hhmm| {
                let held: serde_json::Value = same_phone
                    .post(format!("{server}/api/v1/appointments/holds"))
                    .json(&serde_json::json!({ "service": "CA", "slot": format!("2026-11-23T{hhmm}:00+07:00") }))
                    .send()
                    .and_then(|r| r.json())
                    .expect("held");
                held["code"].as_str().map(String::from).unwrap_or_default()
            })
            .collect();
        // The phone holds two others: refused.
        browser.click("#slots button[data-start='2026-11-23T14:30:00+07:00']", WAIT);
        let said = browser.text_until("#error", WAIT, |t| !t.is_empty());
        assert!(said.contains("đang giữ 2 chỗ"), "{said}");
        browser.wait_until("the reason stays on screen with the day's slots", WAIT, |b| {
            b.element("#slots button[data-start='2026-11-23T14:30:00+07:00']", WAIT).len() > 0
                && !b.text("#error").is_empty()
        });
        for code in other_tab {
            same_phone.post(format!("{server}/api/v1/appointments/{code}/release")).send().expect("released");
        }
        browser.click("#days button[data-date='2026-11-23']", WAIT);
        // Leaving the page gives the hold back too.
        browser.click("#slots button[data-start='2026-11-23T11:00:00+07:00']", WAIT);
        browser.text_until("#held", WAIT, |t| t.contains("Đang giữ chỗ 11:00"));
        browser.goto("about:blank");
        browser.wait_until("the hold given back when the page was left", WAIT, |_| left("11:00") == 3);
        browser.goto(&format!("{server}/book"));
        browser.click("#services button[data-code='CA']", WAIT);
        browser.click("#days button[data-date='2026-11-23']", WAIT);
        browser.click("#slots button[data-start='2026-11-23T09:00:00+07:00']", WAIT);
        // The hold counts down from the configured 10 minutes whatever the phone's clock says.
        let held = browser.text_until("#held", WAIT, |t| t.contains("Đang giữ chỗ 09:00"));
        let shown = held.rsplit(" trong ").next().unwrap_or_default().trim_end_matches('.');
        let (mm, ss) = shown.split_once(':').unwrap_or_else(|| panic!("no countdown in «{held}»"));
        let left = mm.parse::<u32>().expect("minutes") * 60 + ss.parse::<u32>().expect("seconds");
        assert!((590..=600).contains(&left), "the hold starts at {shown}, not 10:00: «{held}»");
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
        d.wait_for("Nhận số theo lịch hẹn", WAIT);
        d.tap("Nhận số theo lịch hẹn");
        d.type_keys(&code);
        d.tap("Nhận số");
        d.wait_for("Số của ông/bà 4001", WAIT);
        let booking: serde_json::Value =
            http.get(format!("{server}/api/v1/appointments/{code}")).send().and_then(|r| r.json()).expect("booking");
        assert_eq!(booking["status"], "checked_in");
        assert_eq!(booking["ticket"], "20261123-CA-4001");
    });
}

#[test]
fn the_ticket_page_follows_position_and_counter_without_reloading() {
    common::check_clock_ahead();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    // 23:02:23 at the centre is 16:02:23 in UTC, the phone's zone.
    let clock = ManualClock::new(common::centre_time("2026-11-30", "23:02") + jiff::SignedDuration::from_secs(23));
    let (server, _stop) = serve(&runtime, Config::demo(), Arc::new(clock), dir.path().join("server.db"));
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

    let browser = phone_with_a_wrong_clock();
    browser.goto(&format!("{server}/t/{mine}"));
    browser.text_until("#position", WAIT, |t| t == "2 người");
    assert_eq!(browser.text("#number"), "1003");
    // The time shown is the centre's, from the server, not the phone's (16:02 in UTC, 10 min off).
    browser.text_until("#live", WAIT, |t| t == "Đang theo dõi trực tiếp · cập nhật lúc 23:02:23");
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

/// An SMS gateway on loopback keeping every message's text; its URL template.
fn sms_gateway(runtime: &tokio::runtime::Runtime) -> (String, Arc<std::sync::Mutex<Vec<String>>>) {
    use std::collections::HashMap;
    let texts: Arc<std::sync::Mutex<Vec<String>>> = Arc::default();
    let kept = texts.clone();
    let record = move |axum::extract::Query(q): axum::extract::Query<HashMap<String, String>>| {
        let kept = kept.clone();
        async move {
            kept.lock().expect("lock").push(q.get("text").cloned().unwrap_or_default());
            "OK"
        }
    };
    let url = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("binds");
        let url = format!("http://{}/send?to={{phone}}&text={{text}}", listener.local_addr().expect("addr"));
        let app = axum::Router::new().route("/send", axum::routing::get(record));
        tokio::spawn(async move { axum::serve(listener, app).await });
        url
    });
    (url, texts)
}

#[test]
fn with_an_sms_gateway_the_booking_is_confirmed_with_the_code_sent_to_the_phone() {
    common::check_clock_ahead();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let (gateway, texts) = sms_gateway(&runtime);
    let example = queue_server::config::EXAMPLE;
    let config = example.replacen("[appointments]", &format!("[appointments]\nsms_url = \"{gateway}\""), 1);
    let config = Config::parse("example", &config).expect("config with a gateway");
    assert!(config.verify_phone, "on by default with a gateway");
    let clock = ManualClock::new(monday("07:00"));
    let (server, _stop) = serve(&runtime, config, Arc::new(clock), dir.path().join("server.db"));

    let browser = phone_with_a_wrong_clock();
    browser.goto(&format!("{server}/book"));
    browser.click("#services button[data-code='CA']", WAIT);
    browser.click("#days button[data-date='2026-11-23']", WAIT);
    browser.click("#slots button[data-start='2026-11-23T09:30:00+07:00']", WAIT);
    browser.text_until("#held", WAIT, |t| t.contains("Đang giữ chỗ 09:30"));
    browser.type_into("#name", "Trần Thị Hoa");
    browser.type_into("#phone", "0912 345 678");
    // Confirming before asking for the code says what to do.
    browser.click("#confirm", WAIT);
    let error = browser.text_until("#error", WAIT, |t| !t.is_empty());
    assert!(error.contains("Gửi mã xác nhận"), "{error}");
    browser.click("#send-code", WAIT);
    let note = browser.text_until("#verify-note", WAIT, |t| t.starts_with("Đã gửi mã"));
    assert!(note.contains("09******78") && note.contains("gửi lại 2 lần"), "{note}");
    let started = std::time::Instant::now();
    let text = loop {
        if let Some(text) = texts.lock().expect("lock").first().cloned() {
            break text;
        }
        assert!(started.elapsed() < WAIT, "no message reached the gateway");
        std::thread::yield_now();
    };
    let code =
        text.split(|c: char| !c.is_ascii_digit()).rfind(|run| run.len() == 6).expect("a 6-digit code").to_string();
    assert!(text.contains("Căn cước") && text.contains("09:30"), "{text}");
    let wrong = if code == "000000" { "111111" } else { "000000" };
    browser.type_into("#otp", wrong);
    browser.click("#confirm", WAIT);
    browser.text_until("#error", WAIT, |t| t.contains("còn 4 lần"));
    browser.type_into("#otp", &code);
    browser.click("#confirm", WAIT);
    let booking = browser.text_until("#code", WAIT, |t| t.len() == 6);
    assert!(browser.text("#summary").contains("09:30"), "{}", browser.text("#summary"));
    eprintln!("booked in Chromium with the code from the SMS: {booking}");
    drop(runtime);
}
