//! `/admin`: staff accounts for admins: list, add, set a new password, unlock. Plain forms, each
//! with the session's CSRF token; every change is an event naming the admin.

use axum::extract::rejection::FormRejection;
use axum::extract::{Form, State};
use axum::http::header::LOCATION;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

use super::AppState;
use super::pages::{escape, fill, html, text};
use super::staff::{csrf_refused, form_ok, gate, nav};
use crate::accounts::{Session, StaffRole};

async fn render(state: &AppState, session: &Session, status: StatusCode, message: &str, ok: bool) -> Response {
    let now = state.clock.now();
    let users = match state.accounts.run(move |a| a.users(now)).await {
        Ok(users) => users,
        Err(e) => return state.account_error(e).into_response(),
    };
    let csrf = escape(&session.csrf);
    let rows: String = users
        .iter()
        .map(|u| {
            let lock = u.locked_until.map_or(String::new(), |t| {
                format!(
                    " <span class=\"pill bad\">khoá đến {}</span> <form method=\"post\" action=\"/admin/unlock\" style=\"display:inline\">\
                     <input type=\"hidden\" name=\"_csrf\" value=\"{csrf}\"><input type=\"hidden\" name=\"username\" value=\"{}\">\
                     <button type=\"submit\">Mở khoá</button></form>",
                    state.config.centre.schedule.local_hhmm(t),
                    escape(&u.username)
                )
            });
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}{lock}</td></tr>",
                escape(&u.username),
                escape(&u.display_name),
                u.role.label()
            )
        })
        .collect();
    let message = if message.is_empty() {
        String::new()
    } else {
        format!("<div class=\"alert{}\" role=\"alert\">{}</div>", if ok { " ok" } else { "" }, escape(message))
    };
    let html = fill(
        state,
        "admin.html",
        &[
            ("nav", html(nav(session, "/admin"))),
            ("csrf", text(&session.csrf)),
            ("rows", html(rows)),
            ("message", html(message)),
        ],
    );
    (status, Html(html)).into_response()
}

/// `GET /admin`.
pub async fn page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match gate(&state, &headers, "/admin", StaffRole::Admin).await {
        Ok(session) => render(&state, &session, StatusCode::OK, "", true).await,
        Err(response) => response,
    }
}

/// The account form.
#[derive(Debug, Deserialize)]
pub struct UserForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    password: String,
}

/// `POST /admin/users` (add), `/admin/password` (set a new password), `/admin/unlock`.
pub async fn change(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::extract::Path(action): axum::extract::Path<String>,
    form: Result<Form<UserForm>, FormRejection>,
) -> Response {
    let session = match gate(&state, &headers, "/admin", StaffRole::Admin).await {
        Ok(s) => s,
        Err(response) => return response,
    };
    let Ok(Form(f)) = form else { return csrf_refused(&state) };
    if !form_ok(&session, &f.csrf) {
        return csrf_refused(&state);
    }
    let (by, now) = (session.actor(), state.clock.now());
    let user = f.username.clone();
    let done = match action.as_str() {
        "users" => {
            let role = match StaffRole::parse(&f.role) {
                Ok(r) => r,
                Err(e) => {
                    return render(
                        &state,
                        &session,
                        StatusCode::UNPROCESSABLE_ENTITY,
                        &e.message(&state.config.centre.schedule),
                        false,
                    )
                    .await;
                }
            };
            state
                .accounts
                .run(move |a| a.add_user(&f.username, &f.display_name, role, &f.password, &by, now).map(|_| ()))
                .await
                .map(|()| format!("Đã tạo tài khoản {user}"))
        }
        "password" => state
            .accounts
            .run(move |a| a.reset_password(&f.username, &f.password, &by, now))
            .await
            .map(|()| format!("Đã đặt mật khẩu mới cho {user}")),
        "unlock" => {
            state.accounts.run(move |a| a.unlock(&f.username, &by, now)).await.map(|()| format!("Đã mở khoá {user}"))
        }
        _ => return (StatusCode::NOT_FOUND, [(LOCATION, "/admin")]).into_response(),
    };
    match done {
        Ok(text) => render(&state, &session, StatusCode::OK, &text, true).await,
        Err(e) => {
            let status = state.account_error(e.clone()).into_response().status();
            render(&state, &session, status, &e.message(&state.config.centre.schedule), false).await
        }
    }
}
