//! The `[staff]`, `[board]` and `[alerts]` sections: sign-in rules, the waiting-room board's
//! ticker, and the thresholds of the supervisor's alerts.

use serde::Deserialize;
use toml::Spanned;

use super::raw::RawServer;
use super::{ConfigError, Source};
use crate::accounts::Policy;

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawStaff {
    lock_after: Option<Spanned<u32>>,
    lock_minutes: Option<Spanned<u32>>,
    session_hours: Option<Spanned<u32>>,
    sign_ins_per_minute: Option<Spanned<u32>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawBoard {
    ticker: Option<Spanned<String>>,
    voice: Option<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAlerts {
    wait_minutes: Option<Spanned<u32>>,
    queue_over: Option<Spanned<u32>>,
    kiosk_offline_minutes: Option<Spanned<u32>>,
    satisfaction_below_percent: Option<Spanned<u32>>,
    satisfaction_min_ratings: Option<Spanned<u32>>,
}

/// Thresholds of the supervisor's alerts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlertRules {
    /// A field's longest wait above this many minutes.
    pub wait_minutes: u32,
    /// A field's queue above this while a counter serving it is idle or paused.
    pub queue_over: u32,
    /// A kiosk or display silent this long counts as offline.
    pub kiosk_offline_minutes: u32,
    /// Satisfied share of today's (or the last hour's) ratings below this percentage.
    pub satisfaction_below_percent: u32,
    /// Ratings needed before the satisfaction rule speaks.
    pub satisfaction_min_ratings: u32,
}

impl Default for AlertRules {
    fn default() -> Self {
        Self {
            wait_minutes: 30,
            queue_over: 10,
            kiosk_offline_minutes: 2,
            satisfaction_below_percent: 90,
            satisfaction_min_ratings: 5,
        }
    }
}

/// Caps on open live streams (`/api/v1/events`, `/api/v1/tickets/{id}/live`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamLimits {
    /// Streams one client (an IPv4 address or an IPv6 /64) may hold open at once.
    pub per_client: u32,
    /// Streams open at once in all.
    pub total: u32,
}

impl Default for StreamLimits {
    fn default() -> Self {
        Self { per_client: 16, total: 2000 }
    }
}

/// What one connection may cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Connections {
    /// A connection that has not sent a whole request head (its first, or the next on a kept-alive
    /// connection) within this time is closed. Seconds.
    pub header_read_timeout_seconds: u32,
    /// Connections served at once; more wait in the listener's backlog.
    pub max_connections: u32,
    /// Connections one client (an IPv4 address or an IPv6 /64) may hold open at once; more are
    /// closed as soon as they are accepted.
    pub per_client: u32,
}

impl Default for Connections {
    fn default() -> Self {
        Self { header_read_timeout_seconds: 10, max_connections: 4096, per_client: 64 }
    }
}

pub(super) fn connections(src: &Source<'_>, raw: &RawServer) -> Result<Connections, ConfigError> {
    let d = Connections::default();
    Ok(Connections {
        header_read_timeout_seconds: within(
            src,
            &raw.header_read_timeout_seconds,
            "server.header_read_timeout_seconds",
            1,
            300,
        )?
        .unwrap_or(d.header_read_timeout_seconds),
        max_connections: within(src, &raw.max_connections, "server.max_connections", 16, 60_000)?
            .unwrap_or(d.max_connections),
        per_client: within(src, &raw.connections_per_client, "server.connections_per_client", 4, 60_000)?
            .unwrap_or(d.per_client),
    })
}

pub(super) fn streams(src: &Source<'_>, raw: &RawServer) -> Result<StreamLimits, ConfigError> {
    let d = StreamLimits::default();
    Ok(StreamLimits {
        per_client: within(src, &raw.streams_per_client, "server.streams_per_client", 1, 10_000)?
            .unwrap_or(d.per_client),
        total: within(src, &raw.streams_total, "server.streams_total", 10, 100_000)?.unwrap_or(d.total),
    })
}

fn within(
    src: &Source<'_>,
    value: &Option<Spanned<u32>>,
    key: &str,
    min: u32,
    max: u32,
) -> Result<Option<u32>, ConfigError> {
    match value {
        Some(v) if !(min..=max).contains(v.get_ref()) => Err(src.error(v, key, format!("phải từ {min} đến {max}"))),
        Some(v) => Ok(Some(*v.get_ref())),
        None => Ok(None),
    }
}

pub(super) fn staff(src: &Source<'_>, raw: &RawStaff) -> Result<Policy, ConfigError> {
    let d = Policy::default();
    Ok(Policy {
        lock_after: within(src, &raw.lock_after, "staff.lock_after", 3, 20)?.unwrap_or(d.lock_after),
        lock_minutes: within(src, &raw.lock_minutes, "staff.lock_minutes", 1, 1440)?.unwrap_or(d.lock_minutes),
        session_hours: within(src, &raw.session_hours, "staff.session_hours", 1, 24)?.unwrap_or(d.session_hours),
        sign_ins_per_minute: within(src, &raw.sign_ins_per_minute, "staff.sign_ins_per_minute", 1, 600)?
            .unwrap_or(d.sign_ins_per_minute),
    })
}

pub(super) fn ticker(src: &Source<'_>, raw: &RawBoard) -> Result<String, ConfigError> {
    match &raw.ticker {
        Some(t) if t.get_ref().chars().count() > 500 => Err(src.error(t, "board.ticker", "tối đa 500 ký tự")),
        Some(t) => Ok(t.get_ref().trim().to_string()),
        None => Ok(String::new()),
    }
}

/// `[board] voice`: the synthesiser program (`espeak-ng` by default), or `off` for the chime alone.
pub(super) fn voice(src: &Source<'_>, raw: &RawBoard) -> Result<Option<String>, ConfigError> {
    match &raw.voice {
        None => Ok(Some("espeak-ng".into())),
        Some(v) if v.get_ref().trim() == "off" => Ok(None),
        Some(v)
            if v.get_ref().trim().is_empty() || v.get_ref().len() > 300 || v.get_ref().contains(char::is_control) =>
        {
            Err(src.error(v, "board.voice", "cần tên hoặc đường dẫn chương trình đọc (espeak-ng), hoặc \"off\""))
        }
        Some(v) => Ok(Some(v.get_ref().trim().to_string())),
    }
}

pub(super) fn alerts(src: &Source<'_>, raw: &RawAlerts) -> Result<AlertRules, ConfigError> {
    let d = AlertRules::default();
    Ok(AlertRules {
        wait_minutes: within(src, &raw.wait_minutes, "alerts.wait_minutes", 1, 600)?.unwrap_or(d.wait_minutes),
        queue_over: within(src, &raw.queue_over, "alerts.queue_over", 1, 10_000)?.unwrap_or(d.queue_over),
        kiosk_offline_minutes: within(src, &raw.kiosk_offline_minutes, "alerts.kiosk_offline_minutes", 1, 120)?
            .unwrap_or(d.kiosk_offline_minutes),
        satisfaction_below_percent: within(
            src,
            &raw.satisfaction_below_percent,
            "alerts.satisfaction_below_percent",
            1,
            100,
        )?
        .unwrap_or(d.satisfaction_below_percent),
        satisfaction_min_ratings: within(
            src,
            &raw.satisfaction_min_ratings,
            "alerts.satisfaction_min_ratings",
            1,
            1000,
        )?
        .unwrap_or(d.satisfaction_min_ratings),
    })
}
