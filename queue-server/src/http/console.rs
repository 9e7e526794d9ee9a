//! The counter console `/counter` and the queue it shows (`GET /api/v1/counters/{no}/queue`).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Response};
use motcua_protocol::api::{CounterQueue, ErrorBody};

use super::AppState;
use super::auth::Caller;
use super::error::ApiError;
use super::pages::{fill, html, text};
use super::staff::{gate, nav};
use crate::accounts::StaffRole;
use crate::domain::{CounterNo, DomainError};

/// `/counter`: for any signed-in staff member.
pub async fn page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match gate(&state, &headers, "/counter", StaffRole::Officer).await {
        Ok(session) => Html(fill(
            &state,
            "counter.html",
            &[("csrf", text(&session.csrf)), ("nav", html(nav(&session, "/counter")))],
        ))
        .into_response(),
        Err(response) => response,
    }
}

/// Who the counter would call next and why, its waiting tickets, and absent ones that may come back.
#[utoipa::path(get, path = "/api/v1/counters/{no}/queue", tag = "counters", security(("bearer" = [])), params(("no" = u16, Path)),
    responses((status = 200, body = CounterQueue), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn queue(
    State(state): State<AppState>,
    caller: Caller,
    Path(no): Path<String>,
) -> Result<Json<CounterQueue>, ApiError> {
    let no = CounterNo::parse(&no)?;
    if state.config.centre.counter(no).is_none() {
        return Err(ApiError::Refused(DomainError::UnknownCounter(no.get())));
    }
    caller.require_counter(no)?;
    let view = state.store.read(move |queue, now| crate::views::counter_queue(queue, no, now)).await?;
    view.map(Json).ok_or(ApiError::Refused(DomainError::UnknownCounter(no.get())))
}
