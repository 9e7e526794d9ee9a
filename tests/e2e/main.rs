//! End to end across crates: the demo server over real HTTP on loopback, driven the way a kiosk and
//! a counter do, with every answer and every live event read back through `motcua_protocol`, the
//! only types clients have.

use std::sync::Arc;
use std::time::{Duration, Instant};

use motcua_protocol::api::{
    CallResponse, CentreInfo, Counter, CounterState, Dossier, ProceduresResponse, Rating, ServicesResponse, Ticket,
    TicketStatus,
};
use motcua_protocol::events::{HEARTBEAT, Heartbeat, QueueEvent};
use queue_server::domain::SystemClock;
use queue_server::{Config, Options};
use serde::de::DeserializeOwned;
use serde_json::json;

struct Server {
    base: String,
    http: reqwest::Client,
    _dir: tempfile::TempDir,
}

async fn start() -> Server {
    let dir = tempfile::tempdir().expect("tempdir");
    let options =
        Options { config: Config::demo(), db: dir.path().join("e2e.db"), demo: true, clock: Arc::new(SystemClock) };
    let app = queue_server::build(options).expect("builds");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("binds");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(queue_server::run(listener, app, std::future::pending()));
    Server { base, http: reqwest::Client::new(), _dir: dir }
}

impl Server {
    async fn get<T: DeserializeOwned>(&self, path: &str) -> T {
        let r = self.http.get(format!("{}{path}", self.base)).send().await.expect("answers");
        assert!(r.status().is_success(), "{path}: {}", r.status());
        r.json().await.unwrap_or_else(|e| panic!("{path} does not parse as the protocol type: {e}"))
    }

    async fn post<T: DeserializeOwned>(&self, path: &str, token: &str, body: Option<serde_json::Value>) -> T {
        let mut r = self.http.post(format!("{}{path}", self.base)).bearer_auth(token);
        if let Some(body) = body {
            r = r.json(&body);
        }
        let r = r.send().await.expect("answers");
        assert!(r.status().is_success(), "{path}: {}", r.status());
        r.json().await.unwrap_or_else(|e| panic!("{path} does not parse as the protocol type: {e}"))
    }
}

/// Reads the live stream until an event satisfies `last`, parsing every event as a `QueueEvent`
/// (heartbeats as the protocol's `Heartbeat`). Bytes are decoded only when a whole event is in.
async fn events_until(
    response: &mut reqwest::Response,
    last: impl Fn(&QueueEvent) -> bool,
    within: Duration,
) -> Vec<QueueEvent> {
    let deadline = Instant::now() + within;
    let (mut buffer, mut events) = (Vec::<u8>::new(), Vec::new());
    loop {
        while let Some(end) = buffer.windows(2).position(|w| w == b"\n\n") {
            let block: Vec<u8> = buffer.drain(..end + 2).collect();
            let block = String::from_utf8(block).expect("an event is whole UTF-8");
            let Some(data) = block.lines().find_map(|l| l.strip_prefix("data: ")) else { continue };
            let name = block.lines().find_map(|l| l.strip_prefix("event: ")).expect("named event");
            if name == HEARTBEAT {
                let beat: Heartbeat = serde_json::from_str(data).unwrap_or_else(|e| panic!("heartbeat: {e}\n{data}"));
                assert!(beat.now.ends_with("+07:00") && beat.every_seconds > 0, "{beat:?}");
                continue;
            }
            let event: QueueEvent =
                serde_json::from_str(data).unwrap_or_else(|e| panic!("{name} does not parse: {e}\n{data}"));
            assert_eq!(event.name(), name, "SSE name and JSON type agree");
            let done = last(&event);
            events.push(event);
            if done {
                return events;
            }
        }
        let left = deadline.checked_duration_since(Instant::now()).expect("the last event came in time");
        let chunk = tokio::time::timeout(left, response.chunk()).await.expect("in time").expect("reads").expect("open");
        buffer.extend_from_slice(&chunk);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_day_at_the_demo_centre_speaks_the_protocol_types_only() {
    let s = start().await;
    let mut live = s.http.get(format!("{}/api/v1/events", s.base)).send().await.expect("stream");

    let centre: CentreInfo = s.get("/api/v1/centre").await;
    assert_eq!(centre.rating_levels.len(), 4);
    assert!(centre.priority_classes.iter().any(|p| p.name_vi == "Người cao tuổi"));
    let services: ServicesResponse = s.get("/api/v1/services").await;
    assert_eq!(services.services.len(), 15);

    let kiosk = "demo-kiosk";
    let officer = "demo-counter";
    let elderly: Ticket =
        s.post("/api/v1/tickets", kiosk, Some(json!({ "service": "DD", "priority": "elderly" }))).await;
    let walk_in: Ticket = s.post("/api/v1/tickets", kiosk, Some(json!({ "service": "DD" }))).await;
    assert_eq!((elderly.number, walk_in.number, walk_in.position), (1001, 1002, Some(1)));

    let opened: Counter = s.post("/api/v1/counters/1/open", officer, None).await;
    assert_eq!(opened.state, CounterState::Open);
    let first: CallResponse = s.post("/api/v1/counters/1/next", officer, None).await;
    assert_eq!((first.ticket.number, first.reason.code.as_str()), (1001, "priority_turn"));
    let _: Ticket = s.post("/api/v1/counters/1/recall", officer, None).await;
    let _: Ticket = s.post("/api/v1/counters/1/serve", officer, None).await;
    let served: Ticket = s.post("/api/v1/counters/1/done", officer, None).await;
    assert_eq!(served.status, TicketStatus::Done);
    let rating: Rating =
        s.post("/api/v1/ratings", kiosk, Some(json!({ "ticket": served.id, "score": 2, "tags": ["Chờ lâu"] }))).await;
    assert_eq!(rating.label, "Chấp nhận được");

    let second: CallResponse = s.post("/api/v1/counters/1/next", officer, None).await;
    assert_eq!(second.ticket.id, walk_in.id);
    let moved: Ticket = s.post("/api/v1/counters/1/transfer", officer, Some(json!({ "service": "XD" }))).await;
    assert_eq!((moved.service.as_str(), moved.status), ("XD", TicketStatus::Waiting));
    let _: Counter = s.post("/api/v1/counters/3/open", officer, None).await;
    let _: CallResponse = s.post("/api/v1/counters/3/next", officer, None).await;
    let absent: Ticket = s.post("/api/v1/counters/3/no-show", officer, None).await;
    assert!(absent.rejoin_until.is_some());
    let back: Ticket = s.post(&format!("/api/v1/tickets/{}/rejoin", absent.id), kiosk, None).await;
    assert_eq!(back.status, TicketStatus::Waiting);
    let cancelled: Ticket = s.post(&format!("/api/v1/tickets/{}/cancel", back.id), kiosk, None).await;
    assert_eq!(cancelled.status, TicketStatus::Cancelled);
    let paused: Counter = s.post("/api/v1/counters/3/pause", officer, Some(json!({ "reason": "Họp giao ban" }))).await;
    assert_eq!((paused.state, paused.pause_reason.as_deref()), (CounterState::Paused, Some("Họp giao ban")));
    let closed: Counter = s.post("/api/v1/counters/3/close", officer, None).await;
    assert_eq!(closed.state, CounterState::Closed);

    let closed_3 = |e: &QueueEvent| matches!(e, QueueEvent::CounterChanged { counter } if counter.number == 3 && counter.state == CounterState::Closed);
    let events = events_until(&mut live, closed_3, Duration::from_secs(10)).await;
    assert!(matches!(events.first(), Some(QueueEvent::Snapshot(_))));
    let names: std::collections::BTreeSet<&str> = events.iter().map(QueueEvent::name).collect();
    for expected in [
        "ticket_issued",
        "ticket_called",
        "ticket_recalled",
        "ticket_serving",
        "ticket_done",
        "rating_submitted",
        "ticket_transferred",
        "ticket_no_show",
        "ticket_rejoined",
        "ticket_cancelled",
        "counter_changed",
        "service_stats",
    ] {
        assert!(names.contains(expected), "{expected} missing from the stream: {names:?}");
    }
    let called: Vec<u32> = events
        .iter()
        .filter_map(|e| match e {
            QueueEvent::TicketCalled { ticket, .. } => Some(ticket.number),
            _ => None,
        })
        .collect();
    assert_eq!(called, vec![1001, 1002, 1002], "calls in order, the transferred ticket called again at counter 3");

    let dossier: Dossier = s.get("/api/v1/dossiers/H56.22-261116-0003").await;
    assert_eq!(dossier.status_label, "Yêu cầu bổ sung giấy tờ");
    let found: ProceduresResponse = s.get("/api/v1/procedures?q=khai%20sinh").await;
    assert!(found.procedures.iter().any(|p| p.name == "Đăng ký khai sinh"));
}
