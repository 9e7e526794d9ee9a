//! Counter actions a client may send twice — a double tap, or a retry after an answer lost on the
//! way — are done once. A request carrying an `Idempotency-Key` header is answered, if that key was
//! already used for the same counter and action, with the answer recorded then; the same key for
//! another action is refused (`idempotency_key_reused`, 422). A key is only answered to the caller
//! that used it (same credentials), and only after its own request passed the checks. The last 32
//! answers of each counter are kept in memory: enough for a retry seconds later (a restart in
//! between forgets them).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::error::ApiError;
use crate::domain::DomainError;

/// Answers kept per counter.
const KEPT: usize = 32;
/// Longest key accepted.
const MAX_KEY: usize = 100;

/// One recorded answer.
#[derive(Debug, Clone)]
struct Recorded {
    key: String,
    /// Who asked (the request's credentials): a key is only ever answered to the same caller.
    caller: String,
    action: String,
    status: StatusCode,
    kind: Option<HeaderValue>,
    body: Bytes,
}

/// The recorded answers of every counter.
#[derive(Debug, Clone, Default)]
pub struct Replies(Arc<Mutex<HashMap<String, VecDeque<Recorded>>>>);

impl Replies {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, VecDeque<Recorded>>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The request's credentials, as text to compare.
fn caller_of(headers: &axum::http::HeaderMap) -> String {
    let value =
        |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    format!("{}|{}", value(header::AUTHORIZATION), value(header::COOKIE))
}

/// The middleware, on the counter action routes (`/api/v1/counters/{no}/{action}`).
pub async fn replay(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Some(key) = request.headers().get("idempotency-key").and_then(|v| v.to_str().ok()).map(str::trim) else {
        return next.run(request).await;
    };
    if key.is_empty() || key.len() > MAX_KEY {
        return ApiError::Refused(DomainError::InvalidText {
            field: "idempotency_key",
            message: format!("Khóa chống trùng cần 1 đến {MAX_KEY} ký tự"),
        })
        .into_response();
    }
    let key = key.to_string();
    let caller = caller_of(request.headers());
    let mut parts = request.uri().path().rsplitn(3, '/');
    let (action, counter) =
        (parts.next().unwrap_or_default().to_string(), parts.next().unwrap_or_default().to_string());
    let earlier = state
        .replies
        .lock()
        .get(&counter)
        .and_then(|kept| kept.iter().find(|r| r.key == key && r.caller == caller).cloned());
    if let Some(earlier) = earlier {
        if earlier.action != action {
            let first = format!("thao tác «{}» của quầy {counter}", earlier.action);
            return ApiError::Refused(DomainError::KeyReused { first }).into_response();
        }
        let mut response = Response::new(Body::from(earlier.body));
        *response.status_mut() = earlier.status;
        if let Some(kind) = earlier.kind {
            response.headers_mut().insert(header::CONTENT_TYPE, kind);
        }
        response.headers_mut().insert("idempotent-replay", HeaderValue::from_static("true"));
        return response;
    }
    let response = next.run(request).await;
    // Answers the server could not decide (5xx) are not kept: trying again may do the action.
    if response.status().is_server_error() {
        return response;
    }
    let (parts, body) = response.into_parts();
    let Ok(body) = axum::body::to_bytes(body, 1 << 20).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let recorded = Recorded {
        key,
        caller,
        action,
        status: parts.status,
        kind: parts.headers.get(header::CONTENT_TYPE).cloned(),
        body: body.clone(),
    };
    {
        let mut replies = state.replies.lock();
        let kept = replies.entry(counter).or_default();
        if kept.len() == KEPT {
            kept.pop_front();
        }
        kept.push_back(recorded);
    }
    Response::from_parts(parts, Body::from(body))
}
