//! Reading the configuration file, and the address it gives phones.

use super::{ConfigError, Source};

pub use motcua_protocol::parse_text::io_vietnamese;

/// `centre.public_url`: where phones reach the citizen pages (printed in every ticket's QR code),
/// so it must be a whole `http://` or `https://` address with a host.
pub(super) fn public_url(src: &Source<'_>, raw: &toml::Spanned<String>) -> Result<String, ConfigError> {
    let url = raw.get_ref().trim().trim_end_matches('/');
    let host = url.strip_prefix("http://").or_else(|| url.strip_prefix("https://")).unwrap_or("");
    if host.is_empty() || host.contains(char::is_whitespace) || host.starts_with('/') {
        return Err(src.error(
            raw,
            "centre.public_url",
            format!(
                "«{url}» không phải địa chỉ đầy đủ; cần dạng http://192.168.1.10:8080 (địa chỉ điện thoại của người dân mở được, in trong mã QR trên phiếu)"
            ),
        ));
    }
    Ok(url.to_string())
}

/// Each rating level's place on the one-stop 3-level scale (1..=3), from `ratings.maps_to` (level
/// names of [`crate::domain::centre::THREE_LEVELS`], diacritics and case aside). A 3-level scale
/// maps to itself; any other needs `maps_to`, one name per level, never going down, from
/// "Không hài lòng" to "Rất hài lòng".
pub(super) fn three_levels(
    src: &Source<'_>,
    raw: &super::raw::RawRatings,
    levels: &[String],
) -> Result<Vec<u8>, ConfigError> {
    use crate::domain::centre::THREE_LEVELS;
    use crate::domain::text::fold;
    let Some(maps_to) = &raw.maps_to else {
        if levels.len() == 3 {
            return Ok(vec![1, 2, 3]);
        }
        return Err(src.error(
            &raw.levels,
            "ratings.maps_to",
            format!(
                "thang {} mức cần khai báo maps_to: mỗi mức tương ứng với mức nào của thang 3 mức ({})",
                levels.len(),
                THREE_LEVELS.join(" / ")
            ),
        ));
    };
    let bad = |why: String| src.error(maps_to, "ratings.maps_to", why);
    if maps_to.get_ref().len() != levels.len() {
        return Err(bad(format!("cần {} tên, mỗi mức một tên (đang có {})", levels.len(), maps_to.get_ref().len())));
    }
    let mut three = Vec::new();
    for name in maps_to.get_ref() {
        let place = THREE_LEVELS.iter().position(|l| fold(l) == fold(name)).ok_or_else(|| {
            bad(format!("«{}» không phải mức của thang 3 mức ({})", name.trim(), THREE_LEVELS.join(" / ")))
        })?;
        three.push(place as u8 + 1);
    }
    if three.windows(2).any(|w| w[1] < w[0]) {
        return Err(bad(
            "các mức phải tăng dần hoặc giữ nguyên từ mức thấp nhất lên mức cao nhất, không đi xuống".into()
        ));
    }
    if three.first() != Some(&1) || three.last() != Some(&3) {
        return Err(bad("mức thấp nhất phải ứng với «Không hài lòng» và mức cao nhất với «Rất hài lòng»".into()));
    }
    Ok(three)
}

impl Source<'_> {
    /// The full key a line sets: `appointments.verify_phone`, `services[2].numbers` (the table
    /// headers above it counted), or `None` for a header or a line setting nothing.
    fn key_at(&self, line: usize) -> Option<String> {
        let mut table = String::new();
        let mut arrays: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
        for text in self.text.lines().take(line.saturating_sub(1)) {
            let text = text.trim();
            if let Some(name) = text.strip_prefix("[[").and_then(|t| t.split_once("]]")).map(|(n, _)| n.trim()) {
                let n = arrays.entry(name.to_string()).and_modify(|n| *n += 1).or_insert(0);
                table = format!("{name}[{n}]");
            } else if let Some(name) = text.strip_prefix('[').and_then(|t| t.split_once(']')).map(|(n, _)| n.trim()) {
                table = name.to_string();
            }
        }
        let own = self.text.lines().nth(line.checked_sub(1)?)?;
        let key = own.split_once('=').map(|(k, _)| k.trim())?;
        if key.is_empty() || key.starts_with('[') || key.starts_with('#') {
            return None;
        }
        Some(if table.is_empty() { key.to_string() } else { format!("{table}.{key}") })
    }

    pub(super) fn toml_error(&self, e: &toml::de::Error) -> ConfigError {
        let line = e.span().and_then(|s| self.line_of(s.start));
        let key = line.and_then(|l| self.key_at(l)).unwrap_or_else(|| "(tệp)".to_string());
        ConfigError {
            file: self.file.to_string(),
            line,
            key,
            message: format!("không đọc được cấu hình: {}", crate::parse_text::vietnamese(e.message())),
        }
    }
}
