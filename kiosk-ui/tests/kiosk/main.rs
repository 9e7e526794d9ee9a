//! The kiosk's core against a real queue server on loopback, with the simulated printer.

#[path = "../common/proxy.rs"]
#[allow(dead_code)]
mod proxy;

mod devices;
mod e2e;
mod offline;
mod outbox;
mod restart;
mod vietnamese;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use kiosk_ui::config::{KioskConfig, PrinterConfig};
use kiosk_ui::core::Core;
use queue_server::domain::SystemClock;
use queue_server::{Config, Options};
use tokio::sync::oneshot;

/// A demo server on `addr` (port 0 for any) with its database at `db`.
#[derive(Debug)]
pub struct Server {
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    done: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl Server {
    pub async fn start(addr: SocketAddr, db: &Path) -> Server {
        Server::start_with(addr, db, Arc::new(SystemClock)).await
    }

    /// The demo server on `clock`.
    pub async fn start_with(addr: SocketAddr, db: &Path, clock: Arc<dyn queue_server::domain::Clock>) -> Server {
        let options = Options { config: Config::demo(), db: db.to_path_buf(), demo: true, clock };
        let app = queue_server::build(options).expect("builds");
        let listener = tokio::net::TcpListener::bind(addr).await.expect("binds");
        let addr = listener.local_addr().expect("addr");
        let (stop, stopped) = oneshot::channel::<()>();
        let done = tokio::spawn(queue_server::run(listener, app, async move {
            let _ = stopped.await;
        }));
        Server { addr, stop: Some(stop), done: Some(done) }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(done) = self.done.take() {
            let _ = tokio::time::timeout(Duration::from_secs(10), done).await;
        }
    }

    pub async fn post(&self, path: &str, token: &str, body: Option<serde_json::Value>) -> serde_json::Value {
        let mut request = reqwest::Client::new().post(format!("{}{path}", self.url())).bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.expect("answers").json().await.unwrap_or(serde_json::Value::Null)
    }
}

/// A kiosk core for `server` with the simulated printer, files in `dir`.
pub async fn kiosk(server: &str, dir: &Path, timeout: f64) -> Arc<Core> {
    let config = KioskConfig {
        server_url: server.to_string(),
        request_timeout_seconds: timeout,
        outbox: dir.join("outbox.db"),
        printer: PrinterConfig { pictures: Some(dir.join("printed")), ..PrinterConfig::default() },
        ..KioskConfig::default()
    };
    let core = Core::start(config).await.expect("kiosk starts");
    core.spawn_background(&tokio::runtime::Handle::current());
    core
}

/// Waits until `f` holds, checking every 50 ms for at most `within`; returns how long it took.
pub async fn until(within: Duration, what: &str, mut f: impl FnMut() -> bool) -> Duration {
    let started = Instant::now();
    let mut tick = tokio::time::interval(Duration::from_millis(50));
    loop {
        tick.tick().await;
        if f() {
            return started.elapsed();
        }
        assert!(started.elapsed() < within, "{what} did not happen within {within:?}");
    }
}

pub fn db(dir: &Path) -> PathBuf {
    dir.join("server.db")
}
