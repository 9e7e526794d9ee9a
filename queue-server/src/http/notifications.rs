//! The outbox of messages to citizens (booking confirmations, reminders, cancellations,
//! apologies), for supervisors.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use motcua_protocol::api::{ErrorBody, Notification};
use serde::Deserialize;

use super::AppState;
use super::auth::Caller;
use super::error::ApiError;
use crate::config::Role;
use crate::domain::ParseError;

/// Query of the outbox.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NotificationsQuery {
    /// `pending`, `sent`, `kept` or `failed`; all when absent.
    pub status: Option<String>,
}

/// The outbox of messages to citizens, newest first (the last 500), for supervisors: what was
/// sent, and what an operator must pass on when no SMS gateway is configured.
#[utoipa::path(get, path = "/api/v1/notifications", tag = "appointments", params(NotificationsQuery),
    security(("bearer" = [])),
    responses((status = 200, body = [Notification]), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<NotificationsQuery>, QueryRejection>,
) -> Result<Json<Vec<Notification>>, ApiError> {
    if caller.role != Role::Supervisor {
        return Err(ApiError::Forbidden("Chỉ lãnh đạo trung tâm được xem tin nhắn gửi công dân".into()));
    }
    let Query(query) = query?;
    let status = query.status.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    if let Some(s) = &status
        && !["pending", "sent", "kept", "failed"].contains(&s.as_str())
    {
        return Err(ApiError::BadInput(ParseError {
            code: "invalid_status",
            message: format!("Trạng thái «{s}» không có (pending, sent, kept, failed)"),
        }));
    }
    Ok(Json(state.store.notices(status, 500).await?))
}
