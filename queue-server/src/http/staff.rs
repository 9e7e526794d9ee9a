//! Staff sign-in and the gate of the staff pages.
//!
//! `/login` shows a form; the form carries a random token that must match a short-lived cookie set
//! with it, so another site cannot sign a browser in as someone else. A good sign-in sets the
//! session cookie (HttpOnly, SameSite=Strict) and goes to the page asked for or the role's home.
//! Pages call [`gate`]: without a session they answer 401 with the sign-in form, with too small a
//! role 403. Forms on staff pages carry the session's CSRF token in `_csrf`; scripts send it in
//! `X-CSRF-Token`.

use axum::Json;
use axum::extract::rejection::{FormRejection, JsonRejection, QueryRejection};
use axum::extract::{ConnectInfo, Form, Query, State};
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use motcua_protocol::api::{Me, TakeCounterRequest};
use serde::Deserialize;

use super::AppState;
use super::auth::{Caller, SESSION_COOKIE, cookie, same, session_of};
use super::error::ApiError;
use super::pages::{escape, fill};
use crate::accounts::{AccountError, Session, StaffRole, random_token};
use crate::domain::{Command, CounterNo};

const LOGIN_COOKIE: &str = "motcua_login";

/// The staff navigation bar for `session`, with its sign-out form.
pub fn nav(session: &Session, current: &str) -> String {
    let mut links = vec![("/counter", "Quầy"), ("/board", "Bảng gọi số")];
    if session.role >= StaffRole::Supervisor {
        links.extend([("/supervisor", "Giám sát"), ("/reports", "Báo cáo")]);
    }
    if session.role == StaffRole::Admin {
        links.push(("/admin", "Quản trị"));
    }
    let items: String = links
        .iter()
        .map(|(href, label)| {
            let here = if *href == current { " aria-current=\"page\"" } else { "" };
            format!("<a href=\"{href}\"{here}>{label}</a>")
        })
        .collect();
    format!(
        "<nav class=\"staff-nav\">{items}<span class=\"who\">{} · {}</span>\
         <form method=\"post\" action=\"/logout\"><input type=\"hidden\" name=\"_csrf\" value=\"{}\">\
         <button type=\"submit\">Đăng xuất</button></form></nav>",
        escape(&session.display_name),
        session.role.label(),
        escape(&session.csrf)
    )
}

/// Only paths on this server, so a sign-in link cannot send the browser elsewhere.
fn local_path(next: Option<&str>) -> Option<String> {
    next.filter(|n| n.starts_with('/') && !n.starts_with("//") && !n.contains('\\')).map(str::to_string)
}

fn home(role: StaffRole) -> &'static str {
    match role {
        StaffRole::Officer => "/counter",
        StaffRole::Supervisor => "/supervisor",
        StaffRole::Admin => "/admin",
    }
}

/// `; Secure` when the centre is reached over https (`public_url`): the browser then never sends
/// the cookie over plain http. Staff then sign in at the https address too.
fn secure(state: &AppState) -> &'static str {
    if state.config.public_url.starts_with("https://") { "; Secure" } else { "" }
}

/// The sign-in form with a fresh form token (also set as a cookie), `status` and a message.
fn login_page(state: &AppState, status: StatusCode, next: &str, message: Option<&str>) -> Response {
    let Ok(token) = random_token() else { return ApiError::Unavailable.into_response() };
    let message = message.map_or(String::new(), |m| format!("<div class=\"alert\" role=\"alert\">{}</div>", escape(m)));
    let html = fill(
        state,
        "login.html",
        &[
            ("form_token", super::pages::text(&token)),
            ("next", super::pages::text(next)),
            ("message", super::pages::html(message)),
        ],
    );
    let cookie =
        format!("{LOGIN_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/login; Max-Age=1800{}", secure(state));
    let mut response = (status, Html(html)).into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(SET_COOKIE, value);
    }
    response
}

/// Query of `/login`.
#[derive(Debug, Deserialize)]
pub struct NextQuery {
    /// Where to go after signing in.
    pub next: Option<String>,
}

/// `GET /login`.
pub async fn login_form(State(state): State<AppState>, query: Result<Query<NextQuery>, QueryRejection>) -> Response {
    let next = query.ok().and_then(|Query(q)| local_path(q.next.as_deref())).unwrap_or_default();
    login_page(&state, StatusCode::OK, &next, None)
}

/// The sign-in form.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    #[serde(default)]
    next: String,
    #[serde(rename = "_form", default)]
    form: String,
}

/// `POST /login`: checks the client's sign-in budget and the form token, then the password.
pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(from): ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    form: Result<Form<LoginForm>, FormRejection>,
) -> Response {
    let client = from.ip();
    if !state.sign_in_limiter.take(client, state.config.staff.sign_ins_per_minute, std::time::Instant::now()) {
        let message = "Đăng nhập quá nhiều lần từ thiết bị này; vui lòng chờ một phút rồi thử lại";
        let mut page = login_page(&state, StatusCode::TOO_MANY_REQUESTS, "", Some(message));
        let per_minute = state.config.staff.sign_ins_per_minute;
        page.headers_mut().insert(axum::http::header::RETRY_AFTER, super::limit::retry_after(per_minute));
        return page;
    }
    let Ok(Form(form)) = form else {
        return login_page(&state, StatusCode::BAD_REQUEST, "", Some("Vui lòng nhập tên đăng nhập và mật khẩu"));
    };
    let next = local_path(Some(&form.next)).unwrap_or_default();
    let expected = cookie(&headers, LOGIN_COOKIE).unwrap_or("");
    if expected.is_empty() || !same(expected.as_bytes(), form.form.as_bytes()) {
        return login_page(
            &state,
            StatusCode::FORBIDDEN,
            &next,
            Some("Trang đăng nhập đã cũ hoặc không hợp lệ; vui lòng nhập lại"),
        );
    }
    let now = state.clock.now();
    let (user, password) = (form.username.clone(), form.password.clone());
    match state.accounts.login_async(user, password, client, now).await {
        Ok((session, token)) => {
            let max_age = i64::from(state.config.staff.session_hours) * 3600;
            state.known_sessions.signed_in(&token);
            let cookie = format!(
                "{SESSION_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age}{}",
                secure(&state)
            );
            let to = if next.is_empty() { home(session.role).to_string() } else { next };
            let mut response = (StatusCode::SEE_OTHER, [(LOCATION, to)]).into_response();
            if let Ok(value) = HeaderValue::from_str(&cookie) {
                response.headers_mut().append(SET_COOKIE, value);
            }
            response
        }
        Err(e) => {
            let status = match e {
                AccountError::BadCredentials => StatusCode::UNAUTHORIZED,
                AccountError::Locked(_) => StatusCode::LOCKED,
                _ => StatusCode::SERVICE_UNAVAILABLE,
            };
            login_page(&state, status, &next, Some(&e.message(&state.config.centre.schedule)))
        }
    }
}

/// A form with only the CSRF token.
#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

/// Whether a form's CSRF token is the session's.
pub fn form_ok(session: &Session, sent: &str) -> bool {
    same(session.csrf.as_bytes(), sent.as_bytes())
}

/// The answer to a form post whose CSRF token is missing or not the session's.
pub fn csrf_refused(state: &AppState) -> Response {
    let html = super::pages::message_page(
        state,
        "Yêu cầu bị từ chối",
        "Mã xác nhận phiên làm việc của biểu mẫu thiếu hoặc không đúng (có thể trang đã cũ). Vui lòng tải lại trang rồi thử lại.",
    );
    (StatusCode::FORBIDDEN, html).into_response()
}

/// `POST /logout`.
pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<CsrfForm>, FormRejection>,
) -> Response {
    let Ok(Some(session)) = session_of(&state, &headers).await else {
        return (StatusCode::SEE_OTHER, [(LOCATION, "/login")]).into_response();
    };
    if !form.is_ok_and(|Form(f)| form_ok(&session, &f.csrf)) {
        return csrf_refused(&state);
    }
    let now = state.clock.now();
    let _ = state.accounts.run(move |a| a.logout(&session, now)).await;
    let clear = format!("{SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0{}", secure(&state));
    (StatusCode::SEE_OTHER, [(LOCATION, "/login".to_string()), (SET_COOKIE, clear)]).into_response()
}

/// The session of a page request with at least `need`: 401 with the sign-in form without one,
/// 403 with too small a role.
pub async fn gate(state: &AppState, headers: &HeaderMap, path: &str, need: StaffRole) -> Result<Session, Response> {
    match session_of(state, headers).await {
        Err(e) => Err(e.into_response()),
        Ok(None) => Err(login_page(state, StatusCode::UNAUTHORIZED, path, Some("Vui lòng đăng nhập để tiếp tục"))),
        Ok(Some(s)) if s.role < need => {
            let html = super::pages::message_page(
                state,
                "Không có quyền truy cập",
                &format!("Tài khoản {} ({}) không được mở trang này.", s.display_name, s.role.label()),
            );
            Err((StatusCode::FORBIDDEN, html).into_response())
        }
        Ok(Some(s)) => Ok(s),
    }
}

/// The signed-in staff member.
#[utoipa::path(get, path = "/api/v1/staff/me", tag = "staff", security(("session" = [])), responses((status = 200, body = Me), (status = 401)))]
pub async fn me(caller: Caller) -> Result<Json<Me>, ApiError> {
    let session = caller.session.ok_or(ApiError::Forbidden("Chỉ dành cho cán bộ đã đăng nhập".into()))?;
    Ok(Json(Me {
        username: session.username,
        name: session.display_name,
        role: session.role.as_str().into(),
        counter: session.counter.map(CounterNo::get),
    }))
}

/// Takes a counter (opening it if closed) or leaves it.
#[utoipa::path(post, path = "/api/v1/staff/counter", tag = "staff", security(("session" = [])), request_body = TakeCounterRequest,
    responses((status = 200, body = Me), (status = 403), (status = 409)))]
pub async fn take_counter(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Json<TakeCounterRequest>, JsonRejection>,
) -> Result<Json<Me>, ApiError> {
    let session = caller.session.clone().ok_or(ApiError::Forbidden("Chỉ dành cho cán bộ đã đăng nhập".into()))?;
    let Json(body) = body?;
    let no = match body.counter {
        Some(n) => {
            let no = CounterNo::parse(&n.to_string())?;
            if state.config.centre.counter(no).is_none() {
                return Err(ApiError::Refused(crate::domain::DomainError::UnknownCounter(n)));
            }
            Some(no)
        }
        None => None,
    };
    let now = state.clock.now();
    let taker = session.clone();
    state.accounts.run(move |a| a.take_counter(&taker, no, now)).await.map_err(|e| state.account_error(e))?;
    if let Some(no) = no {
        let closed = state
            .hub
            .snapshot()
            .counters
            .iter()
            .any(|c| c.number == no.get() && c.state == motcua_protocol::api::CounterState::Closed);
        if closed {
            state.store.execute_as(Command::Open(no), Some(caller.actor.clone())).await?;
        }
    }
    Ok(Json(Me {
        username: session.username,
        name: session.display_name,
        role: session.role.as_str().into(),
        counter: no.map(CounterNo::get),
    }))
}
