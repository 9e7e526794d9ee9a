//! The province's views: every centre's live state for province supervisors (troubled ones first,
//! with a drill-down), the public page of waiting per centre and field, their live streams (SSE),
//! and reports per centre built by the same function as the centre's own.
//!
//! Times shown are the server's: lags are computed by PostgreSQL (`now() - last_seen`), never from
//! the browser's clock.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures_util::Stream;
use motcua_protocol::api::{Alert, Overview};
use queue_server::reports::{self, Frame};
use queue_server::uplink::wire::{FieldWait, Profile};
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

async fn viewer(hub: &Hub, headers: &HeaderMap) -> Result<Viewer, Response> {
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

/// A view computed once per change (and at most a second old) for every stream and request: a
/// thousand phones on `/waits` cost one query per change, not a thousand.
pub struct Cache<T>(Arc<tokio::sync::Mutex<Option<Computed<T>>>>);

/// A view, the change counter it was computed at, and when.
type Computed<T> = (u64, std::time::Instant, Arc<T>);

impl<T> Default for Cache<T> {
    fn default() -> Self {
        Cache(Arc::default())
    }
}

impl<T> Clone for Cache<T> {
    fn clone(&self) -> Self {
        Cache(self.0.clone())
    }
}

impl<T> std::fmt::Debug for Cache<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Cache")
    }
}

impl<T> Cache<T> {
    async fn get<F: std::future::Future<Output = anyhow::Result<T>>>(
        &self,
        version: u64,
        make: impl FnOnce() -> F,
    ) -> anyhow::Result<Arc<T>> {
        let mut slot = self.0.lock().await;
        if let Some((v, at, view)) = &*slot
            && *v == version
            && at.elapsed() < Duration::from_secs(1)
        {
            return Ok(view.clone());
        }
        let view = Arc::new(make().await?);
        *slot = Some((version, std::time::Instant::now(), view.clone()));
        Ok(view)
    }
}

/// [`province`], shared (see [`Cache`]).
pub async fn province_shared(hub: &Hub) -> anyhow::Result<Arc<ProvinceView>> {
    hub.province_cache.get(hub.version(), || province(hub)).await
}

/// [`public`], shared (see [`Cache`]).
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

/// `GET /api/v1/province/report` query: a centre and either `from` and `to`, or a `period`.
#[derive(Debug, Deserialize)]
pub struct ReportQuery {
    /// Centre code.
    pub centre: String,
    /// First day, `YYYY-MM-DD`.
    #[serde(default)]
    pub from: Option<String>,
    /// Last day.
    #[serde(default)]
    pub to: Option<String>,
    /// Instead of `from` and `to`: a day `2026-11-23`, a month `2026-11` or a quarter `2026-Q4`.
    #[serde(default)]
    pub period: Option<String>,
    /// `json` (default), `csv` or `xlsx`.
    #[serde(default)]
    pub format: Option<String>,
}

/// The report of one centre's days `from..=to`, from the events the hub holds, built by the
/// centre's own functions ([`reports::events::facts_from_events`], [`reports::build_framed`]).
/// Overdue dossiers are the province's TTHC system's figure, not in the event log: `overdue` is none.
pub async fn centre_report(
    hub: &Hub,
    centre: &str,
    from: jiff::civil::Date,
    to: jiff::civil::Date,
) -> anyhow::Result<Option<reports::Report>> {
    let client = hub.pool.get().await?;
    let Some(row) = client.query_opt("SELECT profile FROM centres WHERE code = $1", &[&centre]).await? else {
        return Ok(None);
    };
    let profile: Option<Profile> =
        row.get::<_, Option<serde_json::Value>>(0).and_then(|v| serde_json::from_value(v).ok());
    let (frame, officers) = match profile {
        Some(p) => (p.frame, p.officers),
        None => (
            Frame {
                services: Vec::new(),
                levels: queue_server::domain::centre::THREE_LEVELS.map(String::from).to_vec(),
                time_zone: "Asia/Ho_Chi_Minh".into(),
            },
            Default::default(),
        ),
    };
    let zone = jiff::tz::TimeZone::get(&frame.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    let (first, past) = reports::events::ticket_bounds(from, to);
    let rows = client
        .query(
            "SELECT kind, to_char(day, 'YYYY-MM-DD'), actor, payload FROM events
             WHERE centre = $1
               AND ((ticket_id >= $2 AND ticket_id < $3 AND kind LIKE 'ticket\\_%')
                    OR (kind = 'rating_given' AND day BETWEEN $4::text::date AND $5::text::date))
             ORDER BY id",
            &[&centre, &first, &past, &from.to_string(), &to.to_string()],
        )
        .await?;
    let rows: Vec<(String, String, Option<String>, String)> =
        rows.iter().map(|r| (r.get(0), r.get(1), r.get(2), r.get(3))).collect();
    let (tickets, ratings) = reports::events::facts_from_events(
        rows.iter().map(|(kind, day, actor, payload)| reports::events::ReportEvent {
            kind,
            day,
            actor: actor.as_deref(),
            payload,
        }),
        from,
        to,
    );
    let mut report = reports::build_framed(
        &frame,
        &zone,
        from,
        to,
        jiff::Timestamp::now(),
        (tickets, ratings, Vec::new(), officers),
    );
    for row in report.fields.iter_mut().chain([&mut report.total]) {
        row.figures.overdue = None;
    }
    Ok(Some(report))
}

/// The days a report query asks for.
fn range(q: &ReportQuery) -> Option<(jiff::civil::Date, jiff::civil::Date)> {
    use jiff::civil::Date;
    match (&q.period, &q.from, &q.to) {
        (Some(p), None, None) => {
            let p = p.trim();
            // A quarter says so (`2026-Q4`); `2026-04` is April.
            if p.contains(['Q', 'q']) {
                return reports::ratings::Quarter::parse(p).map(reports::ratings::Quarter::days);
            }
            if let Ok(day) = p.parse::<Date>() {
                return Some((day, day));
            }
            let (year, month) = p.split_once('-')?;
            let first = Date::new(year.parse().ok()?, month.parse().ok()?, 1).ok()?;
            Some((first, first.last_of_month()))
        }
        (None, Some(from), Some(to)) => Some((from.trim().parse().ok()?, to.trim().parse().ok()?)),
        _ => None,
    }
}

async fn report(
    State(hub): State<Hub>,
    headers: HeaderMap,
    q: Result<Query<ReportQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Ok(Query(q)) = q else {
        return refuse(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "Cần centre (mã đơn vị) và from, to (YYYY-MM-DD) hoặc period (2026-11-23, 2026-11, 2026-Q4).",
        );
    };
    let viewer = match viewer(&hub, &headers).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    if viewer.centre.as_ref().is_some_and(|c| *c != q.centre) {
        return refuse(StatusCode::FORBIDDEN, "other_centre", "Tài khoản này chỉ xem được trung tâm của mình.");
    }
    let Some((from, to)) = range(&q) else {
        return refuse(
            StatusCode::BAD_REQUEST,
            "bad_date",
            "Cần from và to dạng YYYY-MM-DD, hoặc period là một ngày (2026-11-23), tháng (2026-11) hay quý (2026-Q4).",
        );
    };
    if to < from || (to - from).get_days() > 366 {
        return refuse(
            StatusCode::BAD_REQUEST,
            "bad_range",
            "Khoảng ngày phải từ 1 đến 366 ngày, ngày đầu trước ngày cuối.",
        );
    }
    let Ok(_turn) = hub.reports.clone().acquire_owned().await else {
        return refuse(StatusCode::SERVICE_UNAVAILABLE, "busy", "Máy chủ tỉnh đang bận; thử lại sau.");
    };
    let report = match centre_report(&hub, &q.centre, from, to).await {
        Ok(Some(r)) => r,
        Ok(None) => {
            return refuse(StatusCode::NOT_FOUND, "unknown_centre", format!("Không có trung tâm mã {}.", q.centre));
        }
        Err(e) => return hub.unavailable(e),
    };
    let name = format!("bao-cao-{}-{from}-{to}", q.centre);
    match q.format.as_deref().unwrap_or("json") {
        "json" => Json(report).into_response(),
        "csv" => match reports::export::csv(&report) {
            Ok(text) => file(text.into_bytes(), "text/csv; charset=utf-8", &format!("{name}.csv")),
            Err(e) => hub.unavailable(e.into()),
        },
        "xlsx" => match reports::export::xlsx(&report) {
            Ok(bytes) => file(
                bytes,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                &format!("{name}.xlsx"),
            ),
            Err(e) => hub.unavailable(anyhow::anyhow!("{e}")),
        },
        _ => refuse(StatusCode::BAD_REQUEST, "bad_format", "Định dạng phải là json, csv hoặc xlsx."),
    }
}

fn file(bytes: Vec<u8>, content_type: &'static str, name: &str) -> Response {
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
        .unwrap_or(HeaderValue::from_static("attachment"));
    (
        [(header::CONTENT_TYPE, HeaderValue::from_static(content_type)), (header::CONTENT_DISPOSITION, disposition)],
        bytes,
    )
        .into_response()
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
            let cookie = format!("{COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age=43200");
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
        .route("/api/v1/province/report", get(report))
        .route("/api/v1/public/waits", get(public_json))
        .route("/api/v1/public/stream", get(public_stream))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(period: Option<&str>, from: Option<&str>, to: Option<&str>) -> ReportQuery {
        ReportQuery {
            centre: "X".into(),
            from: from.map(String::from),
            to: to.map(String::from),
            period: period.map(String::from),
            format: None,
        }
    }

    #[test]
    fn a_report_is_asked_for_by_days_or_by_a_day_month_or_quarter() {
        let d = |s: &str| s.parse::<jiff::civil::Date>().expect("date");
        assert_eq!(range(&q(Some("2026-11-23"), None, None)), Some((d("2026-11-23"), d("2026-11-23"))));
        assert_eq!(range(&q(Some("2026-02"), None, None)), Some((d("2026-02-01"), d("2026-02-28"))));
        assert_eq!(range(&q(Some("2026-Q4"), None, None)), Some((d("2026-10-01"), d("2026-12-31"))));
        assert_eq!(range(&q(None, Some("2026-11-01"), Some("2026-11-30"))), Some((d("2026-11-01"), d("2026-11-30"))));
        assert_eq!(range(&q(Some("2026-4"), None, None)), Some((d("2026-04-01"), d("2026-04-30"))), "a month");
        assert_eq!(range(&q(Some("2026-13"), None, None)), None);
        assert_eq!(range(&q(Some("2026-Q5"), None, None)), None);
        assert_eq!(range(&q(Some("2026-11"), Some("2026-11-01"), None)), None, "one way or the other");
        assert_eq!(range(&q(None, Some("23/11/2026"), Some("2026-11-30"))), None);
    }
}
