//! A small W3C WebDriver client for real headless Chromium (Debian's `chromium` and
//! `chromium-driver`): enough to open pages, find elements by CSS, click, type, read text and run
//! a script. Every wait polls with a deadline.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A browser session; the driver and the browser end when it is dropped.
pub struct Browser {
    http: reqwest::blocking::Client,
    base: String,
    driver: Child,
    _profile: tempfile::TempDir,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

impl Browser {
    /// Starts chromedriver and a headless Chromium with a phone-sized window and a fresh profile.
    pub fn start() -> Browser {
        let port = free_port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver runs (apt-get install chromium chromium-driver)");
        let profile = tempfile::tempdir().expect("profile dir");
        let http = reqwest::blocking::Client::builder().timeout(Duration::from_secs(60)).build().expect("client");
        let base = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        while !http.get(format!("{base}/status")).send().is_ok_and(|r| r.status().is_success()) {
            assert!(started.elapsed() < Duration::from_secs(20), "chromedriver did not start");
            std::thread::yield_now();
        }
        let args = [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=412,915",
            &format!("--user-data-dir={}", profile.path().display()),
        ];
        let capabilities = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": "/usr/bin/chromium", "args": args },
        }}});
        let session: Value =
            http.post(format!("{base}/session")).json(&capabilities).send().and_then(|r| r.json()).expect("session");
        let id = session["value"]["sessionId"].as_str().unwrap_or_else(|| panic!("no session: {session}")).to_string();
        Browser { http, base: format!("{base}/session/{id}"), driver, _profile: profile }
    }

    fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let answer: Value = request.send().and_then(|r| r.json()).expect("webdriver answers");
        answer["value"].clone()
    }

    /// Opens a page and waits until it has loaded.
    pub fn goto(&self, url: &str) {
        let value = self.call(reqwest::Method::POST, "/url", Some(json!({ "url": url })));
        assert!(value.is_null(), "navigation failed: {value}");
    }

    /// Runs a script (its `return` value comes back).
    pub fn script(&self, script: &str) -> Value {
        self.call(reqwest::Method::POST, "/execute/sync", Some(json!({ "script": script, "args": [] })))
    }

    fn find(&self, css: &str) -> Option<String> {
        let value =
            self.call(reqwest::Method::POST, "/element", Some(json!({ "using": "css selector", "value": css })));
        value[ELEMENT].as_str().map(String::from)
    }

    /// Waits until `check` holds, re-evaluating it; `what` names it in the failure.
    pub fn wait_until(&self, what: &str, within: Duration, mut check: impl FnMut(&Browser) -> bool) {
        let started = Instant::now();
        while !check(self) {
            assert!(started.elapsed() < within, "{what}: not within {within:?}; page says: {}", self.text("main"));
            std::thread::yield_now();
        }
    }

    /// Waits for a visible, enabled element matching `css`.
    pub fn element(&self, css: &str, within: Duration) -> String {
        let mut found = None;
        self.wait_until(&format!("element {css}"), within, |b| {
            found = b.find(css).filter(|el| {
                let shown = b.call(reqwest::Method::GET, &format!("/element/{el}/displayed"), None);
                let enabled = b.call(reqwest::Method::GET, &format!("/element/{el}/enabled"), None);
                shown == json!(true) && enabled == json!(true)
            });
            found.is_some()
        });
        found.unwrap_or_default()
    }

    /// Clicks the element matching `css` once it is there.
    pub fn click(&self, css: &str, within: Duration) {
        let el = self.element(css, within);
        let value = self.call(reqwest::Method::POST, &format!("/element/{el}/click"), Some(json!({})));
        assert!(value.is_null(), "click on {css} failed: {value}");
    }

    /// Clears the field matching `css` and types `text` into it.
    pub fn type_into(&self, css: &str, text: &str) {
        let el = self.element(css, Duration::from_secs(5));
        self.call(reqwest::Method::POST, &format!("/element/{el}/clear"), Some(json!({})));
        let value = self.call(reqwest::Method::POST, &format!("/element/{el}/value"), Some(json!({ "text": text })));
        assert!(value.is_null(), "typing into {css} failed: {value}");
    }

    /// The visible text of the first element matching `css` ("" when there is none).
    pub fn text(&self, css: &str) -> String {
        match self.find(css) {
            Some(el) => self
                .call(reqwest::Method::GET, &format!("/element/{el}/text"), None)
                .as_str()
                .unwrap_or_default()
                .to_string(),
            None => String::new(),
        }
    }

    /// Waits until the element's text satisfies `check`, returning it.
    pub fn text_until(&self, css: &str, within: Duration, check: impl Fn(&str) -> bool) -> String {
        let mut last = String::new();
        self.wait_until(&format!("text of {css}"), within, |b| {
            last = b.text(css);
            check(&last)
        });
        last
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.http.delete(&self.base).send();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
