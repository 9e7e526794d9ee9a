//! Signing in: the password check outside every lock with bounded concurrency, the lock per
//! account and device, and the summary of failures.

use std::net::IpAddr;

use jiff::{SignedDuration, Timestamp};
use rusqlite::{OptionalExtension, TransactionBehavior, params};

use super::{AccountError, Accounts, Session, check_username, guard, password, random_token, role_of, token_hash, ts};

impl Accounts {
    /// Signs in from `client` (its whole address, [`guard::device_key`]): a new session and its cookie token, or why
    /// not. Wrong passwords count towards a lock of this account *for this client* only
    /// ([`guard`]); a locked pair is refused even with the right password until the lock runs out
    /// or an administrator unlocks the account. Failures write nothing (they are reported as a
    /// summary, [`Accounts::report_failures`]); a success writes its session and an event in one
    /// `BEGIN IMMEDIATE` transaction made after the check, so a busy queue never fails it.
    /// Errors: `BadCredentials`, `Locked`, `Unavailable`.
    pub fn login(
        &self,
        username: &str,
        password: &str,
        client: IpAddr,
        now: Timestamp,
    ) -> Result<(Session, String), AccountError> {
        let username = username.trim().to_lowercase();
        let client = guard::device_key(client);
        // Names that cannot be accounts (too long, odd characters) share one key: a flood of made-up
        // names costs neither memory nor a line each in the summary.
        let key =
            if check_username(&username).is_ok() { username.clone() } else { "(tên không hợp lệ)".to_string() };
        let row = self.with(|conn| {
            Ok(conn
                .prepare_cached(
                    "SELECT display_name, role, password_hash, unlocked_at_ms FROM staff
                     WHERE username = ?1 AND active = 1",
                )?
                .query_row([&username], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        role_of(&r.get::<_, String>(1)?)?,
                        r.get::<_, String>(2)?,
                        ts(r.get(3)?),
                    ))
                })
                .optional()?)
        })?;
        let unlocked_at = row.as_ref().and_then(|r| r.3);
        if let Some(until) = self.guard.locked(&key, client, now, unlocked_at) {
            return Err(AccountError::Locked(until));
        }
        // The same work for an unknown name as for a real one, so the answer's timing does not
        // tell who exists.
        let hash = row.as_ref().map_or(password::DUMMY_HASH, |r| r.2.as_str());
        let verified = self.verifier.verify(password, hash);
        let Some((display_name, role, _, _)) = row.filter(|_| verified) else {
            return match self.guard.failed(&key, client, now, &self.policy) {
                Some(until) => Err(AccountError::Locked(until)),
                None => Err(AccountError::BadCredentials),
            };
        };
        self.guard.succeeded(&key, client, now);
        let token = random_token()?;
        let csrf = random_token()?;
        let key = token_hash(&token);
        let expires = now + SignedDuration::from_hours(i64::from(self.policy.session_hours));
        self.with(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute("DELETE FROM sessions WHERE expires_at_ms <= ?1", [now.as_millisecond()])?;
            tx.execute(
                "INSERT INTO sessions (token_hash, username, csrf, created_at_ms, expires_at_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![key, username, csrf, now.as_millisecond(), expires.as_millisecond()],
            )?;
            let actor = format!("staff:{username}");
            let detail = serde_json::json!({ "role": role.as_str(), "client": client.to_string() });
            self.audit(&tx, now, "staff_login", &actor, None, detail)?;
            tx.commit()?;
            Ok(())
        })?;
        Ok((Session { key, username, display_name, role, csrf, counter: None, expires }, token))
    }

    /// [`Accounts::login`] on the blocking pool, with at most a few password checks at once (each
    /// takes a core and 19 MiB for ~30 ms) so sign-ins never starve the queue of CPU or memory;
    /// devices whose last attempt failed are checked one at a time in a lane of their own. When
    /// too many wait already: `Busy` at once.
    pub async fn login_async(
        &self,
        username: String,
        password: String,
        client: IpAddr,
        now: Timestamp,
    ) -> Result<(Session, String), AccountError> {
        // A device whose last attempt failed waits in its own lane and is checked one at a time:
        // phones guessing passwords share one check, officers have the other. The lane's permit
        // goes with the check, so a client that hangs up does not free it while it runs.
        let suspect = self.guard.suspect(client, now, &self.policy);
        let (lane, place) = if suspect {
            let place = self.suspects.1.clone().try_acquire_owned().map_err(|_| AccountError::Busy)?;
            (Some(self.suspects.0.clone().acquire_owned().await.map_err(|_| AccountError::Unavailable)?), place)
        } else {
            (None, self.waiting.clone().try_acquire_owned().map_err(|_| AccountError::Busy)?)
        };
        let permit = self.checks.clone().acquire_owned().await.map_err(|_| AccountError::Unavailable)?;
        drop(place);
        self.run(move |a| {
            let answer = a.login(&username, &password, client, now);
            drop((permit, lane));
            answer
        })
        .await
    }

    /// Writes the failed sign-ins counted since the last report as one event row
    /// (`staff_login_failures`: total, the 20 pairs with most failures and their locks, how many
    /// more); nothing when there were none. Called once a minute and at shutdown.
    pub fn report_failures(&self, now: Timestamp) -> Result<(), AccountError> {
        let Some(report) = self.guard.take_report() else { return Ok(()) };
        let pairs: Vec<_> = report
            .pairs
            .iter()
            .map(|(user, client, failed, until)| {
                serde_json::json!({
                    "username": user, "client": client.to_string(), "failed": failed,
                    "locked_until_ms": until.map(|u| u.as_millisecond()),
                })
            })
            .collect();
        let detail = serde_json::json!({ "total": report.total, "pairs": pairs, "more": report.more });
        self.with(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            self.audit(&tx, now, "staff_login_failures", "", None, detail)?;
            tx.commit()?;
            Ok(())
        })
    }
}
