//! The waiting-room board's call-outs in real headless Chromium, in chime-only mode (speech
//! switched off, as on a server without espeak-ng): three calls made within one second give three
//! chimes, in the order of the calls, each played to its end. Asserted on the page's own record of
//! its audio queue (`window.boardAudio`), which holds how far each clip played, not by timing.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::webdriver::{Browser, BrowserOptions};
use queue_server::Config;
use queue_server::domain::ManualClock;
use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(30);

#[test]
fn the_board_test_passes_with_the_clock_a_year_ahead() {
    common::rerun_with_clock_ahead(365, &["three_calls_within_a_second_give_three_whole_chimes_in_order"]);
}

#[test]
fn three_calls_within_a_second_give_three_whole_chimes_in_order() {
    common::check_clock_ahead();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = Config::demo();
    config.voice = None;
    let clock = ManualClock::new(common::centre_time("2026-11-30", "09:15"));
    let (server, _stop) = common::serve(&runtime, config, Arc::new(clock), dir.path().join("server.db"));
    let http = reqwest::blocking::Client::new();
    let post = |path: &str, token: &str, body: Value| -> Value {
        let r = http.post(format!("{server}{path}")).bearer_auth(token).json(&body).send().expect("answers");
        assert!(r.status().is_success(), "{path}: {}", r.status());
        r.json().expect("json")
    };
    for _ in 0..3 {
        post("/api/v1/tickets", "demo-kiosk", json!({ "service": "DD" }));
    }
    for counter in [1, 2, 3] {
        post(&format!("/api/v1/counters/{counter}/open"), "demo-counter", json!({}));
    }
    let speech =
        http.get(format!("{server}/api/v1/announcements/call.wav?number=1001&counter=1")).send().expect("answers");
    assert_eq!(speech.status(), 503, "speech is off: the board falls back to the chime");

    let board =
        Browser::start_with(&BrowserOptions { size: Some((1280, 720)), autoplay: true, ..BrowserOptions::default() });
    board.goto(&format!("{server}/board"));
    board.text_until("#counters", WAIT, |t| t.contains("Quầy 3"));

    // Three calls within one second.
    let called: Vec<String> = [1, 2, 3]
        .into_iter()
        .map(|counter| {
            post(&format!("/api/v1/counters/{counter}/next"), "demo-counter", json!({}))["ticket"]["number"].to_string()
        })
        .collect();
    let mut announced = Value::Null;
    board.wait_until("three announcements", WAIT, |b| {
        announced = b.script("return window.boardAudio.announced;");
        announced.as_array().is_some_and(|a| a.len() >= 3)
    });
    let announced = announced.as_array().expect("a list").clone();
    println!("the board's audio queue: {announced:?}");
    assert_eq!(announced.len(), 3, "one announcement per call, no more");
    let numbers: Vec<String> = announced.iter().map(|a| a["number"].to_string()).collect();
    assert_eq!(numbers, called, "in the order of the calls");
    for a in &announced {
        assert_eq!(a["how"], "chime", "{a}");
        let (played, duration) = (a["played"].as_f64().unwrap_or(0.0), a["duration"].as_f64().unwrap_or(0.0));
        assert!(duration > 1.0, "a whole chime lasts over a second: {a}");
        assert!(played >= duration - 0.05, "cut after {played:.2} s of {duration:.2} s: {a}");
    }
    assert_eq!(board.script("return window.boardAudio.waiting.length;"), json!(0));
    drop(runtime);
}
