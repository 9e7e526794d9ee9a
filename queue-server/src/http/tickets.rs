//! Tickets: issue (kiosk), look up (public), cancel and rejoin (kiosk).

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use motcua_protocol::api::{ErrorBody, IssueTicketRequest, Ticket};

use super::AppState;
use super::auth::Caller;
use super::error::ApiError;
use crate::domain::{Channel, Command, ParseError, ServiceCode, TicketId};
use crate::store::Reply;

pub(super) fn ticket_reply(reply: Reply) -> Result<(StatusCode, Json<Ticket>), ApiError> {
    match reply {
        Reply::Ticket { ticket, created } => {
            Ok((if created { StatusCode::CREATED } else { StatusCode::OK }, Json(ticket)))
        }
        _ => Err(ApiError::Unavailable),
    }
}

/// Issues a ticket. A repeated `idempotency_key` answers 200 with the ticket issued the first time.
#[utoipa::path(post, path = "/api/v1/tickets", tag = "tickets", request_body = IssueTicketRequest,
    security(("bearer" = [])),
    responses((status = 201, body = Ticket), (status = 200, description = "repeated idempotency key", body = Ticket),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "closed, or capacity spent", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn issue(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Json<IssueTicketRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<Ticket>), ApiError> {
    caller.require_kiosk()?;
    let Json(body) = body?;
    let service = ServiceCode::parse(&body.service)?;
    let channel = match body.channel.as_deref() {
        None => Channel::Kiosk,
        Some(raw) => Channel::parse(raw).filter(|c| *c != Channel::Appointment).ok_or_else(|| ParseError {
            code: "invalid_channel",
            message: format!("Kênh «{raw}» không hợp lệ (kiosk, counter, web)"),
        })?,
    };
    let command = Command::Issue {
        service,
        priority: body.priority.map(|p| p.trim().to_string()).filter(|p| !p.is_empty()),
        channel,
        idempotency_key: body.idempotency_key,
        appointment_at: None,
    };
    ticket_reply(state.store.execute(command).await?)
}

/// A ticket with its live position and estimated wait.
#[utoipa::path(get, path = "/api/v1/tickets/{id}", tag = "tickets", params(("id" = String, Path, description = "YYYYMMDD-SERVICE-NUMBER")),
    responses((status = 200, body = Ticket), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_ticket(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<Ticket>, ApiError> {
    let id = TicketId::parse(&id)?;
    let found = state.store.ticket(id.clone()).await?;
    found
        .map(Json)
        .ok_or(ApiError::NotFound { code: "ticket_not_found", message: format!("Không tìm thấy phiếu «{id}»") })
}

/// Today's ticket with this number: what a citizen types from the paper ticket.
#[utoipa::path(get, path = "/api/v1/tickets/by-number/{number}", tag = "tickets", params(("number" = u32, Path)),
    responses((status = 200, body = Ticket), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn by_number(State(state): State<AppState>, Path(number): Path<String>) -> Result<Json<Ticket>, ApiError> {
    let n = number.trim().parse::<u32>().ok().filter(|n| (1..=999_999).contains(n)).ok_or_else(|| ParseError {
        code: "invalid_ticket_number",
        message: format!("Số phiếu «{}» không hợp lệ", number.trim()),
    })?;
    let found = state.store.ticket_by_number(n).await?;
    found
        .map(Json)
        .ok_or(ApiError::NotFound {
            code: "ticket_not_found", message: format!("Không có số {n} trong ngày hôm nay")
        })
}

/// Cancels a waiting (or no-show) ticket.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/cancel", tag = "tickets", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = Ticket), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn cancel(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<Ticket>), ApiError> {
    caller.require_kiosk()?;
    ticket_reply(state.store.execute(Command::Cancel(TicketId::parse(&id)?)).await?)
}

/// Puts a no-show ticket back in the queue within its rejoin window, keeping its arrival time.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/rejoin", tag = "tickets", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = Ticket), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn rejoin(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<Ticket>), ApiError> {
    caller.require_kiosk()?;
    ticket_reply(state.store.execute(Command::Rejoin(TicketId::parse(&id)?)).await?)
}
