//! Centres and a hub on loopback: real queue servers (SQLite files, the demo configuration with a
//! `[hub]` section, a manual clock) shipping to a real hub on a PostgreSQL the test starts.

#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use jiff::Timestamp;
use province_hub::{Config as HubConfig, Hub};
use queue_server::config::HubLink;
use queue_server::domain::ManualClock;
use queue_server::{Config, Options};
use serde_json::Value;

/// A hub serving on a port until dropped.
pub struct RunningHub {
    pub base: String,
    pub hub: Hub,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for RunningHub {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Starts a hub on `listener`.
pub async fn hub_on(url: &str, listener: tokio::net::TcpListener) -> RunningHub {
    let hub = province_hub::connect(&HubConfig::for_database(url)).await.expect("hub connects");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(province_hub::run(listener, hub.clone(), async move {
        let _ = stopped.await;
    }));
    RunningHub { base, hub, stop: Some(stop) }
}

/// Starts a hub on a free port.
pub async fn hub(url: &str) -> RunningHub {
    hub_on(url, tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("binds")).await
}

/// `day` at `hh:mm` in Vietnam.
pub fn at(day: &str, hhmm: &str) -> Timestamp {
    let dt: jiff::civil::DateTime = format!("{day}T{hhmm}:00").parse().expect("datetime");
    dt.to_zoned(jiff::tz::TimeZone::get("Asia/Ho_Chi_Minh").expect("tz")).expect("zoned").timestamp()
}

/// A centre's queue server.
pub struct Centre {
    pub base: String,
    pub db: PathBuf,
    pub clock: ManualClock,
    pub code: String,
    link: HubLink,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    done: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    pub http: reqwest::Client,
}

impl Centre {
    /// Starts the demo centre (first start: demo data) shipping to `hub_base` as `code`.
    pub async fn start(dir: &std::path::Path, hub_base: &str, code: &str, token: &str, clock: ManualClock) -> Centre {
        let link = HubLink {
            url: hub_base.to_string(),
            unit_code: code.to_string(),
            token: token.to_string(),
            batch_size: 200,
            heartbeat_seconds: 1,
            retry_max_seconds: 1,
        };
        let mut c = Centre {
            base: String::new(),
            db: dir.join(format!("{code}.db")),
            clock,
            code: code.to_string(),
            link,
            stop: None,
            done: None,
            http: reqwest::Client::new(),
        };
        c.boot(true).await;
        c
    }

    async fn boot(&mut self, demo: bool) {
        let mut config = Config::demo();
        config.hub = Some(self.link.clone());
        let options = Options { config, db: self.db.clone(), demo, clock: Arc::new(self.clock.clone()) };
        let app = queue_server::build(options).expect("centre builds");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("binds");
        self.base = format!("http://{}", listener.local_addr().expect("addr"));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        self.done = Some(tokio::spawn(queue_server::run(listener, app, async move {
            let _ = stopped.await;
        })));
        self.stop = Some(stop);
    }

    /// Stops the server (its open requests answered) and starts it again on the same file.
    pub async fn restart(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(done) = self.done.take() {
            let _ = done.await;
        }
        self.boot(false).await;
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> (u16, Value) {
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .expect("answers");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn get(&self, path: &str, token: &str) -> (u16, Value) {
        let r = self.http.get(format!("{}{path}", self.base)).bearer_auth(token).send().await.expect("answers");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// Issues a kiosk ticket; its answer and how long it took.
    pub async fn issue(&self, service: &str) -> (u16, Duration) {
        let started = Instant::now();
        let (status, body) =
            self.post("/api/v1/tickets", "demo-kiosk", serde_json::json!({ "service": service })).await;
        assert!(status == 201, "ticket refused: {status} {body}");
        (status, started.elapsed())
    }

    pub async fn counter(&self, no: u16, action: &str) -> u16 {
        self.post(&format!("/api/v1/counters/{no}/{action}"), "demo-counter", Value::Null).await.0
    }

    /// The centre's log: (id, hash) in order.
    pub fn log(&self) -> Vec<(i64, String)> {
        let conn = rusqlite::Connection::open(&self.db).expect("opens");
        let mut stmt = conn.prepare("SELECT id, hash FROM events ORDER BY id").expect("query");
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).expect("rows").collect::<Result<_, _>>().expect("log")
    }

    /// Waits until the hub holds the whole log (polling the uplink's status, deadline `within`).
    pub async fn wait_shipped(&self, hub: &Hub, within: Duration) {
        let deadline = Instant::now() + within;
        loop {
            let last = self.log().last().map_or(0, |e| e.0);
            let held = held(hub, &self.code).await.last().map_or(0, |e| e.0);
            if held >= last && last > 0 {
                return;
            }
            assert!(Instant::now() < deadline, "{}: hub holds up to {held}, the centre's log to {last}", self.code);
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Centre {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// The hub's copy of a centre's log: (id, hash) in order.
pub async fn held(hub: &Hub, centre: &str) -> Vec<(i64, String)> {
    let client = hub.pool.get().await.expect("client");
    client
        .query("SELECT id, hash FROM events WHERE centre = $1 ORDER BY id", &[&centre])
        .await
        .expect("reads")
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect()
}

/// A server-sent event stream read event by event.
pub struct Stream {
    response: reqwest::Response,
    buffer: Vec<u8>,
}

impl Stream {
    pub async fn open(url: &str, token: Option<&str>) -> Stream {
        let mut r = reqwest::Client::new().get(url);
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        let response = r.send().await.expect("stream opens");
        assert_eq!(response.status().as_u16(), 200);
        Stream { response, buffer: Vec::new() }
    }

    /// The next `view` event's data, or `None` at the deadline.
    pub async fn next_view(&mut self, deadline: Instant) -> Option<Value> {
        loop {
            if let Some(end) = self.buffer.windows(2).position(|w| w == b"\n\n") {
                let raw: Vec<u8> = self.buffer.drain(..end + 2).collect();
                let text = String::from_utf8_lossy(&raw);
                if text.lines().any(|l| l == "event: view") {
                    let data: String = text.lines().filter_map(|l| l.strip_prefix("data: ")).collect();
                    return serde_json::from_str(&data).ok();
                }
                continue;
            }
            let left = deadline.checked_duration_since(Instant::now())?;
            match tokio::time::timeout(left, self.response.chunk()).await {
                Ok(Ok(Some(chunk))) => self.buffer.extend_from_slice(&chunk),
                _ => return None,
            }
        }
    }
}

/// The `p`-th percentile (nearest rank) of durations, ms.
pub fn percentile(xs: &[Duration], p: f64) -> f64 {
    let mut v: Vec<f64> = xs.iter().map(|d| d.as_secs_f64() * 1000.0).collect();
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * v.len() as f64).ceil() as usize;
    v[rank.clamp(1, v.len()) - 1]
}

/// `/api/v1/province/centres` as a viewer sees it.
pub async fn province_view(base: &str, viewer: &str) -> Value {
    let r = reqwest::Client::new().get(format!("{base}/api/v1/province/centres")).bearer_auth(viewer).send().await;
    r.expect("view").json().await.expect("json")
}

pub fn centre_in<'a>(view: &'a Value, code: &str) -> Option<&'a Value> {
    view["centres"].as_array()?.iter().find(|c| c["code"] == code)
}
