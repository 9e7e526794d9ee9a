//! `GET /metrics`: a scrape parsed as Prometheus parses it, after a morning's work at a counter.

use std::time::Duration;

use serde_json::json;

use crate::helpers::*;

const SUPERVISOR: &str = "demo-supervisor";

/// The value of `name` with exactly these labels, if present.
pub(crate) fn value(scrape: &prometheus_parse::Scrape, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    scrape
        .samples
        .iter()
        .find(|s| {
            s.metric == name
                && s.labels.len() == labels.len()
                && labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v))
        })
        .map(|s| match &s.value {
            prometheus_parse::Value::Counter(v)
            | prometheus_parse::Value::Gauge(v)
            | prometheus_parse::Value::Untyped(v) => *v,
            prometheus_parse::Value::Histogram(buckets) => buckets.last().map_or(0.0, |b| b.count),
            prometheus_parse::Value::Summary(_) => f64::NAN,
        })
}

pub(crate) async fn scrape(app: &TestApp) -> prometheus_parse::Scrape {
    let response = app.client.get(app.url("/metrics")).bearer_auth(SUPERVISOR).send().await.expect("answers");
    assert_eq!(response.status(), 200);
    let kind = response.headers()["content-type"].to_str().expect("ascii").to_string();
    assert!(kind.starts_with("text/plain; version=0.0.4"), "{kind}");
    let text = response.text().await.expect("text");
    prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_string()))).expect("a Prometheus scrape")
}

#[tokio::test]
async fn a_scrape_counts_tickets_calls_waiting_requests_streams_devices_and_batches() {
    let app = spawn_demo().await;
    // Who may scrape: a supervisor's token, not the public nor a kiosk.
    let (status, body) = app.get("/metrics").await;
    assert_eq!((status, body["code"].as_str()), (401, Some("missing_token")), "{body}");
    let (status, _) = app.get_as("/metrics", KIOSK).await;
    assert_eq!(status, 403);

    let first = app.issue("DD").await;
    app.issue("DD").await;
    app.issue("TP").await;
    // A ticket taken at the counter, its request sent twice (a retry after a lost answer): one ticket.
    let body = json!({ "service": "TP", "channel": "counter", "idempotency_key": "quay-1-0001" });
    let (status, once) = app.post("/api/v1/tickets", Some(COUNTER), Some(body.clone())).await;
    assert_eq!(status, 201, "{once}");
    let (_, twice) = app.post("/api/v1/tickets", Some(COUNTER), Some(body)).await;
    assert_eq!(once["id"], twice["id"]);
    assert_eq!(app.counter(1, "open").await.0, 200);
    let (status, called) = app.counter(1, "next").await;
    assert_eq!(status, 200, "{called}");
    let called_field = called["ticket"]["service"].as_str().expect("field").to_string();
    assert_eq!(app.counter(1, "recall").await.0, 200);
    assert_eq!(app.counter(1, "done").await.0, 200);
    // A citizen's phone reads its ticket twice: one route, not one line per ticket.
    let id = first["id"].as_str().expect("id");
    for _ in 0..2 {
        assert_eq!(app.get(&format!("/api/v1/tickets/{id}")).await.0, 200);
    }
    assert_eq!(app.get("/api/v1/tickets/KHONG-CO").await.0, 400);
    assert_eq!(app.get("/khong-co-trang-nay").await.0, 404);
    // Made-up methods (one a phone number) are one series, not one each.
    for made_up in ["XYZZY1", "0912345678", "20261202-DD-1003"] {
        let method = reqwest::Method::from_bytes(made_up.as_bytes()).expect("a token");
        let status = app.client.request(method, app.url("/api/v1/services")).send().await.expect("answers").status();
        assert_eq!(status, 405);
    }
    let report = json!({ "kind": "kiosk", "printer": "ready", "displays": [] });
    assert_eq!(app.post("/api/v1/devices/health", Some(KIOSK), Some(report)).await.0, 200);
    let mut live = SseClient::connect(&app, "", None).await;
    live.next(Duration::from_secs(5)).await.expect("snapshot");

    let s = scrape(&app).await;
    let issued = |field, channel| value(&s, "motcua_tickets_issued_total", &[("field", field), ("channel", channel)]);
    assert_eq!(issued("DD", "kiosk"), Some(2.0));
    assert_eq!(issued("TP", "kiosk"), Some(1.0));
    assert_eq!(issued("TP", "counter"), Some(1.0));
    let calls = |kind| value(&s, "motcua_calls_total", &[("field", called_field.as_str()), ("kind", kind)]);
    assert_eq!((calls("call"), calls("recall")), (Some(1.0), Some(1.0)));
    let finished = [("field", called_field.as_str()), ("outcome", "done")];
    assert_eq!(value(&s, "motcua_tickets_finished_total", &finished), Some(1.0));
    let waiting = |field| value(&s, "motcua_waiting", &[("field", field)]);
    assert_eq!(waiting("DD").unwrap_or(0.0) + waiting("TP").unwrap_or(0.0), 3.0);
    assert_eq!(waiting("XD"), Some(0.0), "every field has a line, busy or not");
    let requests = |route: &str, status| {
        value(&s, "motcua_http_request_duration_seconds", &[("route", route), ("method", "GET"), ("status", status)])
    };
    assert_eq!(requests("/api/v1/tickets/:id", "200"), Some(2.0));
    assert_eq!(requests("/api/v1/tickets/:id", "400"), Some(1.0));
    assert_eq!(requests("unmatched", "404"), Some(1.0));
    assert!(!s.samples.iter().any(|x| x.labels.values().any(|v| v.contains(id))), "no citizen's ticket in a label");
    let posts: f64 = ["200", "201"]
        .iter()
        .filter_map(|status| {
            let labels = [("route", "/api/v1/tickets"), ("method", "POST"), ("status", *status)];
            value(&s, "motcua_http_request_duration_seconds", &labels)
        })
        .sum();
    assert_eq!(posts, 5.0, "five requests, the repeated one included");
    // Each command is in some writer transaction; their durations are recorded with them.
    let batches = value(&s, "motcua_writer_batch_commands", &[]).expect("batch sizes");
    let commits = value(&s, "motcua_writer_commit_seconds", &[]).expect("commit times");
    assert!(batches >= 1.0 && (batches - commits).abs() < f64::EPSILON, "{batches} {commits}");
    let commands: f64 = s
        .samples
        .iter()
        .filter(|x| x.metric == "motcua_writer_batch_commands_sum")
        .map(|x| match x.value {
            prometheus_parse::Value::Untyped(v) | prometheus_parse::Value::Counter(v) => v,
            _ => 0.0,
        })
        .sum();
    assert!(commands >= 8.0, "four issues, open, next, recall, done: {commands}");
    assert_eq!(value(&s, "motcua_live_streams", &[]), Some(1.0));
    assert_eq!(value(&s, "motcua_device_online", &[("device", "Kiosk sảnh chính")]), Some(1.0));
    assert_eq!(value(&s, "motcua_uplink_backlog_events", &[]), None, "no hub configured, no backlog line");
    app.stop().await;
}
