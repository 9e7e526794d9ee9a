//! `GET /api/v1/dossiers/{receipt_code}`: a dossier's status and history, personal data masked;
//! `PUT /api/v1/dossiers/{receipt_code}` and `POST /api/v1/dossiers/batch`: dossiers pushed by the
//! province's integration (`integration` token) in the DVCQG shapes (`crate::dossiers`).

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use motcua_protocol::api::{Dossier, ErrorBody};

use super::AppState;
use super::auth::Caller;
use super::error::ApiError;
use crate::domain::ReceiptCode;
use crate::dossiers::store::Written;
use crate::dossiers::{Batch, DongBoHoSoMC};

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

/// Largest batch body (bytes): 5,000 records of about 1 KB.
pub const MAX_BATCH_BYTES: usize = 8 * 1024 * 1024;

fn invalid(e: crate::dossiers::Invalid) -> ApiError {
    ApiError::Unprocessable {
        code: "dossier_invalid",
        message: format!("{}: {}; chưa ghi hồ sơ nào", e.field, e.message),
    }
}

async fn write(
    state: &AppState,
    rows: Vec<crate::dossiers::DossierRow>,
    steps: Vec<crate::dossiers::StepRow>,
) -> Result<Written, ApiError> {
    let now = state.clock.now().as_millisecond();
    Ok(state
        .store
        .on_own_connection(move |conn| crate::dossiers::store::upsert(conn, &rows, &steps, "push", now))
        .await?)
}

/// Receives one dossier record (DongBoHoSoMC) from the province's integration. The same record
/// again writes nothing.
#[utoipa::path(put, path = "/api/v1/dossiers/{receipt_code}", tag = "dossiers", params(("receipt_code" = String, Path)),
    request_body = DongBoHoSoMC,
    responses((status = 200, body = Written), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 422, description = "a field is missing, unknown, too long or not a date; names the field", body = ErrorBody)))]
pub async fn put_dossier(
    State(state): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
    body: Result<Json<DongBoHoSoMC>, JsonRejection>,
) -> Result<Json<Written>, ApiError> {
    caller.require_integration()?;
    let code = ReceiptCode::parse(&code)?;
    let Json(mut record) = body?;
    if record.ma_ho_so.trim().is_empty() {
        record.ma_ho_so = code.to_string();
    }
    if ReceiptCode::parse(&record.ma_ho_so).ok().as_ref() != Some(&code) {
        return Err(ApiError::Unprocessable {
            code: "dossier_invalid",
            message: format!("MaHoSo «{}» khác mã hồ sơ trên đường dẫn «{code}»", record.ma_ho_so.trim()),
        });
    }
    let row = record.check(&state.config.centre.schedule, "DongBoHoSoMC").map_err(invalid)?;
    Ok(Json(write(&state, vec![row], vec![]).await?))
}

/// Receives a batch of dossier records and processing steps (CapNhatTienDoHoSoMC) from the
/// province's integration, checked whole before anything is written; sent again, it writes nothing.
#[utoipa::path(post, path = "/api/v1/dossiers/batch", tag = "dossiers", request_body = Batch,
    responses((status = 200, body = Written), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 422, description = "a record is refused, naming it and its field; nothing written", body = ErrorBody)))]
pub async fn batch(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Json<Batch>, JsonRejection>,
) -> Result<Json<Written>, ApiError> {
    caller.require_integration()?;
    let Json(batch) = body?;
    let (rows, steps) = batch.check(&state.config.centre.schedule).map_err(invalid)?;
    Ok(Json(write(&state, rows, steps).await?))
}
