//! The SQLite schema: embedded migrations applied at start, and the connection settings.

use std::path::Path;
use std::time::Duration;

use rusqlite::Connection;

/// Migrations in order; `PRAGMA user_version` counts those applied.
const MIGRATIONS: &[&str] = &[
    r#"
-- Every state change, appended: the audit trail and the source of statistics.
CREATE TABLE events (
    id         INTEGER PRIMARY KEY,
    at_ms      INTEGER NOT NULL,
    day        TEXT    NOT NULL,
    kind       TEXT    NOT NULL,
    ticket_id  TEXT,
    service    TEXT,
    counter_no INTEGER,
    dossier    TEXT,
    payload    TEXT    NOT NULL
);
CREATE INDEX events_day ON events (day, kind);
CREATE INDEX events_dossier ON events (dossier) WHERE dossier IS NOT NULL;

-- Current state of every ticket; each row change comes with its event.
CREATE TABLE tickets (
    id                TEXT    PRIMARY KEY,
    day               TEXT    NOT NULL,
    issued_service    TEXT    NOT NULL,
    number            INTEGER NOT NULL,
    service           TEXT    NOT NULL,
    priority          TEXT,
    channel           TEXT    NOT NULL,
    status            TEXT    NOT NULL,
    issued_at_ms      INTEGER NOT NULL,
    arrived_at_ms     INTEGER NOT NULL,
    appointment_at_ms INTEGER,
    counter_no        INTEGER,
    called_at_ms      INTEGER,
    serving_at_ms     INTEGER,
    finished_at_ms    INTEGER,
    recalls           INTEGER NOT NULL DEFAULT 0,
    rejoin_until_ms   INTEGER,
    idempotency_key   TEXT,
    rated             INTEGER NOT NULL DEFAULT 0,
    UNIQUE (day, issued_service, number),
    UNIQUE (day, idempotency_key)
);
CREATE INDEX tickets_done ON tickets (service, finished_at_ms) WHERE status = 'done';

CREATE TABLE counters (
    no             INTEGER PRIMARY KEY,
    state          TEXT    NOT NULL,
    pause_reason   TEXT,
    current_ticket TEXT,
    streak         INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE ratings (
    id              INTEGER PRIMARY KEY,
    day             TEXT    NOT NULL,
    ticket_id       TEXT    UNIQUE,
    counter_no      INTEGER,
    service         TEXT,
    score           INTEGER NOT NULL,
    tags            TEXT    NOT NULL,
    comment         TEXT,
    at_ms           INTEGER NOT NULL,
    idempotency_key TEXT,
    UNIQUE (day, idempotency_key)
);

CREATE TABLE procedures (
    code            TEXT    PRIMARY KEY,
    name            TEXT    NOT NULL,
    service         TEXT    NOT NULL,
    level           TEXT    NOT NULL,
    online_level    TEXT    NOT NULL,
    processing_days INTEGER NOT NULL,
    fee             TEXT    NOT NULL,
    documents       TEXT    NOT NULL
);

CREATE TABLE dossiers (
    receipt_code    TEXT    PRIMARY KEY,
    procedure_code  TEXT    NOT NULL,
    applicant_name  TEXT    NOT NULL,
    applicant_phone TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    received_at_ms  INTEGER NOT NULL,
    due_at_ms       INTEGER NOT NULL,
    new_due_at_ms   INTEGER,
    apology         TEXT,
    completed_at_ms INTEGER
);
"#,
    r#"
-- Appointments: one row per booking (holds included); each row change comes with its event.
CREATE TABLE bookings (
    code             TEXT    PRIMARY KEY,
    service          TEXT    NOT NULL,
    day              TEXT    NOT NULL,
    slot_at_ms       INTEGER NOT NULL,
    status           TEXT    NOT NULL,
    name             TEXT,
    phone            TEXT,
    citizen_id       TEXT,
    created_at_ms    INTEGER NOT NULL,
    hold_until_ms    INTEGER,
    ticket_id        TEXT,
    checked_in_at_ms INTEGER,
    late             INTEGER NOT NULL DEFAULT 0,
    reminded         INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX bookings_day ON bookings (day, service);

-- Messages to citizens (confirmations, reminders…): the outbox an operator reads and, when an SMS
-- gateway is configured, the queue it is sent from.
CREATE TABLE notifications (
    id         INTEGER PRIMARY KEY,
    at_ms      INTEGER NOT NULL,
    kind       TEXT    NOT NULL,
    booking    TEXT    NOT NULL,
    phone      TEXT    NOT NULL,
    text       TEXT    NOT NULL,
    status     TEXT    NOT NULL DEFAULT 'pending',
    attempts   INTEGER NOT NULL DEFAULT 0,
    sent_at_ms INTEGER,
    next_at_ms INTEGER NOT NULL DEFAULT 0,
    last_error TEXT
);
CREATE INDEX notifications_pending ON notifications (id) WHERE status = 'pending';
"#,
    r#"
-- Who did it: `staff:USERNAME` or `token:NAME`; empty for the queue's own steps (day rollover, expiry).
ALTER TABLE events ADD COLUMN actor TEXT;
CREATE INDEX events_actor ON events (actor, at_ms) WHERE actor IS NOT NULL;

-- Staff accounts: officers, supervisors, admins. Passwords as argon2id PHC strings.
CREATE TABLE staff (
    username        TEXT    PRIMARY KEY,
    display_name    TEXT    NOT NULL,
    role            TEXT    NOT NULL,
    password_hash   TEXT    NOT NULL,
    failed          INTEGER NOT NULL DEFAULT 0,
    locked_until_ms INTEGER,
    active          INTEGER NOT NULL DEFAULT 1,
    created_at_ms   INTEGER NOT NULL
);

-- Signed-in browsers. The cookie holds a random token; only its hash is kept here.
CREATE TABLE sessions (
    token_hash    TEXT    PRIMARY KEY,
    username      TEXT    NOT NULL REFERENCES staff (username) ON DELETE CASCADE,
    csrf          TEXT    NOT NULL,
    counter_no    INTEGER,
    created_at_ms INTEGER NOT NULL,
    expires_at_ms INTEGER NOT NULL
);
CREATE INDEX sessions_counter ON sessions (counter_no) WHERE counter_no IS NOT NULL;

-- Tokens of kiosks and displays made with `queue-server device add`; only hashes are kept.
CREATE TABLE device_tokens (
    token_hash    TEXT    PRIMARY KEY,
    name          TEXT    NOT NULL UNIQUE,
    role          TEXT    NOT NULL,
    counters      TEXT    NOT NULL DEFAULT '',
    created_at_ms INTEGER NOT NULL
);
"#,
    r#"
-- When an administrator last lifted the account's sign-in locks (kept in the server's memory per
-- account and client); a lock set before it no longer holds.
ALTER TABLE staff ADD COLUMN unlocked_at_ms INTEGER;

-- Order of arrival in the service day, across fields: the queue orders by it, never by the wall
-- clock (which an NTP correction can step back). Tickets stored before it get theirs from their
-- arrival time, as the queue ordered them then.
ALTER TABLE tickets ADD COLUMN arrival_seq INTEGER NOT NULL DEFAULT 0;
UPDATE tickets SET arrival_seq = ranked.n
    FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY day ORDER BY arrived_at_ms, number) AS n FROM tickets) AS ranked
    WHERE tickets.id = ranked.id;
"#,
    r#"
-- The catalogue as the national procedure database publishes it (`catalogue import`): the
-- lĩnh vực each procedure came under, the processing time and steps as published.
ALTER TABLE procedures ADD COLUMN linh_vuc_code   TEXT NOT NULL DEFAULT '';
ALTER TABLE procedures ADD COLUMN linh_vuc_name   TEXT NOT NULL DEFAULT '';
ALTER TABLE procedures ADD COLUMN processing_time TEXT NOT NULL DEFAULT '';
ALTER TABLE procedures ADD COLUMN steps           TEXT NOT NULL DEFAULT '';

-- Each catalogue import, whoever made it; a running server reloads the catalogue when a new row
-- appears (an import from the command line included).
CREATE TABLE catalogue_imports (
    id        INTEGER PRIMARY KEY,
    at_ms     INTEGER NOT NULL,
    source    TEXT    NOT NULL,
    actor     TEXT    NOT NULL,
    added     INTEGER NOT NULL,
    changed   INTEGER NOT NULL,
    removed   INTEGER NOT NULL,
    unchanged INTEGER NOT NULL
);
"#,
    r#"
-- Dossiers from the province's TTHC system (pushed, pulled or imported): the names it gave, when
-- the store last took a change of the record, and from where.
ALTER TABLE dossiers ADD COLUMN procedure_name TEXT    NOT NULL DEFAULT '';
ALTER TABLE dossiers ADD COLUMN linh_vuc_code  TEXT    NOT NULL DEFAULT '';
ALTER TABLE dossiers ADD COLUMN linh_vuc_name  TEXT    NOT NULL DEFAULT '';
ALTER TABLE dossiers ADD COLUMN synced_at_ms   INTEGER;
ALTER TABLE dossiers ADD COLUMN source         TEXT    NOT NULL DEFAULT '';

-- A dossier's history: one row per processing step (CapNhatTienDoHoSoMC) or status change; the
-- same step sent again is the same row.
CREATE TABLE dossier_steps (
    receipt_code TEXT    NOT NULL,
    at_ms        INTEGER NOT NULL,
    status       TEXT    NOT NULL,
    note         TEXT    NOT NULL,
    handler      TEXT    NOT NULL DEFAULT '',
    UNIQUE (receipt_code, at_ms, status, note)
);
INSERT INTO dossier_steps (receipt_code, at_ms, status, note)
    SELECT dossier, at_ms, json_extract(payload, '$.status'), coalesce(json_extract(payload, '$.note'), '')
    FROM events WHERE kind = 'dossier_status' AND dossier IS NOT NULL
        AND json_extract(payload, '$.status') IS NOT NULL
    ON CONFLICT DO NOTHING;
"#,
    r#"
-- Apologies for late dossiers (Mẫu 04, Thông tư 01/2018/TT-VPCP): from the province or a
-- supervisor; the same apology again is the same row.
CREATE TABLE apologies (
    id            INTEGER PRIMARY KEY,
    receipt_code  TEXT    NOT NULL,
    at_ms         INTEGER NOT NULL,
    reason        TEXT    NOT NULL,
    due_before_ms INTEGER NOT NULL,
    new_due_ms    INTEGER NOT NULL,
    actor         TEXT    NOT NULL,
    UNIQUE (receipt_code, new_due_ms, reason)
);
"#,
    r#"
-- A rating may rate a dossier (its receipt code, scanned at the kiosk after being served).
ALTER TABLE ratings ADD COLUMN dossier TEXT;
CREATE INDEX ratings_dossier ON ratings (dossier) WHERE dossier IS NOT NULL;

-- The rating scale in force from a rating id on (levels and their places on the 3-level scale, as
-- JSON): a score is read on the scale it was given on, whatever the configuration says later.
CREATE TABLE rating_scales (
    from_id INTEGER PRIMARY KEY,
    levels  TEXT NOT NULL,
    three   TEXT NOT NULL
);
"#,
    CHAIN_SQL,
    r#"
-- How far the event log has been shipped to a provincial hub (by hub address and unit code): the
-- last event id the hub acknowledged.
CREATE TABLE uplink (
    hub      TEXT    PRIMARY KEY,
    acked_id INTEGER NOT NULL,
    at_ms    INTEGER NOT NULL
);

-- Reports read a ticket's events by its id (a ticket may end days after its own day).
CREATE INDEX events_ticket ON events (ticket_id) WHERE ticket_id IS NOT NULL;
"#,
    r#"
-- The Zalo Official Account's tokens: each refresh gives a new refresh token and voids the old,
-- so the newest is kept here across restarts. `seed` is the configuration's refresh token it
-- descends from: a new one written in the configuration (the OA authorised again) wins.
CREATE TABLE zalo_tokens (
    app_id        TEXT    PRIMARY KEY,
    refresh_token TEXT    NOT NULL,
    seed          TEXT    NOT NULL,
    at_ms         INTEGER NOT NULL
);
"#,
];

/// The migration that starts the event log's hash chain ([`crate::chain::install`] runs with it).
const CHAIN_SQL: &str = "-- The event log's hash chain: prev_hash and hash on every event, set by a trigger.";

/// The index of the migration that starts the hash chain.
pub fn chain_migration() -> usize {
    MIGRATIONS.iter().position(|m| *m == CHAIN_SQL).unwrap_or(MIGRATIONS.len())
}

/// Opens (creating if needed) the database with the settings every connection uses: WAL, full
/// synchronous commits (a commit is on disk when it returns), a busy timeout.
pub fn open(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(Duration::from_secs(2))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    crate::chain::register(&conn)?;
    Ok(conn)
}

/// Applies the migrations not applied yet, each in its own transaction.
pub fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    migrate_to(conn, MIGRATIONS.len())
}

/// Applies the migrations not applied yet before the `until`-th (a test builds an older database).
pub fn migrate_to(conn: &mut Connection, until: usize) -> rusqlite::Result<()> {
    let applied: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    for (i, sql) in MIGRATIONS.iter().enumerate().take(until).skip(usize::try_from(applied).unwrap_or(0)) {
        let tx = conn.transaction()?;
        if *sql == CHAIN_SQL {
            crate::chain::install(&tx)?;
        } else {
            tx.execute_batch(sql)?;
        }
        tx.pragma_update(None, "user_version", i64::try_from(i + 1).unwrap_or(i64::MAX))?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_apply_once_and_set_wal() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("m.db");
        let mut conn = open(&path).expect("opens");
        migrate(&mut conn).expect("migrates");
        migrate(&mut conn).expect("second run is a no-op");
        let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).expect("version");
        assert_eq!(usize::try_from(version).ok(), Some(MIGRATIONS.len()));
        let mode: String = conn.pragma_query_value(None, "journal_mode", |r| r.get(0)).expect("mode");
        assert_eq!(mode, "wal");
    }

    #[test]
    fn tickets_stored_before_the_order_of_arrival_get_it_from_their_arrival_time() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut conn = open(&dir.path().join("old.db")).expect("opens");
        // The database as it was before the migration that brought the order of arrival.
        let arrival = MIGRATIONS.iter().position(|m| m.contains("ADD COLUMN arrival_seq")).expect("that migration");
        for (i, sql) in MIGRATIONS[..arrival].iter().enumerate() {
            conn.execute_batch(sql).expect("an earlier migration");
            conn.pragma_update(None, "user_version", i64::try_from(i + 1).expect("small")).expect("version");
        }
        let insert = "INSERT INTO tickets (id, day, issued_service, number, service, channel, status, issued_at_ms,
                      arrived_at_ms) VALUES (?1, ?2, ?3, ?4, ?3, 'kiosk', 'waiting', ?5, ?5)";
        for (id, day, service, number, at) in [
            ("20261123-DD-1002", "2026-11-23", "DD", 1002, 2_000),
            ("20261123-XD-3001", "2026-11-23", "XD", 3001, 1_500),
            ("20261123-DD-1001", "2026-11-23", "DD", 1001, 1_000),
            ("20261124-DD-1001", "2026-11-24", "DD", 1001, 9_000),
        ] {
            conn.execute(insert, rusqlite::params![id, day, service, number, at]).expect("an old row");
        }
        migrate(&mut conn).expect("migrates");
        let order: Vec<(String, i64)> = conn
            .prepare("SELECT id, arrival_seq FROM tickets ORDER BY day, arrival_seq")
            .and_then(|mut s| s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect())
            .expect("reads");
        let expected =
            [("20261123-DD-1001", 1), ("20261123-XD-3001", 2), ("20261123-DD-1002", 3), ("20261124-DD-1001", 1)];
        assert_eq!(order, expected.map(|(id, n)| (id.to_string(), n)));
    }
}
