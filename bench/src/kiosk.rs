//! The kiosk's figures: touch to ticket bytes at the printer, cold start to first frame, resident
//! memory at idle. The window runs on Slint's testing backend with the software renderer (the one
//! the Pi uses), against a demo server on loopback and the simulated printer on a TCP port.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use i_slint_backend_testing::{ElementHandle, TestingBackend, TestingBackendOptions};
use kiosk_ui::config::{KioskConfig, PrinterConfig};
use kiosk_ui::ui::AppWindow;
use queue_server::domain::SystemClock;
use queue_server::{Config, Options};
use slint::ComponentHandle;

use crate::stats::{Latencies, ms};

fn platform(renderer: bool) -> anyhow::Result<()> {
    slint::platform::set_platform(Box::new(TestingBackend::new(TestingBackendOptions {
        mock_time: false,
        threading: true,
        renderer_name: renderer.then(|| "software".into()),
    })))
    .map_err(|e| anyhow::anyhow!("{e:?}"))
}

fn kiosk_config(server: &str, dir: &Path) -> KioskConfig {
    KioskConfig {
        server_url: server.to_string(),
        outbox: dir.join("outbox.db"),
        printer: PrinterConfig { pictures: None, ..PrinterConfig::default() },
        ..KioskConfig::default()
    }
}

fn start_server(runtime: &tokio::runtime::Runtime, dir: &Path) -> anyhow::Result<String> {
    let options =
        Options { config: Config::demo(), db: dir.join("server.db"), demo: true, clock: Arc::new(SystemClock) };
    let app = queue_server::build(options)?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        tokio::spawn(queue_server::run(listener, app, std::future::pending()));
        Ok(url)
    })
}

fn on_ui<R: Send + 'static>(weak: &slint::Weak<AppWindow>, f: impl FnOnce(&AppWindow) -> R + Send + 'static) -> R {
    let (tx, rx) = mpsc::channel();
    let weak = weak.clone();
    let _ = slint::invoke_from_event_loop(move || {
        if let Some(app) = weak.upgrade() {
            let _ = tx.send(f(&app));
        }
    });
    rx.recv_timeout(Duration::from_secs(10)).expect("the UI thread answers")
}

fn tap(weak: &slint::Weak<AppWindow>, label: &'static str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !on_ui(weak, move |app| {
        ElementHandle::find_by_accessible_label(app, label)
            .next()
            .map(|e| e.invoke_accessible_default_action())
            .is_some()
    }) {
        assert!(Instant::now() < deadline, "«{label}» never appeared");
        std::thread::yield_now();
    }
}

/// Touch → ticket bytes at the printer, `rounds` times, then cold start and idle memory in a child.
pub fn run(rounds: usize) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let server = start_server(&runtime, dir.path())?;

    let (first_frame_spawn, first_frame_inner, rss_kb) = cold_start(&server, dir.path())?;
    println!(
        "kiosk cold start to first frame: {:.0} ms from process spawn ({:.0} ms inside the process); resident memory at idle {:.1} MB",
        ms(first_frame_spawn),
        first_frame_inner,
        rss_kb as f64 / 1024.0
    );

    platform(false)?;
    let (core, app, _timer) =
        kiosk_ui::app::start(kiosk_config(&server, dir.path()), &runtime).map_err(anyhow::Error::msg)?;
    app.show()?;
    let weak = app.as_weak();
    let driver = std::thread::spawn(move || {
        let printed = || core.with_printer(|p| p.and_then(|p| p.sim()).map_or(0, |sim| sim.papers().len()));
        let mut latencies = Latencies::default();
        for _ in 0..rounds {
            tap(&weak, "Lấy số thứ tự");
            tap(&weak, "Đất đai");
            let before = printed();
            let t = Instant::now();
            tap(&weak, "Không, lấy số thường");
            while printed() == before {
                assert!(t.elapsed() < Duration::from_secs(10), "no ticket reached the printer");
                std::thread::yield_now();
            }
            latencies.push(t.elapsed());
            tap(&weak, "Xong");
        }
        let _ = slint::invoke_from_event_loop(|| {
            let _ = slint::quit_event_loop();
        });
        latencies
    });
    slint::run_event_loop_until_quit()?;
    let mut latencies = driver.join().map_err(|_| anyhow::anyhow!("the driver failed"))?;
    println!(
        "kiosk touch → ticket bytes at the printer ({rounds} tickets, local server): p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms",
        ms(latencies.percentile(50.0)),
        ms(latencies.percentile(95.0)),
        ms(latencies.percentile(100.0))
    );
    Ok(())
}

/// Runs `motcua-bench kiosk-child SERVER DIR` and reads its two lines.
fn cold_start(server: &str, dir: &Path) -> anyhow::Result<(Duration, f64, u64)> {
    let started = Instant::now();
    let mut child =
        Command::new(std::env::current_exe()?).args(["kiosk-child", server]).arg(dir).stdout(Stdio::piped()).spawn()?;
    let stdout = child.stdout.take().ok_or_else(|| anyhow::anyhow!("no stdout"))?;
    let mut lines = BufReader::new(stdout).lines();
    let mut first = None;
    let mut inner = 0.0;
    let mut rss = 0;
    for line in lines.by_ref().map_while(Result::ok) {
        if let Some(v) = line.strip_prefix("first-frame-ms ") {
            first = Some(started.elapsed());
            inner = v.parse().unwrap_or(0.0);
        } else if let Some(v) = line.strip_prefix("rss-idle-kb ") {
            rss = v.parse().unwrap_or(0);
        }
    }
    child.wait()?;
    Ok((first.ok_or_else(|| anyhow::anyhow!("the kiosk never drew a frame"))?, inner, rss))
}

/// The child: start the kiosk, draw the first frame, sit idle on the home screen, report memory.
pub fn child(server: &str, dir: &Path) -> anyhow::Result<()> {
    let started = Instant::now();
    platform(true)?;
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let child_dir = dir.join("cold");
    std::fs::create_dir_all(&child_dir)?;
    let (_core, app, _timer) =
        kiosk_ui::app::start(kiosk_config(server, &child_dir), &runtime).map_err(anyhow::Error::msg)?;
    app.show()?;
    app.window().set_size(slint::PhysicalSize::new(1280, 800));
    let _frame = app.window().take_snapshot()?;
    println!("first-frame-ms {:.1}", ms(started.elapsed()));
    let quit = slint::Timer::default();
    quit.start(slint::TimerMode::SingleShot, Duration::from_secs(5), || {
        let _ = slint::quit_event_loop();
    });
    slint::run_event_loop_until_quit()?;
    let status = std::fs::read_to_string("/proc/self/status")?;
    let rss =
        status.lines().find_map(|l| l.strip_prefix("VmRSS:")).and_then(|v| v.split_whitespace().next()).unwrap_or("0");
    println!("rss-idle-kb {rss}");
    Ok(())
}
