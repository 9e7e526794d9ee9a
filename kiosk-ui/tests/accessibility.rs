//! axe-core (WCAG 2 A and AA rules) over every page of the centre in headless Chromium, each as
//! its people see it: the citizen's booking steps, dossier lookup (with an answer) and ticket
//! page; the sign-in form; the officer's console with a counter taken; the waiting-room board;
//! the supervisor's dashboard with its charts drawn; the reports with theirs; the admin page;
//! a page that does not exist. The province's pages are checked in `province_pages.rs`.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::webdriver::Browser;
use queue_server::Config;
use queue_server::domain::SystemClock;
use serde_json::json;

const WAIT: Duration = Duration::from_secs(15);

fn sign_in(browser: &Browser, url: &str, user: &str, password: &str) {
    browser.goto(url);
    browser.type_into("#username", user);
    browser.type_into("#password", password);
    browser.click("#submit", WAIT);
}

/// axe over the page now; `page` names it in the failure.
fn no_violations(browser: &Browser, page: &str) {
    let found = browser.axe();
    assert!(found.is_empty(), "{page}: {found:#?}");
}

#[test]
fn every_page_of_the_centre_passes_axe() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let (server, _stop) = common::serve(&runtime, Config::demo(), Arc::new(SystemClock), dir.path().join("server.db"));
    let http = reqwest::blocking::Client::new();
    let mut ticket = String::new();
    for service in ["XD", "DD", "DD", "TP"] {
        let answer: serde_json::Value = http
            .post(format!("{server}/api/v1/tickets"))
            .bearer_auth("demo-kiosk")
            .json(&json!({ "service": service }))
            .send()
            .and_then(|r| r.json())
            .expect("ticket issued");
        ticket = answer["id"].as_str().expect("id").to_string();
    }
    let (dossier, _) = queue_server::demo::dossier_codes().next().expect("a demo dossier");

    let phone = Browser::start_sized(412, 860);
    phone.goto(&format!("{server}/book"));
    phone.element("#services button", WAIT);
    no_violations(&phone, "/book: fields");
    phone.click("#services button[data-code='CA']", WAIT);
    phone.element("#days button", WAIT);
    no_violations(&phone, "/book: days");
    phone.goto(&format!("{server}/lookup"));
    no_violations(&phone, "/lookup");
    // The first demo dossier's applicant (phone ending 5678) looks it up: the answer is on the page.
    phone.goto(&format!("{server}/lookup?code={dossier}&phone_last4=5678"));
    phone.wait_until("the dossier's answer", WAIT, |b| {
        b.script("return document.querySelectorAll('main section').length;").as_u64() >= Some(2)
    });
    no_violations(&phone, "/lookup with a dossier");
    phone.goto(&format!("{server}/t/{ticket}"));
    phone.text_until("#service", WAIT, |t| !t.is_empty());
    no_violations(&phone, "/t/{ticket}");
    phone.goto(&format!("{server}/trang-khong-co"));
    no_violations(&phone, "a page that does not exist");

    let officer = Browser::start_sized(1024, 700);
    officer.goto(&format!("{server}/counter"));
    officer.element("#username", WAIT);
    no_violations(&officer, "sign-in form");
    sign_in(&officer, &format!("{server}/counter"), "canbo1", "demo-canbo1");
    officer.click("#counters button:nth-child(3)", WAIT);
    officer.text_until("#queue", WAIT, |t| t.contains("Xây dựng"));
    no_violations(&officer, "/counter");

    let board = Browser::start_sized(1920, 1080);
    board.goto(&format!("{server}/board"));
    board.text_until("#counters", WAIT, |t| t.contains("Quầy 12"));
    no_violations(&board, "/board");

    let supervisor = Browser::start_sized(1440, 1000);
    sign_in(&supervisor, &format!("{server}/supervisor"), "giamsat", "demo-giamsat");
    supervisor.text_until("#kpi-waiting", WAIT, |t| t == "4");
    supervisor.element("#chart-hours svg", WAIT);
    let said = supervisor.script("return document.querySelector('#chart-hours svg').getAttribute('aria-label');");
    assert!(said.as_str().is_some_and(|s| s.starts_with("Đến và được phục vụ theo giờ — ")), "{said}");
    no_violations(&supervisor, "/supervisor");
    supervisor.goto(&format!("{server}/reports"));
    supervisor.text_until("#total tbody tr td:nth-child(2)", WAIT, |t| t == "4");
    let said = supervisor.script("return document.querySelector('svg.chart').getAttribute('aria-label');");
    assert!(said.as_str().is_some_and(|s| s.starts_with("Số phiếu theo lĩnh vực: ")), "{said}");
    no_violations(&supervisor, "/reports");

    let admin = Browser::start_sized(1024, 900);
    sign_in(&admin, &format!("{server}/admin"), "quantri", "demo-quantri");
    admin.element("#catalogue-file", WAIT);
    no_violations(&admin, "/admin");
}
