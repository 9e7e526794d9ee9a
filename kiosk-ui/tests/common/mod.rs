//! Driving the kiosk window from a test thread: every step runs on the UI thread through
//! `invoke_from_event_loop`, elements are found by their accessible label, and waits poll with a
//! deadline.

#![allow(dead_code)]

pub mod proxy;
pub mod webdriver;

use std::os::unix::process::CommandExt;
use std::process::Command;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use i_slint_backend_testing::ElementHandle;
use kiosk_ui::ui::AppWindow;
use slint::{ComponentHandle, Weak};

/// The window, from the driver's thread.
#[derive(Clone)]
pub struct Driver(pub Weak<AppWindow>);

impl Driver {
    /// Runs `f` on the UI thread and returns its result.
    pub fn ui<R: Send + 'static>(&self, f: impl FnOnce(&AppWindow) -> R + Send + 'static) -> R {
        let (tx, rx) = mpsc::channel();
        let weak = self.0.clone();
        slint::invoke_from_event_loop(move || {
            let app = weak.upgrade().expect("window alive");
            let _ = tx.send(f(&app));
        })
        .expect("event loop running");
        rx.recv_timeout(Duration::from_secs(10)).expect("the UI thread answered")
    }

    /// Whether an element with this label is on screen.
    pub fn has(&self, label: &str) -> bool {
        let label = label.to_string();
        self.ui(move |app| ElementHandle::find_by_accessible_label(app, &label).next().is_some())
    }

    /// Waits until an element with this label is on screen.
    pub fn wait_for(&self, label: &str, within: Duration) {
        let started = Instant::now();
        while !self.has(label) {
            assert!(
                started.elapsed() < within,
                "«{label}» did not appear within {within:?}; on screen: {:?}",
                self.labels()
            );
            std::thread::yield_now();
        }
    }

    /// Touches the first enabled element with this label.
    pub fn tap(&self, label: &str) {
        self.wait_for(label, Duration::from_secs(5));
        let l = label.to_string();
        let tapped = self.ui(move |app| {
            let target =
                ElementHandle::find_by_accessible_label(app, &l).find(|e| e.accessible_enabled() != Some(false));
            target.map(|e| e.invoke_accessible_default_action()).is_some()
        });
        assert!(tapped, "«{label}» is on screen but disabled");
    }

    /// Types a string on the on-screen keypad, switching to letters where needed.
    pub fn type_keys(&self, text: &str) {
        for c in text.chars() {
            let key = format!("Phím {}", c.to_ascii_uppercase());
            if c.is_ascii_alphabetic() && !self.has(&key) {
                self.tap("Chữ cái");
            }
            self.tap(&key);
        }
    }

    /// Whether the element with this label is enabled.
    pub fn enabled(&self, label: &str) -> Option<bool> {
        let l = label.to_string();
        self.ui(move |app| ElementHandle::find_by_accessible_label(app, &l).next().and_then(|e| e.accessible_enabled()))
    }

    /// The description of the element with this label (messages put their text there).
    pub fn description(&self, label: &str) -> String {
        let l = label.to_string();
        self.ui(move |app| {
            ElementHandle::find_by_accessible_label(app, &l)
                .next()
                .and_then(|e| e.accessible_description())
                .map(|d| d.to_string())
                .unwrap_or_default()
        })
    }

    /// Every accessible label on screen, for failure messages.
    pub fn labels(&self) -> Vec<String> {
        self.ui(|app| {
            let mut labels = Vec::new();
            i_slint_backend_testing::ElementQuery::from_root(app).match_descendants().find_all().iter().for_each(|e| {
                if let Some(l) = e.accessible_label().filter(|l| !l.is_empty()) {
                    labels.push(l.to_string());
                }
            });
            labels
        })
    }
}

/// `day` (`YYYY-MM-DD`) at `hhmm` in the centre's zone (Asia/Ho_Chi_Minh).
pub fn centre_time(day: &str, hhmm: &str) -> jiff::Timestamp {
    let dt: jiff::civil::DateTime = format!("{day}T{hhmm}:00").parse().expect("datetime");
    dt.to_zoned(jiff::tz::TimeZone::get("Asia/Ho_Chi_Minh").expect("tz")).expect("zoned").timestamp()
}

/// Monday 2026-11-23 at `hhmm` in the centre's zone.
pub fn monday(hhmm: &str) -> jiff::Timestamp {
    centre_time("2026-11-23", hhmm)
}

/// A server with the demo data on `runtime`, `config` and `clock`, its database at `db`; its URL
/// and the switch that stops it.
pub fn serve(
    runtime: &tokio::runtime::Runtime,
    config: queue_server::Config,
    clock: std::sync::Arc<dyn queue_server::domain::Clock>,
    db: std::path::PathBuf,
) -> (String, tokio::sync::oneshot::Sender<()>) {
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let url = runtime.block_on(async {
        let app = queue_server::build(queue_server::Options { config, db, demo: true, clock }).expect("builds");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("binds");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(queue_server::run(listener, app, async move {
            let _ = stopped.await;
        }));
        url
    });
    (url, stop)
}

/// Dossier records pushed to `server` by the province's integration (token `demo-lgsp`), as one
/// `DongBoHoSoMC` batch; panics unless the server takes them.
#[allow(dead_code)]
pub fn push_dossiers(server: &str, records: Vec<serde_json::Value>) {
    let pushed = reqwest::blocking::Client::new()
        .post(format!("{server}/api/v1/dossiers/batch"))
        .bearer_auth("demo-lgsp")
        .json(&serde_json::json!({ "DongBoHoSoMC": records }))
        .send()
        .expect("pushed");
    assert_eq!(pushed.status().as_u16(), 200, "the batch is taken");
}

/// The kiosk window and its core for `server`, the simulated printer keeping no pictures, the
/// outbox in `dir`; the timer lives as long as the window.
pub fn kiosk_window(
    runtime: &tokio::runtime::Runtime,
    server: &str,
    dir: &std::path::Path,
) -> (std::sync::Arc<kiosk_ui::core::Core>, AppWindow, slint::Timer) {
    let config = kiosk_ui::config::KioskConfig {
        server_url: server.to_string(),
        outbox: dir.join("outbox.db"),
        printer: kiosk_ui::config::PrinterConfig { pictures: None, ..Default::default() },
        ..Default::default()
    };
    let (core, app, timer) = kiosk_ui::app::start(config, runtime).expect("kiosk starts");
    app.show().expect("shows");
    (core, app, timer)
}

/// The key events a keyboard-wedge scanner sends for `text` and its Enter: Shift pressed before
/// and released after every capital and every shifted symbol (US layout), each key pressed then
/// released, as X11 and winit report them to the window.
pub fn scanner_events(text: &str) -> Vec<slint::platform::WindowEvent> {
    use slint::platform::{Key, WindowEvent};
    let mut events = Vec::new();
    for c in text.chars() {
        let shifted = c.is_ascii_uppercase() || "~!@#$%^&*()_+{}|:\"<>?".contains(c);
        if shifted {
            events.push(WindowEvent::KeyPressed { text: Key::Shift.into() });
        }
        events.push(WindowEvent::KeyPressed { text: c.to_string().into() });
        events.push(WindowEvent::KeyReleased { text: c.to_string().into() });
        if shifted {
            events.push(WindowEvent::KeyReleased { text: Key::Shift.into() });
        }
    }
    events.push(WindowEvent::KeyPressed { text: Key::Return.into() });
    events.push(WindowEvent::KeyReleased { text: Key::Return.into() });
    events
}

impl Driver {
    /// Sends these key events to the window, in order.
    pub fn keys(&self, events: Vec<slint::platform::WindowEvent>) {
        self.ui(move |app| {
            for event in events {
                app.window().dispatch_event(event);
            }
        });
    }

    /// Scans `text` as a keyboard-wedge scanner types it.
    pub fn scan(&self, text: &str) {
        self.keys(scanner_events(text));
    }

    /// Waits until the scanner's buffer is empty (unfinished text forgotten).
    pub fn wait_scanner_idle(&self, within: Duration) {
        let started = Instant::now();
        while self.ui(|app| app.global::<kiosk_ui::ui::Nav>().get_scanning()) {
            assert!(started.elapsed() < within, "the scanner's buffer was never emptied");
            std::thread::yield_now();
        }
    }
}

/// Runs `scenario` on a driver thread while this thread runs the event loop; the loop ends when the
/// scenario does, and its panic (if any) is the test's.
pub fn drive(app: &AppWindow, scenario: impl FnOnce(Driver) + Send + 'static) {
    let driver = Driver(app.as_weak());
    let test = std::thread::spawn(move || {
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| scenario(driver)));
        let _ = slint::invoke_from_event_loop(|| {
            let _ = slint::quit_event_loop();
        });
        outcome
    });
    slint::run_event_loop_until_quit().expect("event loop");
    if let Err(panic) = test.join().expect("joins") {
        std::panic::resume_unwind(panic);
    }
}

/// The environment that moves a process's clock by `offset` (`+365d`, `-10m`): Debian's libfaketime
/// preloaded, for the process and every process it starts.
pub fn faketime_env(offset: &str) -> Vec<(&'static str, String)> {
    let library = ["x86_64-linux-gnu", "aarch64-linux-gnu"]
        .iter()
        .map(|arch| format!("/usr/lib/{arch}/faketime/libfaketime.so.1"))
        .find(|path| std::path::Path::new(path).exists())
        .expect("libfaketime is installed (apt-get install faketime)");
    vec![("LD_PRELOAD", library), ("FAKETIME", offset.to_string())]
}

/// Set in a child run by [`rerun_with_clock_ahead`]: `REAL:DAYS`, the real time in seconds since
/// 1970 when it was started and how many days ahead its clock is meant to be.
const REAL_EPOCH: &str = "MOTCUA_REAL_EPOCH";

/// Runs `tests` of this test binary again in a child process whose clock is `days` ahead (Debian's
/// `faketime`, for the whole process tree: the in-process server, the kiosk and Chromium), and
/// fails with the child's output unless every one of them ran and passed. A page that depends on
/// today's date fails there.
pub fn rerun_with_clock_ahead(days: u32, tests: &[&str]) {
    let exe = std::env::current_exe().expect("the test binary");
    let real = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("after 1970").as_secs();
    let child = Command::new(exe)
        // Its own process group, so a child that hangs is stopped with its browsers.
        .process_group(0)
        .envs(faketime_env(&format!("+{days}d")))
        .arg("--exact")
        .args(tests)
        .env(REAL_EPOCH, format!("{real}:{days}"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the test binary runs again");
    let pid = child.id();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let Ok(output) = rx.recv_timeout(Duration::from_secs(300)) else {
        let _ = Command::new("kill").args(["-9", "--", &format!("-{pid}")]).status();
        panic!("the page tests with the clock {days} days ahead did not end within 5 minutes");
    };
    let output = output.expect("the child ran");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let ran = format!("test result: ok. {} passed", tests.len());
    assert!(
        output.status.success() && stdout.contains(&ran),
        "with the clock {days} days ahead: {}\n{stdout}\n{stderr}",
        output.status
    );
    println!("{} page tests passed with the clock {days} days ahead", tests.len());
}

/// In a child of [`rerun_with_clock_ahead`], checks that its clock really is ahead, so a faketime
/// that did nothing cannot pass for one that worked; elsewhere does nothing.
pub fn check_clock_ahead() {
    let Ok(value) = std::env::var(REAL_EPOCH) else { return };
    let (real, days) = value.split_once(':').expect("REAL:DAYS");
    let (real, days): (i64, i64) = (real.parse().expect("seconds"), days.parse().expect("days"));
    let ahead = jiff::Timestamp::now().as_second() - real;
    assert!(ahead >= (days - 1) * 86_400, "the clock is only {ahead} s ahead, not {days} days");
}
