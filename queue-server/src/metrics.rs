//! Metrics in the Prometheus text format (`GET /metrics`), through the `metrics` crates.
//!
//! Each server (and each test's server in one process) has its own recorder: nothing is recorded
//! into a process-wide global. Counters and histograms are recorded as things happen; gauges
//! (waiting per field, live streams, devices, uplink backlog) are set from the live state at each
//! scrape. Names follow Prometheus' conventions: `_total` counters, `_seconds` durations.
//!
//! | name | kind | labels |
//! |---|---|---|
//! | `motcua_tickets_issued_total` | counter | `field` (service code), `channel` (kiosk, counter, web, appointment) |
//! | `motcua_calls_total` | counter | `field`, `kind` (call, recall) |
//! | `motcua_tickets_finished_total` | counter | `field`, `outcome` (done, no_show) |
//! | `motcua_waiting` | gauge | `field` |
//! | `motcua_http_request_duration_seconds` | histogram | `route` (the route's pattern, `/api/v1/tickets/:id`), `method`, `status` |
//! | `motcua_writer_batch_commands` | histogram | — commands committed in one transaction |
//! | `motcua_writer_commit_seconds` | histogram | — one batch's transaction, first write to commit |
//! | `motcua_live_streams` | gauge | — open live streams (SSE) |
//! | `motcua_device_online` | gauge | `device`: 1 reporting, 0 silent |
//! | `motcua_uplink_backlog_events` | gauge | — events not yet acknowledged by the provincial hub |
//! | `motcua_outbox_messages` | gauge | `status` (pending, sent, kept, failed): messages to citizens in the outbox |

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle, PrometheusRecorder};

/// Buckets of request and commit durations (s): 1 ms to 10 s.
pub const SECONDS_BUCKETS: &[f64] = &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// Buckets of commands per writer transaction.
const BATCH_BUCKETS: &[f64] = &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0];

/// One server's recorder and the handle that renders it.
pub struct Metrics {
    recorder: PrometheusRecorder,
    handle: PrometheusHandle,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new(&[("_seconds", SECONDS_BUCKETS), ("motcua_writer_batch_commands", BATCH_BUCKETS)])
    }
}

impl Metrics {
    /// A recorder whose histograms named with each suffix get those buckets (others: summaries).
    pub fn new(buckets: &[(&str, &[f64])]) -> Self {
        let mut builder = PrometheusBuilder::new();
        for (suffix, values) in buckets.iter().filter(|(_, values)| !values.is_empty()) {
            builder = builder
                .set_buckets_for_metric(Matcher::Suffix((*suffix).to_string()), values)
                .expect("only an empty list of buckets is refused");
        }
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        Self { recorder, handle }
    }

    /// Runs `f` with this server's recorder behind the `metrics` macros.
    pub fn record<T>(&self, f: impl FnOnce() -> T) -> T {
        metrics::with_local_recorder(&self.recorder, f)
    }

    /// Everything recorded, in the Prometheus text format (version 0.0.4).
    pub fn render(&self) -> String {
        self.handle.render()
    }

    /// Counts what a committed batch of live events says: tickets issued, calls, tickets finished.
    pub fn count_events(&self, events: &[motcua_protocol::events::QueueEvent]) {
        use motcua_protocol::events::QueueEvent;
        self.record(|| {
            for event in events {
                match event {
                    QueueEvent::TicketIssued { ticket } => metrics::counter!(
                        "motcua_tickets_issued_total",
                        "field" => ticket.service.clone(),
                        "channel" => ticket.channel.clone()
                    )
                    .increment(1),
                    QueueEvent::TicketCalled { ticket, .. } => {
                        metrics::counter!("motcua_calls_total", "field" => ticket.service.clone(), "kind" => "call")
                            .increment(1);
                    }
                    QueueEvent::TicketRecalled { ticket, .. } => {
                        metrics::counter!("motcua_calls_total", "field" => ticket.service.clone(), "kind" => "recall")
                            .increment(1);
                    }
                    QueueEvent::TicketDone { ticket, .. } => metrics::counter!(
                        "motcua_tickets_finished_total",
                        "field" => ticket.service.clone(),
                        "outcome" => "done"
                    )
                    .increment(1),
                    QueueEvent::TicketNoShow { ticket, .. } => metrics::counter!(
                        "motcua_tickets_finished_total",
                        "field" => ticket.service.clone(),
                        "outcome" => "no_show"
                    )
                    .increment(1),
                    _ => {}
                }
            }
        });
    }
}

/// Middleware timing every request by its route's pattern, method and status. The pattern is
/// written `/api/v1/tickets/:id` (never the citizen's ticket itself; no braces, which some
/// exposition parsers misread inside a label); requests no route matched are `route="unmatched"`.
pub async fn track(State(metrics): State<Arc<Metrics>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().replace('{', ":").replace('}', ""));
    // Only the methods HTTP defines: anyone can send any token as a method, and each would be a
    // new series kept for ever.
    let method = match request.method().as_str() {
        m @ ("GET" | "POST" | "PUT" | "DELETE" | "PATCH" | "HEAD" | "OPTIONS") => m.to_string(),
        _ => "other".to_string(),
    };
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics.record(|| {
        metrics::histogram!(
            "motcua_http_request_duration_seconds",
            "route" => route,
            "method" => method,
            "status" => status
        )
        .record(started.elapsed().as_secs_f64());
    });
    response
}
