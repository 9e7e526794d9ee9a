//! Tamper evidence for the event log: every event carries the hash of its predecessor and its own
//! hash, a chain per centre started when the chain was installed.
//!
//! A centre is scored on its ratings and waits, so the province must be able to trust its log. The
//! hash of an event is BLAKE2s-256 (hex, 64 characters) over its fields, each length-prefixed so
//! that no two records share an encoding (see [`event_hash`]); the first event's predecessor is
//! [`GENESIS`]. SQLite computes both in a trigger on every insert (whichever path inserts the row)
//! through the `motcua_chain_hash` function [`register`]ed on every connection; the provincial hub
//! and the tests check a run of events with [`verify`]:
//! - a row edited behind the server's back (its hash not matching its fields) is [`BreakKind::Edited`];
//! - a row deleted, or an edited row whose hash was recomputed, leaves the next event not pointing at
//!   the one before it: [`BreakKind::NotFollowing`].
//!
//! The chain proves order and integrity against edits made with ordinary tools; it is not a
//! signature (anyone who can run code on the centre's machine can rebuild a chain), which is why the
//! hub keeps what it received: history already shipped cannot be rewritten.

use blake2::Digest;
use rusqlite::functions::FunctionFlags;
use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};

/// The predecessor of the first event: 64 zeros.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One event as it is stored and shipped to the hub: the columns of the `events` table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainEvent {
    /// Row id in the centre's log: increasing, unique for the centre's life.
    pub id: i64,
    /// When, ms since the Unix epoch.
    pub at_ms: i64,
    /// Service day, `YYYY-MM-DD` in the centre's time zone.
    pub day: String,
    /// What happened (`ticket_issued`, `rating_given`, …).
    pub kind: String,
    /// Ticket concerned.
    #[serde(default)]
    pub ticket_id: Option<String>,
    /// Field (lĩnh vực) code.
    #[serde(default)]
    pub service: Option<String>,
    /// Counter (quầy) number.
    #[serde(default)]
    pub counter_no: Option<i64>,
    /// Dossier receipt code (mã hồ sơ).
    #[serde(default)]
    pub dossier: Option<String>,
    /// Who asked for it (`staff:NAME`, `device:…`), if anyone.
    #[serde(default)]
    pub actor: Option<String>,
    /// The event's details, JSON text exactly as stored (the hash covers these bytes).
    pub payload: String,
    /// Hash of the event before it ([`GENESIS`] for the first).
    pub prev_hash: String,
    /// Hash of this event.
    pub hash: String,
}

fn field(h: &mut blake2::Blake2s256, value: Option<&[u8]>) {
    match value {
        None => h.update(b"-;"),
        Some(v) => {
            h.update(v.len().to_string().as_bytes());
            h.update(b":");
            h.update(v);
            h.update(b";");
        }
    }
}

/// The hash of an event given its predecessor's: BLAKE2s-256, lower-case hex, over
/// `motcua-chain-1;` then each of prev, id, at_ms, day, kind, ticket_id, service, counter_no,
/// dossier, actor, payload as `LEN:BYTES;` (numbers in decimal; a missing value as `-;`).
#[allow(clippy::too_many_arguments)]
pub fn hash_fields(
    prev: &str,
    id: i64,
    at_ms: i64,
    day: &str,
    kind: &str,
    ticket_id: Option<&str>,
    service: Option<&str>,
    counter_no: Option<i64>,
    dossier: Option<&str>,
    actor: Option<&str>,
    payload: &str,
) -> String {
    let mut h = blake2::Blake2s256::new();
    h.update(b"motcua-chain-1;");
    let (id, at, counter) = (id.to_string(), at_ms.to_string(), counter_no.map(|c| c.to_string()));
    for v in [
        Some(prev.as_bytes()),
        Some(id.as_bytes()),
        Some(at.as_bytes()),
        Some(day.as_bytes()),
        Some(kind.as_bytes()),
        ticket_id.map(str::as_bytes),
        service.map(str::as_bytes),
        counter.as_deref().map(str::as_bytes),
        dossier.map(str::as_bytes),
        actor.map(str::as_bytes),
        Some(payload.as_bytes()),
    ] {
        field(&mut h, v);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The hash an event should have after `prev` (its own `hash` field is not read).
pub fn event_hash(prev: &str, e: &ChainEvent) -> String {
    hash_fields(
        prev,
        e.id,
        e.at_ms,
        &e.day,
        &e.kind,
        e.ticket_id.as_deref(),
        e.service.as_deref(),
        e.counter_no,
        e.dossier.as_deref(),
        e.actor.as_deref(),
        &e.payload,
    )
}

/// How the chain broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BreakKind {
    /// The event's fields do not give its hash: it was changed after it was written.
    Edited,
    /// The event does not point at the one before it: an event before it was deleted or rewritten.
    NotFollowing,
}

/// The first event at which a chain breaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Break {
    /// Its id.
    pub id: i64,
    /// How.
    pub kind: BreakKind,
}

impl Break {
    /// A Vietnamese sentence for the province's supervisors.
    pub fn message_vi(&self) -> String {
        match self.kind {
            BreakKind::Edited => format!("Sự kiện số {} đã bị sửa sau khi ghi (mã băm không khớp nội dung).", self.id),
            BreakKind::NotFollowing => format!(
                "Sự kiện số {} không nối tiếp sự kiện trước nó: có sự kiện đã bị xoá hoặc sửa trước đó.",
                self.id
            ),
        }
    }
}

/// Checks `events` (in id order) against the hash of the event before them (`prev`, [`GENESIS`] at
/// the start): the hash of the last event when whole, else the first break.
pub fn verify(prev: &str, events: &[ChainEvent]) -> Result<String, Break> {
    let mut expected = prev.to_string();
    for e in events {
        if e.prev_hash != expected {
            return Err(Break { id: e.id, kind: BreakKind::NotFollowing });
        }
        if event_hash(&e.prev_hash, e) != e.hash {
            return Err(Break { id: e.id, kind: BreakKind::Edited });
        }
        expected.clone_from(&e.hash);
    }
    Ok(expected)
}

/// Registers `motcua_chain_hash(prev, id, at_ms, day, kind, ticket_id, service, counter_no, dossier,
/// actor, payload)` on a connection (the trigger calls it; a connection without it cannot insert
/// events, so a tool that does not know the chain fails instead of breaking it silently).
pub fn register(conn: &Connection) -> rusqlite::Result<()> {
    conn.create_scalar_function(
        "motcua_chain_hash",
        11,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| {
            let text = |i: usize| ctx.get::<Option<String>>(i);
            Ok(hash_fields(
                &text(0)?.unwrap_or_else(|| GENESIS.to_string()),
                ctx.get(1)?,
                ctx.get(2)?,
                &ctx.get::<String>(3)?,
                &ctx.get::<String>(4)?,
                text(5)?.as_deref(),
                text(6)?.as_deref(),
                ctx.get(7)?,
                text(8)?.as_deref(),
                text(9)?.as_deref(),
                &ctx.get::<String>(10)?,
            ))
        },
    )
}

/// The trigger that chains every inserted event onto the one before it.
const TRIGGER: &str = "
CREATE TRIGGER events_chain AFTER INSERT ON events BEGIN
    UPDATE events SET (prev_hash, hash) = (
        SELECT p.h, motcua_chain_hash(p.h, NEW.id, NEW.at_ms, NEW.day, NEW.kind, NEW.ticket_id, NEW.service,
                                      NEW.counter_no, NEW.dossier, NEW.actor, NEW.payload)
        FROM (SELECT coalesce((SELECT hash FROM events WHERE id < NEW.id ORDER BY id DESC LIMIT 1),
                              '0000000000000000000000000000000000000000000000000000000000000000') AS h) p)
    WHERE id = NEW.id;
END;";

/// Starts the chain (a migration step): adds the columns, chains the events already stored in id
/// order from [`GENESIS`], and installs the trigger for every later insert.
pub fn install(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch("ALTER TABLE events ADD COLUMN prev_hash TEXT; ALTER TABLE events ADD COLUMN hash TEXT;")?;
    let mut prev = GENESIS.to_string();
    let mut update = conn.prepare("UPDATE events SET prev_hash = ?1, hash = ?2 WHERE id = ?3")?;
    // A page at a time: a year's log need not fit in a Raspberry Pi's memory.
    let mut after = 0;
    loop {
        let page = read_after(conn, after, 10_000)?;
        let Some(last) = page.last() else { break };
        after = last.id;
        for e in page {
            let hash = event_hash(&prev, &e);
            update.execute(params![prev, hash, e.id])?;
            prev = hash;
        }
    }
    conn.execute_batch(TRIGGER)
}

/// Up to `limit` events after id `after`, in id order.
pub fn read_after(conn: &Connection, after: i64, limit: i64) -> rusqlite::Result<Vec<ChainEvent>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, at_ms, day, kind, ticket_id, service, counter_no, dossier, actor, payload,
                coalesce(prev_hash, ''), coalesce(hash, '')
         FROM events WHERE id > ?1 ORDER BY id LIMIT ?2",
    )?;
    stmt.query_map(params![after, limit], |r| {
        Ok(ChainEvent {
            id: r.get(0)?,
            at_ms: r.get(1)?,
            day: r.get(2)?,
            kind: r.get(3)?,
            ticket_id: r.get(4)?,
            service: r.get(5)?,
            counter_no: r.get(6)?,
            dossier: r.get(7)?,
            actor: r.get(8)?,
            payload: r.get(9)?,
            prev_hash: r.get(10)?,
            hash: r.get(11)?,
        })
    })?
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> (tempfile::TempDir, Connection) {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut conn = crate::store::schema::open(&dir.path().join("c.db")).expect("opens");
        crate::store::schema::migrate(&mut conn).expect("migrates");
        (dir, conn)
    }

    fn insert(conn: &Connection, kind: &str, payload: &str) {
        conn.execute(
            "INSERT INTO events (at_ms, day, kind, service, payload, actor) VALUES (1000, '2026-12-01', ?1, 'DD', ?2, NULL)",
            params![kind, payload],
        )
        .expect("inserts");
    }

    #[test]
    fn every_insert_is_chained_and_verifies() {
        let (_dir, conn) = db();
        for i in 0..5 {
            insert(&conn, "rating_given", &format!(r#"{{"score":{i}}}"#));
        }
        let events = read_after(&conn, 0, 100).expect("reads");
        assert_eq!(events.len(), 5);
        assert_eq!(events[0].prev_hash, GENESIS);
        assert_eq!(events[1].prev_hash, events[0].hash);
        assert_eq!(verify(GENESIS, &events), Ok(events[4].hash.clone()));
        // A run in the middle verifies from its predecessor's hash.
        assert_eq!(verify(&events[1].hash, &events[2..]), Ok(events[4].hash.clone()));
    }

    #[test]
    fn an_edited_row_is_named_and_a_deleted_one_breaks_the_next() {
        let (_dir, conn) = db();
        for i in 1..=6 {
            insert(&conn, "rating_given", &format!(r#"{{"score":{i}}}"#));
        }
        conn.execute("UPDATE events SET payload = '{\"score\":3}' WHERE id = 2", []).expect("edits");
        let events = read_after(&conn, 0, 100).expect("reads");
        assert_eq!(verify(GENESIS, &events), Err(Break { id: 2, kind: BreakKind::Edited }));

        // Recomputing the edited row's own hash only moves the break to the event after it.
        let rehashed = event_hash(&events[1].prev_hash, &events[1]);
        conn.execute("UPDATE events SET hash = ?1 WHERE id = 2", [rehashed]).expect("rehashes");
        let events = read_after(&conn, 0, 100).expect("reads");
        assert_eq!(verify(GENESIS, &events), Err(Break { id: 3, kind: BreakKind::NotFollowing }));

        conn.execute("DELETE FROM events WHERE id = 5", []).expect("deletes");
        let events = read_after(&conn, 3, 100).expect("reads");
        assert_eq!(verify(&events_hash(&conn, 3), &events), Err(Break { id: 6, kind: BreakKind::NotFollowing }));
    }

    fn events_hash(conn: &Connection, id: i64) -> String {
        conn.query_row("SELECT hash FROM events WHERE id = ?1", [id], |r| r.get(0)).expect("hash")
    }

    #[test]
    fn a_log_from_before_the_chain_is_chained_when_it_is_installed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut conn = crate::store::schema::open(&dir.path().join("old.db")).expect("opens");
        let at = crate::store::schema::chain_migration();
        crate::store::schema::migrate_to(&mut conn, at).expect("earlier migrations");
        for i in 0..3 {
            insert(&conn, "ticket_issued", &format!(r#"{{"n":{i}}}"#));
        }
        crate::store::schema::migrate(&mut conn).expect("migrates");
        insert(&conn, "ticket_called", "{}");
        let events = read_after(&conn, 0, 100).expect("reads");
        assert_eq!(events.len(), 4);
        assert_eq!(verify(GENESIS, &events), Ok(events[3].hash.clone()));
    }

    #[test]
    fn a_connection_without_the_function_cannot_insert_events() {
        let (dir, _conn) = db();
        let plain = Connection::open(dir.path().join("c.db")).expect("opens");
        let err = plain
            .execute("INSERT INTO events (at_ms, day, kind, payload) VALUES (1, '2026-12-01', 'x', '{}')", [])
            .expect_err("refused");
        assert!(err.to_string().contains("motcua_chain_hash"), "{err}");
    }

    #[test]
    fn the_hash_depends_on_every_field_and_on_where_values_end() {
        let base = ChainEvent {
            id: 7,
            at_ms: 1,
            day: "2026-12-01".into(),
            kind: "k".into(),
            ticket_id: Some("ab".into()),
            service: Some("c".into()),
            counter_no: Some(2),
            dossier: None,
            actor: None,
            payload: "{}".into(),
            prev_hash: GENESIS.into(),
            hash: String::new(),
        };
        let h = event_hash(GENESIS, &base);
        let moved = ChainEvent { ticket_id: Some("a".into()), service: Some("bc".into()), ..base.clone() };
        assert_ne!(event_hash(GENESIS, &moved), h, "values shifting between fields change the hash");
        let none = ChainEvent { counter_no: None, ..base.clone() };
        assert_ne!(event_hash(GENESIS, &none), h);
        assert_ne!(event_hash(&"1".repeat(64), &base), h, "the predecessor counts");
        assert_eq!(h.len(), 64);
    }
}
