//! The HTTP listener: each connection is served by hyper's HTTP/1 with a header-read timeout on
//! hyper's timer (axum's own `serve` gives hyper no timer, so a half-sent request or an idle socket
//! would be held for ever), at most `max_connections` at once, and a graceful shutdown that lets
//! open requests finish.

use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;

use crate::config::{Connections, TrustedProxies};

/// How long a graceful shutdown waits for open connections (a client that stopped reading, a
/// body trickled byte by byte) before the rest are dropped.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Connections open per client, each given back when its connection ends.
#[derive(Debug, Default)]
struct PerClient(Mutex<HashMap<IpAddr, u32>>);

/// One client's open connection.
struct Held(Arc<PerClient>, IpAddr);

impl PerClient {
    fn take(self: &Arc<Self>, client: IpAddr, limit: u32) -> Option<Held> {
        let client = crate::accounts::client_key(client);
        let mut open = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let mine = open.entry(client).or_default();
        if *mine >= limit {
            return None;
        }
        *mine += 1;
        Some(Held(self.clone(), client))
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        let mut open = self.0.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(mine) = open.get_mut(&self.1) {
            *mine = mine.saturating_sub(1);
            if *mine == 0 {
                open.remove(&self.1);
            }
        }
    }
}

/// Pause after a failed accept (out of file descriptors, say) before the next, so the loop does
/// not spin while the condition lasts.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// Serves `router` on `listener` until `shutdown` completes, then waits for open connections to
/// finish their requests (live streams end on the server's own shutdown signal).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Connections,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    serve_behind(listener, router, limits, TrustedProxies::default(), shutdown).await
}

/// [`serve`] behind reverse proxies: a request from a trusted proxy carries its client's address
/// (`X-Forwarded-For`, see [`TrustedProxies::client`]) in its `ConnectInfo`, which every limit
/// and log reads; a trusted proxy's connections are not capped per client (it carries many).
pub async fn serve_behind(
    listener: TcpListener,
    router: Router,
    limits: Connections,
    trusted: TrustedProxies,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let permits = Arc::new(Semaphore::new(usize::try_from(limits.max_connections).unwrap_or(4096)));
    let per_client = Arc::new(PerClient::default());
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let timeout = Duration::from_secs(u64::from(limits.header_read_timeout_seconds));
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => permit.map_err(std::io::Error::other)?,
            () = &mut shutdown => break,
        };
        let (stream, from) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let proxied = trusted.contains(from.ip());
        let held = if proxied { None } else { per_client.take(from.ip(), limits.per_client) };
        if held.is_none() && !proxied {
            // This client holds its share of connections: closed at once, the permit given back.
            drop(stream);
            continue;
        }
        let _ = stream.set_nodelay(true);
        let (router, trusted) = (router.clone(), trusted.clone());
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            let client = if proxied { trusted.client(from, request.headers()) } else { from };
            request.extensions_mut().insert(ConnectInfo::<SocketAddr>(client));
            router.clone().oneshot(request)
        });
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(timeout)
            .serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            let _ = connection.await;
            drop((permit, held));
        });
    }
    drop(listener);
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown()).await.is_err() {
        tracing::warn!("connections still open after the shutdown grace period; dropped");
    }
    Ok(())
}
