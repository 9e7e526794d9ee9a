//! `GET /healthz`.

use axum::Json;
use axum::extract::State;
use motcua_protocol::api::Health;

use super::AppState;
use super::error::ApiError;

/// `ok` when the store's writer answers (probed once a second however many ask).
#[utoipa::path(get, path = "/healthz", tag = "health", responses((status = 200, body = Health), (status = 503, body = motcua_protocol::api::ErrorBody)))]
pub async fn health(State(state): State<AppState>) -> Result<Json<Health>, ApiError> {
    state.store.alive().await?;
    Ok(Json(Health { status: "ok".into(), version: env!("CARGO_PKG_VERSION").into() }))
}
