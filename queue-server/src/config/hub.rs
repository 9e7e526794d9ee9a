//! `[hub]`: the provincial hub this centre ships its event log to ([`crate::uplink`]).

use serde::Deserialize;
use toml::Spanned;

use super::{ConfigError, Source};

/// The section as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawHub {
    url: Option<Spanned<String>>,
    unit_code: Option<Spanned<String>>,
    token: Option<Spanned<String>>,
    batch_size: Option<Spanned<u64>>,
    heartbeat_seconds: Option<Spanned<u64>>,
    retry_max_seconds: Option<Spanned<u64>>,
}

/// Where and how the event log is shipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HubLink {
    /// The hub's base address (`https://hub.example/`); batches go to `{url}/api/v1/ingest`.
    pub url: String,
    /// The centre's official unit code (mã đơn vị) as registered at the hub; defaults to
    /// `[centre] unit_code`.
    pub unit_code: String,
    /// The token the hub gave this centre (`province-hub add-centre`).
    pub token: String,
    /// Events per batch; 500.
    pub batch_size: u32,
    /// With nothing new, the live state is still sent this often (s); 10.
    pub heartbeat_seconds: u64,
    /// Longest wait between two tries while the hub cannot be reached (s); 30.
    pub retry_max_seconds: u64,
}

/// The section, or `None` without a `url`.
pub(super) fn hub(src: &Source<'_>, raw: &RawHub, centre_unit: &str) -> Result<Option<HubLink>, ConfigError> {
    let Some(url) = &raw.url else { return Ok(None) };
    let number =
        |v: &Option<Spanned<u64>>, key: &str, default, range| src.number(v, &format!("hub.{key}"), default, range);
    let text = url.get_ref().trim().trim_end_matches('/');
    if !text.starts_with("http://") && !text.starts_with("https://") {
        return Err(src.error(url, "hub.url", "cần địa chỉ http(s)://… của máy chủ tỉnh"));
    }
    let unit_code = raw.unit_code.as_ref().map_or(centre_unit.trim(), |u| u.get_ref().trim()).to_string();
    if unit_code.is_empty() {
        return Err(src.error(url, "hub.unit_code", "cần mã đơn vị của trung tâm (hoặc [centre] unit_code)"));
    }
    let token = raw.token.as_ref().map(|t| t.get_ref().trim().to_string()).unwrap_or_default();
    if token.is_empty() {
        return Err(src.error(
            url,
            "hub.token",
            "cần mã truy cập máy chủ tỉnh cấp cho trung tâm (province-hub add-centre)",
        ));
    }
    Ok(Some(HubLink {
        url: text.to_string(),
        unit_code,
        token,
        batch_size: u32::try_from(number(&raw.batch_size, "batch_size", 500, 1..=5000)?).unwrap_or(500),
        heartbeat_seconds: number(&raw.heartbeat_seconds, "heartbeat_seconds", 10, 1..=3600)?,
        retry_max_seconds: number(&raw.retry_max_seconds, "retry_max_seconds", 30, 1..=3600)?,
    }))
}
