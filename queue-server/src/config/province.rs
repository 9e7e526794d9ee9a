//! `[province]`: the province's TTHC system, reached through its integration platform (LGSP), from
//! which dossiers asked for at the kiosk are fetched (`crate::dossiers::connector`).

use serde::Deserialize;
use toml::Spanned;

use super::{ConfigError, Source};

/// The section as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawProvince {
    url: Option<Spanned<String>>,
    file: Option<std::path::PathBuf>,
    username: Option<String>,
    password: Option<String>,
    madonvi: Option<Spanned<String>>,
    timeout_ms: Option<Spanned<u64>>,
    stale_after_seconds: Option<Spanned<u64>>,
    poll_seconds: Option<Spanned<u64>>,
}

/// Where and how dossiers are fetched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Province {
    /// The LGSP endpoint's base address: `{url}/authenticate`, `{url}/service` (empty with `file`).
    pub url: String,
    /// Instead of `url`: a file the province's system exports (JSON, the batch shape), read at
    /// each fetch.
    pub file: Option<std::path::PathBuf>,
    /// Credentials given by the province.
    pub username: String,
    /// Its password.
    pub password: String,
    /// The centre's unit code (mã đơn vị) in the province's system.
    pub madonvi: String,
    /// Longest wait for the province on a lookup (ms); then the store answers. Default 2,000,
    /// under the kiosk's own 5 s request timeout.
    pub timeout_ms: u64,
    /// A dossier synchronised longer ago than this (s) is fetched again when looked up; 300.
    pub stale_after_seconds: u64,
    /// Unfinished dossiers looked up in the last day are refreshed this often (s); 0 = never; 300.
    pub poll_seconds: u64,
}

/// The section, or `None` without a `url` or a `file`.
pub(super) fn province(src: &Source<'_>, raw: &RawProvince) -> Result<Option<Province>, ConfigError> {
    let number =
        |v: &Option<Spanned<u64>>, key: &str, default, range| src.number(v, &format!("province.{key}"), default, range);
    if let (None, Some(file)) = (&raw.url, &raw.file) {
        return Ok(Some(Province {
            url: String::new(),
            file: Some(file.clone()),
            username: String::new(),
            password: String::new(),
            madonvi: String::new(),
            timeout_ms: number(&raw.timeout_ms, "timeout_ms", 2000, 100..=4000)?,
            stale_after_seconds: number(&raw.stale_after_seconds, "stale_after_seconds", 300, 1..=86_400)?,
            poll_seconds: number(&raw.poll_seconds, "poll_seconds", 300, 0..=86_400)?,
        }));
    }
    let Some(url) = &raw.url else { return Ok(None) };
    let text = url.get_ref().trim().trim_end_matches('/');
    if !text.starts_with("http://") && !text.starts_with("https://") {
        return Err(src.error(url, "province.url", "cần địa chỉ http(s)://… của trục liên thông (LGSP) của tỉnh"));
    }
    let madonvi = raw.madonvi.as_ref().map(|m| m.get_ref().trim().to_string()).unwrap_or_default();
    if madonvi.is_empty() {
        return Err(src.error(url, "province.madonvi", "cần mã đơn vị của trung tâm trên hệ thống của tỉnh"));
    }
    Ok(Some(Province {
        url: text.to_string(),
        file: None,
        username: raw.username.clone().unwrap_or_default(),
        password: raw.password.clone().unwrap_or_default(),
        madonvi,
        timeout_ms: number(&raw.timeout_ms, "timeout_ms", 2000, 100..=4000)?,
        stale_after_seconds: number(&raw.stale_after_seconds, "stale_after_seconds", 300, 1..=86_400)?,
        poll_seconds: number(&raw.poll_seconds, "poll_seconds", 300, 0..=86_400)?,
    }))
}
