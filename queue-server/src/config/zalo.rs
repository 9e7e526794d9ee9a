//! `[zalo]`: booking messages as Zalo Official Account template messages (ZNS) instead of SMS
//! ([`crate::notify::zalo`]).

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use super::{ConfigError, Source};

/// Message kinds a template can be given for (the outbox's `kind`).
pub const KINDS: &[&str] = &["confirmation", "rescheduled", "cancellation", "reminder", "verification"];

/// Placeholders a template's data may use: the booking code, the citizen's name, the field's
/// Vietnamese name, the slot's time `HH:MM` and date `dd/mm/yyyy` in the centre's zone, the
/// centre's name, the whole Vietnamese message, and (in `verification` only) the one-time code.
pub const PLACEHOLDERS: &[&str] = &["{code}", "{name}", "{field}", "{time}", "{date}", "{centre}", "{text}", "{otp}"];

/// The section as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawZalo {
    app_id: Option<Spanned<String>>,
    secret_key: Option<Spanned<String>>,
    refresh_token: Option<Spanned<String>>,
    oauth_url: Option<Spanned<String>>,
    api_url: Option<Spanned<String>>,
    #[serde(default)]
    templates: BTreeMap<String, Spanned<RawTemplate>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTemplate {
    template_id: Spanned<String>,
    #[serde(default)]
    data: BTreeMap<String, Spanned<String>>,
}

/// A Zalo Official Account's application and its approved ZNS templates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZaloOa {
    /// The Zalo application's id.
    pub app_id: String,
    /// The application's secret key (sent as the `secret_key` header when refreshing).
    pub secret_key: String,
    /// The first refresh token (from the OA's authorisation); later ones are kept in the database.
    pub refresh_token: String,
    /// Token endpoint; `https://oauth.zaloapp.com/v4/oa/access_token`.
    pub oauth_url: String,
    /// ZNS send endpoint; `https://business.openapi.zalo.me/message/template`.
    pub api_url: String,
    /// Template per message kind ([`KINDS`]); a kind without one stays in the outbox (`kept`).
    pub templates: BTreeMap<String, ZnsTemplate>,
}

/// One approved template and how its parameters are filled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZnsTemplate {
    /// The template's id at Zalo.
    pub template_id: String,
    /// Parameter name → text with [`PLACEHOLDERS`].
    pub data: BTreeMap<String, String>,
}

/// The section, or `None` when absent.
pub(super) fn zalo(src: &Source<'_>, raw: Option<&Spanned<RawZalo>>) -> Result<Option<ZaloOa>, ConfigError> {
    let Some(section) = raw else { return Ok(None) };
    let z = section.get_ref();
    let required = |v: &Option<Spanned<String>>, key: &str, what: &str| match v {
        Some(s) if !s.get_ref().trim().is_empty() => Ok(s.get_ref().trim().to_string()),
        Some(s) => Err(src.error(s, format!("zalo.{key}"), format!("cần {what}"))),
        None => Err(src.error(section, format!("zalo.{key}"), format!("cần {what}"))),
    };
    let url = |v: &Option<Spanned<String>>, key: &str, default: &str| match v {
        None => Ok(default.to_string()),
        Some(s) if s.get_ref().starts_with("https://") || s.get_ref().starts_with("http://") => {
            Ok(s.get_ref().trim().to_string())
        }
        Some(s) => Err(src.error(s, format!("zalo.{key}"), "cần địa chỉ http(s)://…")),
    };
    let mut templates = BTreeMap::new();
    for (kind, template) in &z.templates {
        if !KINDS.contains(&kind.as_str()) {
            return Err(src.error(
                template,
                format!("zalo.templates.{kind}"),
                format!("loại tin «{kind}» không có; dùng {}", KINDS.join(", ")),
            ));
        }
        let t = template.get_ref();
        if t.template_id.get_ref().trim().is_empty() {
            return Err(src.error(&t.template_id, format!("zalo.templates.{kind}.template_id"), "cần mã mẫu tin ZNS"));
        }
        let mut data = BTreeMap::new();
        for (name, value) in &t.data {
            let mut rest = value.get_ref().as_str();
            while let Some(open) = rest.find('{') {
                let close = rest[open..].find('}').map_or(rest.len(), |c| open + c + 1);
                let placeholder = &rest[open..close];
                if placeholder == "{otp}" && kind != "verification" {
                    return Err(src.error(
                        value,
                        format!("zalo.templates.{kind}.data.{name}"),
                        "{otp} (mã xác nhận) chỉ có trong tin verification",
                    ));
                }
                if !PLACEHOLDERS.contains(&placeholder) {
                    return Err(src.error(
                        value,
                        format!("zalo.templates.{kind}.data.{name}"),
                        format!("«{placeholder}» không có; dùng {}", PLACEHOLDERS.join(" ")),
                    ));
                }
                rest = &rest[close..];
            }
            data.insert(name.clone(), value.get_ref().clone());
        }
        templates.insert(kind.clone(), ZnsTemplate { template_id: t.template_id.get_ref().trim().to_string(), data });
    }
    Ok(Some(ZaloOa {
        app_id: required(&z.app_id, "app_id", "mã ứng dụng Zalo (app_id)")?,
        secret_key: required(&z.secret_key, "secret_key", "khoá bí mật của ứng dụng (secret_key)")?,
        refresh_token: required(&z.refresh_token, "refresh_token", "refresh token do Zalo OA cấp lần đầu")?,
        oauth_url: url(&z.oauth_url, "oauth_url", "https://oauth.zaloapp.com/v4/oa/access_token")?,
        api_url: url(&z.api_url, "api_url", "https://business.openapi.zalo.me/message/template")?,
        templates,
    }))
}
