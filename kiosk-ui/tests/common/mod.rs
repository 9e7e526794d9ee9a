//! Driving the kiosk window from a test thread: every step runs on the UI thread through
//! `invoke_from_event_loop`, elements are found by their accessible label, and waits poll with a
//! deadline.

#![allow(dead_code)]

pub mod webdriver;

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
