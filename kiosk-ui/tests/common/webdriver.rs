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

/// How a browser is started: its window, and the device's clock and zone as real phones and TVs
/// have them wrong.
#[derive(Debug, Clone, Default)]
pub struct BrowserOptions {
    /// Page width and height in CSS pixels (a phone, 412×915, when `None`).
    pub size: Option<(u32, u32)>,
    /// The browser's time zone (`Emulation.setTimezoneOverride`), e.g. `UTC`.
    pub time_zone: Option<String>,
    /// A `faketime` offset for the browser's own clock, e.g. `-10m` (Debian's `faketime`).
    pub clock_offset: Option<String>,
    /// Let pages play sound without a tap (as the board's TV is started).
    pub autoplay: bool,
}

impl Browser {
    /// Starts chromedriver and a headless Chromium with a phone-sized window and a fresh profile.
    pub fn start() -> Browser {
        Browser::start_with(&BrowserOptions::default())
    }

    /// Starts chromedriver and a headless Chromium with a `width`×`height` window.
    pub fn start_sized(width: u32, height: u32) -> Browser {
        Browser::start_with(&BrowserOptions { size: Some((width, height)), ..BrowserOptions::default() })
    }

    /// Starts chromedriver and a headless Chromium as `options` say, with a fresh profile.
    pub fn start_with(options: &BrowserOptions) -> Browser {
        let (width, height) = options.size.unwrap_or((412, 915));
        let port = free_port();
        let mut command = Command::new("chromedriver");
        if let Some(offset) = &options.clock_offset {
            // libfaketime preloaded into chromedriver itself (not the `faketime` wrapper, whose
            // process would stand between the test and the driver it must be able to stop); the
            // browser it starts inherits it.
            command.envs(super::faketime_env(offset));
        }
        let driver = command
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver runs (apt-get install chromium chromium-driver faketime)");
        let profile = tempfile::tempdir().expect("profile dir");
        let http = reqwest::blocking::Client::builder().timeout(Duration::from_secs(60)).build().expect("client");
        let base = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        while !http.get(format!("{base}/status")).send().is_ok_and(|r| r.status().is_success()) {
            assert!(started.elapsed() < Duration::from_secs(20), "chromedriver did not start");
            std::thread::yield_now();
        }
        let mut args = vec![
            "--headless=new".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-dev-shm-usage".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            format!("--window-size={width},{height}"),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        if options.autoplay {
            args.push("--autoplay-policy=no-user-gesture-required".into());
        }
        let capabilities = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": "/usr/bin/chromium", "args": args },
        }}});
        let session: Value =
            http.post(format!("{base}/session")).json(&capabilities).send().and_then(|r| r.json()).expect("session");
        let id = session["value"]["sessionId"].as_str().unwrap_or_else(|| panic!("no session: {session}")).to_string();
        let browser = Browser { http, base: format!("{base}/session/{id}"), driver, _profile: profile };
        // The window size counts the browser's own bars; make the page itself width×height.
        let inner =
            browser.script("return [window.outerWidth - window.innerWidth, window.outerHeight - window.innerHeight];");
        let extra = |i: usize| u32::try_from(inner[i].as_u64().unwrap_or(0)).unwrap_or(0);
        let rect = json!({ "width": width + extra(0), "height": height + extra(1) });
        browser.call(reqwest::Method::POST, "/window/rect", Some(rect));
        if let Some(zone) = &options.time_zone {
            let value = browser.cdp("Emulation.setTimezoneOverride", json!({ "timezoneId": zone }));
            assert!(value.is_object() || value.is_null(), "time zone override refused: {value}");
        }
        browser
    }

    /// Runs a DevTools protocol command in the current tab.
    pub fn cdp(&self, cmd: &str, params: Value) -> Value {
        self.call(reqwest::Method::POST, "/goog/cdp/execute", Some(json!({ "cmd": cmd, "params": params })))
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

    /// Runs axe-core (from the npm registry, `npm ci` at the repository's root: `.ci/run` does it)
    /// over the page as it stands, for WCAG 2 A and AA rules; each violation as `rule (impact):
    /// elements`. Empty: none found.
    pub fn axe(&self) -> Vec<String> {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../node_modules/axe-core/axe.min.js");
        let source = std::fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("{path}: {e}; run `npm ci` at the repository's root (.ci/run does)"));
        self.script(&format!("{source}\nwindow.axe = axe; return null;"));
        let run = "const done = arguments[arguments.length - 1];\
                   window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa'] } })\
                   .then((r) => done(r.violations.map((v) => v.id + ' (' + v.impact + '): ' +\
                   v.nodes.map((n) => n.target.join(' ')).join(', '))))\
                   .catch((e) => done(['axe did not run: ' + e]));";
        let found = self.call(reqwest::Method::POST, "/execute/async", Some(json!({ "script": run, "args": [] })));
        found
            .as_array()
            .map(|a| a.iter().map(|v| v.as_str().unwrap_or_default().to_string()).collect())
            .unwrap_or_else(|| vec![format!("axe answered {found}")])
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

    /// Clicks the element matching `css` once it is there. A page that redrew the element between
    /// finding and clicking it (a live list refreshed) gets the new one clicked, as a person's
    /// click lands on whatever is there.
    pub fn click(&self, css: &str, within: Duration) {
        let deadline = std::time::Instant::now() + within;
        loop {
            let el = self.element(css, deadline.saturating_duration_since(std::time::Instant::now()));
            let value = self.call(reqwest::Method::POST, &format!("/element/{el}/click"), Some(json!({})));
            let stale = value["error"] == json!("stale element reference");
            if value.is_null() || !stale || std::time::Instant::now() >= deadline {
                assert!(value.is_null(), "click on {css} failed: {value}");
                return;
            }
        }
    }

    /// Clears the field matching `css` and types `text` into it.
    pub fn type_into(&self, css: &str, text: &str) {
        let el = self.element(css, Duration::from_secs(5));
        self.call(reqwest::Method::POST, &format!("/element/{el}/clear"), Some(json!({})));
        let value = self.call(reqwest::Method::POST, &format!("/element/{el}/value"), Some(json!({ "text": text })));
        assert!(value.is_null(), "typing into {css} failed: {value}");
    }

    /// Chooses the file at `path` in the file input matching `css`.
    pub fn choose_file(&self, css: &str, path: &std::path::Path) {
        let el = self.element(css, Duration::from_secs(5));
        let text = path.display().to_string();
        let value = self.call(reqwest::Method::POST, &format!("/element/{el}/value"), Some(json!({ "text": text })));
        assert!(value.is_null(), "choosing {text} in {css} failed: {value}");
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

impl Browser {
    /// Presses and releases one key, as on a keyboard, wherever the focus is.
    pub fn key(&self, key: &str) {
        let actions = json!({ "actions": [{ "type": "key", "id": "keyboard", "actions": [
            { "type": "keyDown", "value": key }, { "type": "keyUp", "value": key } ] }] });
        let value = self.call(reqwest::Method::POST, "/actions", Some(actions));
        assert!(value.is_null(), "key {key} failed: {value}");
    }

    /// Saves a PNG of the window to `path`.
    pub fn screenshot(&self, path: &std::path::Path) {
        let value = self.call(reqwest::Method::GET, "/screenshot", None);
        let png = base64(value.as_str().expect("screenshot data"));
        assert!(png.starts_with(b"\x89PNG"), "not a PNG");
        std::fs::write(path, png).expect("screenshot written");
    }
}

/// Decodes standard base64 (what WebDriver sends screenshots in).
fn base64(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let digits: Vec<u8> = text.bytes().filter_map(value).collect();
    let mut out = Vec::with_capacity(digits.len() * 3 / 4);
    for chunk in digits.chunks(4) {
        let n = chunk.iter().enumerate().fold(0u32, |acc, (i, &d)| acc | (u32::from(d) << (18 - 6 * i)));
        out.extend(n.to_be_bytes()[1..chunk.len()].iter());
    }
    out
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.http.delete(&self.base).send();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
