//! The kiosk's outbox: ratings and device reports are written to a local SQLite file first and
//! delivered from there, so nothing a citizen gave is lost while the server is unreachable. Each
//! item carries an idempotency key, so a delivery repeated after a lost answer is recorded once.
//!
//! rusqlite is blocking; the outbox is a small local file and every call is short, so calls run on
//! the blocking pool (`spawn_blocking`) from async code.

use std::path::Path;
use std::sync::{Arc, Mutex};

use motcua_protocol::api::{HealthReport, RatingRequest};
use rusqlite::{Connection, params};

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

impl Outbox {
    /// Opens (creating) the outbox at `path`.
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
        let conn = self.lock();
        let mut stmt = conn.prepare("SELECT id, item FROM outbox WHERE delivered_ms IS NULL ORDER BY id")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
        Ok(rows
            .filter_map(Result::ok)
            .filter_map(|(id, json)| serde_json::from_str(&json).ok().map(|item| (id, item)))
            .collect())
    }

    fn finish(&self, id: i64, note: Option<&str>) -> rusqlite::Result<()> {
        self.lock().execute(
            "UPDATE outbox SET delivered_ms = ?2, note = ?3, attempts = attempts + 1 WHERE id = ?1",
            params![id, jiff::Timestamp::now().as_millisecond(), note],
        )?;
        Ok(())
    }

    fn attempt(&self, id: i64, error: &str) -> rusqlite::Result<()> {
        self.lock()
            .execute("UPDATE outbox SET attempts = attempts + 1, note = ?2 WHERE id = ?1", params![id, error])?;
        Ok(())
    }

    /// Tries to deliver every waiting item, oldest first; stops at the first one the server cannot
    /// take now (it is tried again next round). A refusal (say, already rated) ends the item: the
    /// server has decided, repeating would not change it.
    pub async fn deliver(&self, api: &Api) -> Round {
        let this = self.clone();
        let items =
            tokio::task::spawn_blocking(move || this.waiting()).await.ok().and_then(Result::ok).unwrap_or_default();
        let mut round = Round { delivered: 0, waiting: items.len() };
        for (id, item) in items {
            let outcome = match &item {
                Item::Rating(rating) => deliver_rating(api, rating).await,
                Item::Health(report) => api.report_health(report).await.map(|_| ()),
            };
            let this = self.clone();
            let stop = match outcome {
                Ok(()) => {
                    let _ = tokio::task::spawn_blocking(move || this.finish(id, None)).await;
                    round.delivered += 1;
                    round.waiting -= 1;
                    false
                }
                Err(e) if e.is_transient() => {
                    let note = format!("{e:?}");
                    let _ = tokio::task::spawn_blocking(move || this.attempt(id, &note)).await;
                    true
                }
                Err(e) => {
                    let note = format!("refused: {}", e.code().unwrap_or("?"));
                    let _ = tokio::task::spawn_blocking(move || this.finish(id, Some(&note))).await;
                    round.waiting -= 1;
                    false
                }
            };
            if stop {
                break;
            }
        }
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
        "INSERT INTO outbox (kind, item, created_ms) VALUES (?1, ?2, ?3)",
        params![kind, json, jiff::Timestamp::now().as_millisecond()],
    )?;
    Ok(())
}

async fn deliver_rating(api: &Api, rating: &PendingRating) -> Result<(), ApiError> {
    let ticket = match &rating.ticket {
        Some(id) => id.clone(),
        None => api.ticket_by_number(rating.number).await?.id,
    };
    let request = RatingRequest {
        ticket: Some(ticket),
        counter: None,
        score: rating.score,
        tags: rating.tags.clone(),
        comment: None,
        idempotency_key: Some(rating.idempotency_key.clone()),
    };
    api.rate(&request).await.map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let rating = Item::Rating(PendingRating {
            ticket: None,
            number: 7,
            score: 3,
            tags: vec![],
            idempotency_key: "k".into(),
        });
        outbox.push(&rating).expect("stores");
        outbox.push_health(&report("paper_out")).expect("stores");
        let waiting: Vec<Item> = outbox.waiting().expect("reads").into_iter().map(|(_, i)| i).collect();
        assert_eq!(waiting, vec![rating, Item::Health(report("paper_out"))]);
    }

    #[test]
    fn items_survive_reopening_until_delivered() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("outbox.db");
        let rating = Item::Rating(PendingRating {
            ticket: None,
            number: 1012,
            score: 4,
            tags: vec![],
            idempotency_key: "k1-r1012-1".into(),
        });
        let id = Outbox::open(&path).expect("opens").push(&rating).expect("stores");
        let reopened = Outbox::open(&path).expect("opens again");
        assert_eq!(reopened.waiting().expect("reads"), vec![(id, rating)]);
        reopened.finish(id, None).expect("marks");
        assert!(reopened.waiting().expect("reads").is_empty());
    }
}
