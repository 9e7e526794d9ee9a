//! The province's pages in real headless Chromium: two centre servers ship to a hub on a
//! PostgreSQL started here; a province supervisor signs in on `/province`, sees both centres and a
//! centre's fields, and a citizen's phone on `/waits` sees the waiting per field, both moving
//! without a reload as tickets are issued. Also run with every clock a year ahead (faketime): the
//! pages show the server's times, never the browser's.

mod common;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use common::webdriver::{Browser, BrowserOptions};
use province_hub::db;
use province_hub::pg::LocalCluster;
use queue_server::Config;
use queue_server::config::HubLink;
use queue_server::domain::ManualClock;
use serde_json::json;

const WAIT: Duration = Duration::from_secs(30);

fn shots() -> Option<PathBuf> {
    let dir = PathBuf::from(std::env::var_os("MOTCUA_SCREENSHOTS")?);
    Some(if dir.is_relative() { std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(dir) } else { dir })
}

#[test]
fn the_province_pages_pass_with_the_clock_a_year_ahead() {
    common::rerun_with_clock_ahead(365, &["the_province_view_and_the_public_waits_move_without_a_reload"]);
}

#[test]
fn the_province_view_and_the_public_waits_move_without_a_reload() {
    common::check_clock_ahead();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let cluster = LocalCluster::start(false).expect("postgres starts");
    let (hub_url, viewer, tokens, _stop_hub) = runtime.block_on(async {
        let hub = province_hub::connect(&province_hub::Config::for_database(cluster.url())).await.expect("hub");
        let viewer = db::add_viewer(&hub.pool, "Giám sát tỉnh", None).await.expect("viewer");
        let mut tokens = Vec::new();
        for (code, name, address) in province_hub::demo::CENTRES.iter().take(2) {
            tokens.push((code.to_string(), db::add_centre(&hub.pool, code, name, address).await.expect("centre")));
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("binds");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(province_hub::run(listener, hub, async move {
            let _ = stopped.await;
        }));
        (url, viewer, tokens, stop)
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = ManualClock::new(common::centre_time("2026-11-30", "09:15"));
    let mut centres = Vec::new();
    for (code, token) in &tokens {
        let mut config = Config::demo();
        config.hub = Some(HubLink {
            url: hub_url.clone(),
            unit_code: code.clone(),
            token: token.clone(),
            batch_size: 200,
            heartbeat_seconds: 1,
            retry_max_seconds: 1,
        });
        let db = dir.path().join(format!("{code}.db"));
        centres.push(common::serve(&runtime, config, Arc::new(clock.clone()), db));
    }
    let http = reqwest::blocking::Client::new();
    let issue = |server: &str, service: &str| {
        let r = http
            .post(format!("{server}/api/v1/tickets"))
            .bearer_auth("demo-kiosk")
            .json(&json!({ "service": service }))
            .send()
            .expect("answers");
        assert_eq!(r.status().as_u16(), 201);
    };
    issue(&centres[0].0, "DD");

    // The province supervisor signs in and sees both centres.
    let supervisor = Browser::start_sized(1366, 900);
    supervisor.goto(&format!("{hub_url}/province"));
    supervisor.type_into("#token", "not-the-token");
    supervisor.click("button[type=submit]", WAIT);
    supervisor.text_until(".error", WAIT, |t| t.contains("Mã xem không đúng"));
    let found = supervisor.axe();
    assert!(found.is_empty(), "/province sign-in with its error: {found:#?}");
    supervisor.type_into("#token", &viewer);
    supervisor.click("button[type=submit]", WAIT);
    let (a, b) = (&tokens[0].0, &tokens[1].0);
    supervisor.text_until(&format!("tr[data-code=\"{a}\"] .waiting"), WAIT, |t| t == "1");
    supervisor.text_until(&format!("tr[data-code=\"{b}\"] .uplink"), WAIT, |t| t.contains("giây trước"));
    supervisor.script("window.stillHere = 'yes';");
    // The status line carries the hub's time, whatever the browser's clock says.
    let status = supervisor.text("#status");
    assert!(status.contains("Cập nhật lúc") && status.contains("2 trung tâm"), "{status}");

    // A citizen's phone, in another time zone, on the public page.
    let phone =
        Browser::start_with(&BrowserOptions { time_zone: Some("Europe/Berlin".into()), ..BrowserOptions::default() });
    phone.goto(&format!("{hub_url}/waits"));
    phone.text_until(&format!("section[data-code=\"{a}\"] tr[data-field=\"DD\"] .waiting"), WAIT, |t| t == "1");
    phone.script("window.stillHere = 'yes';");

    // Centre B opens a counter and takes tickets: both pages move without a reload.
    let open = http
        .post(format!("{}/api/v1/counters/1/open", centres[1].0))
        .bearer_auth("demo-counter")
        .json(&json!({}))
        .send()
        .expect("opens");
    assert!(open.status().is_success());
    issue(&centres[1].0, "DD");
    issue(&centres[1].0, "DD");
    issue(&centres[1].0, "TP");
    supervisor.text_until(&format!("tr[data-code=\"{b}\"] .waiting"), WAIT, |t| t == "3");
    phone.text_until(&format!("section[data-code=\"{b}\"] tr[data-field=\"DD\"] .waiting"), WAIT, |t| t == "2");
    let estimate = phone.text(&format!("section[data-code=\"{b}\"] tr[data-field=\"DD\"]"));
    assert!(estimate.contains("khoảng") && estimate.contains("phút"), "{estimate}");
    assert_eq!(supervisor.script("return window.stillHere || null;"), json!("yes"), "no reload");
    assert_eq!(phone.script("return window.stillHere || null;"), json!("yes"), "no reload");

    // The drill-down: centre B's fields and counters.
    supervisor.click(&format!("tr[data-code=\"{b}\"] button"), WAIT);
    supervisor.text_until("#detail-title", WAIT, |t| t.contains(b.as_str()));
    supervisor.text_until("#detail-fields tbody", WAIT, |t| t.contains("Đất đai"));
    supervisor.text_until("#detail-counters tbody", WAIT, |t| t.contains("Đang mở"));
    // axe-core (WCAG 2 A and AA) over both pages as they stand, the drill-down open.
    let found = supervisor.axe();
    assert!(found.is_empty(), "/province: {found:#?}");
    let found = phone.axe();
    assert!(found.is_empty(), "/waits: {found:#?}");

    if let Some(dir) = shots() {
        std::fs::create_dir_all(&dir).expect("screenshot dir");
        supervisor.screenshot(&dir.join("province.png"));
        phone.screenshot(&dir.join("waits.png"));
    }
    drop(centres);
}
