//! Vietnamese for the parsers' own error texts (serde_json, serde_urlencoded, toml), so that a
//! refused body, query or configuration file is explained in Vietnamese with the field and the
//! place, never in the parser's English.
//!
//! Input: a parser's message such as ``invalid type: integer `5`, expected a string at line 1
//! column 12``, optionally prefixed by the field's path (`phone: …`, as axum's JSON extractor
//! gives it). Output: e.g. `trường «phone»: sai kiểu dữ liệu, cần chuỗi ký tự (dòng 1, cột 12)`.
//! Messages of unknown shape become a generic "sai cú pháp" with the place kept.

/// Why a file could not be read or made, in Vietnamese (the system's own words kept for the rare
/// kinds without a sentence here).
pub fn io_vietnamese(e: &std::io::Error) -> String {
    use std::io::ErrorKind;
    match e.kind() {
        ErrorKind::NotFound => "không có tệp này".into(),
        ErrorKind::PermissionDenied => "không có quyền đọc tệp (kiểm tra chủ sở hữu và quyền của tệp)".into(),
        ErrorKind::IsADirectory => "đây là một thư mục, không phải tệp".into(),
        ErrorKind::InvalidData => "tệp không phải văn bản mã UTF-8 (hãy lưu lại với mã UTF-8)".into(),
        _ => format!("lỗi hệ thống ({e})"),
    }
}

/// The Vietnamese of a parser's error message (see the module docs).
pub fn vietnamese(message: &str) -> String {
    let message = message.trim();
    let (message, place) = split_place(message);
    let (path, message) = split_path(message);
    let said = say(message);
    // `to: unknown field `to`` says the name once.
    let path = path.filter(|p| !said.contains(&format!("«{p}»")));
    let mut out = match path {
        Some(path) if !said.starts_with("thiếu trường") => format!("trường «{path}»: {said}"),
        Some(path) => format!("{said} trong «{path}»"),
        None => said,
    };
    if let Some((line, column)) = place {
        out.push_str(&format!(" (dòng {line}, cột {column})"));
    }
    out
}

/// Splits "… at line L column C" off the end.
fn split_place(message: &str) -> (&str, Option<(u64, u64)>) {
    let Some((head, tail)) = message.rsplit_once(" at line ") else { return (message, None) };
    let Some((line, column)) = tail.split_once(" column ") else { return (message, None) };
    match (line.trim().parse(), column.trim().parse()) {
        (Ok(l), Ok(c)) => (head, Some((l, c))),
        _ => (message, None),
    }
}

/// Splits a field path (`booking.phone: …`, `[0].name: …`) off the front; `.` is the whole body.
fn split_path(message: &str) -> (Option<&str>, &str) {
    match message.split_once(": ") {
        Some((path, rest))
            if !path.is_empty()
                && !path.contains(' ')
                && path.chars().all(|c| c.is_alphanumeric() || "_.[]-".contains(c))
                && !matches!(path, "invalid" | "expected") =>
        {
            (if path == "." { None } else { Some(path) }, rest)
        }
        _ => (None, message),
    }
}

/// The first name in backticks: ``missing field `phone` `` → `phone`.
fn quoted(text: &str) -> Option<&str> {
    let (_, rest) = text.split_once('`')?;
    rest.split_once('`').map(|(name, _)| name)
}

/// The Vietnamese of one message without path and place.
fn say(message: &str) -> String {
    let message = message.trim();
    let name = || quoted(message).unwrap_or("?").to_string();
    if message.starts_with("missing field") {
        return format!("thiếu trường «{}»", name());
    }
    if message.starts_with("unknown field") {
        return format!("không có trường «{}»{}", name(), choices(message));
    }
    if message.starts_with("duplicate field") || message.starts_with("duplicate key") {
        return match quoted(message) {
            Some(name) => format!("trường «{name}» xuất hiện hai lần"),
            None => "trường này đã có ở trên (xuất hiện hai lần)".into(),
        };
    }
    if message.starts_with("unknown variant") {
        return format!("giá trị «{}» không được chấp nhận{}", name(), choices(message));
    }
    if let Some(rest) = message.strip_prefix("invalid type: ") {
        let (given, wanted) = rest.split_once(", expected ").unwrap_or((rest, ""));
        return format!("sai kiểu dữ liệu: {}, cần {}", value(given), kind(wanted));
    }
    if let Some(rest) = message.strip_prefix("invalid value: ") {
        let (_, wanted) = rest.split_once(", expected ").unwrap_or((rest, ""));
        return format!("giá trị không hợp lệ, cần {}", kind(wanted));
    }
    if message.starts_with("invalid length") {
        return if message.contains("expected struct") || message.contains("expected a map") {
            "cần một đối tượng JSON {…}, không phải danh sách".into()
        } else {
            "số phần tử không đúng".into()
        };
    }
    if message.contains("escape") || message.contains("surrogate") || message.contains("control character") {
        return "chuỗi ký tự chứa ký tự không hợp lệ".into();
    }
    if message.starts_with("EOF while parsing") || message.contains("unexpected end") {
        return "nội dung bị cắt giữa chừng".into();
    }
    if message.contains("number out of range") || message.contains("too large") {
        return "số quá lớn".into();
    }
    if message.contains("invalid digit") || message.contains("invalid number") || message.contains("invalid float") {
        return "không phải là số".into();
    }
    if message.contains("unicode") {
        return "chuỗi ký tự chứa ký tự không hợp lệ".into();
    }
    // TOML's own syntax words.
    let toml = [
        ("string values must be quoted", "chuỗi ký tự phải đặt trong dấu nháy kép \"…\""),
        ("missing opening quote", "chuỗi ký tự thiếu dấu nháy kép mở"),
        ("invalid string", "chuỗi ký tự thiếu dấu nháy kép"),
        ("key with no value", "thiếu giá trị sau «=»"),
        ("missing value", "thiếu giá trị sau «=»"),
        ("missing assignment", "thiếu «=» giữa tên và giá trị"),
        ("unclosed array table", "tiêu đề bảng [[…]] thiếu «]]»"),
        ("unclosed table", "tiêu đề bảng thiếu «]»"),
        ("unclosed inline table", "bảng {…} thiếu «}»"),
        ("unclosed array", "danh sách […] thiếu «]»"),
        ("missing comma", "thiếu dấu phẩy"),
        ("extra comma", "thừa dấu phẩy"),
    ];
    if let Some((_, said)) = toml.iter().find(|(english, _)| message.starts_with(english)) {
        return (*said).to_string();
    }
    // Syntax: what the parser looked for ("expected `,` or `}`", "invalid table header\nexpected `]`").
    if let Some((_, wanted)) = message.split_once("expected `") {
        let names: Vec<String> = format!("`{wanted}").split('`').skip(1).step_by(2).map(|n| format!("«{n}»")).collect();
        let what = if message.contains("table header") || message.contains("unclosed table") {
            "tiêu đề bảng sai cú pháp"
        } else {
            "sai cú pháp"
        };
        return format!("{what}, thiếu {}", names.join(" hoặc "));
    }
    // serde's own refusals written by our types are Vietnamese already.
    if message.chars().any(|c| "ăâđêôơưàảãáạèẻẽéẹìỉĩíịòỏõóọùủũúụỳỷỹýỵ".contains(c.to_lowercase().next().unwrap_or(c)))
    {
        return message.to_string();
    }
    "sai cú pháp".into()
}

/// ", expected one of `a`, `b`" (or "expected `a`") → " (chọn một trong: a, b)".
fn choices(message: &str) -> String {
    let Some((_, list)) = message.split_once("expected one of ").or_else(|| message.split_once(", expected ")) else {
        return String::new();
    };
    let names: Vec<&str> = list.split('`').skip(1).step_by(2).collect();
    if names.is_empty() { String::new() } else { format!(" (chọn một trong: {})", names.join(", ")) }
}

/// A serde type description in Vietnamese: "a string" → "chuỗi ký tự", "integer `5`" → "số 5".
fn kind(text: &str) -> String {
    let text = text.trim();
    let value = quoted(text).map(|v| format!(" {v}")).unwrap_or_default();
    let word = text.split([' ', '`']).find(|w| !matches!(*w, "a" | "an" | "the" | "")).unwrap_or("");
    let base = match word {
        "string" | "str" | "char" => return format!("chuỗi ký tự{}", text_value(text)),
        "u8" | "u16" | "u32" | "u64" | "usize" => "số nguyên không âm",
        "integer" | "i8" | "i16" | "i32" | "i64" => "số nguyên",
        "floating" | "float" | "f32" | "f64" => "số",
        "boolean" | "bool" => "true hoặc false",
        "sequence" | "array" | "tuple" => "danh sách",
        "map" | "struct" | "table" => "đối tượng",
        "null" | "unit" | "none" => return "giá trị rỗng".into(),
        "option" => "giá trị",
        _ if text.is_empty() => return "giá trị khác".into(),
        _ => return format!("«{text}»"),
    };
    format!("{base}{value}")
}

/// A value the parser got, described: `boolean `true`` → "giá trị true", `integer `5`` → "số 5",
/// `string "x"` → "chuỗi «x»", `map` → "một đối tượng".
fn value(text: &str) -> String {
    let text = text.trim();
    let shown = quoted(text)
        .map(str::to_string)
        .or_else(|| text.split_once('"').and_then(|(_, rest)| rest.rsplit_once('"')).map(|(v, _)| v.to_string()));
    let word = text.split([' ', '`']).find(|w| !matches!(*w, "a" | "an" | "the" | "")).unwrap_or("");
    match (word, shown) {
        ("boolean" | "bool", Some(v)) => format!("giá trị {v}"),
        ("integer" | "floating" | "float", Some(v)) => format!("số {v}"),
        ("string" | "str" | "char", Some(v)) => format!("chuỗi «{v}»"),
        ("map" | "struct" | "table", _) => "một đối tượng".into(),
        ("sequence" | "array" | "tuple", _) => "một danh sách".into(),
        ("null" | "unit" | "none", _) => "giá trị rỗng (null)".into(),
        _ => kind(text),
    }
}

/// The value of `string "yes"` as ` «yes»`.
fn text_value(text: &str) -> String {
    match text.split_once('"') {
        Some((_, rest)) => rest.rsplit_once('"').map(|(v, _)| format!(" «{v}»")).unwrap_or_default(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::vietnamese;

    #[test]
    fn parser_messages_come_out_in_vietnamese_with_field_and_place() {
        let cases = [
            ("missing field `service` at line 1 column 2", "thiếu trường «service» (dòng 1, cột 2)"),
            (
                "phone: invalid type: integer `912345678`, expected a string at line 1 column 30",
                "trường «phone»: sai kiểu dữ liệu: số 912345678, cần chuỗi ký tự (dòng 1, cột 30)",
            ),
            ("invalid type: string \"yes\", expected a boolean", "sai kiểu dữ liệu: chuỗi «yes», cần true hoặc false"),
            (
                "priority: unknown variant `vip`, expected one of `normal`, `elderly`",
                "trường «priority»: giá trị «vip» không được chấp nhận (chọn một trong: normal, elderly)",
            ),
            ("EOF while parsing an object at line 1 column 14", "nội dung bị cắt giữa chừng (dòng 1, cột 14)"),
            ("expected value at line 1 column 1", "sai cú pháp (dòng 1, cột 1)"),
            ("expected `,` or `}` at line 1 column 9", "sai cú pháp, thiếu «,» hoặc «}» (dòng 1, cột 9)"),
            ("invalid table header\nexpected `.`, `]`", "tiêu đề bảng sai cú pháp, thiếu «.» hoặc «]»"),
            ("duplicate key", "trường này đã có ở trên (xuất hiện hai lần)"),
            ("string values must be quoted", "chuỗi ký tự phải đặt trong dấu nháy kép \"…\""),
            ("booking.extra: unknown field `x`", "trường «booking.extra»: không có trường «x»"),
            ("to: unknown field `to`, expected `service`", "không có trường «to» (chọn một trong: service)"),
            (
                "service: invalid type: boolean `true`, expected a string",
                "trường «service»: sai kiểu dữ liệu: giá trị true, cần chuỗi ký tự",
            ),
            (
                "invalid length 0, expected struct IssueTicketRequest with 4 elements",
                "cần một đối tượng JSON {…}, không phải danh sách",
            ),
            (
                "lone leading surrogate in hex escape at line 1 column 20",
                "chuỗi ký tự chứa ký tự không hợp lệ (dòng 1, cột 20)",
            ),
            (
                "hold_minutes: invalid value: integer `-5`, expected u32",
                "trường «hold_minutes»: giá trị không hợp lệ, cần số nguyên không âm",
            ),
            ("date: invalid digit found in string", "trường «date»: không phải là số"),
            ("tên: Ngày «x» không hợp lệ", "trường «tên»: Ngày «x» không hợp lệ"),
        ];
        for (english, expected) in cases {
            assert_eq!(vietnamese(english), expected, "{english}");
        }
    }
}
