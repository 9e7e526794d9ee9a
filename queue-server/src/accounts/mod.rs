//! Staff accounts (officer, supervisor, admin), their sessions, and device tokens.
//!
//! Accounts live in the same SQLite file as the queue but on their own connection: signing in
//! never waits behind the queue's writer, and the command line (`queue-server user add`) can change
//! accounts while the server runs. Passwords are kept as argon2id hashes; sessions and device
//! tokens as hashes of random tokens, so a copied database opens no door. Every sign-in, failure,
//! lockout, counter taken and account change is an event row with who did it (`actor`).

pub mod cli;
mod devices;
mod error;
pub mod guard;
mod password;
mod sign_in;
#[cfg(test)]
mod tests;

use std::sync::{Arc, Mutex};

use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use crate::domain::CounterNo;
use crate::domain::centre::Schedule;

pub use devices::Device;
pub use error::AccountError;
pub use guard::client_key;
pub use password::{Verifier, hash_password, verify_password};

/// Password checks that may run at once: each takes a core and 19 MiB for ~30 ms.
const CHECKS_AT_ONCE: usize = 2;
/// Sign-ins that may wait for a check; beyond, `Busy` at once (the wait would pass a page's patience).
const CHECKS_WAITING: usize = 64;
/// Sign-ins from devices whose last attempt failed ([`guard::Guard::suspect`]) that may wait; they
/// are checked one at a time, so the other check stays for everyone else.
const SUSPECTS_WAITING: usize = 32;

/// Sign-in rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Wrong passwords in a row that lock the account.
    pub lock_after: u32,
    /// How long a locked account stays locked.
    pub lock_minutes: u32,
    /// How long a session lasts.
    pub session_hours: u32,
    /// Sign-in attempts one client may make per minute (`POST /login`).
    pub sign_ins_per_minute: u32,
}

impl Default for Policy {
    fn default() -> Self {
        Self { lock_after: 5, lock_minutes: 15, session_hours: 12, sign_ins_per_minute: 10 }
    }
}

/// What a staff member may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum StaffRole {
    /// Serves at a counter.
    Officer,
    /// Watches load, reads reports.
    Supervisor,
    /// Also manages accounts and device tokens.
    Admin,
}

impl StaffRole {
    /// Name in the database and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            StaffRole::Officer => "officer",
            StaffRole::Supervisor => "supervisor",
            StaffRole::Admin => "admin",
        }
    }

    /// Vietnamese name.
    pub fn label(self) -> &'static str {
        match self {
            StaffRole::Officer => "Cán bộ một cửa",
            StaffRole::Supervisor => "Lãnh đạo / giám sát",
            StaffRole::Admin => "Quản trị",
        }
    }

    /// Parses `officer`, `supervisor` or `admin`.
    pub fn parse(raw: &str) -> Result<Self, AccountError> {
        [StaffRole::Officer, StaffRole::Supervisor, StaffRole::Admin]
            .into_iter()
            .find(|r| r.as_str() == raw.trim())
            .ok_or_else(|| {
                AccountError::Invalid(format!("Vai trò «{raw}» không có; chọn officer, supervisor hoặc admin"))
            })
    }
}

/// A staff account as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Staff {
    /// Sign-in name.
    pub username: String,
    /// Name shown on screens.
    pub display_name: String,
    /// Role.
    pub role: StaffRole,
    /// Locked until, when locked now.
    pub locked_until: Option<Timestamp>,
}

/// A signed-in browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// Hash of the cookie's token (the key of the session).
    pub key: String,
    /// Who.
    pub username: String,
    /// Their name.
    pub display_name: String,
    /// Their role.
    pub role: StaffRole,
    /// The token forms and scripts must send back with every change.
    pub csrf: String,
    /// The counter the officer took, if any.
    pub counter: Option<CounterNo>,
    /// When the session ends.
    pub expires: Timestamp,
}

impl Session {
    /// The actor written on events.
    pub fn actor(&self) -> String {
        format!("staff:{}", self.username)
    }
}

/// Accounts, sessions and device tokens on their own connection.
///
/// The connection's lock is held only for database work, never while a password is hashed, so
/// cookie sessions and device tokens are looked up while sign-ins are checked. Writes run in
/// `BEGIN IMMEDIATE` transactions after any hashing: they wait for the queue's writer (busy
/// timeout) instead of failing with "database is locked" when it commits in between.
#[derive(Debug, Clone)]
pub struct Accounts {
    conn: Arc<Mutex<Connection>>,
    policy: Policy,
    schedule: Arc<Schedule>,
    guard: Arc<guard::Guard>,
    verifier: Arc<Verifier>,
    checks: Arc<tokio::sync::Semaphore>,
    /// Places in the queue for a check; a permit is held while waiting, and given back however
    /// the wait ends (a client that hangs up drops it).
    waiting: Arc<tokio::sync::Semaphore>,
    /// The lane of suspects: one check at a time, [`SUSPECTS_WAITING`] waiting.
    suspects: (Arc<tokio::sync::Semaphore>, Arc<tokio::sync::Semaphore>),
}

/// A new random token: 32 bytes as hex.
pub fn random_token() -> Result<String, AccountError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|_| AccountError::Unavailable)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// The hash a token is kept under.
pub fn token_hash(token: &str) -> String {
    use blake2::Digest;
    blake2::Blake2s256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

fn check_username(raw: &str) -> Result<String, AccountError> {
    let name = raw.trim().to_lowercase();
    let ok = (3..=32).contains(&name.len())
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(name)
    } else {
        Err(AccountError::Invalid(format!(
            "Tên đăng nhập «{raw}» không hợp lệ: 3–32 ký tự gồm chữ không dấu, số, dấu chấm, gạch dưới, gạch ngang"
        )))
    }
}

fn check_password(password: &str) -> Result<(), AccountError> {
    let n = password.chars().count();
    if (8..=128).contains(&n) {
        Ok(())
    } else {
        Err(AccountError::Invalid("Mật khẩu phải dài từ 8 đến 128 ký tự".into()))
    }
}

fn role_of(raw: &str) -> rusqlite::Result<StaffRole> {
    StaffRole::parse(raw).map_err(|_| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, format!("role {raw}").into())
    })
}

fn ts(ms: Option<i64>) -> Option<Timestamp> {
    ms.and_then(|ms| Timestamp::from_millisecond(ms).ok())
}

impl Accounts {
    /// Accounts on `conn` (already migrated).
    pub fn new(conn: Connection, policy: Policy, schedule: Arc<Schedule>) -> Self {
        Self {
            conn: Arc::new(Mutex::new(conn)),
            policy,
            schedule,
            guard: Arc::default(),
            verifier: Arc::default(),
            checks: Arc::new(tokio::sync::Semaphore::new(CHECKS_AT_ONCE)),
            waiting: Arc::new(tokio::sync::Semaphore::new(CHECKS_WAITING)),
            suspects: (
                Arc::new(tokio::sync::Semaphore::new(1)),
                Arc::new(tokio::sync::Semaphore::new(SUSPECTS_WAITING)),
            ),
        }
    }

    /// The failed sign-ins counted in memory.
    pub fn guard(&self) -> &guard::Guard {
        &self.guard
    }

    /// The password checker (its pool of memory areas).
    pub fn verifier(&self) -> &Verifier {
        &self.verifier
    }

    fn with<T>(&self, f: impl FnOnce(&mut Connection) -> Result<T, AccountError>) -> Result<T, AccountError> {
        let mut conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut conn)
    }

    /// Runs `f` on the blocking pool (password hashing takes tens of milliseconds).
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Accounts) -> Result<T, AccountError> + Send + 'static,
    ) -> Result<T, AccountError> {
        let me = self.clone();
        tokio::task::spawn_blocking(move || f(&me)).await.map_err(|_| AccountError::Unavailable)?
    }

    fn audit(
        &self,
        conn: &Connection,
        now: Timestamp,
        kind: &str,
        actor: &str,
        counter: Option<CounterNo>,
        detail: serde_json::Value,
    ) -> rusqlite::Result<()> {
        conn.prepare_cached(
            "INSERT INTO events (at_ms, day, kind, counter_no, payload, actor) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?
        .execute(params![
            now.as_millisecond(),
            self.schedule.service_day(now).to_string(),
            kind,
            counter.map(CounterNo::get),
            detail.to_string(),
            actor
        ])?;
        Ok(())
    }

    /// Adds a staff account; `by` is who did it (`cli` from the command line).
    pub fn add_user(
        &self,
        username: &str,
        display_name: &str,
        role: StaffRole,
        password: &str,
        by: &str,
        now: Timestamp,
    ) -> Result<String, AccountError> {
        let username = check_username(username)?;
        let display_name = crate::domain::text::nfc(display_name.trim());
        let display_name = display_name.as_ref();
        if display_name.is_empty() || display_name.chars().count() > 80 {
            return Err(AccountError::Invalid("Họ tên hiển thị phải có từ 1 đến 80 ký tự".into()));
        }
        check_password(password)?;
        let hash = hash_password(password)?;
        self.with(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let exists: bool =
                tx.query_row("SELECT EXISTS (SELECT 1 FROM staff WHERE username = ?1)", [&username], |r| r.get(0))?;
            if exists {
                return Err(AccountError::Exists(username));
            }
            tx.execute(
                "INSERT INTO staff (username, display_name, role, password_hash, created_at_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![username, display_name, role.as_str(), hash, now.as_millisecond()],
            )?;
            self.audit(&tx, now, "staff_added", by, None, serde_json::json!({ "username": username, "role": role.as_str() }))?;
            tx.commit()?;
            Ok(username)
        })
    }

    /// Sets a new password, unlocks the account and signs it out everywhere.
    pub fn reset_password(&self, username: &str, password: &str, by: &str, now: Timestamp) -> Result<(), AccountError> {
        check_password(password)?;
        let hash = hash_password(password)?;
        let username = username.trim().to_lowercase();
        self.with(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let changed = tx.execute(
                "UPDATE staff SET password_hash = ?2, failed = 0, locked_until_ms = NULL, unlocked_at_ms = ?3
                 WHERE username = ?1",
                params![username, hash, now.as_millisecond()],
            )?;
            if changed == 0 {
                return Err(AccountError::NoSuchUser(username.clone()));
            }
            tx.execute("DELETE FROM sessions WHERE username = ?1", [&username])?;
            self.audit(&tx, now, "password_reset", by, None, serde_json::json!({ "username": username }))?;
            tx.commit()?;
            Ok(())
        })?;
        self.guard.unlock(&username);
        Ok(())
    }

    /// Lifts the account's locks before they run out, for every client. Done from the command line
    /// (another process), it takes effect through `unlocked_at_ms`, which the server reads at the
    /// next sign-in.
    pub fn unlock(&self, username: &str, by: &str, now: Timestamp) -> Result<(), AccountError> {
        let username = username.trim().to_lowercase();
        self.with(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let changed = tx.execute(
                "UPDATE staff SET failed = 0, locked_until_ms = NULL, unlocked_at_ms = ?2 WHERE username = ?1",
                params![username, now.as_millisecond()],
            )?;
            if changed == 0 {
                return Err(AccountError::NoSuchUser(username.clone()));
            }
            self.audit(&tx, now, "staff_unlocked", by, None, serde_json::json!({ "username": username }))?;
            tx.commit()?;
            Ok(())
        })?;
        self.guard.unlock(&username);
        Ok(())
    }

    /// Every account, by name, with the latest end of its locks counted in this process (the
    /// command line, another process, sees none).
    pub fn users(&self, now: Timestamp) -> Result<Vec<Staff>, AccountError> {
        let mut users = self.with(|conn| {
            let mut stmt = conn.prepare(
                "SELECT username, display_name, role, unlocked_at_ms FROM staff WHERE active = 1 ORDER BY username",
            )?;
            let rows = stmt.query_map([], |r| {
                let staff = Staff {
                    username: r.get(0)?,
                    display_name: r.get(1)?,
                    role: role_of(&r.get::<_, String>(2)?)?,
                    locked_until: None,
                };
                Ok((staff, ts(r.get(3)?)))
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })?;
        Ok(users
            .drain(..)
            .map(|(mut user, unlocked_at)| {
                user.locked_until = self.guard.locked_until(&user.username, now, unlocked_at);
                user
            })
            .collect())
    }

    /// The live session of a cookie token.
    pub fn session(&self, token: &str, now: Timestamp) -> Result<Option<Session>, AccountError> {
        let key = token_hash(token);
        self.with(|conn| {
            Ok(conn
                .prepare_cached(
                    "SELECT s.username, st.display_name, st.role, s.csrf, s.counter_no, s.expires_at_ms
                     FROM sessions s JOIN staff st ON st.username = s.username
                     WHERE s.token_hash = ?1 AND s.expires_at_ms > ?2 AND st.active = 1",
                )?
                .query_row(params![key, now.as_millisecond()], |r| {
                    Ok(Session {
                        key: key.clone(),
                        username: r.get(0)?,
                        display_name: r.get(1)?,
                        role: role_of(&r.get::<_, String>(2)?)?,
                        csrf: r.get(3)?,
                        counter: r.get::<_, Option<u16>>(4)?.and_then(|n| CounterNo::parse(&n.to_string()).ok()),
                        expires: ts(r.get(5)?).unwrap_or(now),
                    })
                })
                .optional()?)
        })
    }

    /// Ends a session.
    pub fn logout(&self, session: &Session, now: Timestamp) -> Result<(), AccountError> {
        self.with(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute("DELETE FROM sessions WHERE token_hash = ?1", [&session.key])?;
            self.audit(&tx, now, "staff_logout", &session.actor(), session.counter, serde_json::json!({}))?;
            tx.commit()?;
            Ok(())
        })
    }

    /// The officer takes counter `no` (or leaves theirs with `None`); refused while another
    /// officer's live session holds it.
    pub fn take_counter(&self, session: &Session, no: Option<CounterNo>, now: Timestamp) -> Result<(), AccountError> {
        self.with(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            if let Some(no) = no {
                let holder: Option<String> = tx
                    .query_row(
                        "SELECT st.display_name FROM sessions s JOIN staff st ON st.username = s.username
                         WHERE s.counter_no = ?1 AND s.expires_at_ms > ?2 AND s.username <> ?3",
                        params![no.get(), now.as_millisecond(), session.username],
                        |r| r.get(0),
                    )
                    .optional()?;
                if let Some(by) = holder {
                    return Err(AccountError::CounterTaken(by));
                }
                // One counter per officer: other sessions of the same person leave it.
                tx.execute("UPDATE sessions SET counter_no = NULL WHERE counter_no = ?1", [no.get()])?;
            }
            tx.execute(
                "UPDATE sessions SET counter_no = ?2 WHERE token_hash = ?1",
                params![session.key, no.map(CounterNo::get)],
            )?;
            let (kind, counter) = match no {
                Some(no) => ("counter_taken", Some(no)),
                None => ("counter_left", session.counter),
            };
            self.audit(&tx, now, kind, &session.actor(), counter, serde_json::json!({}))?;
            tx.commit()?;
            Ok(())
        })
    }

    /// Who is at each counter now: (counter, display name).
    pub fn officers(&self, now: Timestamp) -> Result<Vec<(u16, String)>, AccountError> {
        self.with(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT s.counter_no, st.display_name FROM sessions s JOIN staff st ON st.username = s.username
                 WHERE s.counter_no IS NOT NULL AND s.expires_at_ms > ?1 ORDER BY s.counter_no",
            )?;
            let rows = stmt.query_map([now.as_millisecond()], |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }
}
