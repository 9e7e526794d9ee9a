//! The `kiosk-ui` binary in a real X window (Xvfb), driven the way the kiosk is used: mouse clicks
//! on its buttons, a keyboard-wedge scanner typing codes (`xdotool type`, which holds Shift around
//! every capital as a real keyboard does), and a power cut (SIGKILL) in the middle of the day.
//!
//! - The citizen presses Lấy số thứ tự → Đất đai → "Không, lấy số thường": ticket 1001. The kiosk
//!   is killed and started again; the same presses give 1002, never 1001 again.
//! - A booking's code scanned from the home screen checks the booking in.
//! - Whatever the view (dossier, catalogue), the window keeps its configured 1280×800.
//!
//! Needs Xvfb and xdotool (Debian packages `xvfb`, `xdotool`; `.ci/run` installs them).

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::monday;
use queue_server::Config;
use queue_server::domain::ManualClock;
use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(30);

/// A virtual X display, stopped when dropped.
struct Display {
    number: u32,
    xvfb: Child,
}

impl Display {
    fn start() -> Display {
        let number =
            (90..400).find(|n| !Path::new(&format!("/tmp/.X{n}-lock")).exists()).expect("a free display number");
        let xvfb = Command::new("Xvfb")
            .args([&format!(":{number}"), "-screen", "0", "1920x1080x24", "-nolisten", "tcp"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb runs (apt-get install xvfb)");
        let socket = format!("/tmp/.X11-unix/X{number}");
        wait("the X display", || Path::new(&socket).exists());
        Display { number, xvfb }
    }

    fn name(&self) -> String {
        format!(":{}", self.number)
    }

    /// Runs xdotool on this display; its output.
    fn xdotool(&self, args: &[&str]) -> String {
        let out = Command::new("xdotool")
            .args(args)
            .env("DISPLAY", self.name())
            .output()
            .expect("xdotool runs (apt-get install xdotool)");
        assert!(out.status.success(), "xdotool {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }
}

impl Drop for Display {
    fn drop(&mut self) {
        let _ = self.xvfb.kill();
        let _ = self.xvfb.wait();
    }
}

/// The kiosk binary on `display` with the configuration file `config`; its log lines arrive on the
/// receiver.
struct Kiosk {
    child: Child,
    log: mpsc::Receiver<String>,
    window: String,
}

impl Kiosk {
    fn start(display: &Display, config: &Path) -> Kiosk {
        let mut child = Command::new(env!("CARGO_BIN_EXE_kiosk-ui"))
            .args(["--config", &config.display().to_string()])
            .env("DISPLAY", display.name())
            .env("SLINT_BACKEND", "winit-software")
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the kiosk starts");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, log) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let mut kiosk = Kiosk { child, log, window: String::new() };
        kiosk.until_log("live figures received");
        let started = Instant::now();
        kiosk.window = loop {
            let found = Command::new("xdotool")
                .args(["search", "--onlyvisible", "--name", "motcua kiosk"])
                .env("DISPLAY", display.name())
                .output()
                .map(|o| String::from_utf8_lossy(&o.stdout).lines().next().unwrap_or_default().to_string())
                .unwrap_or_default();
            if !found.is_empty() {
                break found;
            }
            assert!(started.elapsed() < WAIT, "no kiosk window");
            std::thread::yield_now();
        };
        kiosk
    }

    fn until_log(&self, text: &str) {
        let deadline = Instant::now() + WAIT;
        loop {
            let left =
                deadline.checked_duration_since(Instant::now()).unwrap_or_else(|| panic!("no «{text}» in the log"));
            match self.log.recv_timeout(left) {
                Ok(line) if line.contains(text) => return,
                Ok(_) => {}
                Err(e) => panic!("no «{text}» in the kiosk's log: {e}"),
            }
        }
    }

    fn click(&self, display: &Display, x: u32, y: u32) {
        display.xdotool(&["mousemove", "--window", &self.window, &x.to_string(), &y.to_string(), "click", "1"]);
    }

    /// A keyboard-wedge scan: the code typed as real key events (XTEST, Shift around capitals) to
    /// the focused window, as a USB scanner's keystrokes reach it, then Enter.
    fn scan(&self, display: &Display, code: &str) {
        display.xdotool(&["windowfocus", "--sync", &self.window]);
        display.xdotool(&["type", "--delay", "8", code]);
        display.xdotool(&["key", "Return"]);
    }

    fn geometry(&self, display: &Display) -> String {
        let out = display.xdotool(&["getwindowgeometry", &self.window]);
        out.lines().find_map(|l| l.trim().strip_prefix("Geometry: ")).unwrap_or_default().to_string()
    }

    /// Checks the window stays 1280×800 while `view` is laid out and drawn: a window without a
    /// window manager shrank to a view's height within a frame or two, so it is watched for a while.
    fn keeps_size(&self, display: &Display, view: &str) {
        let watched = Instant::now();
        while watched.elapsed() < Duration::from_millis(1500) {
            assert_eq!(self.geometry(display), "1280x800", "on {view}");
        }
    }

    /// A power cut.
    fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn wait(what: &str, mut check: impl FnMut() -> bool) {
    let started = Instant::now();
    while !check() {
        assert!(started.elapsed() < WAIT, "{what}: not within {WAIT:?}");
        std::thread::yield_now();
    }
}

#[test]
fn the_kiosk_binary_takes_new_numbers_after_a_power_cut_reads_scans_and_keeps_its_size() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = ManualClock::new(monday("07:00"));
    let config = Config::parse("example", queue_server::config::EXAMPLE).expect("example config");
    let (server, _stop) = common::serve(&runtime, config, Arc::new(clock.clone()), dir.path().join("server.db"));
    let http = reqwest::blocking::Client::new();
    let held: Value = http
        .post(format!("{server}/api/v1/appointments/holds"))
        .json(&json!({ "service": "CA", "slot": "2026-11-23T09:00:00+07:00" }))
        .send()
        .and_then(|r| r.json())
        .expect("held");
    let code = held["code"].as_str().expect("code").to_string();
    let confirmed = http
        .post(format!("{server}/api/v1/appointments/{code}/confirm"))
        .json(&json!({ "name": "Trần Văn Ba", "phone": "0912345678" }))
        .send()
        .expect("confirmed");
    assert!(confirmed.status().is_success());
    clock.set(monday("08:50"));
    let ticket = |n: u32| -> Option<Value> {
        // As a device reads it (an anonymous client has a budget of 60 a minute).
        let r = http.get(format!("{server}/api/v1/tickets/by-number/{n}")).bearer_auth("demo-kiosk").send().ok()?;
        r.status().is_success().then(|| r.json().ok()).flatten()
    };

    let config = dir.path().join("kiosk.toml");
    let printed = dir.path().join("printed");
    std::fs::write(
        &config,
        format!(
            "server_url = \"{server}\"\ntoken = \"demo-kiosk\"\ndevice = \"kiosk-sanh-a\"\noutbox = \"{}\"\n\
             [screen]\nwidth = 1280\nheight = 800\n[printer]\ntransport = \"sim\"\npictures = \"{}\"\n",
            dir.path().join("outbox.db").display(),
            printed.display()
        ),
    )
    .expect("config written");
    let display = Display::start();

    // Lấy số thứ tự → Đất đai → "Không, lấy số thường", twice, with a power cut between.
    for (start, number) in [(1, 1001), (2, 1002)] {
        let kiosk = Kiosk::start(&display, &config);
        assert_eq!(kiosk.geometry(&display), "1280x800");
        kiosk.click(&display, 328, 300);
        kiosk.until_log("screen=\"ticket\"");
        kiosk.click(&display, 224, 230);
        kiosk.click(&display, 640, 220);
        wait(&format!("start {start}: ticket {number} issued"), || ticket(number).is_some());
        wait(&format!("start {start}: ticket {number} printed"), || printed.join(format!("{number}.png")).exists());
        assert!(ticket(number + 1).is_none(), "one press, one ticket");
        println!("start {start}: the kiosk issued and printed {number}");
        if start == 1 {
            kiosk.kill();
        } else {
            // The booking's code scanned on the home screen checks it in.
            kiosk.scan(&display, &code);
            kiosk.until_log("screen=\"checkin\"");
            wait("the booking checked in by its scanned code", || {
                http.get(format!("{server}/api/v1/appointments/{code}"))
                    .send()
                    .and_then(|r| r.json::<Value>())
                    .is_ok_and(|b| b["status"] == "checked_in")
            });
            // A receipt scanned (dossier view), then the catalogue: the window keeps its size.
            kiosk.scan(&display, "H56.22-261027-0007");
            kiosk.until_log("screen=\"dossier\"");
            kiosk.keeps_size(&display, "the dossier view");
            kiosk.click(&display, 100, 70);
            kiosk.until_log("screen=\"home\"");
            kiosk.click(&display, 640, 730);
            kiosk.until_log("screen=\"catalogue\"");
            kiosk.keeps_size(&display, "the catalogue");
            kiosk.kill();
        }
    }
    drop(runtime);
}
