//! `GET /api/v1/dossiers/{receipt_code}`: a dossier's status and history, personal data masked.

use axum::Json;
use axum::extract::{Path, State};
use motcua_protocol::api::{Dossier, ErrorBody};

use super::AppState;
use super::error::ApiError;
use crate::domain::ReceiptCode;

/// A dossier by its receipt code.
#[utoipa::path(get, path = "/api/v1/dossiers/{receipt_code}", tag = "dossiers", params(("receipt_code" = String, Path)),
    responses((status = 200, body = Dossier), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_dossier(State(state): State<AppState>, Path(code): Path<String>) -> Result<Json<Dossier>, ApiError> {
    let code = ReceiptCode::parse(&code)?;
    let found = state.store.dossier(code.clone(), state.clock.now()).await?;
    found.map(Json).ok_or(ApiError::NotFound {
        code: "dossier_not_found",
        message: format!("Không tìm thấy hồ sơ mã {code}. Vui lòng kiểm tra lại mã trên giấy tiếp nhận"),
    })
}
