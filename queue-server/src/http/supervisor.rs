//! The supervisor dashboard `/supervisor` and its figures (`GET /api/v1/supervisor/overview`).

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Response};
use motcua_protocol::api::{ErrorBody, Overview};

use super::AppState;
use super::auth::Caller;
use super::error::ApiError;
use super::pages::{fill, html, text};
use super::staff::{gate, nav};
use crate::accounts::StaffRole;
use crate::supervise::Inputs;

/// `/supervisor`: supervisors and admins.
pub async fn page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match gate(&state, &headers, "/supervisor", StaffRole::Supervisor).await {
        Ok(session) => Html(fill(
            &state,
            "supervisor.html",
            &[("csrf", text(&session.csrf)), ("nav", html(nav(&session, "/supervisor")))],
        ))
        .into_response(),
        Err(response) => response,
    }
}

/// The live overview with its alerts.
#[utoipa::path(get, path = "/api/v1/supervisor/overview", tag = "supervisor", security(("bearer" = [])),
    responses((status = 200, body = Overview), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn overview(State(state): State<AppState>, caller: Caller) -> Result<Json<Overview>, ApiError> {
    caller.require_supervisor()?;
    Ok(Json(current(&state).await?))
}

/// The overview now (also what the uplink sends the provincial hub).
pub async fn current(state: &AppState) -> Result<Overview, ApiError> {
    let now = state.clock.now();
    let day = state.config.centre.schedule.service_day(now);
    let ratings = state.store.ratings_of_day(day).await?;
    let officers = state.accounts.run(move |a| a.officers(now)).await.map_err(|e| state.account_error(e))?;
    let inputs = Inputs { ratings, officers, devices: state.devices.rows(), rules: state.config.alerts };
    Ok(state.store.read(move |queue, now| crate::supervise::overview(queue, now, &inputs)).await?)
}

/// The uplink to the provincial hub: how far the event log is shipped, the backlog, the last
/// failure (`configured: false` without `[hub]`).
#[utoipa::path(get, path = "/api/v1/supervisor/uplink", tag = "supervisor", security(("bearer" = [])),
    responses((status = 200, body = crate::uplink::UplinkStatus), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn uplink(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<crate::uplink::UplinkStatus>, ApiError> {
    caller.require_supervisor()?;
    Ok(Json(state.uplink.get()))
}
