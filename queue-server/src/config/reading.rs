//! Reading the configuration file, and the address it gives phones.

use super::{ConfigError, Source};

/// Why a file could not be read, in Vietnamese.
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
