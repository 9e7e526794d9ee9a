//! The store: SQLite behind one writer thread, plus read-only lookups.
//!
//! [`Store`] is a cheap handle. Commands go over a channel to the writer thread (see [`writer`]),
//! which owns the queue and the write connection and answers after the commit. The procedure
//! catalogue is read once at start and searched in memory; dossiers are read through a separate
//! read-only connection on the blocking pool, which WAL lets run beside the writer.

pub mod bookings;
mod catalog;
mod rows;
pub mod schema;
mod shared;
pub mod sole;
mod writer;

use std::path::Path;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use motcua_protocol::api;
use tokio::sync::oneshot;

pub use catalog::{Catalog, Factor};
pub use shared::Shared;
pub use sole::sole_server;

use crate::domain::{Centre, Clock, Command, DomainError, Queue, ReceiptCode, TicketId};
use crate::live::Hub;

/// Why the store did not do what was asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreError {
    /// The rules refused; nothing changed.
    Refused(DomainError),
    /// The database failed; nothing changed.
    Unavailable,
    /// The writer's queue of requests is full (more asked at once than it can take); nothing changed.
    Busy,
}

/// What a command produced, ready for the wire.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// A ticket; `created` is false when an idempotency key returned an existing one.
    Ticket {
        /// The ticket.
        ticket: api::Ticket,
        /// Newly created.
        created: bool,
    },
    /// A ticket was called.
    Called(api::CallResponse),
    /// A booking.
    Booking(api::Booking),
    /// Nobody waits.
    NobodyWaiting,
    /// A counter.
    Counter(api::Counter),
    /// A field's figures and intake (after closing or opening its intake).
    Service(api::ServiceInfo),
    /// A rating; `created` is false when an idempotency key returned an existing one.
    Rating {
        /// The rating.
        rating: api::Rating,
        /// Newly created.
        created: bool,
    },
}

/// A view computed on the writer thread from the committed queue.
pub(crate) type ReadJob = Box<dyn FnOnce(Option<&Queue>, jiff::Timestamp) + Send>;

pub(crate) enum Request {
    Command(Command, Option<Arc<str>>, oneshot::Sender<Result<Reply, StoreError>>),
    Ticket(TicketId, oneshot::Sender<Result<Option<api::Ticket>, StoreError>>),
    TicketByNumber(u32, oneshot::Sender<Result<Option<api::Ticket>, StoreError>>),
    Tick(Option<oneshot::Sender<()>>),
    Delivered(i64, bookings::Delivered, oneshot::Sender<Result<(), StoreError>>),
    Read(ReadJob),
}

/// How much the writer has committed: requests per transaction shows how well commits group.
#[derive(Debug, Default)]
pub struct Counters {
    /// Transactions committed.
    pub transactions: std::sync::atomic::AtomicU64,
    /// Commands committed in them.
    pub commands: std::sync::atomic::AtomicU64,
    /// Lookups and views the writer made for readers (tickets, slots, health probes): shared
    /// views keep this at one per ticket and change however many read.
    pub reads: std::sync::atomic::AtomicU64,
    /// The server's metrics (`/metrics`): the writer records its batches and what they changed.
    pub metrics: Arc<crate::metrics::Metrics>,
}

/// Requests the writer's channel holds waiting; one more is refused [`StoreError::Busy`] at once
/// (never waited for on the async runtime). Four of the writer's largest batches: a backlog of a
/// few hundred milliseconds on a slow card.
pub const WRITER_QUEUE: usize = 4096;

/// Handle to the store.
#[derive(Debug, Clone)]
pub struct Store {
    tx: mpsc::SyncSender<Request>,
    counters: Arc<Counters>,
    reader: Arc<Mutex<rusqlite::Connection>>,
    /// The catalogue in memory and the import it was read at (`catalogue_imports`).
    catalog: Arc<std::sync::RwLock<(Arc<Catalog>, i64)>>,
    /// The database file.
    path: Arc<Path>,
    centre: Arc<Centre>,
    hub: Arc<Hub>,
    views: Arc<shared::TicketViews>,
    pages: Arc<shared::PageViews>,
    probe: Arc<Mutex<(std::time::Instant, Arc<tokio::sync::OnceCell<()>>)>>,
}

impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Request::Command(c, who, _) => write!(f, "Command({c:?}, {who:?})"),
            Request::Ticket(id, _) => write!(f, "Ticket({id})"),
            Request::TicketByNumber(n, _) => write!(f, "TicketByNumber({n})"),
            Request::Tick(_) => write!(f, "Tick"),
            Request::Delivered(id, outcome, _) => write!(f, "Delivered({id}, {outcome:?})"),
            Request::Read(_) => write!(f, "Read"),
        }
    }
}

/// Loads data into a freshly opened database before the queue is read (the demo centre).
pub type Seed = dyn Fn(&mut rusqlite::Connection) -> rusqlite::Result<()>;

/// Failure to open the store.
#[derive(Debug)]
pub struct OpenError(pub String);

impl std::fmt::Display for OpenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for OpenError {}

impl Store {
    /// Opens the database at `path` (migrating it), rebuilds the queue and starts the writer thread.
    /// `seed` runs once on the write connection before the queue is loaded (the demo data).
    /// `check` may refuse the configuration against the day in progress (its message is the error).
    pub fn open(
        path: &Path,
        centre: Arc<Centre>,
        clock: Arc<dyn Clock>,
        seed: Option<&Seed>,
        check: &dyn Fn(&Queue) -> Result<(), String>,
    ) -> Result<(Store, Arc<Hub>), OpenError> {
        let fail = |what: &str, e: rusqlite::Error| {
            OpenError(format!("{what} {}: {}", path.display(), sole::sqlite_vietnamese(&e)))
        };
        let mut conn = schema::open(path).map_err(|e| fail("không mở được cơ sở dữ liệu", e))?;
        schema::migrate(&mut conn).map_err(|e| fail("không nâng cấp được cơ sở dữ liệu", e))?;
        if let Some(seed) = seed {
            seed(&mut conn).map_err(|e| fail("không nạp được dữ liệu mẫu vào", e))?;
        }
        let now = clock.now();
        let queue = rows::load_queue(&conn, centre.clone(), now).map_err(|e| fail("không đọc được hàng đợi từ", e))?;
        check(&queue).map_err(OpenError)?;
        let catalog = Catalog::load(&conn).map_err(|e| fail("không đọc được danh mục thủ tục từ", e))?;
        let catalog_version =
            crate::catalogue::version(&conn).map_err(|e| fail("không đọc được lịch sử nhập danh mục từ", e))?;
        let reader = schema::open(path).map_err(|e| fail("không mở được kết nối đọc tới", e))?;
        let boot = format!("{:x}", now.as_millisecond());
        let hub = Arc::new(Hub::new(crate::views::snapshot(&queue, now), boot));
        let (tx, rx) = mpsc::sync_channel(WRITER_QUEUE);
        let counters = Arc::new(Counters::default());
        let writer = writer::Writer {
            conn,
            queue: Some(queue),
            centre: centre.clone(),
            clock,
            hub: hub.clone(),
            counters: counters.clone(),
            steps: crate::domain::clock::StepWatch::default(),
            started: std::time::Instant::now(),
        };
        std::thread::Builder::new()
            .name("store-writer".into())
            .spawn(move || writer.run(rx))
            .map_err(|e| OpenError(format!("không khởi động được luồng ghi: {e}")))?;
        let store = Store {
            tx,
            counters,
            reader: Arc::new(Mutex::new(reader)),
            catalog: Arc::new(std::sync::RwLock::new((Arc::new(catalog), catalog_version))),
            path: Arc::from(path),
            centre,
            hub: hub.clone(),
            views: Arc::default(),
            pages: Arc::default(),
            probe: Arc::new(Mutex::new((std::time::Instant::now(), Arc::default()))),
        };
        Ok((store, hub))
    }

    /// Puts a request on the writer's channel without waiting: [`StoreError::Busy`] when it is full.
    fn send(&self, request: Request) -> Result<(), StoreError> {
        self.tx.try_send(request).map_err(|e| match e {
            mpsc::TrySendError::Full(_) => StoreError::Busy,
            mpsc::TrySendError::Disconnected(_) => StoreError::Unavailable,
        })
    }

    /// Executes a command; answers after it is committed.
    pub async fn execute(&self, command: Command) -> Result<Reply, StoreError> {
        self.execute_as(command, None).await
    }

    /// Executes a command on behalf of `actor` (`staff:lan`, `token:Quầy 3`), written on its events.
    pub async fn execute_as(&self, command: Command, actor: Option<Arc<str>>) -> Result<Reply, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.send(Request::Command(command, actor, reply))?;
        answer.await.map_err(|_| StoreError::Unavailable)?
    }

    /// A ticket by id, of any day.
    pub async fn ticket(&self, id: TicketId) -> Result<Option<api::Ticket>, StoreError> {
        Ok(self.shared_ticket(id).await?.map(|s| s.ticket.clone()))
    }

    /// Whether `id` is a ticket id of the service day in progress.
    pub fn is_today(&self, id: &TicketId) -> bool {
        id.day().is_some_and(|day| day.to_string() == self.hub.snapshot().service_day)
    }

    /// A ticket by id with its JSON: today's from the view shared by every reader until the queue
    /// changes (see [`shared`]), another day's from its stored row on the read-only connection.
    /// Neither makes the writer work more than once per ticket and change.
    pub async fn shared_ticket(&self, id: TicketId) -> Result<Option<Arc<Shared>>, StoreError> {
        if !self.is_today(&id) {
            let centre = self.centre.clone();
            let found = self.on_reader(move |conn| rows::find_ticket(conn, &id)).await?;
            return Ok(found.map(|t| Shared::new(crate::views::stored_ticket(&centre, &t))));
        }
        let compute = || async {
            let (reply, answer) = oneshot::channel();
            self.send(Request::Ticket(id.clone(), reply))?;
            Ok(answer.await.map_err(|_| StoreError::Unavailable)??.map(Shared::new))
        };
        self.views.get(shared::Key::Id(id.clone()), self.hub.version(), compute).await
    }

    /// What the writer has committed so far.
    pub fn counters(&self) -> &Counters {
        &self.counters
    }

    /// Today's ticket with this number (numbers are unique across services within a day), from
    /// the view shared until the queue changes.
    pub async fn ticket_by_number(&self, number: u32) -> Result<Option<api::Ticket>, StoreError> {
        let compute = || async {
            let (reply, answer) = oneshot::channel();
            self.send(Request::TicketByNumber(number, reply))?;
            Ok(answer.await.map_err(|_| StoreError::Unavailable)??.map(Shared::new))
        };
        let found = self.views.get(shared::Key::Number(number), self.hub.version(), compute).await?;
        Ok(found.map(|s| s.ticket.clone()))
    }

    /// Whether the writer answers: one probe a second reaches it, however many ask (`/healthz`).
    pub async fn alive(&self) -> Result<(), StoreError> {
        let cell = {
            let mut probe = self.probe.lock().unwrap_or_else(|p| p.into_inner());
            if probe.0.elapsed() >= std::time::Duration::from_secs(1) {
                *probe = (std::time::Instant::now(), Arc::default());
            }
            probe.1.clone()
        };
        cell.get_or_try_init(|| self.read(|_, _| ())).await.map(|_| ())
    }

    /// Runs `f` on the writer thread with the committed queue and the time; for views that need
    /// the live state (free places of slots, bookings). Keep `f` short: commands wait behind it.
    pub async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Queue, jiff::Timestamp) -> T + Send + 'static,
    ) -> Result<T, StoreError> {
        let (reply, answer) = oneshot::channel();
        let job = move |queue: Option<&Queue>, now| {
            let _ = reply.send(queue.map(|q| f(q, now)));
        };
        self.send(Request::Read(Box::new(job)))?;
        answer.await.map_err(|_| StoreError::Unavailable)?.ok_or(StoreError::Unavailable)
    }

    /// `f` over the committed queue, computed once per queue version and `minute` (the caller's
    /// clock, in minutes) for `key` and shared by every reader asking the same: a public page
    /// many phones read costs the writer one computation per change and minute. `key` must name
    /// everything `f` depends on besides the queue and the time.
    pub async fn read_shared<T: Send + Sync + 'static>(
        &self,
        key: String,
        minute: i64,
        f: impl FnOnce(&Queue, jiff::Timestamp) -> T + Send + 'static,
    ) -> Result<Arc<T>, StoreError> {
        let compute = || async {
            let value: Arc<dyn std::any::Any + Send + Sync> = Arc::new(self.read(f).await?);
            Ok(value)
        };
        // The entries last while neither the queue nor the minute moves.
        let minute = u64::try_from(minute.rem_euclid(1_000_000_000)).unwrap_or(0);
        let version = self.hub.version().saturating_mul(1_000_000_000).saturating_add(minute);
        let value = self.pages.get(key, version, compute).await?;
        value.downcast::<T>().map_err(|_| {
            tracing::error!("a shared view was asked for with another type under the same key");
            StoreError::Unavailable
        })
    }

    /// Asks the writer to roll the day over and expire no-shows if due.
    pub fn tick(&self) {
        // A full channel has work queued: the tick is due again in a moment.
        let _ = self.send(Request::Tick(None));
    }

    /// Rolls the day over, lapses holds, marks no-shows now, and answers once that is committed.
    pub async fn advance(&self) -> Result<(), StoreError> {
        let (reply, answer) = oneshot::channel();
        self.send(Request::Tick(Some(reply)))?;
        answer.await.map_err(|_| StoreError::Unavailable)
    }

    /// Notifications due for delivery at `now`, oldest first: (id, phone, text).
    pub async fn due_notices(&self, now: jiff::Timestamp, limit: u32) -> Result<Vec<bookings::Outgoing>, StoreError> {
        self.on_reader(move |conn| bookings::due_notices(conn, now, limit)).await
    }

    /// The outbox, newest first.
    pub async fn notices(&self, status: Option<String>, limit: u32) -> Result<Vec<api::Notification>, StoreError> {
        let centre = self.centre.clone();
        self.on_reader(move |conn| bookings::notices(conn, &centre.schedule, status.as_deref(), limit)).await
    }

    /// Records what became of a delivery attempt (on the writer, like every write). The message
    /// has gone to the gateway already, so a full writer queue is waited out (up to a minute)
    /// rather than refused: a refusal would leave it pending and send it again.
    pub async fn delivered(&self, id: i64, outcome: bookings::Delivered) -> Result<(), StoreError> {
        let mut outcome = outcome;
        for _ in 0..600 {
            let (reply, answer) = oneshot::channel();
            match self.tx.try_send(Request::Delivered(id, outcome, reply)) {
                Ok(()) => return answer.await.map_err(|_| StoreError::Unavailable)?,
                Err(mpsc::TrySendError::Full(Request::Delivered(_, back, _))) => outcome = back,
                Err(_) => return Err(StoreError::Unavailable),
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        Err(StoreError::Busy)
    }

    async fn on_reader<T: Send + 'static>(
        &self,
        f: impl FnOnce(&rusqlite::Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, StoreError> {
        let reader = self.reader.clone();
        tokio::task::spawn_blocking(move || {
            let conn = reader.lock().unwrap_or_else(|p| p.into_inner());
            f(&conn)
        })
        .await
        .map_err(|_| StoreError::Unavailable)?
        .map_err(|e| {
            tracing::error!(error = %e, "read failed");
            StoreError::Unavailable
        })
    }

    /// Ratings of one service day, oldest first, from their events (which the hash chain covers).
    pub async fn ratings_of_day(&self, day: jiff::civil::Date) -> Result<Vec<crate::supervise::RatingRow>, StoreError> {
        self.on_reader(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT at_ms, json_extract(payload, '$.rating.score'), json_extract(payload, '$.rating.counter')
                 FROM events WHERE day = ?1 AND kind = 'rating_given' ORDER BY at_ms, id",
            )?;
            let rows = stmt.query_map([day.to_string()], |r| {
                Ok(crate::supervise::RatingRow { at: rows::ts(r.get(0)?)?, score: r.get(1)?, counter: r.get(2)? })
            })?;
            rows.collect()
        })
        .await
    }

    /// Runs `f` on the read-only connection (reports).
    pub async fn query<T: Send + 'static>(
        &self,
        f: impl FnOnce(&rusqlite::Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, StoreError> {
        self.on_reader(f).await
    }

    /// Runs `f` on a connection of its own to the database file, in a blocking thread: for work
    /// apart from the queue (a catalogue import), which waits for the queue's writer between its
    /// commits (busy timeout) and never holds it up for long.
    pub async fn on_own_connection<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut rusqlite::Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, StoreError> {
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = schema::open(&path)?;
            f(&mut conn)
        })
        .await
        .map_err(|_| StoreError::Unavailable)?
        .map_err(|e| {
            tracing::error!(error = %e, "write apart from the queue failed");
            StoreError::Unavailable
        })
    }

    /// The procedure catalogue (as of the last import seen).
    pub fn catalog(&self) -> Arc<Catalog> {
        self.catalog.read().unwrap_or_else(|p| p.into_inner()).0.clone()
    }

    /// Reads the catalogue again if an import was recorded since it was read (by the admin page, or
    /// `queue-server catalogue import` while the server runs); whether it did.
    pub async fn reload_catalog(&self) -> Result<bool, StoreError> {
        let seen = self.catalog.read().unwrap_or_else(|p| p.into_inner()).1;
        let fresh = self
            .on_reader(move |conn| {
                let version = crate::catalogue::version(conn)?;
                if version == seen { Ok(None) } else { Ok(Some((Catalog::load(conn)?, version))) }
            })
            .await?;
        let Some((catalog, version)) = fresh else { return Ok(false) };
        let mut current = self.catalog.write().unwrap_or_else(|p| p.into_inner());
        if version > current.1 {
            *current = (Arc::new(catalog), version);
            tracing::info!(procedures = current.0.len(), import = version, "catalogue reloaded");
        }
        Ok(true)
    }

    /// A dossier by receipt code, personal data masked and shown only with the second factor
    /// (`catalog::dossier`); how the factor went.
    pub async fn dossier(
        &self,
        code: ReceiptCode,
        factor: Option<String>,
        now: jiff::Timestamp,
    ) -> Result<Option<(api::Dossier, catalog::Factor)>, StoreError> {
        let centre = self.centre.clone();
        let catalog = self.catalog();
        self.on_reader(move |conn| catalog::dossier(conn, &centre, &catalog, &code, factor.as_deref(), now)).await
    }
}
