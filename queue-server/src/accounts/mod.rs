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
mod password;
#[cfg(test)]
mod tests;

use std::sync::{Arc, Mutex};

use jiff::{SignedDuration, Timestamp};
use rusqlite::{Connection, OptionalExtension, params};

use crate::domain::CounterNo;
use crate::domain::centre::Schedule;

pub use devices::Device;
pub use error::AccountError;
pub use password::{hash_password, verify_password};

/// Sign-in rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Wrong passwords in a row that lock the account.
    pub lock_after: u32,
    /// How long a locked account stays locked.
    pub lock_minutes: u32,
    /// How long a session lasts.
    pub session_hours: u32,
}

impl Default for Policy {
    fn default() -> Self {
        Self { lock_after: 5, lock_minutes: 15, session_hours: 12 }
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
#[derive(Debug, Clone)]
pub struct Accounts {
    conn: Arc<Mutex<Connection>>,
    policy: Policy,
    schedule: Arc<Schedule>,
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
        Self { conn: Arc::new(Mutex::new(conn)), policy, schedule }
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
            let tx = conn.transaction()?;
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
            let tx = conn.transaction()?;
            let changed = tx.execute(
                "UPDATE staff SET password_hash = ?2, failed = 0, locked_until_ms = NULL WHERE username = ?1",
                params![username, hash],
            )?;
            if changed == 0 {
                return Err(AccountError::NoSuchUser(username));
            }
            tx.execute("DELETE FROM sessions WHERE username = ?1", [&username])?;
            self.audit(&tx, now, "password_reset", by, None, serde_json::json!({ "username": username }))?;
            tx.commit()?;
            Ok(())
        })
    }

    /// Lifts a lock before it runs out.
    pub fn unlock(&self, username: &str, by: &str, now: Timestamp) -> Result<(), AccountError> {
        let username = username.trim().to_lowercase();
        self.with(|conn| {
            let tx = conn.transaction()?;
            let changed =
                tx.execute("UPDATE staff SET failed = 0, locked_until_ms = NULL WHERE username = ?1", [&username])?;
            if changed == 0 {
                return Err(AccountError::NoSuchUser(username));
            }
            self.audit(&tx, now, "staff_unlocked", by, None, serde_json::json!({ "username": username }))?;
            tx.commit()?;
            Ok(())
        })
    }

    /// Every account, by name.
    pub fn users(&self, now: Timestamp) -> Result<Vec<Staff>, AccountError> {
        self.with(|conn| {
            let mut stmt = conn.prepare(
                "SELECT username, display_name, role, locked_until_ms FROM staff WHERE active = 1 ORDER BY username",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok(Staff {
                    username: r.get(0)?,
                    display_name: r.get(1)?,
                    role: role_of(&r.get::<_, String>(2)?)?,
                    locked_until: ts(r.get(3)?).filter(|&t| t > now),
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    /// Signs in: a new session and its cookie token, or why not. Wrong passwords count towards a
    /// lock; a locked account is refused even with the right password until the lock runs out.
    pub fn login(&self, username: &str, password: &str, now: Timestamp) -> Result<(Session, String), AccountError> {
        let username = username.trim().to_lowercase();
        self.with(|conn| {
            let tx = conn.transaction()?;
            let row = tx
                .query_row(
                    "SELECT display_name, role, password_hash, failed, locked_until_ms FROM staff
                     WHERE username = ?1 AND active = 1",
                    [&username],
                    |r| {
                        Ok((
                            r.get::<_, String>(0)?,
                            role_of(&r.get::<_, String>(1)?)?,
                            r.get::<_, String>(2)?,
                            r.get::<_, u32>(3)?,
                            ts(r.get(4)?),
                        ))
                    },
                )
                .optional()?;
            let actor = format!("staff:{username}");
            let Some((display_name, role, hash, failed, locked_until)) = row else {
                // The same work as a real check, so the answer's timing does not tell who exists.
                let _ = verify_password(password, password::DUMMY_HASH);
                self.audit(&tx, now, "staff_login_failed", &actor, None, serde_json::json!({ "reason": "unknown_user" }))?;
                tx.commit()?;
                return Err(AccountError::BadCredentials);
            };
            if let Some(until) = locked_until.filter(|&u| u > now) {
                self.audit(&tx, now, "staff_login_failed", &actor, None, serde_json::json!({ "reason": "locked" }))?;
                tx.commit()?;
                return Err(AccountError::Locked(until));
            }
            if !verify_password(password, &hash) {
                let failed = failed + 1;
                let refusal = if failed >= self.policy.lock_after {
                    let until = now + SignedDuration::from_mins(i64::from(self.policy.lock_minutes));
                    tx.execute(
                        "UPDATE staff SET failed = 0, locked_until_ms = ?2 WHERE username = ?1",
                        params![username, until.as_millisecond()],
                    )?;
                    self.audit(&tx, now, "staff_locked", &actor, None, serde_json::json!({ "until_ms": until.as_millisecond() }))?;
                    AccountError::Locked(until)
                } else {
                    tx.execute("UPDATE staff SET failed = ?2 WHERE username = ?1", params![username, failed])?;
                    AccountError::BadCredentials
                };
                self.audit(&tx, now, "staff_login_failed", &actor, None, serde_json::json!({ "reason": "password", "failed": failed }))?;
                tx.commit()?;
                return Err(refusal);
            }
            let token = random_token()?;
            let csrf = random_token()?;
            let key = token_hash(&token);
            let expires = now + SignedDuration::from_hours(i64::from(self.policy.session_hours));
            tx.execute("UPDATE staff SET failed = 0, locked_until_ms = NULL WHERE username = ?1", [&username])?;
            tx.execute("DELETE FROM sessions WHERE expires_at_ms <= ?1", [now.as_millisecond()])?;
            tx.execute(
                "INSERT INTO sessions (token_hash, username, csrf, created_at_ms, expires_at_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![key, username, csrf, now.as_millisecond(), expires.as_millisecond()],
            )?;
            self.audit(&tx, now, "staff_login", &actor, None, serde_json::json!({ "role": role.as_str() }))?;
            tx.commit()?;
            Ok((Session { key, username, display_name, role, csrf, counter: None, expires }, token))
        })
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
            let tx = conn.transaction()?;
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
            let tx = conn.transaction()?;
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
