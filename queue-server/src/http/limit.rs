//! Per-client rate limit of the public pages and booking API: a token bucket per client address,
//! refilled continuously at the configured rate per minute. A client is an IPv4 address or an
//! IPv6 /64. The limit is on real time, not the queue's clock. Behind a reverse proxy every client
//! shares the proxy's address.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::error::ApiError;

/// Buckets kept before idle ones are dropped.
const MAX_CLIENTS: usize = 10_000;

/// The buckets.
#[derive(Debug, Clone, Default)]
pub struct Limiter {
    buckets: Arc<Mutex<HashMap<IpAddr, (f64, Instant)>>>,
}

impl Limiter {
    /// Takes one request from `client`'s bucket; false when it is empty.
    pub fn take(&self, client: IpAddr, per_minute: u32, now: Instant) -> bool {
        let client = crate::accounts::client_key(client);
        let capacity = f64::from(per_minute.max(1));
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() >= MAX_CLIENTS {
            buckets.retain(|_, (tokens, at)| *tokens < capacity && now.duration_since(*at).as_secs() < 60);
        }
        let (tokens, at) = buckets.entry(client).or_insert((capacity, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * capacity / 60.0).min(capacity);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
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
    use axum::extract::FromRequestParts;
    let claims = request.headers().contains_key(axum::http::header::AUTHORIZATION)
        || super::auth::cookie(request.headers(), super::auth::SESSION_COOKIE).is_some();
    if claims {
        let (mut parts, body) = request.into_parts();
        let known = super::auth::Caller::from_request_parts(&mut parts, &state).await.is_ok();
        let request = Request::from_parts(parts, body);
        if known {
            return next.run(request).await;
        }
        return limited_api(&state, request, next).await;
    }
    limited_api(&state, request, next).await
}

/// The API's answer to a client over its budget (these routes sit in a nested router, whose
/// paths have lost their `/api/v1`).
async fn limited_api(state: &AppState, request: Request, next: Next) -> Response {
    if state.limiter.take(client_of(&request), state.config.public_rate_per_minute, Instant::now()) {
        return next.run(request).await;
    }
    ApiError::TooManyRequests.into_response()
}

/// Middleware: refuses with 429 (a JSON error for the API, a page for pages) when the client's
/// bucket is empty.
pub async fn limit(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let client = client_of(&request);
    if state.limiter.take(client, state.config.public_rate_per_minute, Instant::now()) {
        return next.run(request).await;
    }
    let message = "Quý khách thao tác quá nhiều lần, vui lòng chờ ít phút rồi thử lại";
    if request.uri().path().starts_with("/api/") {
        ApiError::TooManyRequests.into_response()
    } else {
        (StatusCode::TOO_MANY_REQUESTS, super::pages::message_page(&state, "Xin chờ một chút", message)).into_response()
    }
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
    }
}
