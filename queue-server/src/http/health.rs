//! `GET /healthz`.

use axum::Json;
use axum::extract::State;
use motcua_protocol::api::Health;

use super::AppState;
use super::error::ApiError;
use crate::domain::TicketId;

/// `ok` when the store's writer answers.
#[utoipa::path(get, path = "/healthz", tag = "health", responses((status = 200, body = Health), (status = 503, body = motcua_protocol::api::ErrorBody)))]
pub async fn health(State(state): State<AppState>) -> Result<Json<Health>, ApiError> {
    let probe = TicketId::new(jiff::civil::date(2000, 1, 1), &crate::domain::ServiceCode::parse("HEALTH")?, 0);
    state.store.ticket(probe).await?;
    Ok(Json(Health { status: "ok".into(), version: env!("CARGO_PKG_VERSION").into() }))
}
