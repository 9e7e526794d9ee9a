//! The kiosk's outbox: ratings and device reports are written to a local SQLite file first and
//! delivered from there, so nothing a citizen gave is lost while the server is unreachable.
//!
//! - Each item carries everything needed to deliver it later: a rating its ticket (or the number
//!   and service day printed on it), when it was given and its idempotency key, so one delivered
//!   the next morning lands on the right ticket of the right day, and a delivery repeated after a
//!   lost answer is recorded once.
//! - An item is dropped only when the server refused it for what it is (bad, unknown, already
//!   rated: [`ApiError::is_about_the_request`]). Anything else — no answer, a proxy's error page,
//!   a 401 after a token change, a 429 — keeps it, to be tried again after a back-off of its own
//!   (3 s doubling to 5 min), so one item the server keeps failing does not hold back the others.
//! - The table stays small: a delivered item is deleted, a refused one is kept a week for
//!   whoever looks into it, then deleted too.
//!
//! rusqlite is blocking and every write waits for an fsync, so the outbox is only ever used from
//! the blocking pool (`spawn_blocking`), never on the async worker threads.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use motcua_protocol::api::{HealthReport, RatingRequest};
use rusqlite::{Connection, OptionalExtension, params};

use crate::api::{Api, ApiError};
use crate::flows::rating::PendingRating;

/// What waits for delivery.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "item", content = "body", rename_all = "snake_case")]
pub enum Item {
    /// A rating.
    Rating(PendingRating),
    /// A health report.
    Health(HealthReport),
}

/// The outbox file.
#[derive(Debug, Clone)]
pub struct Outbox {
    conn: Arc<Mutex<Connection>>,
}

/// Result of one delivery round.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Round {
    /// Items the server has now.
    pub delivered: usize,
    /// Items still waiting.
    pub waiting: usize,
}

/// First wait before an item is tried again.
const FIRST_RETRY_MS: i64 = 3_000;
/// Longest wait before an item is tried again.
const MAX_RETRY_MS: i64 = 5 * 60 * 1000;
/// How long a refused item is kept for inspection.
const KEEP_REFUSED_MS: i64 = 7 * 24 * 3600 * 1000;

fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

/// The wait before the next try after `attempts` failed ones.
fn backoff_ms(attempts: u32) -> i64 {
    FIRST_RETRY_MS.saturating_mul(1i64 << attempts.min(20)).min(MAX_RETRY_MS)
}

impl Outbox {
    /// Opens (creating or upgrading) the outbox at `path`.
    pub fn open(path: &Path) -> rusqlite::Result<Self> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS outbox (
                 id INTEGER PRIMARY KEY,
                 kind TEXT NOT NULL,
                 item TEXT NOT NULL,
                 created_ms INTEGER NOT NULL,
                 attempts INTEGER NOT NULL DEFAULT 0,
                 delivered_ms INTEGER,
                 note TEXT
             )",
        )?;
        let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if version < 1 {
            // Version 1: items wait for their own next try; delivered items are no longer kept.
            let tx = conn.unchecked_transaction()?;
            tx.execute_batch(
                "ALTER TABLE outbox ADD COLUMN next_ms INTEGER NOT NULL DEFAULT 0;
                 DELETE FROM outbox WHERE delivered_ms IS NOT NULL AND note IS NULL;
                 CREATE INDEX IF NOT EXISTS outbox_waiting ON outbox (next_ms) WHERE delivered_ms IS NULL;
                 PRAGMA user_version = 1;",
            )?;
            tx.commit()?;
        }
        Ok(Self { conn: Arc::new(Mutex::new(conn)) })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Stores an item; it is on disk when this returns.
    pub fn push(&self, item: &Item) -> rusqlite::Result<i64> {
        let conn = self.lock();
        insert(&conn, item)?;
        Ok(conn.last_insert_rowid())
    }

    /// Stores a health report in place of any not yet delivered: only the latest state matters, and
    /// one queue keeps reports in the order they were made.
    pub fn push_health(&self, report: &HealthReport) -> rusqlite::Result<i64> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        tx.execute("DELETE FROM outbox WHERE delivered_ms IS NULL AND kind = 'health'", [])?;
        insert(&tx, &Item::Health(report.clone()))?;
        let id = tx.last_insert_rowid();
        tx.commit()?;
        Ok(id)
    }

    /// Items not delivered yet, oldest first.
    pub fn waiting(&self) -> rusqlite::Result<Vec<(i64, Item)>> {
        self.select("SELECT id, item FROM outbox WHERE delivered_ms IS NULL ORDER BY id", params![])
    }

    /// Items whose next try is due at `now_ms`, oldest first.
    fn due(&self, now_ms: i64) -> rusqlite::Result<Vec<(i64, Item)>> {
        self.select(
            "SELECT id, item FROM outbox WHERE delivered_ms IS NULL AND next_ms <= ?1 ORDER BY id",
            params![now_ms],
        )
    }

    /// The rows `sql` selects (`id, item`), read. A row that cannot be read (written by a later
    /// version, or damaged) is set aside as refused, with a note, rather than tried for ever.
    fn select(&self, sql: &str, args: &[&dyn rusqlite::ToSql]) -> rusqlite::Result<Vec<(i64, Item)>> {
        let rows: Vec<(i64, String)> = {
            let conn = self.lock();
            let mut stmt = conn.prepare(sql)?;
            stmt.query_map(args, |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?.collect::<Result<_, _>>()?
        };
        let mut items = Vec::with_capacity(rows.len());
        for (id, json) in rows {
            match serde_json::from_str(&json) {
                Ok(item) => items.push((id, item)),
                Err(e) => {
                    tracing::error!(id, error = %e, "outbox item cannot be read; set aside");
                    self.refused(id, &format!("unreadable: {e}"), now_ms())?;
                }
            }
        }
        Ok(items)
    }

    /// Every waiting item is tried at the next round whatever its back-off (the server is back).
    pub fn retry_all_now(&self) -> rusqlite::Result<()> {
        self.lock().execute("UPDATE outbox SET next_ms = 0 WHERE delivered_ms IS NULL", [])?;
        Ok(())
    }

    /// Ratings kept by an earlier version without their day and time get them from when they were
    /// kept: `day_of(ms)` the service day, and the time itself.
    pub fn date_old_ratings(&self, day_of: impl Fn(i64) -> Option<String>) -> rusqlite::Result<usize> {
        let rows: Vec<(i64, String, i64)> = {
            let conn = self.lock();
            let mut stmt =
                conn.prepare("SELECT id, item, created_ms FROM outbox WHERE delivered_ms IS NULL AND kind = 'rating'")?;
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<Result<_, _>>()?
        };
        let mut dated = 0;
        for (id, json, created_ms) in rows {
            let Ok(Item::Rating(mut rating)) = serde_json::from_str::<Item>(&json) else { continue };
            if rating.ticket.is_some() || rating.day.is_some() {
                continue;
            }
            rating.day = day_of(created_ms);
            rating.given_at = jiff::Timestamp::from_millisecond(created_ms).ok().map(|t| t.to_string());
            let json = serde_json::to_string(&Item::Rating(rating))
                .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
            self.lock().execute("UPDATE outbox SET item = ?2 WHERE id = ?1", params![id, json])?;
            dated += 1;
        }
        Ok(dated)
    }

    /// Rows in the file, delivered or not (it must stay small).
    pub fn rows(&self) -> rusqlite::Result<i64> {
        self.lock().query_row("SELECT count(*) FROM outbox", [], |r| r.get(0))
    }

    /// When the next waiting item is due (milliseconds since 1970), if any waits.
    pub fn next_due_ms(&self) -> rusqlite::Result<Option<i64>> {
        self.lock()
            .query_row("SELECT min(next_ms) FROM outbox WHERE delivered_ms IS NULL", [], |r| r.get(0))
            .optional()
            .map(Option::flatten)
    }

    /// The note of item `id` (why its last try failed), for inspection.
    pub fn note(&self, id: i64) -> rusqlite::Result<Option<String>> {
        self.lock()
            .query_row("SELECT note FROM outbox WHERE id = ?1", [id], |r| r.get(0))
            .optional()
            .map(Option::flatten)
    }

    fn delivered(&self, id: i64) -> rusqlite::Result<()> {
        self.lock().execute("DELETE FROM outbox WHERE id = ?1", [id])?;
        Ok(())
    }

    fn refused(&self, id: i64, note: &str, now_ms: i64) -> rusqlite::Result<()> {
        self.lock().execute(
            "UPDATE outbox SET delivered_ms = ?2, note = ?3, attempts = attempts + 1 WHERE id = ?1",
            params![id, now_ms, note],
        )?;
        Ok(())
    }

    fn retry_later(&self, id: i64, note: &str, now_ms: i64) -> rusqlite::Result<()> {
        let conn = self.lock();
        let attempts: u32 = conn.query_row("SELECT attempts FROM outbox WHERE id = ?1", [id], |r| r.get(0))?;
        conn.execute(
            "UPDATE outbox SET attempts = attempts + 1, note = ?2, next_ms = ?3 WHERE id = ?1",
            params![id, note, now_ms + backoff_ms(attempts)],
        )?;
        Ok(())
    }

    fn prune(&self, now_ms: i64) -> rusqlite::Result<()> {
        self.lock().execute(
            "DELETE FROM outbox WHERE delivered_ms IS NOT NULL AND delivered_ms < ?1",
            [now_ms - KEEP_REFUSED_MS],
        )?;
        Ok(())
    }

    /// Runs `f` on a clone of the outbox on the blocking pool.
    async fn blocking<R: Send + 'static>(&self, f: impl FnOnce(&Outbox) -> R + Send + 'static) -> Option<R> {
        let this = self.clone();
        tokio::task::spawn_blocking(move || f(&this)).await.ok()
    }

    /// Stores `item` from async code, off the async threads; whether it is on disk.
    pub async fn store(&self, item: Item) -> bool {
        let stored = self
            .blocking(move |o| match &item {
                Item::Health(report) => o.push_health(report),
                Item::Rating(_) => o.push(&item),
            })
            .await;
        match stored {
            Some(Ok(_)) => true,
            Some(Err(e)) => {
                tracing::error!(error = %e, "outbox write failed");
                false
            }
            None => false,
        }
    }

    /// How long until the next waiting item is due (`None`: nothing waits).
    pub async fn next_due(&self) -> Option<Duration> {
        let due = self.blocking(Outbox::next_due_ms).await?.ok()??;
        Some(Duration::from_millis(u64::try_from(due - now_ms()).unwrap_or(0)))
    }

    /// Tries every item that is due, oldest first. An item the server refused for what it is ends
    /// there; any other failure sets that item's next try and goes on with the next item, except no
    /// answer at all, which ends the round (the server is away).
    pub async fn deliver(&self, api: &Api) -> Round {
        let now = now_ms();
        let items = self.blocking(move |o| o.due(now)).await.and_then(Result::ok).unwrap_or_default();
        let mut round = Round::default();
        for (id, item) in items {
            let outcome = match &item {
                Item::Rating(rating) => api.rate(&rating_request(rating)).await.map(|_| ()),
                Item::Health(report) => api.report_health(report).await.map(|_| ()),
            };
            let now = now_ms();
            match outcome {
                Ok(()) => {
                    self.blocking(move |o| o.delivered(id)).await;
                    round.delivered += 1;
                }
                Err(e) if e.is_about_the_request() => {
                    let note = format!("refused {}: {}", e.code().unwrap_or("?"), e.friendly().1);
                    tracing::warn!(id, %note, "outbox item refused by the server");
                    self.blocking(move |o| o.refused(id, &note, now)).await;
                }
                Err(e) => {
                    let note = format!("{e:?}");
                    self.blocking(move |o| o.retry_later(id, &note, now)).await;
                    if matches!(e, ApiError::Unavailable(_)) {
                        break;
                    }
                }
            }
        }
        let counted = self
            .blocking(move |o| {
                o.prune(now)?;
                o.waiting().map(|w| w.len())
            })
            .await;
        round.waiting = counted.and_then(Result::ok).unwrap_or(0);
        round
    }
}

fn insert(conn: &Connection, item: &Item) -> rusqlite::Result<()> {
    let json = serde_json::to_string(item).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    let kind = match item {
        Item::Rating(_) => "rating",
        Item::Health(_) => "health",
    };
    conn.execute(
        "INSERT INTO outbox (kind, item, created_ms, next_ms) VALUES (?1, ?2, ?3, 0)",
        params![kind, json, now_ms()],
    )?;
    Ok(())
}

/// The request for a kept rating: its ticket, or the number and day printed on it, and when it was
/// given.
fn rating_request(rating: &PendingRating) -> RatingRequest {
    let of_ticket = rating.receipt_code.is_none();
    RatingRequest {
        ticket: rating.ticket.clone().filter(|_| of_ticket),
        number: (of_ticket && rating.ticket.is_none()).then_some(rating.number),
        receipt_code: rating.receipt_code.clone(),
        day: rating.day.clone(),
        given_at: rating.given_at.clone(),
        counter: None,
        score: rating.score,
        tags: rating.tags.clone(),
        comment: None,
        idempotency_key: Some(rating.idempotency_key.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rating(number: u32, key: &str) -> Item {
        Item::Rating(PendingRating {
            ticket: None,
            number,
            day: Some("2026-11-23".into()),
            given_at: Some("2026-11-23T16:30:00+07:00".into()),
            score: 3,
            tags: vec![],
            idempotency_key: key.into(),
            receipt_code: None,
        })
    }

    #[test]
    fn a_new_health_report_replaces_the_undelivered_one_but_not_ratings() {
        let dir = tempfile::tempdir().expect("tempdir");
        let outbox = Outbox::open(&dir.path().join("o.db")).expect("opens");
        let report = |printer: &str| HealthReport {
            kind: "kiosk".into(),
            printer: Some(printer.into()),
            displays: vec![],
            detail: None,
        };
        outbox.push_health(&report("ready")).expect("stores");
        outbox.push(&rating(7, "k")).expect("stores");
        outbox.push_health(&report("paper_out")).expect("stores");
        let waiting: Vec<Item> = outbox.waiting().expect("reads").into_iter().map(|(_, i)| i).collect();
        assert_eq!(waiting, vec![rating(7, "k"), Item::Health(report("paper_out"))]);
    }

    #[test]
    fn items_survive_reopening_until_delivered_and_delivered_ones_are_gone() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("outbox.db");
        let id = Outbox::open(&path).expect("opens").push(&rating(1012, "k1-r1012-1")).expect("stores");
        let reopened = Outbox::open(&path).expect("opens again");
        assert_eq!(reopened.waiting().expect("reads"), vec![(id, rating(1012, "k1-r1012-1"))]);
        reopened.delivered(id).expect("marks");
        assert!(reopened.waiting().expect("reads").is_empty());
        assert_eq!(reopened.rows().expect("counts"), 0, "nothing kept once delivered");
    }

    #[test]
    fn a_failed_item_waits_its_own_back_off_and_refused_ones_go_after_a_week() {
        let dir = tempfile::tempdir().expect("tempdir");
        let outbox = Outbox::open(&dir.path().join("o.db")).expect("opens");
        let a = outbox.push(&rating(1, "a")).expect("stores");
        let b = outbox.push(&rating(2, "b")).expect("stores");
        let now = now_ms();
        outbox.retry_later(a, "Failed(502)", now).expect("marks");
        assert_eq!(outbox.due(now).expect("reads").iter().map(|(id, _)| *id).collect::<Vec<_>>(), vec![b]);
        assert_eq!(outbox.next_due_ms().expect("reads"), Some(0), "b is due now");
        assert_eq!(outbox.due(now + FIRST_RETRY_MS).expect("reads").len(), 2, "a after its back-off");
        outbox.retry_later(a, "Failed(502)", now).expect("marks");
        assert_eq!(outbox.due(now + FIRST_RETRY_MS).expect("reads").len(), 1, "the wait doubles");
        assert_eq!(backoff_ms(30), MAX_RETRY_MS);
        outbox.refused(b, "refused ticket_not_found", now).expect("marks");
        outbox.prune(now + KEEP_REFUSED_MS - 1).expect("prunes");
        assert_eq!(outbox.rows().expect("counts"), 2, "a refused item is kept a week");
        outbox.prune(now + KEEP_REFUSED_MS + 1).expect("prunes");
        assert_eq!(outbox.rows().expect("counts"), 1);
    }

    #[test]
    fn an_outbox_of_the_earlier_layout_is_upgraded_in_place() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("old.db");
        {
            let conn = Connection::open(&path).expect("opens");
            conn.execute_batch(
                "CREATE TABLE outbox (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, item TEXT NOT NULL,
                   created_ms INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, delivered_ms INTEGER, note TEXT);",
            )
            .expect("old table");
            let json = serde_json::to_string(&rating(5, "old")).expect("json");
            conn.execute("INSERT INTO outbox (kind, item, created_ms) VALUES ('rating', ?1, 1)", [&json]).expect("row");
            conn.execute(
                "INSERT INTO outbox (kind, item, created_ms, delivered_ms) VALUES ('rating', ?1, 1, 2)",
                [&json],
            )
            .expect("row");
        }
        let outbox = Outbox::open(&path).expect("upgrades");
        assert_eq!(outbox.waiting().expect("reads").len(), 1, "the undelivered rating is still there");
        assert_eq!(outbox.rows().expect("counts"), 1, "the delivered one is gone");
    }
}
