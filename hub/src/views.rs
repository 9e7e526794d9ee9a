//! The province's views: every centre's live state for province supervisors (troubled ones first,
//! with a drill-down), the public page of waiting per centre and field, their live streams (SSE),
//! and reports per centre built by the same function as the centre's own.
//!
//! Times shown are the server's: lags are computed by PostgreSQL (`now() - last_seen`), never from
//! the browser's clock.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures_util::Stream;
use motcua_protocol::api::{Alert, Overview};
use queue_server::uplink::wire::FieldWait;
use serde::{Deserialize, Serialize};

use crate::Hub;
use crate::ingest::{bearer, refuse};

/// Who is looking: the whole province (`centre` none) or one centre's supervisors.
#[derive(Debug, Clone)]
pub struct Viewer {
    /// Name given when the token was made.
    pub name: String,
    /// The one centre this viewer may see.
    pub centre: Option<String>,
}

const COOKIE: &str = "hub_viewer";

fn cookie_token(headers: &HeaderMap) -> Option<String> {
    let cookies = headers.get(header::COOKIE)?.to_str().ok()?;
    cookies.split(';').find_map(|c| c.trim().strip_prefix(COOKIE)?.strip_prefix('=').map(str::to_string))
}

pub(crate) async fn viewer(hub: &Hub, headers: &HeaderMap) -> Result<Viewer, Response> {
    let token = bearer(headers).map(str::to_string).or_else(|| cookie_token(headers));
    let Some(token) = token else {
        return Err(refuse(StatusCode::UNAUTHORIZED, "unauthenticated", "Cần đăng nhập bằng mã xem của tỉnh."));
    };
    let client = hub.pool.get().await.map_err(|e| hub.unavailable(e.into()))?;
    let row = client
        .query_opt("SELECT name, centre FROM viewers WHERE token_hash = $1", &[&crate::db::token_hash(&token)])
        .await
        .map_err(|e| hub.unavailable(e.into()))?;
    row.map(|r| Viewer { name: r.get(0), centre: r.get(1) })
        .ok_or_else(|| refuse(StatusCode::UNAUTHORIZED, "bad_token", "Mã xem không đúng."))
}

/// What the hub knows of the centre's uplink.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Uplink {
    /// Seconds since the centre's last batch (none: never heard from).
    pub seconds_since: Option<u64>,
    /// Events waiting at the centre after its last batch.
    pub backlog: u64,
    /// The last event id held.
    pub last_event: i64,
    /// Out of touch for longer than the hub's `stale_after_seconds`.
    pub out_of_touch: bool,
}

/// A broken chain, as shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChainAlert {
    /// The first bad event.
    pub event_id: i64,
    /// `edited` or `not_following`.
    pub kind: String,
    /// Vietnamese sentence.
    pub message: String,
}

/// One centre's line on `/province`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CentreSummary {
    /// Official unit code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Address.
    pub address: String,
    /// Waiting now (as of the last batch).
    pub waiting: u32,
    /// Longest wait now, minutes.
    pub longest_wait_minutes: u32,
    /// Served today.
    pub served_today: u32,
    /// Share of today's ratings in the two best levels, percent.
    pub satisfied_percent: Option<u32>,
    /// The centre's own alerts (long waits, devices, …), worst first.
    pub alerts: Vec<Alert>,
    /// Device alerts among them.
    pub device_alerts: u32,
    /// The uplink.
    pub uplink: Uplink,
    /// Set when the centre's chain broke.
    pub chain: Option<ChainAlert>,
    /// `critical`, `warning` or `ok`: what sorts the list.
    pub trouble: String,
}

/// The province at a moment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProvinceView {
    /// When (the database's clock, `HH:MM:SS dd/mm/yyyy` in the province's zone).
    pub at: String,
    /// Every centre the viewer may see, troubled first.
    pub centres: Vec<CentreSummary>,
}

/// One centre on the public page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicCentre {
    /// Official unit code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Address.
    pub address: String,
    /// Fields with their waiting and estimated wait.
    pub fields: Vec<FieldWait>,
    /// Seconds since the figures came (none: never).
    pub seconds_since: Option<u64>,
    /// The figures are older than the hub's `stale_after_seconds`.
    pub stale: bool,
}

/// The public page's data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicView {
    /// When (the database's clock, `HH:MM:SS dd/mm/yyyy` in the province's zone).
    pub at: String,
    /// Every centre.
    pub centres: Vec<PublicCentre>,
}

/// The database's time now in the province's zone, as pages show it.
async fn now_text(client: &deadpool_postgres::Client, hub: &Hub) -> anyhow::Result<String> {
    Ok(client
        .query_one("SELECT to_char(now() AT TIME ZONE $1, 'HH24:MI:SS DD/MM/YYYY')", &[&hub.time_zone])
        .await?
        .get(0))
}

fn severity_rank(s: &str) -> u8 {
    match s {
        "critical" => 2,
        "warning" => 1,
        _ => 0,
    }
}

/// Every centre's summary, troubled first.
pub async fn province(hub: &Hub) -> anyhow::Result<ProvinceView> {
    let client = hub.pool.get().await?;
    let at = now_text(&client, hub).await?;
    let rows = client
        .query(
            "SELECT code, name, address, live, backlog, last_id,
                    extract(epoch FROM now() - last_seen)::bigint, chain_break_id, chain_break_kind, refusal
             FROM centres ORDER BY code",
            &[],
        )
        .await?;
    let mut centres = Vec::with_capacity(rows.len());
    for r in rows {
        let live: Option<Overview> =
            r.get::<_, Option<serde_json::Value>>(3).and_then(|v| serde_json::from_value(v).ok());
        let since: Option<i64> = r.get(6);
        let seconds_since = since.map(|s| u64::try_from(s).unwrap_or(0));
        let out_of_touch = seconds_since.is_none_or(|s| s > hub.stale_after);
        let chain = r.get::<_, Option<i64>>(7).map(|id| {
            let kind: String = r.get::<_, Option<String>>(8).unwrap_or_default();
            let b = queue_server::chain::Break {
                id,
                kind: if kind == "edited" {
                    queue_server::chain::BreakKind::Edited
                } else {
                    queue_server::chain::BreakKind::NotFollowing
                },
            };
            ChainAlert { event_id: id, message: b.message_vi(), kind }
        });
        let (waiting, longest, served, satisfied, alerts) = match &live {
            Some(o) => (
                o.fields.iter().map(|f| f.waiting).sum(),
                o.fields.iter().map(|f| f.longest_wait_minutes).max().unwrap_or(0),
                o.fields.iter().map(|f| f.served_today).sum(),
                o.satisfaction.satisfied_percent,
                o.alerts.clone(),
            ),
            None => (0, 0, 0, None, Vec::new()),
        };
        let mut alerts = alerts;
        if r.get::<_, Option<String>>(9).as_deref() == Some("diverged") {
            alerts.insert(
                0,
                Alert {
                    rule: "log_diverged".into(),
                    severity: "critical".into(),
                    text: "Nhật ký trung tâm gửi lên khác bản tỉnh đã nhận (máy cài lại hoặc khôi phục bản sao lưu?); \
                           các sự kiện mới của trung tâm đang chờ."
                        .into(),
                    action: "Kiểm tra với trung tâm, rồi cất nhật ký cũ: province-hub archive-log --code MÃ.".into(),
                },
            );
        }
        let device_alerts =
            alerts.iter().filter(|a| matches!(a.rule.as_str(), "printer_paper" | "device_offline")).count() as u32;
        let worst = alerts.iter().map(|a| severity_rank(&a.severity)).max().unwrap_or(0);
        let trouble = if chain.is_some() || worst == 2 {
            "critical"
        } else if out_of_touch || worst == 1 {
            "warning"
        } else {
            "ok"
        };
        centres.push(CentreSummary {
            code: r.get(0),
            name: r.get(1),
            address: r.get(2),
            waiting,
            longest_wait_minutes: longest,
            served_today: served,
            satisfied_percent: satisfied,
            alerts,
            device_alerts,
            uplink: Uplink {
                seconds_since,
                backlog: u64::try_from(r.get::<_, i64>(4)).unwrap_or(0),
                last_event: r.get(5),
                out_of_touch,
            },
            chain,
            trouble: trouble.into(),
        });
    }
    centres.sort_by(|a, b| {
        severity_rank(&b.trouble)
            .cmp(&severity_rank(&a.trouble))
            .then(b.longest_wait_minutes.cmp(&a.longest_wait_minutes))
            .then(a.code.cmp(&b.code))
    });
    Ok(ProvinceView { at, centres })
}

/// Every centre's waiting per field, for citizens.
pub async fn public(hub: &Hub) -> anyhow::Result<PublicView> {
    let client = hub.pool.get().await?;
    let at = now_text(&client, hub).await?;
    let rows = client
        .query(
            "SELECT code, name, address, waits, extract(epoch FROM now() - live_at)::bigint FROM centres ORDER BY name",
            &[],
        )
        .await?;
    let centres = rows
        .iter()
        .map(|r| {
            let seconds_since = r.get::<_, Option<i64>>(4).map(|s| u64::try_from(s).unwrap_or(0));
            PublicCentre {
                code: r.get(0),
                name: r.get(1),
                address: r.get(2),
                fields: r
                    .get::<_, Option<serde_json::Value>>(3)
                    .and_then(|v| serde_json::from_value(v).ok())
                    .unwrap_or_default(),
                stale: seconds_since.is_none_or(|s| s > hub.stale_after),
                seconds_since,
            }
        })
        .collect();
    Ok(PublicView { at, centres })
}

/// [`province`], shared (see [`crate::cache::Cache`]).
pub async fn province_shared(hub: &Hub) -> anyhow::Result<Arc<ProvinceView>> {
    hub.province_cache.get(hub.version(), || province(hub)).await
}

/// [`public`], shared (see [`crate::cache::Cache`]).
pub async fn public_shared(hub: &Hub) -> anyhow::Result<Arc<PublicView>> {
    hub.public_cache.get(hub.version(), || public(hub)).await
}

fn visible(view: &ProvinceView, viewer: &Viewer) -> ProvinceView {
    match &viewer.centre {
        None => view.clone(),
        Some(c) => ProvinceView {
            at: view.at.clone(),
            centres: view.centres.iter().filter(|s| &s.code == c).cloned().collect(),
        },
    }
}

async fn province_json(State(hub): State<Hub>, headers: HeaderMap) -> Response {
    let viewer = match viewer(&hub, &headers).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    match province_shared(&hub).await {
        Ok(v) => Json(visible(&v, &viewer)).into_response(),
        Err(e) => hub.unavailable(e),
    }
}

/// A centre's drill-down: its line and the overview it sent (fields and counters).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CentreDetail {
    /// The summary line.
    pub summary: CentreSummary,
    /// Its last overview.
    pub overview: Option<Overview>,
}

async fn centre_json(State(hub): State<Hub>, headers: HeaderMap, Path(code): Path<String>) -> Response {
    let viewer = match viewer(&hub, &headers).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    if viewer.centre.as_ref().is_some_and(|c| *c != code) {
        return refuse(StatusCode::FORBIDDEN, "other_centre", "Tài khoản này chỉ xem được trung tâm của mình.");
    }
    let detail = async {
        let summary = province_shared(&hub).await?.centres.iter().find(|c| c.code == code).cloned();
        let client = hub.pool.get().await?;
        let row = client.query_opt("SELECT live FROM centres WHERE code = $1", &[&code]).await?;
        let overview =
            row.and_then(|r| r.get::<_, Option<serde_json::Value>>(0)).and_then(|v| serde_json::from_value(v).ok());
        anyhow::Ok(summary.map(|summary| CentreDetail { summary, overview }))
    };
    match detail.await {
        Ok(Some(d)) => Json(d).into_response(),
        Ok(None) => refuse(StatusCode::NOT_FOUND, "unknown_centre", format!("Không có trung tâm mã {code}.")),
        Err(e) => hub.unavailable(e),
    }
}

/// A stream that sends `make()` now and after every change (or every 5 s, so ages move), at most
/// once per `min_gap` (a busy province changes many times a second; a page needs no more).
fn stream<F, Fut, T>(
    hub: Hub,
    min_gap: Duration,
    permit: Option<tokio::sync::OwnedSemaphorePermit>,
    make: F,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>>
where
    F: Fn(Hub) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = anyhow::Result<Arc<T>>> + Send,
    T: Serialize,
{
    let rx = hub.subscribe();
    let make = Arc::new(make);
    let state = (hub, rx, None::<tokio::time::Instant>, make, permit);
    let s = futures_util::stream::unfold(state, move |(hub, mut rx, last, make, permit)| async move {
        if let Some(last) = last {
            let _ = tokio::time::timeout(Duration::from_secs(5), rx.changed()).await;
            tokio::time::sleep_until(last + min_gap).await;
        }
        rx.borrow_and_update();
        let event = match make(hub.clone()).await {
            Ok(v) => Event::default().event("view").json_data(&*v).unwrap_or_else(|_| Event::default().comment("?")),
            Err(e) => Event::default().event("unavailable").data(e.to_string()),
        };
        Some((Ok(event), (hub, rx, Some(tokio::time::Instant::now()), make, permit)))
    });
    Sse::new(s).keep_alive(KeepAlive::default())
}

async fn province_stream(State(hub): State<Hub>, headers: HeaderMap) -> Response {
    let viewer = match viewer(&hub, &headers).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    stream(hub, Duration::from_millis(250), None, move |hub| {
        let viewer = viewer.clone();
        async move {
            let all = province_shared(&hub).await?;
            Ok(if viewer.centre.is_none() { all } else { Arc::new(visible(&all, &viewer)) })
        }
    })
    .into_response()
}

async fn public_json(State(hub): State<Hub>) -> Response {
    match public_shared(&hub).await {
        Ok(v) => Json(&*v).into_response(),
        Err(e) => hub.unavailable(e),
    }
}

async fn public_stream(State(hub): State<Hub>) -> Response {
    let Ok(permit) = hub.public_streams.clone().try_acquire_owned() else {
        return refuse(
            StatusCode::SERVICE_UNAVAILABLE,
            "busy",
            "Đang có quá nhiều người xem trang này; trang sẽ tự thử lại sau ít giây.",
        );
    };
    stream(hub, Duration::from_secs(1), Some(permit), |hub| async move { public_shared(&hub).await }).into_response()
}

const PROVINCE_HTML: &str = include_str!("../static/province.html");
const SIGN_IN_HTML: &str = include_str!("../static/sign-in.html");
const WAITS_HTML: &str = include_str!("../static/waits.html");

async fn province_page(State(hub): State<Hub>, headers: HeaderMap) -> Response {
    match viewer(&hub, &headers).await {
        Ok(_) => Html(PROVINCE_HTML).into_response(),
        Err(_) => Html(SIGN_IN_HTML).into_response(),
    }
}

/// The sign-in form.
#[derive(Debug, Deserialize)]
pub struct SignIn {
    /// The viewer's token.
    pub token: String,
}

async fn sign_in(State(hub): State<Hub>, Form(form): Form<SignIn>) -> Response {
    let token = form.token.trim().to_string();
    let mut headers = HeaderMap::new();
    if let Ok(v) = HeaderValue::from_str(&format!("Bearer {token}")) {
        headers.insert(header::AUTHORIZATION, v);
    }
    match viewer(&hub, &headers).await {
        Ok(_) => {
            let secure = if hub.https { "; Secure" } else { "" };
            let cookie = format!("{COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age=43200{secure}");
            let mut response = Redirect::to("/province").into_response();
            if let Ok(v) = HeaderValue::from_str(&cookie) {
                response.headers_mut().insert(header::SET_COOKIE, v);
            }
            response
        }
        Err(_) => (
            StatusCode::UNAUTHORIZED,
            Html(SIGN_IN_HTML.replace("<!--error-->", "<p class=\"error\" role=\"alert\">Mã xem không đúng.</p>")),
        )
            .into_response(),
    }
}

fn asset(body: &'static str, content_type: &'static str) -> Response {
    ([(header::CONTENT_TYPE, content_type)], body).into_response()
}

/// The routes of this module.
pub fn routes() -> Router<Hub> {
    Router::new()
        .route("/province", get(province_page))
        .route("/province/sign-in", post(sign_in))
        .route("/waits", get(|| async { Html(WAITS_HTML) }))
        .route("/static/hub.css", get(|| async { asset(include_str!("../static/hub.css"), "text/css") }))
        .route("/static/province.js", get(|| async { asset(include_str!("../static/province.js"), "text/javascript") }))
        .route("/static/waits.js", get(|| async { asset(include_str!("../static/waits.js"), "text/javascript") }))
        .route("/api/v1/province/centres", get(province_json))
        .route("/api/v1/province/centres/{code}", get(centre_json))
        .route("/api/v1/province/stream", get(province_stream))
        .route("/api/v1/province/report", get(crate::reports::report))
        .route("/api/v1/public/waits", get(public_json))
        .route("/api/v1/public/stream", get(public_stream))
}
