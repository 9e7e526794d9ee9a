//! A call at a counter reaches that counter's number display: the demo server, the display bridge
//! of `kiosk-ui`, and the `counter-display` firmware as a real process on one end of a `socat`
//! pseudo-terminal pair. Killing and restarting the firmware: it shows the current number again.
//! A display line (USB–RS-485 adapter) plugged in only after the bridge started, then pulled out
//! and plugged back: the next calls reach the display without a restart.

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::Arc;
use std::time::{Duration, Instant};

use embedded_graphics::pixelcolor::BinaryColor;
use kiosk_ui::config::{BridgeConfig, DisplayLine};
use motcua_firmware::render::{self, Panel};
use motcua_firmware::unit::DisplayUnit;
use motcua_hardware::display_bus::label;
use motcua_hardware::sim::panel::{Framebuffer, read_png};
use motcua_hardware::sim::pty::PtyPair;
use motcua_hardware::transport::SerialTransport;
use motcua_protocol::display::{Frame, Message};
use queue_server::domain::SystemClock;
use queue_server::{Config, Options};

/// The workspace's `counter-display` binary, built if this test runs alone.
fn firmware_binary() -> PathBuf {
    let deps = std::env::current_exe().expect("test path");
    let dir = deps.parent().and_then(Path::parent).expect("target/debug");
    let bin = dir.join("counter-display");
    if !bin.exists() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let built = Command::new(cargo)
            .args(["build", "-p", "motcua-firmware", "--bin", "counter-display"])
            .status()
            .expect("cargo runs");
        assert!(built.success(), "the firmware builds");
    }
    bin
}

struct Firmware(Child);

impl Drop for Firmware {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_firmware(port: &str, png: &Path) -> Firmware {
    Firmware(
        Command::new(firmware_binary())
            .args(["--port", port, "--address", "3", "--scale", "1", "--png"])
            .arg(png)
            .spawn()
            .expect("firmware starts"),
    )
}

/// The panel the firmware should draw for counter 3 showing `number`.
fn expected(number: u32) -> Vec<u8> {
    let mut unit = DisplayUnit::new(3);
    unit.apply(Frame { address: 3, message: Message::Show { number, label: label("Quầy 3") } }, 0);
    let mut fb = Framebuffer::<BinaryColor>::new(Panel::Mono128x64.size());
    render::draw(&unit, &mut fb, Panel::Mono128x64, &render::MONO, 0).expect("draws");
    fb.pixels().iter().flat_map(|c| if *c == BinaryColor::On { [255u8; 3] } else { [0; 3] }).collect()
}

/// Polls the firmware's panel until it shows `want`; returns how long it took.
async fn shows(png: &Path, want: &[u8], within: Duration) -> Duration {
    let started = Instant::now();
    loop {
        if read_png(png).is_ok_and(|(_, _, rgb)| rgb == want) {
            return started.elapsed();
        }
        assert!(started.elapsed() < within, "the display did not show the number within {within:?}");
        tokio::task::yield_now().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_reaches_the_counter_display_and_survives_a_display_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let options =
        Options { config: Config::demo(), db: dir.path().join("d.db"), demo: true, clock: Arc::new(SystemClock) };
    let app = queue_server::build(options).expect("builds");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("binds");
    let server = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(queue_server::run(listener, app, std::future::pending()));

    let pty = PtyPair::open(dir.path(), "displays").expect("socat pair");
    let png = dir.path().join("counter-3.png");
    let firmware = start_firmware(pty.b(), &png);
    let line = DisplayLine { port: pty.a().into(), baud: 9600, addresses: Default::default(), ping_seconds: 0.5 };
    let config =
        BridgeConfig { server_url: server.clone(), token: "demo-kiosk".into(), displays: line, report_seconds: 1.0 };
    let (_stop, shutdown) = tokio::sync::watch::channel(false);
    tokio::spawn(kiosk_ui::bridge::run(config, SerialTransport::open(pty.a(), 9600).expect("host end"), shutdown));

    let http = reqwest::Client::new();
    let post = |path: String, token: &'static str, body: Option<serde_json::Value>| {
        let mut request = http.post(format!("{server}{path}")).bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send()
    };
    let ticket: serde_json::Value =
        post("/api/v1/tickets".into(), "demo-kiosk", Some(serde_json::json!({ "service": "XD" })))
            .await
            .expect("issues")
            .json()
            .await
            .expect("json");
    let number = u32::try_from(ticket["number"].as_u64().expect("number")).expect("fits");
    post("/api/v1/counters/3/open".into(), "demo-counter", None).await.expect("opens");
    let called = post("/api/v1/counters/3/next".into(), "demo-counter", None).await.expect("calls");
    assert_eq!(called.status().as_u16(), 200);

    let want = expected(number);
    shows(&png, &want, Duration::from_secs(10)).await;

    drop(firmware);
    std::fs::remove_file(&png).expect("old picture removed");
    let _firmware = start_firmware(pty.b(), &png);
    let took = shows(&png, &want, Duration::from_secs(5)).await;
    eprintln!("restarted display showed {number} again after {took:?}");

    let deadline = Instant::now() + Duration::from_secs(10);
    let mut poll = tokio::time::interval(Duration::from_millis(100));
    loop {
        poll.tick().await;
        let devices: serde_json::Value =
            http.get(format!("{server}/api/v1/devices")).send().await.expect("lists").json().await.expect("json");
        let display =
            devices.as_array().and_then(|d| d.iter().find(|d| d["report"]["kind"] == "display_bridge")).and_then(|d| {
                d["report"]["displays"].as_array().and_then(|list| list.iter().find(|x| x["address"] == 3)).cloned()
            });
        if display.as_ref().is_some_and(|d| d["alive"] == true && d["number"] == number) {
            break;
        }
        assert!(Instant::now() < deadline, "the bridge never reported display 3 alive showing {number}: {devices}");
    }
}

/// The demo server on port 0; its URL.
async fn server(db: &Path) -> String {
    let options = Options { config: Config::demo(), db: db.to_path_buf(), demo: true, clock: Arc::new(SystemClock) };
    let app = queue_server::build(options).expect("builds");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("binds");
    let server = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(queue_server::run(listener, app, std::future::pending()));
    server
}

/// Issues an Xây dựng ticket and calls it at counter 3; its number.
async fn call_at_3(http: &reqwest::Client, server: &str) -> u32 {
    let ticket: serde_json::Value = http
        .post(format!("{server}/api/v1/tickets"))
        .bearer_auth("demo-kiosk")
        .json(&serde_json::json!({ "service": "XD" }))
        .send()
        .await
        .expect("issues")
        .json()
        .await
        .expect("json");
    for action in ["open", "done", "next"] {
        http.post(format!("{server}/api/v1/counters/3/{action}"))
            .bearer_auth("demo-counter")
            .send()
            .await
            .expect("acts");
    }
    u32::try_from(ticket["number"].as_u64().expect("number")).expect("fits")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_display_line_plugged_in_late_and_replugged_carries_the_next_calls() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = server(&dir.path().join("d.db")).await;
    let http = reqwest::Client::new();
    // The adapter is not plugged in yet: its device path does not exist.
    let port = dir.path().join("line-a");
    let line =
        DisplayLine { port: port.display().to_string(), baud: 9600, addresses: Default::default(), ping_seconds: 0.3 };
    let config = BridgeConfig {
        server_url: server.clone(),
        token: "demo-kiosk".into(),
        displays: line.clone(),
        report_seconds: 1.0,
    };
    let (_stop, shutdown) = tokio::sync::watch::channel(false);
    tokio::spawn(kiosk_ui::bridge::run(config, kiosk_ui::bridge::display_line(&line), shutdown));
    let first = call_at_3(&http, &server).await;

    // Plugged in: the display shows the current call.
    let pty = PtyPair::open(dir.path(), "line").expect("socat pair");
    assert_eq!(pty.a(), port.display().to_string());
    let png = dir.path().join("counter-3.png");
    let firmware = start_firmware(pty.b(), &png);
    let took = shows(&png, &expected(first), Duration::from_secs(20)).await;
    eprintln!("a line plugged in after the start carried {first} after {took:?}");

    // Pulled out, a call meanwhile, plugged back: the display shows the latest call.
    drop(firmware);
    drop(pty);
    let second = call_at_3(&http, &server).await;
    std::fs::remove_file(&png).expect("old picture removed");
    let pty = PtyPair::open(dir.path(), "line").expect("socat pair again");
    let _firmware = start_firmware(pty.b(), &png);
    let took = shows(&png, &expected(second), Duration::from_secs(20)).await;
    eprintln!("replugged, the line carried {second} after {took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_kiosks_own_display_line_carries_calls_and_comes_back() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = server(&dir.path().join("d.db")).await;
    let http = reqwest::Client::new();
    let port = dir.path().join("kiosk-line-a");
    let line =
        DisplayLine { port: port.display().to_string(), baud: 9600, addresses: Default::default(), ping_seconds: 0.3 };
    let config = kiosk_ui::config::KioskConfig {
        server_url: server.clone(),
        outbox: dir.path().join("outbox.db"),
        printer: kiosk_ui::config::PrinterConfig { pictures: None, ..Default::default() },
        displays: Some(line),
        ..Default::default()
    };
    let core = kiosk_ui::core::Core::start(config).await.expect("the kiosk starts before its display line is there");
    core.spawn_background(&tokio::runtime::Handle::current());
    let first = call_at_3(&http, &server).await;
    let pty = PtyPair::open(dir.path(), "kiosk-line").expect("socat pair");
    let png = dir.path().join("counter-3.png");
    let firmware = start_firmware(pty.b(), &png);
    let took = shows(&png, &expected(first), Duration::from_secs(20)).await;
    eprintln!("the kiosk's display line carried {first} after {took:?}");
    drop(firmware);
    drop(pty);
    let second = call_at_3(&http, &server).await;
    std::fs::remove_file(&png).expect("old picture removed");
    let pty = PtyPair::open(dir.path(), "kiosk-line").expect("socat pair again");
    let _firmware = start_firmware(pty.b(), &png);
    shows(&png, &expected(second), Duration::from_secs(20)).await;
    drop(core);
}
