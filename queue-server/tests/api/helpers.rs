//! Spawning the server on port 0 with a temporary SQLite file, and clients for it.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use jiff::Timestamp;
use queue_server::domain::{Clock, ManualClock, SystemClock};
use queue_server::{Config, Options};
use serde_json::Value;
use tokio::sync::oneshot;

pub const KIOSK: &str = "demo-kiosk";
pub const COUNTER: &str = "demo-counter";

/// A running server.
pub struct TestApp {
    pub addr: SocketAddr,
    pub client: reqwest::Client,
    pub db: PathBuf,
    pub clock: Option<ManualClock>,
    pub store: queue_server::store::Store,
    stop: Option<oneshot::Sender<()>>,
    done: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    _dir: Option<tempfile::TempDir>,
}

/// Monday 2026-11-23 at `hh:mm` in Asia/Ho_Chi_Minh.
pub fn monday(hhmm: &str) -> Timestamp {
    at("2026-11-23", hhmm)
}

/// `day` (`YYYY-MM-DD`) at `hh:mm` in the centre's zone.
pub fn at(day: &str, hhmm: &str) -> Timestamp {
    let dt: jiff::civil::DateTime = format!("{day}T{hhmm}:00").parse().expect("datetime");
    dt.to_zoned(jiff::tz::TimeZone::get("Asia/Ho_Chi_Minh").expect("tz")).expect("zoned").timestamp()
}

/// The demo centre (tickets at any hour) on the system clock.
pub async fn spawn_demo() -> TestApp {
    spawn(Config::demo(), None, None).await
}

/// The example centre (opening hours enforced) on a manual clock standing at `at`.
pub async fn spawn_at(at: Timestamp) -> TestApp {
    let config = Config::parse("example", queue_server::config::EXAMPLE).expect("example config");
    spawn(config, Some(ManualClock::new(at)), None).await
}

/// A server on an existing database file.
pub async fn spawn(config: Config, clock: Option<ManualClock>, db: Option<PathBuf>) -> TestApp {
    spawn_with(config, clock, db, true).await
}

/// A server as a real centre runs it: no demo data.
pub async fn spawn_centre(config: Config, db: Option<PathBuf>) -> TestApp {
    spawn_with(config, None, db, false).await
}

/// [`spawn_centre`] on a manual clock.
pub async fn spawn_centre_at(config: Config, clock: ManualClock) -> TestApp {
    spawn_with(config, Some(clock), None, false).await
}

async fn spawn_with(config: Config, clock: Option<ManualClock>, db: Option<PathBuf>, demo: bool) -> TestApp {
    let (dir, db) = match db {
        Some(db) => (None, db),
        None => {
            let dir = tempfile::tempdir().expect("tempdir");
            let db = dir.path().join("motcua.db");
            (Some(dir), db)
        }
    };
    let clock_dyn: Arc<dyn Clock> = match &clock {
        Some(c) => Arc::new(c.clone()),
        None => Arc::new(SystemClock),
    };
    let app = queue_server::build(Options { config, db: db.clone(), demo, clock: clock_dyn }).expect("server builds");
    let store = app.store().clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("binds");
    let addr = listener.local_addr().expect("addr");
    let (stop, stopped) = oneshot::channel::<()>();
    let done = tokio::spawn(queue_server::run(listener, app, async move {
        let _ = stopped.await;
    }));
    TestApp { addr, client: reqwest::Client::new(), db, clock, store, stop: Some(stop), done: Some(done), _dir: dir }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        let response = self.client.get(self.url(path)).send().await.expect("GET answers");
        status_json(response).await
    }

    pub async fn get_as(&self, path: &str, token: &str) -> (u16, Value) {
        let response = self.client.get(self.url(path)).bearer_auth(token).send().await.expect("GET answers");
        status_json(response).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Option<Value>) -> (u16, Value) {
        let mut request = self.client.post(self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        status_json(request.send().await.expect("POST answers")).await
    }

    /// Lets the server notice the time (holds, no-shows, rollover) and waits for the commit.
    pub async fn store_tick(&self) {
        self.store.advance().await.expect("advances");
    }

    pub async fn issue(&self, service: &str) -> Value {
        let (status, body) =
            self.post("/api/v1/tickets", Some(KIOSK), Some(serde_json::json!({ "service": service }))).await;
        assert_eq!(status, 201, "issue answered {body}");
        body
    }

    pub async fn counter(&self, no: u16, action: &str) -> (u16, Value) {
        self.post(&format!("/api/v1/counters/{no}/{action}"), Some(COUNTER), None).await
    }

    /// Number of rows in a table, read straight from the SQLite file.
    pub fn count(&self, table: &str) -> i64 {
        let conn = rusqlite::Connection::open(&self.db).expect("opens db");
        conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0)).expect("counts")
    }

    /// Stops the server and waits until it has shut down.
    pub async fn stop(mut self) {
        self.halt().await;
    }

    /// Stops the server and waits until it has shut down, keeping its database file to read.
    pub async fn halt(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(done) = self.done.take() {
            tokio::time::timeout(Duration::from_secs(10), done)
                .await
                .expect("shuts down in time")
                .expect("joins")
                .expect("served");
        }
    }
}

/// A client connecting from its own loopback address (127.1.x.y), as citizen `n`'s phone: the
/// server's per-client limits (holds, rate, streams) count each phone apart.
pub fn phone(n: u32) -> reqwest::Client {
    let [_, _, x, y] = (n % 60_000).to_be_bytes();
    let address = std::net::Ipv4Addr::new(127, 1, x, y.max(1));
    let address = if y == 0 { std::net::Ipv4Addr::new(127, 2, x, 1) } else { address };
    reqwest::Client::builder().local_address(Some(address.into())).build().expect("client")
}

pub async fn status_json(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    let json = if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::String(text)) };
    (status, json)
}

/// One Server-Sent Event.
#[derive(Debug, Clone)]
pub struct SseEvent {
    pub id: Option<String>,
    pub event: String,
    pub data: Value,
}

/// A client reading the live stream.
pub struct SseClient {
    response: reqwest::Response,
    /// Bytes received and not yet split into events: decoded only when a whole event is in.
    buffer: Vec<u8>,
}

impl SseClient {
    pub async fn connect(app: &TestApp, query: &str, last_event_id: Option<&str>) -> SseClient {
        let mut request = app.client.get(app.url(&format!("/api/v1/events{query}")));
        if let Some(id) = last_event_id {
            request = request.header("Last-Event-ID", id);
        }
        let response = request.send().await.expect("stream opens");
        SseClient::from_response(response)
    }

    /// Reads an already opened stream.
    pub fn from_response(response: reqwest::Response) -> SseClient {
        assert_eq!(response.status(), 200);
        SseClient { response, buffer: Vec::new() }
    }

    /// The next event other than a heartbeat, waiting at most `within`.
    pub async fn next(&mut self, within: Duration) -> Option<SseEvent> {
        let deadline = Instant::now() + within;
        loop {
            let left = deadline.checked_duration_since(Instant::now())?;
            let event = self.next_any(left).await?;
            if event.event != "heartbeat" {
                return Some(event);
            }
        }
    }

    /// The next event, heartbeats included, waiting at most `within`.
    pub async fn next_any(&mut self, within: Duration) -> Option<SseEvent> {
        let deadline = Instant::now() + within;
        loop {
            if let Some(end) = self.buffer.windows(2).position(|w| w == b"\n\n") {
                let block: Vec<u8> = self.buffer.drain(..end + 2).collect();
                let block = String::from_utf8(block).expect("an event is whole UTF-8");
                if let Some(event) = parse_block(&block) {
                    return Some(event);
                }
                continue;
            }
            let left = deadline.checked_duration_since(Instant::now())?;
            match tokio::time::timeout(left, self.response.chunk()).await {
                Ok(Ok(Some(bytes))) => self.buffer.extend_from_slice(&bytes),
                _ => return None,
            }
        }
    }

    /// Events until one named `name` arrives (included), waiting at most `within` in all.
    pub async fn until(&mut self, name: &str, within: Duration) -> Vec<SseEvent> {
        let deadline = Instant::now() + within;
        let mut seen = Vec::new();
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.next(left).await {
                Some(event) => {
                    let done = event.event == name;
                    seen.push(event);
                    if done {
                        return seen;
                    }
                }
                None => break,
            }
        }
        panic!("no {name} event within {within:?}; saw {:?}", seen.iter().map(|e| &e.event).collect::<Vec<_>>());
    }
}

fn parse_block(block: &str) -> Option<SseEvent> {
    let (mut id, mut event, mut data) = (None, None, String::new());
    for line in block.lines() {
        if let Some(v) = line.strip_prefix("id:") {
            id = Some(v.trim().to_string());
        } else if let Some(v) = line.strip_prefix("event:") {
            event = Some(v.trim().to_string());
        } else if let Some(v) = line.strip_prefix("data:") {
            data.push_str(v.strip_prefix(' ').unwrap_or(v));
        }
    }
    Some(SseEvent { id, event: event?, data: serde_json::from_str(&data).ok()? })
}
