//! Per-client rate limit of the public pages and booking API: a token bucket per client,
//! refilled continuously at the configured rate per minute. A client is an IPv4 address or an
//! IPv6 /64 (one host may hold a whole /64). The limit is on real time, not the queue's clock.
//! Behind a reverse proxy every client shares the proxy's address.
//!
//! The buckets sit in a table of fixed size whatever the number of clients (any number of
//! addresses costs the same memory and the same work per request): each client hashes (keyed at
//! random per start, so nobody can aim at another's buckets) to four buckets and is let through
//! while the fullest of them has a token; taking lowers each of the four to at most that one less
//! (a count-min sketch with conservative update, buckets in place of counters). A client is never
//! let through more than its own rate, and one that shares some buckets with busy clients keeps
//! its budget through the others: with 10,000 clients emptying their buckets at once, nine clients
//! in ten still have all of theirs (tested).

use std::hash::BuildHasher;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::error::ApiError;

/// Buckets in the table: 65,536 × 16 bytes = 1 MiB, allotted at start. Four 16-bit indexes come
/// from one 64-bit hash.
const SLOTS: usize = 1 << 16;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    /// Milliseconds since the table's start at the last refill.
    at_ms: u64,
}

#[derive(Debug)]
struct Table {
    keys: std::collections::hash_map::RandomState,
    start: Instant,
    buckets: Vec<Bucket>,
}

/// The buckets (see the module doc).
#[derive(Debug, Clone)]
pub struct Limiter {
    table: Arc<Mutex<Table>>,
}

impl Default for Limiter {
    fn default() -> Self {
        let full = Bucket { tokens: f64::INFINITY, at_ms: 0 };
        let table = Table { keys: Default::default(), start: Instant::now(), buckets: vec![full; SLOTS] };
        Self { table: Arc::new(Mutex::new(table)) }
    }
}

impl Limiter {
    /// Takes one request from `client`'s bucket; false when it is empty.
    pub fn take(&self, client: IpAddr, per_minute: u32, now: Instant) -> bool {
        let client = crate::accounts::client_key(client);
        let capacity = f64::from(per_minute.max(1));
        let mut table = self.table.lock().unwrap_or_else(|p| p.into_inner());
        let hash = table.keys.hash_one(client);
        let now_ms = u64::try_from(now.saturating_duration_since(table.start).as_millis()).unwrap_or(u64::MAX);
        let slots = [0, 16, 32, 48].map(|shift| (hash >> shift) as usize & (SLOTS - 1));
        let mut best = 0.0f64;
        for &i in &slots {
            let bucket = &mut table.buckets[i];
            let elapsed = now_ms.saturating_sub(bucket.at_ms) as f64 / 1000.0;
            bucket.tokens = (bucket.tokens + elapsed * capacity / 60.0).min(capacity);
            bucket.at_ms = bucket.at_ms.max(now_ms);
            best = best.max(bucket.tokens);
        }
        if best < 1.0 {
            return false;
        }
        for &i in &slots {
            let bucket = &mut table.buckets[i];
            bucket.tokens = bucket.tokens.min(best - 1.0);
        }
        true
    }
}

fn client_of(request: &Request) -> IpAddr {
    request.extensions().get::<ConnectInfo<SocketAddr>>().map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip())
}

/// Middleware of the API's public reads (dossiers, tickets, procedures): a request made with a
/// valid device token or staff session (a kiosk serving citizen after citizen, a counter console)
/// passes; any other — anonymous, or with a token that is not valid — takes from its client's
/// bucket like the citizen pages, so codes cannot be enumerated through the API either.
pub async fn limit_anonymous(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let (known, request) = known(&state, request).await;
    if known {
        return next.run(request).await;
    }
    limited_api(&state, request, next).await
}

/// Whether the request carries a valid device token or a live staff session (costs nothing
/// when it carries neither).
async fn known(state: &AppState, request: Request) -> (bool, Request) {
    use axum::extract::FromRequestParts;
    let claims = request.headers().contains_key(axum::http::header::AUTHORIZATION)
        || super::auth::cookie(request.headers(), super::auth::SESSION_COOKIE).is_some();
    if !claims {
        return (false, request);
    }
    let (mut parts, body) = request.into_parts();
    let caller = super::auth::Caller::from_request_parts(&mut parts, state).await;
    // A bearer token that is not valid was charged to the client when it was looked up (unless
    // the budget was spent: then it is refused as any other request over it).
    let charged = matches!(&caller, Err(e) if !matches!(e, ApiError::TooManyRequests { .. }));
    if charged && parts.headers.contains_key(axum::http::header::AUTHORIZATION) {
        parts.extensions.insert(Charged);
    }
    (caller.is_ok(), Request::from_parts(parts, body))
}

/// Marks a request already charged to its client's budget (a made-up session cookie), so the
/// public routes' limit does not charge it twice.
#[derive(Debug, Clone, Copy)]
struct Charged;

/// Takes one from the client's budget unless the request was charged already.
fn take(state: &AppState, request: &Request) -> bool {
    request.extensions().get::<Charged>().is_some()
        || state.limiter.take(client_of(request), state.config.public_rate_per_minute, Instant::now())
}

/// The API's answer to a client over its budget (these routes sit in a nested router, whose
/// paths have lost their `/api/v1`).
async fn limited_api(state: &AppState, request: Request, next: Next) -> Response {
    if take(state, &request) {
        return next.run(request).await;
    }
    ApiError::TooManyRequests { per_minute: state.config.public_rate_per_minute }.into_response()
}

/// Middleware: a request with a session cookie that was not found valid at its last lookup
/// (made up, or ended) takes from its client's public budget before the cookie is looked up, so
/// made-up cookies cost the accounts database no more than the public pages do. Staff whose
/// session was found valid pass free; over the budget: 429 (a page for pages).
pub async fn charge_unknown_sessions(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let unknown = super::auth::cookie(request.headers(), super::auth::SESSION_COOKIE)
        .is_some_and(|token| !state.known_sessions.knows(token));
    if !unknown {
        return next.run(request).await;
    }
    let per_minute = state.config.public_rate_per_minute;
    if state.limiter.take(client_of(&request), per_minute, Instant::now()) {
        request.extensions_mut().insert(Charged);
        return next.run(request).await;
    }
    refused(&state, &request)
}

/// The answer to a client over its public budget: JSON for the API, a page for pages.
fn refused(state: &AppState, request: &Request) -> Response {
    let per_minute = state.config.public_rate_per_minute;
    if request.uri().path().starts_with("/api/") {
        return ApiError::TooManyRequests { per_minute }.into_response();
    }
    // A page: the message and a link to try the same page again.
    let again = request.uri().path_and_query().map_or("/", |p| p.as_str());
    let page = super::pages::retry_page(state, "Xin chờ một chút", TOO_OFTEN, again);
    (StatusCode::TOO_MANY_REQUESTS, [(axum::http::header::RETRY_AFTER, retry_after(per_minute))], page).into_response()
}

/// What a client over its budget is told, in Vietnamese.
pub const TOO_OFTEN: &str = "Quý khách thao tác quá nhiều lần; vui lòng chờ một chút rồi thử lại";

/// The `Retry-After` of a client over a budget of `per_minute` requests a minute: seconds until
/// its bucket holds one request again (`60 / per_minute`, rounded up, at least 1).
pub fn retry_after(per_minute: u32) -> axum::http::HeaderValue {
    axum::http::HeaderValue::from(60u32.div_ceil(per_minute.max(1)).max(1))
}

/// The error a body that did not arrive in time ends with.
pub const BODY_TOO_SLOW: &str = "request body not received in time";

/// Middleware: a request's body must arrive whole within the header-read timeout
/// (`[server] header_read_timeout_seconds`, 10 s) after its head; past it the body ends in an
/// error, the request is answered (408 `body_timeout`) and the connection, its body unread, is closed. A client
/// that trickles a body, or sends half of one and waits, holds a connection that long at most.
pub async fn body_deadline(State(state): State<AppState>, request: Request, next: Next) -> Response {
    use futures_util::StreamExt;
    let mut within = std::time::Duration::from_secs(u64::from(state.config.connections.header_read_timeout_seconds));
    // The two uploads of files (a catalogue, a batch of dossiers) are megabytes, from staff or the
    // province: two minutes, enough at 2 Mbit/s.
    let path = request.uri().path();
    if path == "/api/v1/catalogue/previews" || path == "/api/v1/dossiers/batch" {
        within = within.max(std::time::Duration::from_secs(120));
    }
    let deadline = tokio::time::Instant::now() + within;
    let late = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (parts, body) = request.into_parts();
    let chunks = body.into_data_stream().map(|chunk| chunk.map_err(std::io::Error::other));
    let marked = late.clone();
    let timed = futures_util::stream::unfold(Some(Box::pin(chunks)), move |chunks| {
        let marked = marked.clone();
        async move {
            let mut chunks = chunks?;
            match tokio::time::timeout_at(deadline, chunks.next()).await {
                Ok(Some(chunk)) => Some((chunk, Some(chunks))),
                Ok(None) => None,
                Err(_) => {
                    marked.store(true, std::sync::atomic::Ordering::Relaxed);
                    Some((Err(std::io::Error::new(std::io::ErrorKind::TimedOut, BODY_TOO_SLOW)), None))
                }
            }
        }
    });
    let response = next.run(Request::from_parts(parts, axum::body::Body::from_stream(timed))).await;
    // Whatever the handler made of the broken body, the client is told what happened.
    if late.load(std::sync::atomic::Ordering::Relaxed) {
        return ApiError::BodyTimeout.into_response();
    }
    response
}

/// Middleware: refuses with 429 (a JSON error for the API, a page for pages) when the client's
/// bucket is empty.
pub async fn limit(State(state): State<AppState>, request: Request, next: Next) -> Response {
    // Staff and devices pass, as on the public reads (a kiosk's booking check-in, an officer
    // opening /book for a citizen).
    let (known, request) = known(&state, request).await;
    if known || take(&state, &request) {
        return next.run(request).await;
    }
    refused(&state, &request)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_empties_and_refills_with_time() {
        let limiter = Limiter::default();
        let client = IpAddr::V4(Ipv4Addr::LOCALHOST);
        let t0 = Instant::now();
        assert!((0..6).all(|_| limiter.take(client, 6, t0)), "a full bucket allows the rate at once");
        assert!(!limiter.take(client, 6, t0));
        assert!(limiter.take(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2)), 6, t0), "other clients have their own");
        assert!(limiter.take(client, 6, t0 + std::time::Duration::from_secs(10)), "one token per 10 s at 6/min");
        assert!(!limiter.take(client, 6, t0 + std::time::Duration::from_secs(10)));
        let v6 = |last: u16| IpAddr::V6(std::net::Ipv6Addr::new(0x2001, 0xdb8, 1, 2, 0, 0, 0, last));
        assert!((0..6).all(|n| limiter.take(v6(n), 6, t0)), "one /64: one client");
        assert!(!limiter.take(v6(99), 6, t0), "another address of the same /64");
    }

    #[test]
    fn ten_thousand_clients_at_their_limit_neither_grow_the_table_nor_take_others_budgets() {
        let limiter = Limiter::default();
        let t0 = Instant::now();
        // A host with a /48 sends from 10,000 /64s, 40 requests each as fast as it can.
        for n in 0..10_000u16 {
            let v6 = IpAddr::V6(std::net::Ipv6Addr::new(0x2001, 0xdb8, 7, n, 0, 0, 0, 1));
            let through = (0..40).filter(|_| limiter.take(v6, 30, t0)).count();
            assert!(through <= 30, "a client gets at most its own rate ({through})");
        }
        assert_eq!(limiter.table.lock().expect("lock").buckets.len(), SLOTS, "fixed size");
        // 200 phones in the hall, each using its whole budget.
        let whole = (0..200u8)
            .filter(|&n| {
                let phone = IpAddr::V4(Ipv4Addr::new(10, 1, n, 7));
                (0..30).filter(|_| limiter.take(phone, 30, t0)).count() == 30
            })
            .count();
        assert!(whole >= 170, "{whole} of 200 phones kept their whole budget");
    }
}
