//! `GET /api/v1/services`: every field with waiting count, estimated wait, remaining capacity and
//! whether it takes tickets now; a supervisor closes and opens a field's intake.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use motcua_protocol::api::{ErrorBody, IntakeCloseRequest, ServiceInfo, ServicesResponse};

use super::AppState;
use super::auth::Caller;
use super::error::ApiError;
use crate::domain::{Command, ServiceCode};
use crate::store::Reply;
use crate::views;

/// Every service with its live figures.
#[utoipa::path(get, path = "/api/v1/services", tag = "services", responses((status = 200, body = ServicesResponse)))]
pub async fn list(State(state): State<AppState>) -> Json<ServicesResponse> {
    let snapshot = state.hub.snapshot();
    let mut services = snapshot.services.clone();
    views::refresh_open(&state.config.centre, &mut services, state.clock.now());
    Json(ServicesResponse { centre: snapshot.centre.clone(), service_day: snapshot.service_day.clone(), services })
}

fn service_reply(reply: Reply) -> Result<Json<ServiceInfo>, ApiError> {
    match reply {
        Reply::Service(s) => Ok(Json(s)),
        _ => Err(ApiError::Unavailable),
    }
}

/// Stops the field's intake for the rest of the service day (supervisor): the kiosk and `/book`
/// show the reason, new tickets and today's bookings are refused with `intake_closed`; waiting
/// tickets are still called and booked citizens still check in. Closing again changes the reason.
#[utoipa::path(post, path = "/api/v1/services/{code}/intake/close", tag = "supervisor", params(("code" = String, Path)),
    request_body = IntakeCloseRequest, security(("bearer" = [])),
    responses((status = 200, body = ServiceInfo), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn close_intake(
    State(state): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
    body: Result<Json<IntakeCloseRequest>, JsonRejection>,
) -> Result<Json<ServiceInfo>, ApiError> {
    caller.require_supervisor()?;
    let code = ServiceCode::parse(&code)?;
    let Json(body) = body?;
    service_reply(state.store.execute_as(Command::CloseIntake(code, body.reason), Some(caller.actor.clone())).await?)
}

/// Opens the field's intake again (supervisor); opening an open field changes nothing.
#[utoipa::path(post, path = "/api/v1/services/{code}/intake/open", tag = "supervisor", params(("code" = String, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = ServiceInfo), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn open_intake(
    State(state): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
) -> Result<Json<ServiceInfo>, ApiError> {
    caller.require_supervisor()?;
    let code = ServiceCode::parse(&code)?;
    service_reply(state.store.execute_as(Command::OpenIntake(code), Some(caller.actor.clone())).await?)
}
