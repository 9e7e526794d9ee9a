//! `GET /api/v1/services`: every field with waiting count, estimated wait, remaining capacity and
//! whether it takes tickets now.

use axum::Json;
use axum::extract::State;
use motcua_protocol::api::ServicesResponse;

use super::AppState;
use crate::views;

/// Every service with its live figures.
#[utoipa::path(get, path = "/api/v1/services", tag = "services", responses((status = 200, body = ServicesResponse)))]
pub async fn list(State(state): State<AppState>) -> Json<ServicesResponse> {
    let snapshot = state.hub.snapshot();
    let mut services = snapshot.services.clone();
    views::refresh_open(&state.config.centre, &mut services, state.clock.now());
    Json(ServicesResponse { centre: snapshot.centre.clone(), service_day: snapshot.service_day.clone(), services })
}
