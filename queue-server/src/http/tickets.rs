//! Tickets: issue (kiosk), look up (public), cancel and rejoin (kiosk).

use std::convert::Infallible;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, Sse};
use futures_util::Stream;
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
    ticket_reply(state.store.execute_as(command, Some(caller.actor.clone())).await?)
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
    ticket_reply(state.store.execute_as(Command::Cancel(TicketId::parse(&id)?), Some(caller.actor.clone())).await?)
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
    ticket_reply(state.store.execute_as(Command::Rejoin(TicketId::parse(&id)?), Some(caller.actor.clone())).await?)
}

struct Follow {
    state: AppState,
    id: TicketId,
    /// The queue's version after each committed change.
    changes: tokio::sync::watch::Receiver<u64>,
    /// At most one refresh per [`PACE`]: a busy morning's many changes a second are one update.
    pace: tokio::time::Interval,
    last: Option<std::sync::Arc<str>>,
    next: Option<std::sync::Arc<str>>,
    /// The last refresh failed: try again at the next pace.
    retry: bool,
    /// Another day's ticket: it no longer changes, so it is sent once (then heartbeats only).
    settled: bool,
    beat: tokio::time::Interval,
    /// Held while the stream is open.
    _slot: super::streams::Slot,
}

/// Shortest time between two refreshes of a followed ticket.
const PACE: std::time::Duration = std::time::Duration::from_millis(250);

impl Follow {
    /// The ticket as JSON if it changed since the last one sent. Every follower of a ticket shares
    /// one view (and its JSON) per change of the queue. When the store cannot answer (busy), the
    /// refresh is tried again at the next pace, so no change is missed for good.
    async fn changed(&mut self) -> Option<std::sync::Arc<str>> {
        match self.state.store.shared_ticket(self.id.clone()).await {
            Ok(found) => {
                self.retry = false;
                let shared = found?;
                (self.last.as_ref() != Some(&shared.json)).then(|| shared.json.clone())
            }
            Err(_) => {
                self.retry = true;
                None
            }
        }
    }

    async fn step(mut self) -> Option<(Result<Event, Infallible>, Follow)> {
        loop {
            if let Some(json) = self.next.take() {
                self.last = Some(json.clone());
                return Some((Ok(Event::default().event("ticket").data(&*json)), self));
            }
            let mut shutdown = self.state.shutdown.clone();
            if *shutdown.borrow() {
                return None;
            }
            tokio::select! {
                changed = self.changes.changed(), if !self.settled => {
                    if changed.is_err() {
                        return None;
                    }
                    self.pace.tick().await;
                    self.changes.borrow_and_update();
                    self.next = self.changed().await;
                },
                _ = self.pace.tick(), if self.retry => self.next = self.changed().await,
                _ = shutdown.changed() => return None,
                _ = self.beat.tick() => return Some((Ok(super::events::heartbeat(&self.state)), self)),
            }
        }
    }
}

/// The ticket's own live stream: a `ticket` event (the [`Ticket`] JSON) now and whenever its
/// position, wait, status or counter changes, and the centre's clock as `heartbeat` events. What
/// `/t/{ticket}` follows.
#[utoipa::path(get, path = "/api/v1/tickets/{id}/live", tag = "tickets", params(("id" = String, Path)),
    responses((status = 200, description = "text/event-stream of `ticket` events", body = Ticket),
        (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 429, description = "this client holds its share of live streams", body = ErrorBody),
        (status = 503, description = "the server holds as many live streams as it takes", body = ErrorBody)))]
pub async fn live(
    State(state): State<AppState>,
    axum::extract::ConnectInfo(from): axum::extract::ConnectInfo<std::net::SocketAddr>,
    Path(id): Path<String>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let id = TicketId::parse(&id)?;
    let slot = state
        .streams
        .open(from.ip(), state.config.streams, super::streams::Opener::Anonymous)
        .map_err(ApiError::StreamsFull)?;
    let mut changes = state.hub.changes();
    changes.borrow_and_update();
    let mut pace = tokio::time::interval(PACE);
    pace.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let first = state.store.shared_ticket(id.clone()).await?.ok_or_else(|| ApiError::NotFound {
        code: "ticket_not_found",
        message: format!("Không tìm thấy phiếu «{id}»"),
    })?;
    let next = Some(first.json.clone());
    let settled = !state.store.is_today(&id);
    let beat = super::events::heartbeats();
    let follow = Follow { state, id, changes, pace, last: None, next, retry: false, settled, beat, _slot: slot };
    let stream = futures_util::stream::unfold(follow, Follow::step);
    Ok(Sse::new(stream))
}
