//! Tokens of kiosks and displays made with `queue-server device add`: shown once, kept as hashes.

use jiff::Timestamp;
use rusqlite::{OptionalExtension, params};

use super::{AccountError, Accounts, random_token, token_hash};
use crate::config::Role;
use crate::domain::CounterNo;

/// A device token made with the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    /// Name, e.g. `Kiosk sảnh A`.
    pub name: String,
    /// What it may do.
    pub role: Role,
    /// Counters a counter device may act for (empty: all).
    pub counters: Vec<CounterNo>,
}

impl Accounts {
    /// Makes a device token; the token is shown once and only its hash kept.
    pub fn add_device(
        &self,
        name: &str,
        role: Role,
        counters: &[CounterNo],
        by: &str,
        now: Timestamp,
    ) -> Result<String, AccountError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 80 {
            return Err(AccountError::Invalid("Tên thiết bị phải có từ 1 đến 80 ký tự".into()));
        }
        let token = format!("dev-{}", random_token()?);
        let counters_text = counters.iter().map(|c| c.get().to_string()).collect::<Vec<_>>().join(",");
        self.with(|conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let exists: bool =
                tx.query_row("SELECT EXISTS (SELECT 1 FROM device_tokens WHERE name = ?1)", [name], |r| r.get(0))?;
            if exists {
                return Err(AccountError::Exists(name.to_string()));
            }
            tx.execute(
                "INSERT INTO device_tokens (token_hash, name, role, counters, created_at_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![token_hash(&token), name, role.as_str(), counters_text, now.as_millisecond()],
            )?;
            self.audit(&tx, now, "device_added", by, None, serde_json::json!({ "device": name, "role": role.as_str() }))?;
            tx.commit()?;
            Ok(token)
        })
    }

    /// The device a bearer token belongs to, if it is one made with the command line.
    pub fn device(&self, token: &str) -> Result<Option<Device>, AccountError> {
        let key = token_hash(token);
        self.with(|conn| {
            let row = conn
                .prepare_cached("SELECT name, role, counters FROM device_tokens WHERE token_hash = ?1")?
                .query_row([key], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))
                .optional()?;
            Ok(row.and_then(|(name, role, counters)| {
                let role = Role::parse(&role)?;
                let counters = counters.split(',').filter_map(|c| CounterNo::parse(c).ok()).collect();
                Some(Device { name, role, counters })
            }))
        })
    }
}
