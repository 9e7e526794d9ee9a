//! `GET /healthz`.

use axum::Json;
use axum::extract::State;
use motcua_protocol::api::Health;

use super::AppState;
use super::error::ApiError;

/// `ok` when the store's writer answers (probed once a second however many ask).
#[utoipa::path(get, path = "/healthz", tag = "health", responses((status = 200, body = Health), (status = 503, body = motcua_protocol::api::ErrorBody)))]
pub async fn health(State(state): State<AppState>) -> Result<Json<Health>, ApiError> {
    state.store.alive().await?;
    Ok(Json(Health { status: "ok".into(), version: env!("CARGO_PKG_VERSION").into() }))
}

/// `GET /metrics`: the server's metrics in the Prometheus text format (see [`crate::metrics`]),
/// for a supervisor's token (a scraper's `authorization: Bearer …`). Gauges are read from the live
/// state now; counters and histograms since the server started.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "health",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Prometheus text format 0.0.4", content_type = "text/plain", body = String),
        (status = 401, body = motcua_protocol::api::ErrorBody),
        (status = 403, body = motcua_protocol::api::ErrorBody)
    )
)]
pub async fn metrics(
    State(state): State<AppState>,
    caller: super::auth::Caller,
) -> Result<impl axum::response::IntoResponse, ApiError> {
    caller.require_supervisor()?;
    let now = state.clock.now();
    let snapshot = state.hub.snapshot();
    let devices = state.devices.list(&state, now);
    let uplink = state.uplink.get();
    // The outbox of messages to citizens by status (`pending` piling up: the gateway is failing).
    let outbox: Vec<(String, i64)> = state
        .store
        .query(|conn| {
            let mut statement = conn.prepare("SELECT status, count(*) FROM notifications GROUP BY status")?;
            let rows = statement.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect()
        })
        .await?;
    let metrics = &state.store.counters().metrics;
    metrics.record(|| {
        for service in &snapshot.services {
            metrics::gauge!("motcua_waiting", "field" => service.code.clone()).set(f64::from(service.waiting));
        }
        metrics::gauge!("motcua_live_streams").set(f64::from(state.streams.total()));
        for device in &devices {
            metrics::gauge!("motcua_device_online", "device" => device.device.clone()).set(if device.online {
                1.0
            } else {
                0.0
            });
        }
        for status in ["pending", "sent", "kept", "failed"] {
            let count = outbox.iter().find(|(s, _)| s == status).map_or(0, |(_, n)| *n);
            metrics::gauge!("motcua_outbox_messages", "status" => status).set(count as f64);
        }
        if uplink.configured {
            metrics::gauge!("motcua_uplink_backlog_events").set(uplink.backlog as f64);
        }
    });
    Ok(([(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], metrics.render()))
}
