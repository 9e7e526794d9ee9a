//! `[[receipt_patterns]]`: the receipt codes sector systems print (besides the form of Thông tư
//! 01/2018/TT-VPCP, Điều 19, which is always known), so that a code is told apart by its form and
//! its parts read: the receiving unit, the date received, the day's sequence.
//!
//! ```toml
//! [[receipt_patterns]]
//! name = "Hộ tịch (phần mềm đăng ký hộ tịch)"
//! pattern = "HT-(?P<unit>[0-9A-Z]{3,8})-(?P<date>[0-9]{8})-(?P<seq>[0-9]{5})"
//! example = "HT-H5622-20261105-00123"
//! ```
//!
//! `pattern` is a regular expression (the `regex` crate's syntax) over the whole code, upper case;
//! the named groups `unit`, `date` and `seq` are optional; `date` is `YYMMDD`, `YYYYMMDD` or
//! `DD/MM/YYYY`-less `DDMMYYYY` by its length (6, 8 digits; 8 digits read as `YYYYMMDD` first).
//! `example` must match, and its date must exist.

use jiff::civil::Date;
use regex::Regex;

use super::{ConfigError, Source};

/// A configured form of receipt code.
#[derive(Debug, Clone)]
pub struct ReceiptPattern {
    /// What prints it, as staff call it.
    pub name: String,
    /// Anchored over the whole code.
    pub regex: Regex,
}

/// What a code's form says about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptParts {
    /// The form's name (`Thông tư 01/2018/TT-VPCP` or a configured one).
    pub form: String,
    /// The receiving unit, when the form has one.
    pub unit: Option<String>,
    /// The date received, when the form has one.
    pub received: Option<Date>,
    /// The day's sequence number, when the form has one.
    pub sequence: Option<u32>,
}

/// A date of 6 (`YYMMDD`) or 8 digits (`YYYYMMDD`, else `DDMMYYYY`).
fn date_of(digits: &str) -> Option<Date> {
    let n = |a: usize, b: usize| digits.get(a..b).and_then(|s| s.parse::<i16>().ok());
    match digits.len() {
        6 => Date::new(2000 + n(0, 2)?, i8::try_from(n(2, 4)?).ok()?, i8::try_from(n(4, 6)?).ok()?).ok(),
        8 => Date::new(n(0, 4)?, i8::try_from(n(4, 6)?).ok()?, i8::try_from(n(6, 8)?).ok()?)
            .ok()
            .filter(|d| d.year() >= 2000)
            .or_else(|| Date::new(n(4, 8)?, i8::try_from(n(2, 4)?).ok()?, i8::try_from(n(0, 2)?).ok()?).ok()),
        _ => None,
    }
}

impl ReceiptPattern {
    /// The parts of `code` when it has this form; `Err` with the date's digits when its `date`
    /// group does not name a real day.
    pub fn parts(&self, code: &str) -> Option<Result<ReceiptParts, String>> {
        let caps = self.regex.captures(code)?;
        let date = caps.name("date").map(|m| m.as_str().to_string());
        let received = match &date {
            Some(d) => match date_of(d) {
                Some(day) => Some(day),
                None => return Some(Err(d.clone())),
            },
            None => None,
        };
        Some(Ok(ReceiptParts {
            form: self.name.clone(),
            unit: caps.name("unit").map(|m| m.as_str().to_string()),
            received,
            sequence: caps.name("seq").and_then(|m| m.as_str().parse().ok()),
        }))
    }
}

/// What `code`'s form says: the form of Thông tư 01/2018 first, then the configured ones in order;
/// `Err` (a Vietnamese message) when a configured form's date does not exist; `Ok(None)` for a
/// form not known.
pub fn describe(
    patterns: &[ReceiptPattern],
    code: &crate::domain::ReceiptCode,
) -> Result<Option<ReceiptParts>, String> {
    if let Some((unit, received, sequence)) = code.tt01() {
        return Ok(Some(ReceiptParts {
            form: "Thông tư 01/2018/TT-VPCP".into(),
            unit: Some(unit.to_string()),
            received: Some(received),
            sequence: Some(u32::from(sequence)),
        }));
    }
    for pattern in patterns {
        match pattern.parts(code.as_str()) {
            Some(Ok(parts)) => return Ok(Some(parts)),
            Some(Err(date)) => {
                return Err(format!(
                    "Ngày tiếp nhận trong mã hồ sơ («{date}», mẫu mã «{}») không có thật; vui lòng kiểm tra lại mã trên giấy tiếp nhận",
                    pattern.name
                ));
            }
            None => {}
        }
    }
    Ok(None)
}

/// ` (mẫu mã «…», đơn vị …, tiếp nhận ngày dd/mm/yyyy)` for a message about `code`, or nothing.
pub fn about(patterns: &[ReceiptPattern], code: &crate::domain::ReceiptCode) -> String {
    let Ok(Some(parts)) = describe(patterns, code) else { return String::new() };
    let mut said = vec![format!("mẫu mã «{}»", parts.form)];
    if let Some(unit) = parts.unit {
        said.push(format!("đơn vị {unit}"));
    }
    if let Some(day) = parts.received {
        said.push(format!("tiếp nhận ngày {}", day.strftime("%d/%m/%Y")));
    }
    format!(" ({})", said.join(", "))
}

/// Raw `[[receipt_patterns]]` entry.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPattern {
    name: toml::Spanned<String>,
    pattern: toml::Spanned<String>,
    example: toml::Spanned<String>,
}

/// The configured patterns, each compiled and checked against its example.
pub(super) fn patterns(src: &Source<'_>, raw: &[RawPattern]) -> Result<Vec<ReceiptPattern>, ConfigError> {
    let mut out = Vec::new();
    for (i, p) in raw.iter().enumerate() {
        let key = |k: &str| format!("receipt_patterns[{i}].{k}");
        let name = p.name.get_ref().trim().to_string();
        if name.is_empty() {
            return Err(src.error(&p.name, key("name"), "cần tên của mẫu mã (ví dụ «Hộ tịch»)"));
        }
        let regex = Regex::new(&format!("^(?:{})$", p.pattern.get_ref().trim())).map_err(|e| {
            let why = e.to_string().lines().last().unwrap_or_default().trim().to_string();
            src.error(&p.pattern, key("pattern"), format!("biểu thức chính quy không đúng ({why})"))
        })?;
        if let Some(other) = regex.capture_names().flatten().find(|n| !["unit", "date", "seq"].contains(n)) {
            return Err(src.error(
                &p.pattern,
                key("pattern"),
                format!("nhóm «{other}» không dùng được; các nhóm có tên là unit, date, seq"),
            ));
        }
        // A pattern that takes any code would describe every mistyped one as of its form.
        if let Some(any) = ["X", "123", "ABC-1"].into_iter().find(|t| regex.is_match(t)) {
            return Err(src.error(
                &p.pattern,
                key("pattern"),
                format!("pattern khớp cả với «{any}»; hãy viết cụ thể hơn (tiền tố, độ dài, chữ số)"),
            ));
        }
        let pattern = ReceiptPattern { name, regex };
        let example = p.example.get_ref().trim().to_ascii_uppercase();
        match pattern.parts(&example) {
            None => {
                return Err(src.error(
                    &p.example,
                    key("example"),
                    format!("mã ví dụ «{example}» không khớp với pattern"),
                ));
            }
            Some(Err(date)) => {
                return Err(src.error(
                    &p.example,
                    key("example"),
                    format!("ngày «{date}» trong mã ví dụ không có thật (YYMMDD, YYYYMMDD hoặc DDMMYYYY)"),
                ));
            }
            Some(Ok(_)) => {}
        }
        out.push(pattern);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_read_by_their_length() {
        assert_eq!(date_of("261105"), Some(Date::constant(2026, 11, 5)));
        assert_eq!(date_of("20261105"), Some(Date::constant(2026, 11, 5)));
        assert_eq!(date_of("05112026"), Some(Date::constant(2026, 11, 5)));
        assert_eq!(date_of("20261131"), None);
        assert_eq!(date_of("2611"), None);
    }
}
