//! The motcua queue server: runs the queues of a one-stop public service centre, keeps dossiers,
//! procedures and ratings in SQLite, and feeds live views over HTTP and Server-Sent Events.
//!
//! [`build`] opens the store and assembles the routes; [`run`] serves them on a listener until the
//! shutdown future completes. The binary (`main.rs`) only reads arguments and configuration, sets
//! up logging and calls these two; tests call the same functions on port 0.
//!
//! # Layout
//! - [`announce`]: the words of a call-out, numbers read the Vietnamese way.
//! - [`config`]: the one TOML configuration file, validated with line and key in every error.
//! - [`demo`]: the built-in demo centre's catalogue and dossiers.
//! - [`domain`]: the queue rules, pure code with an injected clock.
//! - [`store`]: SQLite behind one writer thread (group commit), the catalogue and dossier reads.
//! - [`live`]: the hub that fans live events out to SSE clients, with resume.
//! - [`views`]: domain values turned into the wire types of `motcua_protocol`.
//! - [`http`]: the routes under `/api/v1`, one file per resource, and the OpenAPI document.

pub mod accounts;
pub mod announce;
pub mod backup;
pub mod catalogue;
pub mod chain;
pub mod cli;
pub mod config;
pub mod demo;
pub mod domain;
pub mod dossiers;
pub mod http;
pub mod letters;
pub mod live;
pub mod metrics;
pub mod notify;
pub use motcua_protocol::parse_text;
pub mod reports;
pub mod serve;
pub mod speech;
pub mod store;
pub mod supervise;
pub mod uplink;
pub mod views;

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;

pub use config::Config;
use domain::Clock;
pub use store::OpenError;

/// How often the writer is asked to roll the day over and expire no-shows when nothing else happens.
pub const TICK: Duration = Duration::from_secs(15);
/// How often failed sign-ins counted in memory are written as one summary row.
pub const FAILURES_REPORTED_EVERY: Duration = Duration::from_secs(60);

/// What the server is started with.
#[derive(Debug, Clone)]
pub struct Options {
    /// The configuration.
    pub config: Config,
    /// The SQLite file.
    pub db: PathBuf,
    /// Load the demo catalogue and dossiers into an empty database.
    pub demo: bool,
    /// The clock every rule reads.
    pub clock: Arc<dyn Clock>,
}

/// A server ready to run.
#[derive(Debug)]
pub struct App {
    router: axum::Router,
    store: store::Store,
    shutdown: watch::Sender<bool>,
    notifier: Arc<dyn notify::Notifier>,
    clock: Arc<dyn Clock>,
    accounts: accounts::Accounts,
    connections: config::Connections,
    /// Refreshes unfinished dossiers from the province (with a `[province]` connector).
    province_poll: Option<http::AppState>,
    /// Ships the event log to the provincial hub (with `[hub]`).
    uplink: Option<(http::AppState, config::HubLink, PathBuf)>,
    /// Reverse proxies whose `X-Forwarded-For` is believed.
    trusted_proxies: config::TrustedProxies,
    /// The daily backup's plan, database and zone (`[backup]`).
    backups: Option<(config::BackupPlan, PathBuf, jiff::tz::TimeZone)>,
}

impl App {
    /// The store, for callers that drive it directly.
    pub fn store(&self) -> &store::Store {
        &self.store
    }
}

/// Opens the database (migrating it, loading demo data if asked) and assembles the routes.
pub fn build(options: Options) -> Result<App, OpenError> {
    let Options { config, db, demo, clock } = options;
    let province = config.province.clone();
    let seed_clock = clock.clone();
    let linh_vuc = config.linh_vuc.clone();
    let seed = move |conn: &mut rusqlite::Connection| demo::seed(conn, &linh_vuc, seed_clock.now());
    // A configuration whose number ranges take in numbers another field used today is refused:
    // two fields would call the same number. It may take effect from the next service day.
    let origin = config.origin.clone();
    let (schedule, now) = (config.centre.schedule.clone(), clock.now());
    let check = move |queue: &domain::Queue| match queue.range_conflicts().first() {
        // A day that has ended rolls over before anything is issued: its numbers do not matter.
        _ if queue.day() < schedule.service_day(now) => Ok(()),
        Some((i, field, other, number)) => Err(origin
            .numbers_error(
                *i,
                format!(
                    "hôm nay lĩnh vực {other} đã phát số {number}, nằm trong dãy số mới của {field}; \
                     đổi dãy số từ ngày làm việc sau (sau giờ chuyển ngày) hoặc giữ dãy số cũ"
                ),
            )
            .to_string()),
        None => Ok(()),
    };
    let (store, hub) =
        store::Store::open(&db, config.centre.clone(), clock.clone(), if demo { Some(&seed) } else { None }, &check)?;
    let accounts_conn = store::schema::open(&db).map_err(|e| {
        OpenError(format!(
            "không mở được kết nối tài khoản tới {}: {}",
            db.display(),
            store::sole::sqlite_vietnamese(&e)
        ))
    })?;
    // Ratings are stored as scores on the scale they were given on: a scale now shorter than the
    // scores stored would read them wrong (an upgrade whose default is the 3-level scale, a
    // [ratings] section edited), so it is refused until the scale is declared again.
    let highest: Option<u8> =
        accounts_conn.query_row("SELECT max(score) FROM ratings", [], |r| r.get(0)).unwrap_or(None);
    let levels = config.centre.rating_levels.len();
    if let Some(high) = highest.filter(|h| usize::from(*h) > levels) {
        return Err(OpenError(format!(
            "cơ sở dữ liệu {} có đánh giá mức {high} nhưng thang đánh giá trong cấu hình chỉ có {levels} mức; \
             khai báo lại [ratings] levels (và maps_to) như thang đã dùng",
            db.display()
        )));
    }
    reports::ratings::record_scale(&accounts_conn, &config.centre)
        .map_err(|e| OpenError(format!("cannot record the rating scale in {}: {e}", db.display())))?;
    let accounts = accounts::Accounts::new(accounts_conn, config.staff, Arc::new(config.centre.schedule.clone()));
    if demo {
        demo::seed_staff(&accounts, clock.now())
            .map_err(|e| OpenError(format!("cannot make the demo staff accounts: {}", e.code())))?;
    }
    let (shutdown, shutdown_rx) = watch::channel(false);
    let notifier = notify::from_config(&config, &db);
    let voice = config.voice.clone();
    let state = http::AppState {
        store: store.clone(),
        hub,
        config: Arc::new(config),
        clock: clock.clone(),
        shutdown: shutdown_rx,
        devices: http::devices::Devices::default(),
        limiter: http::limit::Limiter::default(),
        streams: Arc::default(),
        holds: Arc::default(),
        verifications: Arc::default(),
        known_devices: Arc::default(),
        known_sessions: Arc::default(),
        previews: Arc::default(),
        wrong_factors: Arc::default(),
        connector: province.map(|p| {
            let source: Box<dyn dossiers::connector::DossierSource> = match &p.file {
                Some(file) => Box::new(dossiers::connector::FileSource::new(file.clone())),
                None => Box::new(dossiers::connector::Lgsp::new(p.clone())),
            };
            Arc::new(dossiers::connector::Connector::new(source, p, clock.clone()))
        }),
        sign_in_limiter: http::limit::Limiter::default(),
        accounts,
        speech: Arc::new(speech::Speech::new(voice.as_deref())),
        replies: http::replay::Replies::default(),
        uplink: Arc::default(),
        choice_key: {
            let mut key = [0u8; 32];
            getrandom::fill(&mut key).map_err(|e| OpenError(format!("no random numbers for the choice key: {e}")))?;
            key
        },
    };
    let (accounts, connections) = (state.accounts.clone(), state.config.connections);
    let trusted_proxies = state.config.trusted_proxies.clone();
    let province_poll = state.connector.as_ref().filter(|c| c.province.poll_seconds > 0).map(|_| state.clone());
    let uplink = state.config.hub.clone().map(|link| (state.clone(), link, db.clone()));
    let backups =
        state.config.backup.clone().map(|plan| (plan, db.clone(), state.config.centre.schedule.time_zone.clone()));
    Ok(App {
        router: http::router(state),
        store,
        shutdown,
        notifier,
        clock,
        accounts,
        connections,
        province_poll,
        uplink,
        backups,
        trusted_proxies,
    })
}

/// Serves `app` on `listener` until `shutdown` completes, then ends live streams and returns once
/// open requests are answered.
pub async fn run(
    listener: TcpListener,
    app: App,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let App {
        router,
        store,
        shutdown: stop,
        notifier,
        clock,
        accounts,
        connections,
        province_poll,
        uplink,
        backups,
        trusted_proxies,
    } = app;
    let backups = backups.map(|(plan, db, zone)| tokio::spawn(backup::run_daily(plan, db, zone, clock.clone())));
    let poll = province_poll.map(|state| tokio::spawn(http::dossiers::poll_province(state)));
    let uplink = uplink.map(|(state, link, db)| tokio::spawn(uplink::run(state, link, db)));
    let messages = tokio::spawn(notify::dispatch(store.clone(), notifier, clock.clone(), stop.subscribe()));
    let (failures_accounts, failures_clock) = (accounts.clone(), clock.clone());
    let failures = tokio::spawn(async move {
        let mut interval = tokio::time::interval(FAILURES_REPORTED_EVERY);
        loop {
            interval.tick().await;
            let now = failures_clock.now();
            let _ = failures_accounts.run(move |a| a.report_failures(now)).await;
        }
    });
    let catalogue_store = store.clone();
    let catalogue = tokio::spawn(async move {
        let mut interval = tokio::time::interval(catalogue::cli::RELOAD_EVERY);
        loop {
            interval.tick().await;
            let _ = catalogue_store.reload_catalog().await;
        }
    });
    let ticker = tokio::spawn(async move {
        let mut interval = tokio::time::interval(TICK);
        loop {
            interval.tick().await;
            store.tick();
        }
    });
    let served = serve::serve_behind(listener, router, connections, trusted_proxies, async move {
        shutdown.await;
        let _ = stop.send(true);
    })
    .await;
    ticker.abort();
    catalogue.abort();
    if let Some(poll) = poll {
        poll.abort();
    }
    if let Some(uplink) = uplink {
        uplink.abort();
    }
    if let Some(backups) = backups {
        backups.abort();
    }
    messages.abort();
    failures.abort();
    let now = clock.now();
    let _ = accounts.run(move |a| a.report_failures(now)).await;
    served
}
