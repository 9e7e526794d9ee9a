//! Every live view comes back by itself after the server restarts behind a reverse proxy that
//! answers "502 Bad Gateway" meanwhile (a browser's EventSource gives up for good on such an
//! answer). Four Chromium pages through the proxy — the waiting-room board, a citizen's ticket page,
//! an officer's counter console and the supervisor's dashboard — and a kiosk: each says it is
//! reconnecting while the server is away, and each shows the first call made after the server's
//! return within 5 s of it, without a reload.

mod common;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::proxy::Proxy;
use common::webdriver::Browser;
use kiosk_ui::config::{KioskConfig, PrinterConfig};
use kiosk_ui::core::Core;
use queue_server::domain::ManualClock;
use queue_server::{Config, Options};
use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(20);
/// How soon after the server's return each view must show the call.
const BACK_WITHIN: Duration = Duration::from_secs(5);

/// A running server: its address, its stop switch and its task.
struct Server {
    addr: std::net::SocketAddr,
    stop: tokio::sync::oneshot::Sender<()>,
    done: tokio::task::JoinHandle<std::io::Result<()>>,
}

fn serve(runtime: &tokio::runtime::Runtime, clock: &ManualClock, db: &Path) -> Server {
    runtime.block_on(async {
        let options =
            Options { config: Config::demo(), db: db.to_path_buf(), demo: true, clock: Arc::new(clock.clone()) };
        let app = queue_server::build(options).expect("builds");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("binds");
        let addr = listener.local_addr().expect("addr");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let done = tokio::spawn(queue_server::run(listener, app, async move {
            let _ = stopped.await;
        }));
        Server { addr, stop, done }
    })
}

fn sign_in(browser: &Browser, url: &str, user: &str, password: &str) {
    browser.goto(url);
    browser.type_into("#username", user);
    browser.type_into("#password", password);
    browser.click("#submit", WAIT);
}

#[test]
fn every_live_view_comes_back_by_itself_after_a_restart_behind_a_proxy_answering_502() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("server.db");
    let clock = ManualClock::new(common::centre_time("2026-11-30", "10:00"));
    let first = serve(&runtime, &clock, &db);
    let proxy = runtime.block_on(Proxy::start(first.addr));
    let base = proxy.url();
    let http = reqwest::blocking::Client::builder().timeout(Duration::from_secs(10)).build().expect("client");
    let post = |path: &str, token: &str| -> (u16, Value) {
        let r = http.post(format!("{base}{path}")).bearer_auth(token).json(&json!({})).send().expect("answers");
        (r.status().as_u16(), r.json().unwrap_or(Value::Null))
    };
    let ticket = http
        .post(format!("{base}/api/v1/tickets"))
        .bearer_auth("demo-kiosk")
        .json(&json!({ "service": "DD" }))
        .send()
        .and_then(|r| r.json::<Value>())
        .expect("a ticket");
    let (id, number) = (ticket["id"].as_str().expect("id").to_string(), ticket["number"].to_string());
    assert_eq!(post("/api/v1/counters/1/open", "demo-counter").0, 200);

    // The pages, all through the proxy.
    let board = Browser::start_sized(1280, 720);
    board.goto(&format!("{base}/board"));
    board.text_until("#counters", WAIT, |t| t.contains("Quầy 1"));
    let phone = Browser::start();
    phone.goto(&format!("{base}/t/{id}"));
    phone.text_until("#position", WAIT, |t| t.contains("người tiếp theo"));
    let officer = Browser::start_sized(1024, 700);
    sign_in(&officer, &format!("{base}/counter"), "canbo1", "demo-canbo1");
    officer.click("#counters button:nth-child(3)", WAIT);
    officer.text_until("#queue", WAIT, |t| t.contains(&number));
    let supervisor = Browser::start_sized(1280, 900);
    sign_in(&supervisor, &format!("{base}/supervisor"), "giamsat", "demo-giamsat");
    supervisor.text_until("#kpi-waiting", WAIT, |t| t == "1");
    let pages = [("board", &board), ("ticket page", &phone), ("console", &officer), ("supervisor", &supervisor)];
    for (_, page) in &pages {
        page.script("window.notReloaded = true; return null;");
        page.text_until("#live", WAIT, |t| !t.contains("Mất kết nối"));
    }

    // The kiosk, through the proxy too.
    let kiosk = KioskConfig {
        server_url: base.clone(),
        outbox: dir.path().join("outbox.db"),
        printer: PrinterConfig { pictures: None, ..PrinterConfig::default() },
        ..KioskConfig::default()
    };
    let core = runtime.block_on(Core::start(kiosk)).expect("kiosk starts");
    core.spawn_background(runtime.handle());
    let (services, online) = (core.services(), core.online());
    let waiting_dd = || services.borrow().iter().find(|s| s.code == "DD").map(|s| s.waiting);
    wait("the kiosk's first figures", || waiting_dd() == Some(1));

    // The server restarts; meanwhile the proxy answers 502.
    proxy.set_upstream(None);
    let _ = first.stop.send(());
    runtime.block_on(async { tokio::time::timeout(WAIT, first.done).await }).expect("the server stopped").ok();
    for (name, page) in &pages {
        let text = page.text_until("#live", WAIT, |t| t.contains("đang kết nối lại"));
        println!("{name} while the server is away: «{text}»");
    }
    wait("the kiosk offline", || !*online.borrow());
    wait("every stream tried again through the 502", || {
        let refused = proxy.refused();
        refused.iter().filter(|p| p.starts_with("/api/v1/events")).count() >= 4
            && refused.iter().any(|p| p.ends_with("/live"))
    });
    println!("the proxy answered 502 to {} requests", proxy.refused().len());

    // Back: same database, a new process.
    let second = serve(&runtime, &clock, &db);
    proxy.set_upstream(Some(second.addr));
    let back = Instant::now();
    let (status, called) = post("/api/v1/counters/1/next", "demo-counter");
    assert_eq!((status, called["ticket"]["number"].to_string()), (200, number.clone()), "{called}");

    let mut took = Vec::new();
    board.wait_until("the board shows the call", WAIT, |b| {
        b.text("#counters .tile[data-counter=\"1\"] .number") == number
    });
    took.push(("board", back.elapsed()));
    phone.text_until("#counter", WAIT, |t| t == "Quầy 1");
    took.push(("ticket page", back.elapsed()));
    officer.text_until("#queue", WAIT, |t| !t.contains(&number));
    took.push(("console", back.elapsed()));
    supervisor.text_until("#counters", WAIT, |t| t.contains(&number));
    took.push(("supervisor", back.elapsed()));
    wait("the kiosk counting the call", || waiting_dd() == Some(0) && *online.borrow());
    took.push(("kiosk", back.elapsed()));
    for (name, after) in &took {
        println!("{name} showed the call {after:?} after the server's return");
        assert!(*after < BACK_WITHIN, "{name} took {after:?}");
    }
    for (name, page) in &pages {
        assert_eq!(page.script("return window.notReloaded === true;"), json!(true), "{name} was reloaded");
        page.text_until("#live", WAIT, |t| !t.contains("Mất kết nối"));
    }
    let _ = second.stop.send(());
    drop(runtime);
}

/// Polls `check` until it holds, for at most [`WAIT`].
fn wait(what: &str, mut check: impl FnMut() -> bool) {
    let started = Instant::now();
    while !check() {
        assert!(started.elapsed() < WAIT, "{what}: not within {WAIT:?}");
        std::thread::yield_now();
    }
}
