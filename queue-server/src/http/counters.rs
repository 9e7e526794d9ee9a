//! Counter actions: call next or a chosen ticket, recall, serve, done, no-show, transfer, pause,
//! open, close. Each needs a counter (or supervisor) token allowed for that counter.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use motcua_protocol::api::{
    CallResponse, CallTicketRequest, Counter, ErrorBody, PauseRequest, Ticket, TransferRequest,
};

use super::AppState;
use super::auth::Caller;
use super::error::ApiError;
use super::tickets::ticket_reply;
use crate::domain::{Command, CounterNo, DomainError, ServiceCode, TicketId};
use crate::store::Reply;

/// Parses the path, checks the counter exists and the caller may act for it.
fn counter_for(state: &AppState, caller: &Caller, raw: &str) -> Result<CounterNo, ApiError> {
    let no = CounterNo::parse(raw)?;
    if state.config.centre.counter(no).is_none() {
        return Err(ApiError::Refused(DomainError::UnknownCounter(no.get())));
    }
    caller.require_counter(no)?;
    Ok(no)
}

fn counter_reply(reply: Reply) -> Result<Json<Counter>, ApiError> {
    match reply {
        Reply::Counter(c) => Ok(Json(c)),
        _ => Err(ApiError::Unavailable),
    }
}

fn call_reply(reply: Reply) -> Result<Response, ApiError> {
    match reply {
        Reply::Called(called) => Ok(Json(called).into_response()),
        Reply::NobodyWaiting => Ok(StatusCode::NO_CONTENT.into_response()),
        _ => Err(ApiError::Unavailable),
    }
}

/// Every counter with its state and current ticket.
#[utoipa::path(get, path = "/api/v1/counters", tag = "counters", responses((status = 200, body = [Counter])))]
pub async fn list(State(state): State<AppState>) -> Json<Vec<Counter>> {
    Json(state.hub.snapshot().counters.clone())
}

/// Calls the next ticket by the calling order; 204 when nobody waits.
#[utoipa::path(post, path = "/api/v1/counters/{no}/next", tag = "counters", params(("no" = u16, Path)), security(("bearer" = [])),
    responses((status = 200, body = CallResponse), (status = 204, description = "nobody waits"), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn next(State(state): State<AppState>, caller: Caller, Path(no): Path<String>) -> Result<Response, ApiError> {
    let no = counter_for(&state, &caller, &no)?;
    call_reply(state.store.execute_as(Command::CallNext(no), Some(caller.actor.clone())).await?)
}

/// Calls a chosen ticket (or a no-show that came back).
#[utoipa::path(post, path = "/api/v1/counters/{no}/call", tag = "counters", params(("no" = u16, Path)), request_body = CallTicketRequest,
    security(("bearer" = [])), responses((status = 200, body = CallResponse), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn call(
    State(state): State<AppState>,
    caller: Caller,
    Path(no): Path<String>,
    body: Result<Json<CallTicketRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let no = counter_for(&state, &caller, &no)?;
    let Json(body) = body?;
    call_reply(
        state
            .store
            .execute_as(Command::CallTicket(no, TicketId::parse(&body.ticket)?), Some(caller.actor.clone()))
            .await?,
    )
}

macro_rules! ticket_action {
    ($name:ident, $path:literal, $command:ident, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, tag = "counters", params(("no" = u16, Path)), security(("bearer" = [])),
            responses((status = 200, body = Ticket), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
                (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
        pub async fn $name(State(state): State<AppState>, caller: Caller, Path(no): Path<String>) -> Result<(StatusCode, Json<Ticket>), ApiError> {
            let no = counter_for(&state, &caller, &no)?;
            ticket_reply(state.store.execute_as(Command::$command(no), Some(caller.actor.clone())).await?)
        }
    };
}

ticket_action!(recall, "/api/v1/counters/{no}/recall", Recall, "Calls the current ticket again (counted).");
ticket_action!(serve, "/api/v1/counters/{no}/serve", Serve, "Starts serving the current ticket.");
ticket_action!(done, "/api/v1/counters/{no}/done", Done, "Finishes the current ticket.");
ticket_action!(
    no_show,
    "/api/v1/counters/{no}/no-show",
    NoShow,
    "Marks the current ticket absent; it may rejoin within the window."
);

/// Moves the current ticket to another service, keeping its arrival time.
#[utoipa::path(post, path = "/api/v1/counters/{no}/transfer", tag = "counters", params(("no" = u16, Path)), request_body = TransferRequest,
    security(("bearer" = [])), responses((status = 200, body = Ticket), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn transfer(
    State(state): State<AppState>,
    caller: Caller,
    Path(no): Path<String>,
    body: Result<Json<TransferRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<Ticket>), ApiError> {
    let no = counter_for(&state, &caller, &no)?;
    let Json(body) = body?;
    ticket_reply(
        state
            .store
            .execute_as(Command::Transfer(no, ServiceCode::parse(&body.service)?), Some(caller.actor.clone()))
            .await?,
    )
}

/// Pauses the counter with a reason.
#[utoipa::path(post, path = "/api/v1/counters/{no}/pause", tag = "counters", params(("no" = u16, Path)), request_body = PauseRequest,
    security(("bearer" = [])), responses((status = 200, body = Counter), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn pause(
    State(state): State<AppState>,
    caller: Caller,
    Path(no): Path<String>,
    body: Result<Json<PauseRequest>, JsonRejection>,
) -> Result<Json<Counter>, ApiError> {
    let no = counter_for(&state, &caller, &no)?;
    let Json(body) = body?;
    counter_reply(state.store.execute_as(Command::Pause(no, body.reason), Some(caller.actor.clone())).await?)
}

/// Opens the counter (also resumes a paused one).
#[utoipa::path(post, path = "/api/v1/counters/{no}/open", tag = "counters", params(("no" = u16, Path)), security(("bearer" = [])),
    responses((status = 200, body = Counter), (status = 404, body = ErrorBody)))]
pub async fn open(
    State(state): State<AppState>,
    caller: Caller,
    Path(no): Path<String>,
) -> Result<Json<Counter>, ApiError> {
    let no = counter_for(&state, &caller, &no)?;
    counter_reply(state.store.execute_as(Command::Open(no), Some(caller.actor.clone())).await?)
}

/// Closes the counter; refused while it still has a ticket.
#[utoipa::path(post, path = "/api/v1/counters/{no}/close", tag = "counters", params(("no" = u16, Path)), security(("bearer" = [])),
    responses((status = 200, body = Counter), (status = 409, body = ErrorBody)))]
pub async fn close(
    State(state): State<AppState>,
    caller: Caller,
    Path(no): Path<String>,
) -> Result<Json<Counter>, ApiError> {
    let no = counter_for(&state, &caller, &no)?;
    counter_reply(state.store.execute_as(Command::Close(no), Some(caller.actor.clone())).await?)
}
