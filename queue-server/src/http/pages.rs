//! Citizen pages for a phone browser, all with the same look: `/book` (booking), `/t/{ticket}`
//! (where a ticket's QR points: live position, wait and counter), `/lookup` (dossier by receipt
//! code, masked as on the kiosk). The pages and their scripts are files under `queue-server/web/`,
//! compiled in; they talk to the public API and work with no internet.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{Html, IntoResponse, Response};
use motcua_protocol::api::Dossier;
use serde::Deserialize;

use super::AppState;
use crate::domain::TicketId;

const STYLE: &str = include_str!("../../web/style.css");
const BOOK_HTML: &str = include_str!("../../web/book.html");
const BOOK_JS: &str = include_str!("../../web/book.js");
const TICKET_HTML: &str = include_str!("../../web/ticket.html");
const TICKET_JS: &str = include_str!("../../web/ticket.js");
const LOOKUP_HTML: &str = include_str!("../../web/lookup.html");
const MESSAGE_HTML: &str = include_str!("../../web/message.html");
const STAFF_CSS: &str = include_str!("../../web/staff.css");
const STAFF_JS: &str = include_str!("../../web/staff.js");
const LIVE_JS: &str = include_str!("../../web/live.js");
const COUNTER_JS: &str = include_str!("../../web/counter.js");
const BOARD_JS: &str = include_str!("../../web/board.js");
const SUPERVISOR_JS: &str = include_str!("../../web/supervisor.js");
const ADMIN_JS: &str = include_str!("../../web/admin.js");

/// Text made safe inside HTML.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A QR code as SVG (dark modules as one path), with a quiet zone.
pub fn qr_svg(data: &str) -> Option<String> {
    let code = qrcode::QrCode::new(data.as_bytes()).ok()?;
    let width = code.width();
    let quiet = 4;
    let size = width + 2 * quiet;
    let mut path = String::new();
    for (i, color) in code.to_colors().iter().enumerate() {
        if *color == qrcode::Color::Dark {
            let (x, y) = (i % width + quiet, i / width + quiet);
            path.push_str(&format!("M{x} {y}h1v1h-1z"));
        }
    }
    Some(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {size} {size}\" shape-rendering=\"crispEdges\">\
         <rect width=\"{size}\" height=\"{size}\" fill=\"#fff\"/><path d=\"{path}\" fill=\"#000\"/></svg>"
    ))
}

/// A value put into a page: text, escaped by the template engine, or HTML made here (from escaped
/// parts) and put in as it is.
#[derive(Debug, Clone)]
pub enum Part {
    /// Text: escaped.
    Text(String),
    /// Markup made by the server: not escaped.
    Html(String),
}

/// Text for a page (escaped when filled in).
pub fn text(value: impl Into<String>) -> Part {
    Part::Text(value.into())
}

/// Markup for a page (put in as it is).
pub fn html(value: impl Into<String>) -> Part {
    Part::Html(value.into())
}

/// Every page template, by name: files under `queue-server/web/`, compiled in.
const TEMPLATES: &[(&str, &str)] = &[
    ("book.html", BOOK_HTML),
    ("ticket.html", TICKET_HTML),
    ("lookup.html", LOOKUP_HTML),
    ("message.html", MESSAGE_HTML),
    ("login.html", include_str!("../../web/login.html")),
    ("counter.html", include_str!("../../web/counter.html")),
    ("board.html", include_str!("../../web/board.html")),
    ("supervisor.html", include_str!("../../web/supervisor.html")),
    ("reports.html", include_str!("../../web/reports.html")),
    ("admin.html", include_str!("../../web/admin.html")),
];

/// The template engine (minijinja) with every page, HTML auto-escaping on, and a value a page
/// names but is not given refused rather than left empty.
static PAGES: std::sync::LazyLock<minijinja::Environment<'static>> = std::sync::LazyLock::new(|| {
    let mut env = minijinja::Environment::new();
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    for (name, source) in TEMPLATES {
        if let Err(e) = env.add_template(name, source) {
            // The templates are compiled in: a test renders each, so this is never reached.
            tracing::error!(template = name, error = %e, "page template does not parse");
        }
    }
    env
});

/// Renders the page template `name` with `centre` (the centre's name) and `values`. Errors (a
/// value missing, a template that does not parse) are logged and give a short page saying so.
pub fn fill(state: &AppState, name: &str, values: &[(&str, Part)]) -> String {
    render(name, &state.config.centre.name, values)
}

/// [`fill`] for the centre named `centre`.
pub fn render(name: &str, centre: &str, values: &[(&str, Part)]) -> String {
    let mut context: std::collections::BTreeMap<&str, minijinja::Value> = values
        .iter()
        .map(|(key, part)| {
            let value = match part {
                Part::Text(t) => minijinja::Value::from(t.as_str()),
                Part::Html(h) => minijinja::Value::from_safe_string(h.clone()),
            };
            (*key, value)
        })
        .collect();
    context.insert("centre", minijinja::Value::from(centre));
    match PAGES.get_template(name).and_then(|t| t.render(&context)) {
        Ok(page) => page,
        Err(e) => {
            tracing::error!(template = name, error = %e, "page not rendered");
            "<!doctype html><html lang=\"vi\"><title>Lỗi</title><p>Trang chưa hiển thị được.</p></html>".to_string()
        }
    }
}

fn page(state: &AppState, name: &str, values: &[(&str, Part)]) -> Html<String> {
    Html(fill(state, name, values))
}

/// The shared style sheet.
pub async fn style() -> Response {
    ([(CONTENT_TYPE, "text/css; charset=utf-8"), (CACHE_CONTROL, "public, max-age=300")], STYLE).into_response()
}

/// A page script, or the staff pages' style sheet.
pub async fn script(Path(name): Path<String>) -> Response {
    let (kind, body) = match name.as_str() {
        "book.js" => ("text/javascript", BOOK_JS),
        "ticket.js" => ("text/javascript", TICKET_JS),
        "staff.js" => ("text/javascript", STAFF_JS),
        "live.js" => ("text/javascript", LIVE_JS),
        "counter.js" => ("text/javascript", COUNTER_JS),
        "board.js" => ("text/javascript", BOARD_JS),
        "supervisor.js" => ("text/javascript", SUPERVISOR_JS),
        "admin.js" => ("text/javascript", ADMIN_JS),
        "staff.css" => ("text/css", STAFF_CSS),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    let kind = format!("{kind}; charset=utf-8");
    ([(CONTENT_TYPE, kind.as_str()), (CACHE_CONTROL, "public, max-age=300")], body).into_response()
}

/// `/book`: choose a field, a day, a slot, enter details, get the code and QR.
pub async fn book(State(state): State<AppState>) -> Html<String> {
    page(&state, "book.html", &[])
}

/// `/t/{ticket}`: the ticket's live position.
pub async fn ticket(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    match TicketId::parse(&id) {
        Ok(id) => page(&state, "ticket.html", &[("ticket", text(id.as_str()))]).into_response(),
        Err(e) => (StatusCode::BAD_REQUEST, message_page(&state, "Mã phiếu không hợp lệ", &e.message)).into_response(),
    }
}

/// A warning box with a title and a text, escaped.
fn alert(title: &str, text: &str) -> String {
    format!("<div class=\"alert\" role=\"alert\"><b>{}</b><p>{}</p></div>", escape(title), escape(text))
}

/// A page with one message (title and text escaped), and links to the citizen pages.
pub fn message_page(state: &AppState, title: &str, text: &str) -> Html<String> {
    page(state, "message.html", &[("title", self::text(title)), ("text", self::text(text)), ("again", html(""))])
}

/// A page with one message and a "Thử lại" link back to `path` (a path on this server, with its
/// query; anything else links to `/`).
pub fn retry_page(state: &AppState, title: &str, text: &str, path: &str) -> Html<String> {
    let path = if path.starts_with('/') && !path.starts_with("//") && !path.starts_with("/\\") { path } else { "/" };
    let again = format!("<p><a class=\"button primary\" id=\"again\" href=\"{}\">Thử lại</a></p>", escape(path));
    page(state, "message.html", &[("title", self::text(title)), ("text", self::text(text)), ("again", html(again))])
}

/// Query of `/lookup`.
#[derive(Debug, Deserialize)]
pub struct LookupQuery {
    /// Receipt code.
    pub code: Option<String>,
    /// The last 4 digits of the applicant's phone (the second factor).
    pub phone_last4: Option<String>,
}

/// `/lookup?code=…[&phone_last4=…]`: a dossier by receipt code, served as plain HTML (no script
/// needed); the applicant and the notes only with the second factor.
pub async fn lookup(
    State(state): State<AppState>,
    axum::extract::ConnectInfo(from): axum::extract::ConnectInfo<std::net::SocketAddr>,
    query: Result<Query<LookupQuery>, QueryRejection>,
) -> Response {
    let query = query.map(|Query(q)| q).unwrap_or(LookupQuery { code: None, phone_last4: None });
    let factor: String = query.phone_last4.unwrap_or_default().chars().filter(char::is_ascii_digit).take(4).collect();
    let code = query.code.map(|c| c.trim().to_uppercase()).filter(|c| !c.is_empty());
    let Some(raw) = code else {
        let empty = [("code", text("")), ("phone_last4", text("")), ("result", html(""))];
        return page(&state, "lookup.html", &empty).into_response();
    };
    let fill = |result: String| vec![("code", text(&raw)), ("phone_last4", text(&factor)), ("result", html(result))];
    let code = match super::dossiers::parse_code(&state, &raw) {
        Ok(code) => code,
        Err(e) => {
            let html = page(&state, "lookup.html", &fill(alert("Mã hồ sơ chưa đúng", &e.parts().2)));
            return (StatusCode::BAD_REQUEST, html).into_response();
        }
    };
    let about = crate::config::receipts::about(&state.config.receipt_patterns, &code);
    match super::dossiers::look_up(&state, from.ip(), code, Some(factor.clone())).await {
        Ok(Some(d)) => {
            let mut html = dossier_html(&d);
            if d.details_hidden {
                let (title, text) = if factor.is_empty() {
                    (
                        "Thông tin người nộp được ẩn",
                        "Nhập 4 số cuối số điện thoại ghi trên giấy tiếp nhận để xem tên người nộp và nội dung xử lý.",
                    )
                } else {
                    (
                        "4 số cuối điện thoại chưa đúng",
                        "Số đã nhập không khớp với hồ sơ; thông tin người nộp và nội dung xử lý vẫn được ẩn.",
                    )
                };
                html.push_str(&alert(title, text));
            }
            page(&state, "lookup.html", &fill(html)).into_response()
        }
        Err(super::error::ApiError::TooManyWrongFactors) => {
            let text = "Đã nhập sai 4 số cuối điện thoại quá nhiều lần; vui lòng thử lại sau một giờ hoặc hỏi cán bộ tại quầy.";
            (StatusCode::TOO_MANY_REQUESTS, page(&state, "lookup.html", &fill(alert("Tạm dừng tra cứu", text))))
                .into_response()
        }
        Ok(None) => {
            let text = format!("Không có hồ sơ mã {raw}{about}. Vui lòng kiểm tra mã trên giấy tiếp nhận.");
            (StatusCode::NOT_FOUND, page(&state, "lookup.html", &fill(alert("Không tìm thấy hồ sơ", &text))))
                .into_response()
        }
        Err(_) => {
            let html = page(
                &state,
                "lookup.html",
                &fill(alert("Chưa tra cứu được", "Hệ thống đang bận, vui lòng thử lại sau ít phút.")),
            );
            (StatusCode::SERVICE_UNAVAILABLE, html).into_response()
        }
    }
}

fn dossier_html(d: &Dossier) -> String {
    let row = |k: &str, v: &str| format!("<dt>{}</dt><dd>{}</dd>", escape(k), escape(v));
    let day = |at: &str| at.get(..10).map_or(at.to_string(), |d| format!("{}/{}/{}", &d[8..10], &d[5..7], &d[..4]));
    let mut html = format!(
        "<section class=\"card\" id=\"dossier\"><h2>{}</h2><p class=\"status{}\">{}</p><dl>",
        escape(&d.procedure_name),
        if d.overdue { " late" } else { "" },
        escape(&d.status_label)
    );
    html.push_str(&row("Mã hồ sơ", &d.receipt_code));
    if !d.details_hidden {
        html.push_str(&row("Người nộp", &d.applicant));
        html.push_str(&row("Điện thoại", &d.phone));
    }
    html.push_str(&row("Ngày tiếp nhận", &day(&d.received_at)));
    html.push_str(&row("Hẹn trả kết quả", &day(&d.due_at)));
    if let Some(at) = &d.synced_at {
        // How fresh the province's data is (the centre's time, as the server wrote it).
        let shown = format!("{} {}", at.get(11..16).unwrap_or_default(), day(at));
        html.push_str(&row("Cập nhật lúc", &shown));
    }
    html.push_str("</dl>");
    if let Some(a) = &d.apology {
        html.push_str(&format!(
            "<div class=\"alert\" id=\"apology\"><b>Thư xin lỗi</b><p>{}</p><p>Ngày hẹn trả mới: {}</p></div>",
            escape(&a.message),
            escape(&day(&a.new_due_at))
        ));
    }
    if !d.history.is_empty() {
        html.push_str("<h3>Quá trình xử lý</h3><ol class=\"history\">");
        for step in &d.history {
            let note = step.note.as_deref().map(|n| format!(" — {}", escape(n))).unwrap_or_default();
            html.push_str(&format!(
                "<li><time>{}</time> {}{note}</li>",
                escape(&day(&step.at)),
                escape(&step.status_label)
            ));
        }
        html.push_str("</ol>");
    }
    html.push_str("</section>");
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_covers_markup_and_quotes() {
        assert_eq!(
            escape("<a href=\"x\">Đất & 'nhà'</a>"),
            "&lt;a href=&quot;x&quot;&gt;Đất &amp; &#39;nhà&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn every_page_template_parses_and_escapes_what_it_is_given() {
        for (name, _) in TEMPLATES {
            assert!(PAGES.get_template(name).is_ok(), "{name} parses");
        }
        let page = render(
            "message.html",
            "Trung tâm <thử>",
            &[("title", text("<b>A & B</b>")), ("text", text("x")), ("again", html("<p id=\"again\">y</p>"))],
        );
        assert!(page.contains("&lt;b&gt;A &amp; B&lt;&#x2f;b&gt;"), "text is escaped: {page}");
        assert!(page.contains("<p id=\"again\">y</p>"), "markup made here is kept: {page}");
        assert!(page.contains("Trung tâm &lt;thử&gt;"), "the centre's name too: {page}");
        let missing = render("message.html", "T", &[("title", text("t"))]);
        assert!(missing.contains("Trang chưa hiển thị được"), "a value the page names but is not given: {missing}");
    }

    #[test]
    fn qr_svg_has_modules_and_quiet_zone() {
        let svg = qr_svg("K7MX3Q").expect("encodes");
        assert!(svg.starts_with("<svg") && svg.contains("viewBox=\"0 0 29 29\""), "version 1 is 21 modules + 8");
        assert!(svg.matches('M').count() > 100);
    }
}
