//! Text enters in NFC. Keyboards, phones and spreadsheets send Vietnamese decomposed (NFD: a base
//! letter followed by combining marks) as well as composed; the two look alike on screen but
//! compare, search, count and print differently. So every request is brought to NFC (Unicode
//! Standard Annex #15) before any handler sees it: every string of a JSON body (escaped ones
//! included), every field of a form body, every query parameter. The configuration file is
//! normalised the same way when it is read ([`crate::config::Config::parse`]).

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::error::ApiError;
use crate::domain::text::nfc;

fn nfc_value(value: &mut serde_json::Value) -> bool {
    match value {
        serde_json::Value::String(s) => match nfc(s) {
            std::borrow::Cow::Owned(n) if n != *s => {
                *s = n;
                true
            }
            _ => false,
        },
        serde_json::Value::Array(items) => items.iter_mut().fold(false, |changed, v| nfc_value(v) | changed),
        serde_json::Value::Object(map) => {
            let keys_changed = map.keys().any(|k| matches!(nfc(k), std::borrow::Cow::Owned(_)));
            if keys_changed {
                let old = std::mem::take(map);
                for (k, mut v) in old {
                    nfc_value(&mut v);
                    map.insert(nfc(&k).into_owned(), v);
                }
                return true;
            }
            map.values_mut().fold(false, |changed, v| nfc_value(v) | changed)
        }
        _ => false,
    }
}

/// `a=b&c=d` with every name and value in NFC; `None` when nothing changes.
fn nfc_form(encoded: &[u8]) -> Option<String> {
    let pairs: Vec<(String, String)> =
        form_urlencoded::parse(encoded).map(|(k, v)| (nfc(&k).into_owned(), nfc(&v).into_owned())).collect();
    let changed = form_urlencoded::parse(encoded).zip(&pairs).any(|((k, v), (nk, nv))| k != *nk || v != *nv);
    changed.then(|| form_urlencoded::Serializer::new(String::new()).extend_pairs(&pairs).finish())
}

/// The middleware.
pub async fn normalise(State(state): State<AppState>, request: Request, next: Next) -> Response {
    // A path whose %-escapes are not UTF-8 (`/t/%ff`) is refused here, in the project's words,
    // rather than by the path extractor's English plain text.
    let path = request.uri().path();
    if path.contains('%') && percent_encoding::percent_decode_str(path).decode_utf8().is_err() {
        return if path.starts_with("/api/") {
            ApiError::BadInput(crate::domain::ParseError {
                code: "invalid_path",
                message: "Địa chỉ có ký tự không hợp lệ (không phải UTF-8)".into(),
            })
            .into_response()
        } else {
            let page = super::pages::message_page(
                &state,
                "Địa chỉ không hợp lệ",
                "Địa chỉ có ký tự không hợp lệ; hãy kiểm tra lại đường dẫn hoặc quét lại mã QR.",
            );
            (axum::http::StatusCode::BAD_REQUEST, page).into_response()
        };
    }
    let (mut parts, body) = request.into_parts();
    if let Some(query) = parts.uri.query().filter(|q| q.contains('%') || !q.is_ascii()) {
        if let Some(fixed) = nfc_form(query.as_bytes()) {
            let path = parts.uri.path();
            if let Ok(uri) = format!("{path}?{fixed}").parse() {
                parts.uri = uri;
            }
        }
    }
    let kind = parts.headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_ascii_lowercase();
    let json = kind.starts_with("application/json");
    let form = kind.starts_with("application/x-www-form-urlencoded");
    // Dossier pushes are larger than other bodies and are normalised field by field when checked
    // (`crate::dossiers`); their route's own limit applies, after the caller's token is checked.
    let own = parts.uri.path().starts_with("/api/v1/dossiers/") && parts.method != axum::http::Method::GET;
    if (!json && !form) || own {
        return next.run(Request::from_parts(parts, body)).await;
    }
    let Ok(bytes) = axum::body::to_bytes(body, state.config.max_body_bytes).await else {
        return ApiError::BodyTooLarge.into_response();
    };
    let fixed = if json {
        serde_json::from_slice::<serde_json::Value>(&bytes)
            .ok()
            .and_then(|mut value| nfc_value(&mut value).then(|| serde_json::to_vec(&value).ok()).flatten())
    } else {
        nfc_form(&bytes).map(String::into_bytes)
    };
    if fixed.is_some() {
        parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    }
    let body = Body::from(fixed.unwrap_or_else(|| bytes.to_vec()));
    next.run(Request::from_parts(parts, body)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// "Tư pháp – Hộ tịch" as some keyboards and spreadsheets write it: every mark separate.
    const NFD: &str = "Tu\u{31b} pha\u{301}p – Ho\u{323}\u{302} ti\u{323}ch";

    #[test]
    fn strings_anywhere_in_a_body_come_out_composed() {
        assert_ne!(NFD, "Tư pháp – Hộ tịch");
        assert_eq!(nfc(NFD), "Tư pháp – Hộ tịch");
        let mut body = serde_json::json!({ "name": NFD, "tags": [NFD], "nested": { NFD: NFD }, "n": 1 });
        assert!(nfc_value(&mut body));
        assert_eq!(
            body,
            serde_json::json!({ "name": "Tư pháp – Hộ tịch", "tags": ["Tư pháp – Hộ tịch"], "nested": { "Tư pháp – Hộ tịch": "Tư pháp – Hộ tịch" }, "n": 1 })
        );
        assert!(!nfc_value(&mut body), "already composed: nothing changes");
        let escaped: serde_json::Value = serde_json::from_str(r#"{"q":"Tu\u031b"}"#).expect("json");
        let mut escaped = escaped;
        assert!(nfc_value(&mut escaped));
        assert_eq!(escaped["q"], "Tư");
    }

    #[test]
    fn forms_and_queries_come_out_composed() {
        let encoded: String =
            form_urlencoded::Serializer::new(String::new()).append_pair("q", NFD).append_pair("x", "1").finish();
        let fixed = nfc_form(encoded.as_bytes()).expect("changed");
        let back: Vec<(String, String)> = form_urlencoded::parse(fixed.as_bytes()).into_owned().collect();
        assert_eq!(back, vec![("q".into(), "Tư pháp – Hộ tịch".into()), ("x".into(), "1".into())]);
        assert_eq!(nfc_form(b"q=dat+dai&x=1"), None);
    }
}
