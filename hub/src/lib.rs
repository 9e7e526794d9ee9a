//! The motcua provincial hub: receives every centre's event log (shipped by each centre's
//! `queue-server` uplink, in order, exactly once, chained), keeps it in PostgreSQL, and serves the
//! province: the supervisors' live view of every centre (`/province`), the public page of every
//! centre's waiting (`/waits`), and reports per centre, field, officer and period.
//!
//! Any number of hub processes may serve one database: ingest is serialised per centre by a row
//! lock, and every process hears every other's writes through PostgreSQL's `LISTEN/NOTIFY`.
//!
//! # Layout
//! - [`db`]: the pool, embedded migrations, the registry of centres and viewers.
//! - [`ingest`]: `POST /api/v1/ingest`, a centre's batch.
//! - [`views`]: the live views and their streams.
//! - [`reports`]: a centre's report from the events the hub holds.
//! - [`pg`]: a throwaway local PostgreSQL for tests, the benchmark and the demo.

pub mod cache;
pub mod db;
pub mod ingest;
pub mod metrics;
pub mod pg;
pub mod reports;
pub mod views;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use deadpool_postgres::Pool;
use futures_util::StreamExt;
use serde::Deserialize;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// The hub's configuration file (`/etc/motcua/hub.toml`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Address to listen on, e.g. `127.0.0.1:8090`.
    #[serde(default = "default_listen")]
    pub listen: SocketAddr,
    /// PostgreSQL connection string (`host=… port=… user=… dbname=…` or `postgresql://…`).
    pub database: String,
    /// Connections in the pool.
    #[serde(default = "default_pool")]
    pub pool_size: usize,
    /// A centre whose last batch is older than this many seconds shows as out of touch.
    #[serde(default = "default_stale")]
    pub stale_after_seconds: u64,
    /// The province's time zone, in which pages show times.
    #[serde(default = "default_zone")]
    pub time_zone: String,
    /// Batches larger than [`BULK_BYTES`] (a centre catching up) read and taken at once; the
    /// rest of the pool and the processors stay free for live batches and the pages, so a
    /// province catching up after an outage does not hold up what the dashboards show.
    #[serde(default = "default_bulk")]
    pub bulk_ingests: usize,
    /// Where viewers and citizens reach the hub, e.g. `https://hub.example.gov.vn` behind nginx;
    /// over https the sign-in cookie is `Secure` and every answer carries HSTS.
    #[serde(default)]
    pub public_url: Option<String>,
}

/// A batch of more bytes than this (or of unknown length) is a catch-up batch (see
/// [`Config::bulk_ingests`]); the uplink's live batches are a few kilobytes.
pub const BULK_BYTES: u64 = 128 * 1024;

/// Public streams open at once per hub process; more are answered 503 (the page retries).
pub const PUBLIC_STREAMS: usize = 2000;

/// The largest batch taken, bytes.
pub const MAX_BATCH_BYTES: usize = 16 * 1024 * 1024;

fn default_listen() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 8090))
}
fn default_pool() -> usize {
    16
}
fn default_stale() -> u64 {
    120
}
fn default_bulk() -> usize {
    4
}
fn default_zone() -> String {
    "Asia/Ho_Chi_Minh".into()
}

impl Config {
    /// A configuration for `database` with the defaults.
    pub fn for_database(database: impl Into<String>) -> Config {
        Config {
            listen: default_listen(),
            database: database.into(),
            pool_size: default_pool(),
            stale_after_seconds: default_stale(),
            time_zone: default_zone(),
            bulk_ingests: default_bulk(),
            public_url: None,
        }
    }
}

/// The state every route shares.
#[derive(Debug, Clone)]
pub struct Hub {
    /// The database.
    pub pool: Pool,
    /// Bumped whenever any hub process wrote something a view shows.
    changes: watch::Sender<u64>,
    /// Seconds after which a centre is out of touch.
    pub stale_after: u64,
    /// The province's time zone (IANA name).
    pub time_zone: String,
    /// Permits for catch-up batches.
    pub bulk: Arc<tokio::sync::Semaphore>,
    /// Open public streams (`/waits`), capped apart from everything else: a popular page cannot
    /// take the connections the centres' uplinks and the supervisors need.
    pub public_streams: Arc<tokio::sync::Semaphore>,
    /// Reports built at once (each holds a centre's events for its days in memory).
    pub reports: Arc<tokio::sync::Semaphore>,
    /// The last province view computed, shared by every stream and request.
    province_cache: cache::Cache<views::ProvinceView>,
    /// The last public view computed.
    public_cache: cache::Cache<views::PublicView>,
    /// This process's metrics (`/metrics`).
    pub metrics: Arc<queue_server::metrics::Metrics>,
    /// Reached over https (`public_url`): cookies `Secure`, HSTS.
    pub https: bool,
}

impl Hub {
    /// The centre a token belongs to.
    pub async fn centre_of_token(&self, token: &str) -> anyhow::Result<Option<String>> {
        let client = self.pool.get().await?;
        let row = client
            .query_opt("SELECT centre FROM centre_tokens WHERE token_hash = $1", &[&db::token_hash(token)])
            .await?;
        Ok(row.map(|r| r.get(0)))
    }

    /// Marks a change (this process's writes; other processes' come through NOTIFY).
    pub fn note_change(&self) {
        self.changes.send_modify(|v| *v += 1);
    }

    /// The change counter now.
    pub fn version(&self) -> u64 {
        *self.changes.borrow()
    }

    /// A receiver that wakes on every change.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.changes.subscribe()
    }

    /// A database failure as a 503 the centre retries.
    pub fn unavailable(&self, e: anyhow::Error) -> Response {
        tracing::error!("database: {e:#}");
        ingest::refuse(
            StatusCode::SERVICE_UNAVAILABLE,
            "database_unavailable",
            "Cơ sở dữ liệu của tỉnh tạm thời không sẵn sàng.",
        )
    }
}

/// Connects, migrates and starts listening for other processes' changes.
pub async fn connect(config: &Config) -> anyhow::Result<Hub> {
    if jiff::tz::TimeZone::get(&config.time_zone).is_err() {
        anyhow::bail!("múi giờ «{}» không có, ví dụ Asia/Ho_Chi_Minh", config.time_zone);
    }
    if config.pool_size < 2 {
        anyhow::bail!("pool_size phải từ 2 trở lên (mặc định 16)");
    }
    if config.bulk_ingests == 0 || config.bulk_ingests >= config.pool_size {
        anyhow::bail!(
            "bulk_ingests (mặc định 4) phải từ 1 đến pool_size − 1 = {}; tăng pool_size hoặc giảm bulk_ingests",
            config.pool_size - 1
        );
    }
    let pool = db::pool(&config.database, config.pool_size)?;
    db::migrate(&pool).await?;
    let (changes, _) = watch::channel(0u64);
    let hub = Hub {
        pool,
        changes,
        stale_after: config.stale_after_seconds,
        time_zone: config.time_zone.clone(),
        bulk: Arc::new(tokio::sync::Semaphore::new(config.bulk_ingests)),
        public_streams: Arc::new(tokio::sync::Semaphore::new(PUBLIC_STREAMS)),
        reports: Arc::new(tokio::sync::Semaphore::new(2)),
        province_cache: cache::Cache::default(),
        public_cache: cache::Cache::default(),
        metrics: Arc::new(metrics::recorder()),
        https: config.public_url.as_deref().is_some_and(|u| u.starts_with("https://")),
    };
    tokio::spawn(listen(config.database.clone(), hub.changes.clone()));
    Ok(hub)
}

/// Holds a connection that LISTENs to `motcua_hub` and bumps `changes` on every notification,
/// reconnecting after a failure.
async fn listen(url: String, changes: watch::Sender<u64>) {
    loop {
        let connected = async {
            let config: tokio_postgres::Config = url.parse()?;
            let (client, mut connection) = config.connect(tokio_postgres::NoTls).await?;
            let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
            let listening = client.batch_execute("LISTEN motcua_hub");
            tokio::pin!(listening);
            // The LISTEN runs while the connection is driven.
            loop {
                tokio::select! {
                    done = &mut listening => { done?; break; }
                    m = messages.next() => match m {
                        Some(Ok(_)) => {}
                        Some(Err(e)) => return Err(anyhow::Error::from(e)),
                        None => anyhow::bail!("connection closed"),
                    },
                }
            }
            changes.send_modify(|v| *v += 1);
            while let Some(m) = messages.next().await {
                if let tokio_postgres::AsyncMessage::Notification(_) = m? {
                    changes.send_modify(|v| *v += 1);
                }
            }
            anyhow::Ok(())
        };
        if let Err(e) = connected.await {
            tracing::warn!("LISTEN motcua_hub: {e:#}");
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// `/healthz`: 200 while the database answers within 2 s, else 503 (a load balancer in front of
/// several hub processes takes this one out).
async fn health(axum::extract::State(hub): axum::extract::State<Hub>) -> Response {
    let check = async {
        let client = hub.pool.get().await?;
        client.query_one("SELECT 1", &[]).await?;
        anyhow::Ok(())
    };
    match tokio::time::timeout(Duration::from_secs(2), check).await {
        Ok(Ok(())) => "ok".into_response(),
        _ => ingest::refuse(
            StatusCode::SERVICE_UNAVAILABLE,
            "database_unavailable",
            "Cơ sở dữ liệu của tỉnh không trả lời.",
        ),
    }
}

/// `Strict-Transport-Security` on every answer when the hub is reached over https.
async fn strict_transport(
    axum::extract::State(hub): axum::extract::State<Hub>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let mut response = next.run(request).await;
    if hub.https {
        response.headers_mut().insert(
            axum::http::header::STRICT_TRANSPORT_SECURITY,
            axum::http::HeaderValue::from_static("max-age=31536000"),
        );
    }
    response
}

/// The routes.
pub fn router(hub: Hub) -> Router {
    Router::new()
        .route("/healthz", get(health))
        .route("/metrics", get(metrics::scrape))
        .route("/", get(|| async { axum::response::Redirect::to("/waits") }))
        .route("/api/v1/ingest", post(ingest::ingest))
        .merge(views::routes())
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BATCH_BYTES))
        .layer(axum::middleware::from_fn_with_state(hub.clone(), strict_transport))
        .layer(axum::middleware::from_fn_with_state(hub.metrics.clone(), queue_server::metrics::track))
        .with_state(hub)
}

/// Serves the hub on `listener` until `shutdown` completes.
pub async fn run(
    listener: TcpListener,
    hub: Hub,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    // The queue server's accept loop: a header-read timeout (axum's `serve` has none, and `/waits`
    // is public), connections capped in all and per client (high: a province's communes may
    // reach the hub through one NAT).
    let limits =
        queue_server::config::Connections { header_read_timeout_seconds: 10, max_connections: 4096, per_client: 1000 };
    queue_server::serve::serve(listener, router(hub), limits, shutdown).await.context("serving")
}

/// The demo's centres (`province-hub demo`).
pub mod demo {
    /// Code, name and address of three sample centres.
    pub const CENTRES: [(&str, &str, &str); 3] = [
        ("000.00.01.H99", "Trung tâm Phục vụ hành chính công tỉnh", "Số 1 đường Trần Phú, phường Trung tâm"),
        ("000.01.01.H99", "Bộ phận Một cửa xã Hòa An", "Ủy ban nhân dân xã Hòa An"),
        ("000.02.01.H99", "Bộ phận Một cửa phường Đông Kinh", "Ủy ban nhân dân phường Đông Kinh"),
    ];
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_example_configuration_reads() {
        let config: super::Config =
            toml::from_str(include_str!("../../deploy/hub.example.toml")).expect("deploy/hub.example.toml reads");
        assert_eq!(config.listen.port(), 8090);
        assert_eq!((config.pool_size, config.bulk_ingests, config.stale_after_seconds), (16, 4, 120));
        assert_eq!(config.time_zone, "Asia/Ho_Chi_Minh");
        assert_eq!(config.public_url.as_deref(), Some("https://hub.example.gov.vn"));
        let wrong = toml::from_str::<super::Config>("database = \"x\"\npool = 3\n").expect_err("unknown key");
        assert!(wrong.to_string().contains("pool"), "{wrong}");
    }
}
