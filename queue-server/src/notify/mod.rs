//! Messages to citizens (booking confirmations, reminders, changes, cancellations).
//!
//! The writer queues every message in the `notifications` table in the same transaction as the
//! booking change, so none is lost or sent for a change that did not happen. [`dispatch`] then
//! hands each due message to a [`Notifier`]: by default [`OutboxOnly`], which sends nothing and
//! marks the message `kept` for an operator (`GET /api/v1/notifications`); with `sms_url` in the
//! configuration, [`SmsGateway`] sends it over HTTP to a gateway on the LAN; with `[zalo]`,
//! [`zalo::ZaloOa`] sends it as a Zalo template message (ZNS). Failures are retried with back-off.

pub mod zalo;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use crate::config::SmsGateway as GatewayConfig;
use crate::domain::Clock;
use crate::store::Store;
use crate::store::bookings::Delivered;
pub use crate::store::bookings::Outgoing;

/// How often due messages are looked for.
pub const POLL: Duration = Duration::from_secs(1);

/// A delivery in progress.
pub type Delivery<'a> = Pin<Box<dyn Future<Output = Delivered> + Send + 'a>>;

/// Where messages go.
pub trait Notifier: Send + Sync + std::fmt::Debug {
    /// Delivers one message (to `message.phone`).
    fn deliver<'a>(&'a self, message: &'a Outgoing) -> Delivery<'a>;
}

/// The default: nothing leaves the centre; messages stay in the outbox for an operator.
#[derive(Debug, Clone, Copy, Default)]
pub struct OutboxOnly;

impl Notifier for OutboxOnly {
    fn deliver<'a>(&'a self, _message: &'a Outgoing) -> Delivery<'a> {
        Box::pin(async { Delivered::Kept })
    }
}

/// An HTTP SMS gateway: `GET` the URL template with `{phone}` and `{text}` filled in, or `POST`
/// `{"phone", "text"}` as JSON to it.
#[derive(Debug, Clone)]
pub struct SmsGateway {
    config: GatewayConfig,
    http: reqwest::Client,
}

impl SmsGateway {
    /// A gateway client with a 10 s timeout.
    pub fn new(config: GatewayConfig) -> Self {
        let http = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap_or_default();
        Self { config, http }
    }
}

/// Why a gateway call failed, in words that carry no part of the request: never the URL (it holds
/// the phone number, the message with its booking code, and any key of the template), so the log
/// and `notifications.last_error` (served to supervisors) leak nothing.
fn failure(e: &reqwest::Error) -> String {
    format!("không gọi được cổng SMS ({})", failure_kind(e))
}

/// What went wrong with a call, without any part of the request.
fn failure_kind(e: &reqwest::Error) -> &'static str {
    if e.is_timeout() {
        "hết thời gian chờ"
    } else if e.is_connect() {
        "không kết nối được"
    } else if e.is_request() || e.is_body() {
        "lỗi khi gửi yêu cầu"
    } else {
        "lỗi khi đọc câu trả lời"
    }
}

impl Notifier for SmsGateway {
    fn deliver<'a>(&'a self, message: &'a Outgoing) -> Delivery<'a> {
        let (phone, text) = (message.phone.as_str(), message.text.as_str());
        Box::pin(async move {
            let url = self
                .config
                .url
                .replace("{phone}", &motcua_protocol::url::component(phone))
                .replace("{text}", &motcua_protocol::url::component(text));
            let request = if self.config.post {
                self.http.post(url).json(&serde_json::json!({ "phone": phone, "text": text }))
            } else {
                self.http.get(url)
            };
            match request.send().await {
                Ok(r) if r.status().is_success() => Delivered::Sent,
                Ok(r) => Delivered::Failed(format!("cổng SMS trả lời {}", r.status().as_u16())),
                Err(e) => Delivered::Failed(failure(&e)),
            }
        })
    }
}

/// The notifier the configuration asks for; Zalo keeps its rotating refresh token in `db`.
pub fn from_config(config: &crate::Config, db: &std::path::Path) -> Arc<dyn Notifier> {
    match (&config.sms, &config.zalo) {
        (Some(sms), _) => Arc::new(SmsGateway::new(sms.clone())),
        (None, Some(zalo)) => Arc::new(zalo::ZaloOa::new(zalo.clone(), config.centre.clone(), db.to_path_buf())),
        (None, None) => Arc::new(OutboxOnly),
    }
}

/// Delivers due messages until `shutdown` turns true.
pub async fn dispatch(
    store: Store,
    notifier: Arc<dyn Notifier>,
    clock: Arc<dyn Clock>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut poll = tokio::time::interval(POLL);
    loop {
        tokio::select! {
            _ = poll.tick() => {}
            _ = shutdown.changed() => {}
        }
        if *shutdown.borrow() {
            return;
        }
        let Ok(due) = store.due_notices(clock.now(), 50).await else { continue };
        for message in due {
            let outcome = notifier.deliver(&message).await;
            if let Delivered::Failed(e) = &outcome {
                tracing::warn!(id = message.id, error = %e, "message not delivered, will retry");
            }
            if store.delivered(message.id, outcome).await.is_err() {
                break;
            }
        }
    }
}
