//! Where a configuration value was written, for messages that name the file, line and key.

use jiff::civil::Time;
use toml::Spanned;

use super::ConfigError;

/// Turns spans into lines for messages.
pub(super) struct Source<'a> {
    pub(super) file: &'a str,
    pub(super) text: &'a str,
}

impl Source<'_> {
    pub(super) fn line_of(&self, offset: usize) -> Option<usize> {
        let offset = offset.min(self.text.len());
        Some(self.text[..offset].bytes().filter(|&b| b == b'\n').count() + 1)
    }

    /// `value` if set and within `range`, else `default`; out of range: an error at `key`.
    pub(super) fn number(
        &self,
        value: &Option<Spanned<u64>>,
        key: &str,
        default: u64,
        range: std::ops::RangeInclusive<u64>,
    ) -> Result<u64, ConfigError> {
        match value {
            None => Ok(default),
            Some(n) if range.contains(n.get_ref()) => Ok(*n.get_ref()),
            Some(n) => Err(self.error(n, key, format!("từ {} đến {}", range.start(), range.end()))),
        }
    }

    pub(super) fn error<T>(&self, at: &Spanned<T>, key: impl Into<String>, message: impl Into<String>) -> ConfigError {
        let span = at.span();
        let line = if span == (0..0) { None } else { self.line_of(span.start) };
        ConfigError { file: self.file.to_string(), line, key: key.into(), message: message.into() }
    }
}

/// `HH:MM` (two digits each) at `key`.
pub(super) fn parse_time(src: &Source<'_>, raw: &Spanned<String>, key: &str) -> Result<Time, ConfigError> {
    let text = raw.get_ref().trim();
    let parsed = text
        .split_once(':')
        .filter(|(h, m)| h.len() == 2 && m.len() == 2)
        .and_then(|(h, m)| Some((h.parse::<i8>().ok()?, m.parse::<i8>().ok()?)))
        .and_then(|(h, m)| Time::new(h, m, 0, 0).ok());
    parsed.ok_or_else(|| src.error(raw, key, format!("giờ «{text}» không hợp lệ, cần dạng HH:MM (ví dụ 07:30)")))
}
