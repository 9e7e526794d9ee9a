//! Apologies for late dossiers: the supervisor's list of overdue dossiers with no apology
//! (`GET /api/v1/supervisor/overdue-dossiers`), recording one (`POST
//! /api/v1/dossiers/{receipt_code}/apology`, a supervisor or the province's integration), and the
//! A5 letter to print or send (`GET /api/v1/dossiers/{receipt_code}/apology.pdf`). The rules are
//! in [`crate::dossiers::apology`].

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use motcua_protocol::api::ErrorBody;

use super::AppState;
use super::auth::Caller;
use super::error::ApiError;
use crate::domain::ReceiptCode;
use crate::dossiers::apology::{self, NewApology, Overdue, Recorded, Refusal};
use crate::letters::{ApologyLetter, apology_pdf};

fn refused(code: &ReceiptCode, refusal: Refusal) -> ApiError {
    match refusal {
        Refusal::NotFound => {
            ApiError::NotFound { code: "dossier_not_found", message: format!("Không tìm thấy hồ sơ mã {code}") }
        }
        Refusal::Closed(status) => ApiError::Conflict {
            code: "dossier_closed",
            message: format!("Hồ sơ {code} đang ở trạng thái «{}»: không cần thư xin lỗi", status.label_vi()),
        },
        // The message names the form's field in Vietnamese; the code says it is the apology.
        Refusal::Invalid(_, message) => ApiError::Unprocessable { code: "apology_invalid", message },
    }
}

/// Overdue dossiers with no apology for their current lateness, the longest late first (500 at
/// most). A dossier leaves the list when its apology is recorded, and comes back when the new date
/// passes too.
#[utoipa::path(get, path = "/api/v1/supervisor/overdue-dossiers", tag = "supervisor", security(("bearer" = [])),
    responses((status = 200, body = Vec<Overdue>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn overdue(State(state): State<AppState>, caller: Caller) -> Result<Json<Vec<Overdue>>, ApiError> {
    caller.require_supervisor()?;
    let now = state.clock.now();
    let schedule = state.config.centre.schedule.clone();
    let mut list = state.store.query(move |conn| apology::overdue(conn, &schedule, now, 500)).await?;
    let catalog = state.store.catalog();
    for d in &mut list {
        if let Some(p) = catalog.get(&d.procedure_code) {
            d.procedure_name.clone_from(&p.name);
        }
    }
    Ok(Json(list))
}

/// Records an apology and a new return date for a dossier (Mẫu 04, Thông tư 01/2018/TT-VPCP): the
/// applicant's message is queued at once. The same apology sent again writes nothing (200,
/// `created: false`).
#[utoipa::path(post, path = "/api/v1/dossiers/{receipt_code}/apology", tag = "dossiers", security(("bearer" = [])),
    params(("receipt_code" = String, Path)), request_body = NewApology,
    responses((status = 201, body = Recorded), (status = 200, description = "recorded before", body = Recorded),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, description = "the dossier is closed", body = ErrorBody),
        (status = 422, description = "no reason, or the new date is not later", body = ErrorBody)))]
pub async fn record(
    State(state): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
    body: Result<Json<NewApology>, JsonRejection>,
) -> Result<Response, ApiError> {
    caller.require_supervisor_or_integration()?;
    let code = ReceiptCode::parse(&code)?;
    let Json(asked) = body?;
    let schedule = state.config.centre.schedule.clone();
    let new_due = apology::parse_new_due(&asked.new_due, &schedule).map_err(|r| refused(&code, r))?;
    let (now, actor, key) = (state.clock.now(), caller.actor.to_string(), code.to_string());
    let outcome = state
        .store
        .on_own_connection(move |conn| apology::record(conn, &schedule, &key, &asked.reason, new_due, &actor, now))
        .await?;
    let recorded = outcome.map_err(|r| refused(&code, r))?;
    let status = if recorded.created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(recorded)).into_response())
}

/// The letter of a dossier's latest apology as an A5 PDF, addressed to the applicant by full
/// name (for staff to print or send).
#[utoipa::path(get, path = "/api/v1/dossiers/{receipt_code}/apology.pdf", tag = "dossiers", security(("bearer" = [])),
    params(("receipt_code" = String, Path)),
    responses((status = 200, content_type = "application/pdf", description = "the letter"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "no such dossier, or no apology for it", body = ErrorBody),
        (status = 503, description = "no Vietnamese font on the server", body = ErrorBody)))]
pub async fn pdf(
    State(state): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
) -> Result<Response, ApiError> {
    caller.require_supervisor()?;
    let code = ReceiptCode::parse(&code)?;
    let key = code.to_string();
    let found = state
        .store
        .query(move |conn| {
            let Some(latest) = apology::latest(conn, &key)? else { return Ok(None) };
            let dossier: Option<(String, String, String, i64)> = rusqlite::OptionalExtension::optional(conn.query_row(
                "SELECT applicant_name, procedure_name, procedure_code, received_at_ms FROM dossiers WHERE receipt_code = ?1",
                [&key],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            ))?;
            Ok(dossier.map(|d| (d, latest)))
        })
        .await?;
    let Some(((applicant, procedure_name, procedure_code, received), latest)) = found else {
        return Err(ApiError::NotFound {
            code: "apology_not_found",
            message: format!("Hồ sơ {code} chưa có thư xin lỗi nào"),
        });
    };
    let schedule = &state.config.centre.schedule;
    let day = |ms: i64| jiff::Timestamp::from_millisecond(ms).map(|t| schedule.local_date(t)).unwrap_or_default();
    let dated = jiff::Timestamp::from_millisecond(latest.at_ms)
        .map(|t| t.to_zoned(schedule.time_zone.clone()).strftime("Ngày %d tháng %m năm %Y").to_string())
        .unwrap_or_default();
    let procedure = state.store.catalog().get(&procedure_code).map(|p| p.name.clone()).unwrap_or(procedure_name);
    let letter = ApologyLetter {
        centre: state.config.centre.name.clone(),
        applicant,
        receipt_code: code.to_string(),
        procedure,
        received: day(received),
        due_before: day(latest.due_before_ms),
        reason: latest.reason,
        new_due: day(latest.new_due_ms),
        dated,
    };
    let bytes = tokio::task::spawn_blocking(move || apology_pdf(&letter)).await.map_err(|_| ApiError::Unavailable)?;
    let bytes = bytes.map_err(|e| ApiError::LetterUnavailable(e.to_string()))?;
    let name = format!("attachment; filename=\"thu-xin-loi-{}.pdf\"", code.as_str().replace(['"', '/', '\\'], "-"));
    Ok(([(header::CONTENT_TYPE, "application/pdf".to_string()), (header::CONTENT_DISPOSITION, name)], bytes)
        .into_response())
}
