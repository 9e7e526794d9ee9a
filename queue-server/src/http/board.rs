//! The waiting-room board `/board` (public, for a TV) and its spoken call-outs.
//!
//! `GET /api/v1/announcements/call.wav?number=1012&counter=3` answers the chime followed by
//! "Mời công dân có số thứ tự một nghìn không trăm mười hai đến quầy số ba", synthesised on this
//! server; `chime.wav` is the chime alone, which the board plays when speech cannot be made.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

use super::AppState;
use super::error::ApiError;
use super::pages::{fill, text};
use crate::domain::{CounterNo, DomainError, ParseError};

/// `/board`.
pub async fn page(State(state): State<AppState>) -> Html<String> {
    let ticker = if state.config.ticker.is_empty() {
        format!("Chào mừng công dân đến {}", state.config.centre.name)
    } else {
        state.config.ticker.clone()
    };
    Html(fill(&state, "board.html", &[("ticker", text(ticker))]))
}

/// Query of `call.wav`.
#[derive(Debug, Deserialize)]
pub struct CallQuery {
    /// Ticket number.
    pub number: u32,
    /// Counter number.
    pub counter: u16,
}

fn wav(bytes: Vec<u8>) -> Response {
    ([(CONTENT_TYPE, "audio/wav"), (CACHE_CONTROL, "public, max-age=86400")], bytes).into_response()
}

/// The spoken call for a ticket number and counter, chime first.
#[utoipa::path(get, path = "/api/v1/announcements/call.wav", tag = "board",
    params(("number" = u32, Query), ("counter" = u16, Query)),
    responses((status = 200, content_type = "audio/wav"), (status = 400), (status = 404), (status = 503)))]
pub async fn call(
    State(state): State<AppState>,
    query: Result<Query<CallQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(q) = query?;
    if q.number == 0 || q.number > 99_999 {
        return Err(ApiError::BadInput(ParseError {
            code: "invalid_number",
            message: "Số thứ tự phải từ 1 đến 99999".into(),
        }));
    }
    let no = CounterNo::parse(&q.counter.to_string())?;
    if state.config.centre.counter(no).is_none() {
        return Err(ApiError::Refused(DomainError::UnknownCounter(q.counter)));
    }
    let sentence = crate::announce::call_sentence(q.number, q.counter);
    match state.speech.announce(&sentence).await {
        Ok(bytes) => Ok(wav(bytes.as_ref().clone())),
        Err(e) => {
            tracing::warn!(error = ?e, "no speech for a call");
            Err(ApiError::SpeechUnavailable(e.message()))
        }
    }
}

/// The chime alone.
#[utoipa::path(get, path = "/api/v1/announcements/chime.wav", tag = "board", responses((status = 200, content_type = "audio/wav")))]
pub async fn chime() -> Response {
    wav(crate::speech::chime_wav())
}
