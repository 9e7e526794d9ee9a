//! `POST /api/v1/ratings`: a satisfaction rating, tied to the served ticket when one is given.

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use motcua_protocol::api::{ErrorBody, Rating, RatingRequest};

use super::AppState;
use super::auth::Caller;
use super::error::ApiError;
use crate::domain::{Command, CounterNo, NewRating, ParseError, TicketId};
use crate::store::Reply;

/// Records a rating; a repeated `idempotency_key` answers 200 with the first one. The ticket is
/// named by its id, or by its number and service day (`number`, `day`); a ticket of an earlier day
/// (up to 7 days) is rated on that day, at `given_at` when given.
#[utoipa::path(post, path = "/api/v1/ratings", tag = "ratings", request_body = RatingRequest, security(("bearer" = [])),
    responses((status = 201, body = Rating), (status = 200, description = "repeated idempotency key", body = Rating),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn rate(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Json<RatingRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<Rating>), ApiError> {
    caller.require_kiosk()?;
    let Json(body) = body?;
    let ticket = body.ticket.as_deref().map(TicketId::parse).transpose()?;
    let counter = body
        .counter
        .map(|n| {
            CounterNo::new(n)
                .ok_or(ParseError {
                    code: "invalid_counter", message: format!("Số quầy «{n}» không hợp lệ")
                })
        })
        .transpose()?;
    let day = match body.day.as_deref() {
        Some(raw) => raw.trim().parse::<jiff::civil::Date>().map_err(|_| ParseError {
            code: "invalid_date",
            message: format!("Ngày «{}» không hợp lệ, cần dạng YYYY-MM-DD", raw.trim()),
        })?,
        None => state.config.centre.schedule.service_day(state.clock.now()),
    };
    let by_number = match body.number {
        Some(n) if (1..=999_999).contains(&n) => Some((day, n)),
        Some(n) => {
            return Err(ParseError {
                code: "invalid_ticket_number", message: format!("Số phiếu «{n}» không hợp lệ")
            }
            .into());
        }
        None => None,
    };
    let given_at = body
        .given_at
        .as_deref()
        .map(|raw| {
            raw.trim().parse::<jiff::Timestamp>().map_err(|_| ParseError {
                code: "invalid_time",
                message: format!("Thời điểm «{}» không hợp lệ, cần dạng RFC 3339", raw.trim()),
            })
        })
        .transpose()?;
    // A dossier named by its receipt code must be held here; its field comes from its procedure.
    let dossier = match body.receipt_code.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        None => None,
        Some(_) if ticket.is_some() || by_number.is_some() => {
            return Err(ParseError {
                code: "invalid_rating_target",
                message: "Một đánh giá dành cho một phiếu hoặc một hồ sơ, không cả hai".into(),
            }
            .into());
        }
        Some(raw) => {
            let code = crate::domain::ReceiptCode::parse(raw)?;
            // A dossier never looked up here is asked of the province first (a citizen rates
            // straight after being served, before any lookup).
            super::dossiers::from_province(&state, &code).await?;
            let key = code.to_string();
            let procedure: Option<String> = state
                .store
                .query(move |conn| {
                    rusqlite::OptionalExtension::optional(conn.query_row(
                        "SELECT procedure_code FROM dossiers WHERE receipt_code = ?1",
                        [&key],
                        |r| r.get(0),
                    ))
                })
                .await?;
            let Some(procedure) = procedure else {
                return Err(ApiError::NotFound {
                    code: "dossier_not_found",
                    message: format!("Không tìm thấy hồ sơ mã {code}. Vui lòng kiểm tra lại mã trên giấy tiếp nhận"),
                });
            };
            let service =
                state.store.catalog().get(&procedure).and_then(|p| crate::domain::ServiceCode::parse(&p.service).ok());
            Some((code.to_string(), service))
        }
    };
    let command = Command::Rate(NewRating {
        dossier,
        ticket,
        by_number,
        given_at,
        counter,
        score: body.score,
        tags: body.tags,
        comment: body.comment,
        idempotency_key: body.idempotency_key,
    });
    match state.store.execute_as(command, Some(caller.actor.clone())).await? {
        Reply::Rating { rating, created } => {
            Ok((if created { StatusCode::CREATED } else { StatusCode::OK }, Json(rating)))
        }
        _ => Err(ApiError::Unavailable),
    }
}

/// Query of the quarter's rating export.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// The quarter, `2026-Q4`; the current one when absent.
    pub quarter: Option<String>,
    /// `json` (default), `csv` or `xlsx`.
    pub format: Option<String>,
}

/// The quarter's ratings per unit and officer, with counts per level (the centre's scale and the
/// one-stop 3-level scale it maps to) and the share not dissatisfied (QĐ 766/QĐ-TTg), for a
/// supervisor to download or the province's integration to fetch and push.
#[utoipa::path(get, path = "/api/v1/ratings/export", tag = "ratings", security(("bearer" = [])), params(ExportQuery),
    responses((status = 200, description = "JSON; text/csv or XLSX with `format`", content(
            (crate::reports::ratings::RatingExport = "application/json"), (String = "text/csv"),
            (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn export(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<axum::extract::Query<ExportQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<axum::response::Response, ApiError> {
    use crate::reports::ratings::{self, Quarter};
    use axum::response::IntoResponse;
    caller.require_supervisor_or_integration()?;
    let axum::extract::Query(q) = query?;
    let quarter = match q.quarter.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        None => Quarter::of(state.config.centre.schedule.service_day(state.clock.now())),
        Some(raw) => Quarter::parse(raw).ok_or_else(|| ParseError {
            code: "invalid_quarter",
            message: format!("Quý «{raw}» không hợp lệ, cần dạng 2026-Q4"),
        })?,
    };
    let (from, to) = quarter.days();
    let centre = state.config.centre.clone();
    let (rated, names) = state.store.query(move |conn| ratings::read(conn, &centre, from, to)).await?;
    let built = ratings::build(&state.config.centre, quarter, &rated, &names);
    let name = format!("danh-gia-{}-{quarter}", if built.unit_code.is_empty() { "don-vi" } else { &built.unit_code });
    let failed = |e: String| {
        tracing::error!(error = %e, "rating export failed");
        ApiError::Unavailable
    };
    match q.format.as_deref().map(str::trim).unwrap_or("json") {
        "json" | "" => Ok(Json(built).into_response()),
        "csv" => {
            let text = ratings::csv(&built).map_err(|e| failed(e.to_string()))?;
            Ok(super::reports::download("text/csv; charset=utf-8", format!("{name}.csv"), text.into_bytes()))
        }
        "xlsx" => {
            let bytes = ratings::xlsx(&built).map_err(|e| failed(e.to_string()))?;
            let kind = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
            Ok(super::reports::download(kind, format!("{name}.xlsx"), bytes))
        }
        other => Err(ParseError {
            code: "invalid_format",
            message: format!("Định dạng «{other}» không có; chọn json, csv hoặc xlsx"),
        }
        .into()),
    }
}
