//! `GET /metrics` of the hub, in the Prometheus text format through the `metrics` crates (the
//! queue server's [`queue_server::metrics::Metrics`] recorder and request timing).
//!
//! | name | kind | labels |
//! |---|---|---|
//! | `motcua_http_request_duration_seconds` | histogram | `route`, `method`, `status` |
//! | `motcua_hub_events_received_total` | counter | `centre` — events in accepted batches |
//! | `motcua_hub_batch_events` | histogram | — events per accepted batch |
//! | `motcua_hub_public_streams` | gauge | — open `/waits` streams |
//! | `motcua_hub_centre_waiting` | gauge | `centre` |
//! | `motcua_hub_centre_backlog_events` | gauge | `centre` — what the centre says it has not shipped |
//! | `motcua_hub_centre_seconds_since_contact` | gauge | `centre` (absent: never heard from) |
//! | `motcua_hub_centre_chain_broken` | gauge | `centre`: 1 when its log was found edited or replaced |

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::Hub;
use crate::ingest::refuse;

/// Buckets of events per accepted batch.
pub const BATCH_BUCKETS: &[f64] = &[1.0, 10.0, 50.0, 100.0, 250.0, 500.0, 1000.0, 2500.0, 5000.0];

/// A recorder with the hub's buckets.
pub fn recorder() -> queue_server::metrics::Metrics {
    queue_server::metrics::Metrics::new(&[
        ("_seconds", queue_server::metrics::SECONDS_BUCKETS),
        ("motcua_hub_batch_events", BATCH_BUCKETS),
    ])
}

/// `GET /metrics`, for a province-wide viewer's token (`province-hub add-viewer` without
/// `--centre`): 401 `unauthenticated`/`bad_token`, 403 `forbidden` for one centre's viewer.
pub async fn scrape(State(hub): State<Hub>, headers: HeaderMap) -> Response {
    match crate::views::viewer(&hub, &headers).await {
        Ok(viewer) if viewer.centre.is_none() => {}
        Ok(_) => return refuse(StatusCode::FORBIDDEN, "forbidden", "Chỉ người xem toàn tỉnh được đọc số liệu đo."),
        Err(refused) => return refused,
    }
    let view = match crate::views::province_shared(&hub).await {
        Ok(view) => view,
        Err(e) => return hub.unavailable(e),
    };
    let open = crate::PUBLIC_STREAMS.saturating_sub(hub.public_streams.available_permits());
    hub.metrics.record(|| {
        metrics::gauge!("motcua_hub_public_streams").set(open as f64);
        for c in &view.centres {
            let centre = c.code.clone();
            metrics::gauge!("motcua_hub_centre_waiting", "centre" => centre.clone()).set(f64::from(c.waiting));
            metrics::gauge!("motcua_hub_centre_backlog_events", "centre" => centre.clone())
                .set(c.uplink.backlog as f64);
            if let Some(seconds) = c.uplink.seconds_since {
                metrics::gauge!("motcua_hub_centre_seconds_since_contact", "centre" => centre.clone())
                    .set(seconds as f64);
            }
            metrics::gauge!("motcua_hub_centre_chain_broken", "centre" => centre).set(if c.chain.is_some() {
                1.0
            } else {
                0.0
            });
        }
    });
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], hub.metrics.render()).into_response()
}
