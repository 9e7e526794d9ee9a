//! The procedure catalogue: search (diacritics optional) and detail.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use motcua_protocol::api::{ErrorBody, Procedure, ProceduresResponse};
use serde::Deserialize;

use super::AppState;
use super::error::ApiError;

/// Query of `GET /api/v1/procedures`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// Words to find, with or without diacritics ("dat dai" finds "Đất đai").
    #[serde(default)]
    pub q: String,
    /// Only this service (field) code.
    pub service: Option<String>,
    /// Most results (default 50, at most 200).
    pub limit: Option<u32>,
}

/// Searches the catalogue.
#[utoipa::path(get, path = "/api/v1/procedures", tag = "procedures", params(SearchQuery),
    responses((status = 200, body = ProceduresResponse), (status = 400, body = ErrorBody)))]
pub async fn search(
    State(state): State<AppState>,
    query: Result<Query<SearchQuery>, QueryRejection>,
) -> Result<Json<ProceduresResponse>, ApiError> {
    let Query(query) = query?;
    if query.q.chars().count() > 200 {
        return Err(ApiError::BadQuery("Từ khóa tìm kiếm quá dài (tối đa 200 ký tự)".into()));
    }
    let limit = usize::try_from(query.limit.unwrap_or(50).clamp(1, 200)).unwrap_or(200);
    let service = match query.service.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(raw) => Some(crate::domain::ServiceCode::parse(raw)?),
        None => None,
    };
    let (procedures, total) =
        state.store.catalog().search(&query.q, service.as_ref().map(crate::domain::ServiceCode::as_str), limit);
    Ok(Json(ProceduresResponse { procedures, total: u32::try_from(total).unwrap_or(u32::MAX) }))
}

/// One procedure by code.
#[utoipa::path(get, path = "/api/v1/procedures/{code}", tag = "procedures", params(("code" = String, Path)),
    responses((status = 200, body = Procedure), (status = 404, body = ErrorBody)))]
pub async fn get_procedure(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Result<Json<Procedure>, ApiError> {
    state.store.catalog().get(code.trim()).cloned().map(Json).ok_or(ApiError::NotFound {
        code: "procedure_not_found",
        message: format!("Không có thủ tục mã «{}»", code.trim()),
    })
}
