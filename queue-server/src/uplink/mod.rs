//! The centre's uplink to the provincial hub (`[hub]`): ships the event log in order, in batches,
//! with the centre's live state, and keeps the id the hub acknowledged in the `uplink` table.
//!
//! - It reads the log on a SQLite connection of its own (never the queue's writer) and sends from a
//!   task of its own: the centre's requests do not wait for it, and the centre keeps working for
//!   as long as the hub is away. The backlog is the events not yet acknowledged.
//! - It wakes on every change of the queue (a new ticket reaches the hub within a fraction of a
//!   second), sends at most one batch per [`MIN_INTERVAL`] unless it is catching up, and with
//!   nothing new sends the live state every `heartbeat_seconds`.
//! - A batch the hub says starts past its copy (`gap`) is sent again from the hub's last id; a
//!   batch whose answer was lost is sent again and taken once (the hub is idempotent on centre and
//!   event id). Failures back off from 1 s to `retry_max_seconds`, and show on the supervisor page.

pub mod wire;

use std::sync::Mutex;
use std::time::Duration;

use rusqlite::{Connection, params};
use serde::Serialize;

use crate::chain::{self, Break};
use crate::config::HubLink;
use crate::http::AppState;
use wire::{Ack, Batch, FieldWait, Profile, Refusal};

/// Shortest time between two batches while not catching up.
pub const MIN_INTERVAL: Duration = Duration::from_millis(200);

/// Most payload bytes in one batch (whatever `batch_size` says): a commune's slow line sends one
/// well within [`REQUEST_TIMEOUT`].
pub const MAX_BATCH_BYTES: usize = 256 * 1024;

/// Longest wait for the hub's answer to one batch, upload included.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

/// What the supervisor page shows of the uplink.
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct UplinkStatus {
    /// Whether a `[hub]` is configured.
    pub configured: bool,
    /// The hub's address.
    pub hub: String,
    /// The unit code the centre ships as.
    pub unit_code: String,
    /// The last event id the hub acknowledged.
    pub acked_id: i64,
    /// The last event id in the centre's log.
    pub last_event_id: i64,
    /// Events not yet acknowledged.
    pub backlog: u64,
    /// When the hub last took a batch (`HH:MM:SS dd/mm/yyyy` in the centre's zone, the server's clock).
    pub last_ok: Option<String>,
    /// The last failure, while it lasts: `unreachable`, `rejected` or the hub's code.
    pub error_code: Option<String>,
    /// Its Vietnamese description.
    pub error: Option<String>,
    /// The hub found the centre's chain broken at this event.
    pub chain_break_id: Option<i64>,
}

/// The uplink's status, shared with the supervisor's API.
#[derive(Debug, Default)]
pub struct Status(Mutex<UplinkStatus>);

impl Status {
    /// A copy of the status now.
    pub fn get(&self) -> UplinkStatus {
        self.0.lock().map(|s| s.clone()).unwrap_or_default()
    }

    fn update(&self, f: impl FnOnce(&mut UplinkStatus)) {
        if let Ok(mut s) = self.0.lock() {
            f(&mut s);
        }
    }
}

fn key(link: &HubLink) -> String {
    format!("{} {}", link.url, link.unit_code)
}

/// The id the hub acknowledged, as stored.
fn stored_ack(conn: &Connection, link: &HubLink) -> rusqlite::Result<i64> {
    conn.query_row("SELECT acked_id FROM uplink WHERE hub = ?1", [key(link)], |r| r.get(0))
        .or_else(|e| if e == rusqlite::Error::QueryReturnedNoRows { Ok(0) } else { Err(e) })
}

fn store_ack(conn: &Connection, link: &HubLink, acked: i64, at_ms: i64) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO uplink (hub, acked_id, at_ms) VALUES (?1, ?2, ?3)
         ON CONFLICT (hub) DO UPDATE SET acked_id = excluded.acked_id, at_ms = excluded.at_ms",
        params![key(link), acked, at_ms],
    )?;
    Ok(())
}

/// What one read of the log gives: the batch's events, the log's last id.
type Read = (Vec<chain::ChainEvent>, i64);

fn read(conn: &Connection, after: i64, limit: u32) -> rusqlite::Result<Read> {
    let mut events = chain::read_after(conn, after, i64::from(limit))?;
    let mut bytes = 0;
    let keep = events
        .iter()
        .position(|e| {
            bytes += e.payload.len() + 256;
            bytes > MAX_BATCH_BYTES
        })
        .unwrap_or(events.len())
        .max(1);
    events.truncate(keep);
    let last: i64 = conn.query_row("SELECT coalesce(max(id), 0) FROM events", [], |r| r.get(0))?;
    Ok((events, last))
}

/// The centre's profile for the hub.
fn profile(state: &AppState, conn: &Connection) -> rusqlite::Result<Profile> {
    Ok(Profile {
        name: state.config.centre.name.clone(),
        frame: crate::reports::Frame::of(&state.config.centre),
        officers: crate::reports::staff_names(conn)?,
    })
}

fn waits(state: &AppState) -> Vec<FieldWait> {
    let snapshot = state.hub.snapshot();
    let mut services = snapshot.services.clone();
    crate::views::refresh_open(&state.config.centre, &mut services, state.clock.now());
    services
        .into_iter()
        .map(|s| FieldWait {
            code: s.code,
            name: s.name_vi,
            waiting: s.waiting,
            estimated_wait_minutes: s.estimated_wait_minutes,
            counters_open: s.counters_open,
        })
        .collect()
}

/// Runs `f` with the uplink's own connection on a blocking thread.
async fn on_conn<T: Send + 'static>(
    conn: &mut Option<Connection>,
    f: impl FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
) -> Option<T> {
    let c = conn.take()?;
    let (c, result) = tokio::task::spawn_blocking(move || {
        let r = f(&c);
        (c, r)
    })
    .await
    .ok()?;
    *conn = Some(c);
    match result {
        Ok(v) => Some(v),
        Err(e) => {
            tracing::error!("uplink: reading the log: {e}");
            None
        }
    }
}

/// Ships the log until the server stops. Spawned by [`crate::run`] when `[hub]` is configured.
pub async fn run(state: AppState, link: HubLink, db: std::path::PathBuf) {
    let status = state.uplink.clone();
    status.update(|s| {
        s.configured = true;
        s.hub = link.url.clone();
        s.unit_code = link.unit_code.clone();
    });
    let mut conn = match crate::store::schema::open(&db) {
        Ok(c) => Some(c),
        Err(e) => {
            tracing::error!("uplink: cannot open {}: {e}", db.display());
            return;
        }
    };
    let http =
        match reqwest::Client::builder().connect_timeout(Duration::from_secs(10)).timeout(REQUEST_TIMEOUT).build() {
            Ok(c) => c,
            Err(e) => {
                tracing::error!("uplink: {e}");
                return;
            }
        };
    let endpoint = format!("{}/api/v1/ingest", link.url);
    let l = link.clone();
    let mut acked = on_conn(&mut conn, move |c| stored_ack(c, &l)).await.unwrap_or(0);
    let mut changes = state.hub.changes();
    let mut shutdown = state.shutdown.clone();
    // The profile the hub has (none: send it with the next batch).
    let mut profile_sent: Option<Profile> = None;
    // Events per batch now: halved when the hub finds a batch too large, back up after successes.
    let mut limit = link.batch_size;
    let mut backoff = Duration::from_secs(1);
    let max_backoff = Duration::from_secs(link.retry_max_seconds);
    let heartbeat = Duration::from_secs(link.heartbeat_seconds);
    let mut wait = Duration::ZERO;
    loop {
        // Wait for a change, the heartbeat, or the back-off after a failure.
        if !wait.is_zero() {
            tokio::select! {
                _ = shutdown.changed() => return,
                _ = changes.changed(), if wait == heartbeat => {}
                _ = tokio::time::sleep(wait) => {}
            }
        }
        if *shutdown.borrow() {
            return;
        }
        changes.borrow_and_update();
        let Some((events, last)) = on_conn(&mut conn, move |c| read(c, acked, limit)).await else {
            wait = max_backoff;
            continue;
        };
        let st = state.clone();
        let profile = on_conn(&mut conn, move |c| profile(&st, c)).await.filter(|p| profile_sent.as_ref() != Some(p));
        let live = crate::http::supervisor::current(&state).await.ok();
        // The centre checks its own log as it ships it: an edit behind the server's back shows on
        // its supervisor page even when the hub has flagged something earlier.
        let own_break = events.first().and_then(|first| chain::verify(&first.prev_hash, &events).err());
        if let Some(b) = &own_break {
            tracing::warn!("uplink: {}", b.message_vi());
        }
        let through = events.last().map_or(acked, |e| e.id);
        let full = events.last().is_some_and(|e| e.id < last);
        let batch = Batch {
            centre: link.unit_code.clone(),
            after: acked,
            backlog: u64::try_from(last - through).unwrap_or(0),
            events,
            live,
            waits: Some(waits(&state)),
            profile: profile.clone(),
        };
        status.update(|s| {
            s.last_event_id = last;
            s.backlog = u64::try_from(last - acked).unwrap_or(0);
        });
        let answer = http.post(&endpoint).bearer_auth(&link.token).json(&batch).send().await;
        let failure = match answer {
            Ok(r) if r.status().is_success() => match r.json::<Ack>().await {
                Ok(ack) if ack.acked > last => Some((
                    "diverged".to_string(),
                    format!(
                        "Máy chủ tỉnh giữ đến sự kiện số {} nhưng nhật ký của trung tâm chỉ đến số {last}: nhật ký đã bị \
                         thay (khôi phục bản sao lưu, cài lại?). Liên hệ quản trị của tỉnh.",
                        ack.acked
                    ),
                )),
                Ok(ack) => {
                    let now = state.clock.now();
                    let (l, new) = (link.clone(), ack.acked);
                    if new != acked {
                        on_conn(&mut conn, move |c| store_ack(c, &l, new, now.as_millisecond())).await;
                    }
                    acked = ack.acked;
                    if profile.is_some() {
                        profile_sent = profile;
                    }
                    limit = (limit.saturating_mul(2)).min(link.batch_size);
                    backoff = Duration::from_secs(1);
                    status.update(|s| {
                        s.acked_id = acked;
                        s.backlog = u64::try_from(last - acked).unwrap_or(0);
                        s.last_ok = Some(
                            now.to_zoned(state.config.centre.schedule.time_zone.clone())
                                .strftime("%H:%M:%S %d/%m/%Y")
                                .to_string(),
                        );
                        s.error_code = None;
                        s.error = None;
                        s.chain_break_id = ack
                            .chain_break
                            .as_ref()
                            .map(|b: &Break| b.id)
                            .or(own_break.as_ref().map(|b| b.id))
                            .or(s.chain_break_id);
                    });
                    wait = if full {
                        Duration::ZERO
                    } else if last > acked {
                        MIN_INTERVAL
                    } else {
                        heartbeat
                    };
                    if !full && last <= acked {
                        // Caught up: pace the next wake so a burst of changes is one batch.
                        tokio::select! {
                            _ = shutdown.changed() => return,
                            _ = tokio::time::sleep(MIN_INTERVAL) => {}
                        }
                    }
                    None
                }
                Err(e) => Some(("unreachable".to_string(), format!("Máy chủ tỉnh trả lời không đọc được: {e}"))),
            },
            Ok(r) => {
                let code = r.status();
                match r.json::<Refusal>().await {
                    Ok(refusal) if refusal.code == "gap" => {
                        // The hub holds less (or more) than we thought: send from where it is.
                        acked = refusal.hub_last_id.unwrap_or(0);
                        wait = Duration::ZERO;
                        continue;
                    }
                    Ok(refusal) if refusal.code == "batch_too_large" && limit > 1 => {
                        limit = (limit / 2).max(1);
                        wait = Duration::ZERO;
                        continue;
                    }
                    Ok(refusal) => Some((refusal.code, refusal.message)),
                    Err(_) => Some((
                        "unreachable".to_string(),
                        format!("Máy chủ tỉnh trả lời {code} (có thể qua một proxy đang lỗi)."),
                    )),
                }
            }
            Err(e) => Some((
                "unreachable".to_string(),
                format!(
                    "Không kết nối được máy chủ tỉnh: {}",
                    if e.is_timeout() { "quá thời gian chờ" } else { "không có kết nối" }
                ),
            )),
        };
        if let Some((code, message)) = failure {
            tracing::warn!("uplink: {code}: {message}");
            status.update(|s| {
                s.error_code = Some(code);
                s.error = Some(message);
            });
            profile_sent = None;
            wait = backoff;
            backoff = (backoff * 2).min(max_backoff);
        }
    }
}
