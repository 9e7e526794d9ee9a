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
    let command = Command::Rate(NewRating {
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
