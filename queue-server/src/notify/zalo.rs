//! Booking messages as Zalo Official Account template messages (ZNS).
//!
//! Each outbox message whose kind has a template (`[zalo.templates.KIND]`) is sent as
//! `POST api_url` with the `access_token` header and `{"phone": "84…", "template_id", "template_data",
//! "tracking_id": outbox id}`; Zalo answers `{"error": 0, …}` on success. The access token is got
//! from `POST oauth_url` (`secret_key` header; form `refresh_token`, `app_id`,
//! `grant_type=refresh_token`), which also gives a new refresh token and voids the old one: the
//! newest is kept in the database (`zalo_tokens`) before the access token is used, so a restart
//! never loses it; a different `refresh_token` written in the configuration (the OA authorised
//! again, a restored backup holding a voided token) is used instead of the kept one. An answer that the access token is invalid or expired (-124, -216) refreshes it
//! and sends once more. Any other error (quota, template, phone) fails the attempt: the message
//! stays pending and is tried again with the outbox's back-off, its error on the supervisor's
//! outbox list. A kind without a template stays in the outbox (`kept`) for an operator.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::{Value, json};

use super::{Delivery, Notifier, Outgoing};
use crate::config::ZaloOa as Settings;
use crate::domain::Centre;
use crate::store::bookings::Delivered;

/// ZNS error codes meaning the access token is invalid or expired.
pub const TOKEN_REFUSED: &[i64] = &[-124, -216];

/// The notifier.
#[derive(Debug)]
pub struct ZaloOa {
    settings: Settings,
    centre: Arc<Centre>,
    db: PathBuf,
    http: reqwest::Client,
    /// The access token and when it stops being valid.
    access: tokio::sync::Mutex<Option<(String, Instant)>>,
}

#[derive(Debug, Deserialize)]
struct TokenAnswer {
    access_token: Option<String>,
    refresh_token: Option<String>,
    expires_in: Option<Value>,
    error: Option<i64>,
    error_name: Option<String>,
    error_description: Option<String>,
}

#[derive(Debug, Deserialize)]
struct SendAnswer {
    error: i64,
    #[serde(default)]
    message: String,
}

/// `0912345678`, `+84 912 345 678`, `84912345678` → `84912345678`, the form ZNS takes; `None`
/// for anything else.
pub fn international(phone: &str) -> Option<String> {
    let digits: String = phone.chars().filter(|c| !matches!(c, ' ' | '.' | '-')).collect();
    let national = digits
        .strip_prefix("+84")
        .or_else(|| digits.strip_prefix("84").filter(|rest| rest.len() == 9))
        .or_else(|| digits.strip_prefix('0'))?;
    (national.len() == 9 && national.bytes().all(|b| b.is_ascii_digit())).then(|| format!("84{national}"))
}

impl ZaloOa {
    /// A notifier for `settings`, naming fields and times as `centre` does, keeping its refresh
    /// token in the database at `db`.
    pub fn new(settings: Settings, centre: Arc<Centre>, db: PathBuf) -> Self {
        let http = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap_or_default();
        Self { settings, centre, db, http, access: tokio::sync::Mutex::new(None) }
    }

    /// The template's parameters filled from `message` (see [`crate::config::zalo::PLACEHOLDERS`]).
    pub fn template_data(&self, data: &BTreeMap<String, String>, message: &Outgoing) -> Value {
        let field = crate::domain::ServiceCode::parse(&message.service)
            .ok()
            .and_then(|code| self.centre.service(&code).map(|s| s.name_vi.clone()))
            .unwrap_or_default();
        let slot = message
            .slot_at_ms
            .and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok())
            .map(|t| t.to_zoned(self.centre.schedule.time_zone.clone()));
        let time = slot.as_ref().map(|z| z.strftime("%H:%M").to_string()).unwrap_or_default();
        let date = slot.as_ref().map(|z| z.strftime("%d/%m/%Y").to_string()).unwrap_or_default();
        // The one-time code closes a verification message: "… là 024431. Không đưa …".
        let otp = if message.kind == "verification" {
            message.text.rsplit_once(" là ").and_then(|(_, rest)| rest.split('.').next()).unwrap_or_default()
        } else {
            ""
        };
        let filled: serde_json::Map<String, Value> = data
            .iter()
            .map(|(name, text)| {
                let text = text
                    .replace("{code}", &message.booking)
                    .replace("{name}", &message.name)
                    .replace("{field}", &field)
                    .replace("{time}", &time)
                    .replace("{date}", &date)
                    .replace("{centre}", &self.centre.name)
                    .replace("{text}", &message.text)
                    .replace("{otp}", otp);
                (name.clone(), Value::String(text))
            })
            .collect();
        Value::Object(filled)
    }

    /// The current access token, refreshed when `fresh` is asked or it has expired.
    async fn access_token(&self, fresh: bool) -> Result<String, String> {
        let mut access = self.access.lock().await;
        if let Some((token, _)) = access.as_ref().filter(|(_, until)| !fresh && Instant::now() < *until) {
            return Ok(token.clone());
        }
        let refresh = self.stored_refresh_token().await.unwrap_or_else(|| self.settings.refresh_token.clone());

        let body = form_urlencoded::Serializer::new(String::new())
            .append_pair("refresh_token", &refresh)
            .append_pair("app_id", &self.settings.app_id)
            .append_pair("grant_type", "refresh_token")
            .finish();
        let answer = self
            .http
            .post(&self.settings.oauth_url)
            .header("secret_key", &self.settings.secret_key)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .map_err(|e| format!("không làm mới được mã truy cập Zalo ({})", super::failure_kind(&e)))?;
        let status = answer.status().as_u16();
        let answer: TokenAnswer = answer
            .json()
            .await
            .map_err(|_| format!("máy chủ cấp mã của Zalo trả lời không đọc được (HTTP {status})"))?;
        let (Some(token), Some(next)) = (answer.access_token, answer.refresh_token) else {
            let why = answer.error_description.or(answer.error_name).unwrap_or_default();
            return Err(format!("Zalo không cấp mã truy cập (lỗi {}: {why})", answer.error.unwrap_or_default()));
        };
        // Kept before use: the old refresh token is void from now on.
        self.keep_refresh_token(next).await?;
        let seconds = match answer.expires_in {
            Some(Value::Number(n)) => n.as_u64(),
            Some(Value::String(s)) => s.parse().ok(),
            _ => None,
        }
        .unwrap_or(3600);
        // A minute early, so a token is never used at the moment it expires.
        let until = Instant::now() + Duration::from_secs(seconds.saturating_sub(60).max(1));
        *access = Some((token.clone(), until));
        Ok(token)
    }

    /// The kept refresh token, if it descends from the configuration's.
    async fn stored_refresh_token(&self) -> Option<String> {
        let (db, app, seed) = (self.db.clone(), self.settings.app_id.clone(), self.settings.refresh_token.clone());
        tokio::task::spawn_blocking(move || {
            let conn = crate::store::schema::open(&db).ok()?;
            conn.query_row("SELECT refresh_token FROM zalo_tokens WHERE app_id = ?1 AND seed = ?2", [app, seed], |r| {
                r.get(0)
            })
            .ok()
        })
        .await
        .ok()
        .flatten()
    }

    async fn keep_refresh_token(&self, token: String) -> Result<(), String> {
        let (db, app, seed) = (self.db.clone(), self.settings.app_id.clone(), self.settings.refresh_token.clone());
        let now = jiff::Timestamp::now().as_millisecond();
        tokio::task::spawn_blocking(move || {
            let conn = crate::store::schema::open(&db)?;
            conn.execute(
                "INSERT INTO zalo_tokens (app_id, refresh_token, seed, at_ms) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT (app_id) DO UPDATE SET refresh_token = excluded.refresh_token, seed = excluded.seed, \
                 at_ms = excluded.at_ms",
                rusqlite::params![app, token, seed, now],
            )
        })
        .await
        .map_err(|e| e.to_string())
        .and_then(|r| r.map_err(|e| e.to_string()))
        .map(|_| ())
        .map_err(|e| format!("không lưu được refresh token mới của Zalo: {e}"))
    }

    async fn send(&self, token: &str, body: &Value) -> Result<SendAnswer, String> {
        let answer = self
            .http
            .post(&self.settings.api_url)
            .header("access_token", token)
            .json(body)
            .send()
            .await
            .map_err(|e| format!("không gọi được Zalo ZNS ({})", super::failure_kind(&e)))?;
        let status = answer.status().as_u16();
        answer.json().await.map_err(|_| format!("Zalo ZNS trả lời không đọc được (HTTP {status})"))
    }
}

impl Notifier for ZaloOa {
    fn deliver<'a>(&'a self, message: &'a Outgoing) -> Delivery<'a> {
        Box::pin(async move {
            let Some(template) = self.settings.templates.get(&message.kind) else { return Delivered::Kept };
            let Some(phone) = international(&message.phone) else {
                return Delivered::Failed("số điện thoại không gửi được qua Zalo".into());
            };
            let body = json!({
                "phone": phone,
                "template_id": template.template_id,
                "template_data": self.template_data(&template.data, message),
                "tracking_id": message.id.to_string(),
            });
            let mut fresh = false;
            loop {
                let token = match self.access_token(fresh).await {
                    Ok(token) => token,
                    Err(e) => return Delivered::Failed(e),
                };
                match self.send(&token, &body).await {
                    Ok(a) if a.error == 0 => return Delivered::Sent,
                    Ok(a) if TOKEN_REFUSED.contains(&a.error) && !fresh => fresh = true,
                    Ok(a) => return Delivered::Failed(format!("Zalo ZNS báo lỗi {}: {}", a.error, a.message)),
                    Err(e) => return Delivered::Failed(e),
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_verification_template_gets_the_one_time_code_and_others_the_booking() {
        let config = crate::Config::demo();
        let template = crate::config::ZnsTemplate {
            template_id: "7".into(),
            data: [("otp".to_string(), "{otp}".to_string()), ("ma".to_string(), "{code}".to_string())].into(),
        };
        let settings = Settings {
            app_id: "1".into(),
            secret_key: "k".into(),
            refresh_token: "r".into(),
            oauth_url: "http://127.0.0.1:9/t".into(),
            api_url: "http://127.0.0.1:9/s".into(),
            templates: [("verification".to_string(), template.clone())].into(),
        };
        let zalo = ZaloOa::new(settings, config.centre.clone(), PathBuf::from("/nonexistent.db"));
        let message = Outgoing {
            id: 1,
            kind: "verification".into(),
            booking: "K7MX3Q".into(),
            phone: "0912345678".into(),
            text: "Trung tâm: Mã xác nhận đặt lịch K7MX3Q lúc 09:00 23/11 là 024431. Không đưa mã này cho người khác."
                .into(),
            service: "CA".into(),
            slot_at_ms: None,
            name: String::new(),
        };
        let data = zalo.template_data(&template.data, &message);
        assert_eq!((data["otp"].as_str(), data["ma"].as_str()), (Some("024431"), Some("K7MX3Q")));
        let reminder = Outgoing { kind: "reminder".into(), ..message };
        assert_eq!(zalo.template_data(&template.data, &reminder)["otp"], "");
    }

    #[test]
    fn phones_go_in_the_84_form() {
        for (given, sent) in [
            ("0912345678", Some("84912345678")),
            ("+84 912 345 678", Some("84912345678")),
            ("84912345678", Some("84912345678")),
            ("091.234.5678", Some("84912345678")),
            ("912345678", None),
            ("0912 34567", None),
            ("+1 202 555 0100", None),
        ] {
            assert_eq!(international(given).as_deref(), sent, "{given}");
        }
    }
}
