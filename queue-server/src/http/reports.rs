//! Reports: the page `/reports` (server-rendered, charts as inline SVG) and the data as JSON, CSV
//! and XLSX under `/api/v1/reports`. Supervisors and admins only.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{Html, IntoResponse, Response};
use jiff::civil::Date;
use serde::Deserialize;

use super::AppState;
use super::auth::Caller;
use super::error::ApiError;
use super::pages::{escape, fill, html, text};
use super::staff::{gate, nav};
use crate::accounts::StaffRole;
use crate::domain::ParseError;
use crate::reports::{self, Report, Row, export};

/// Longest range, days.
const MAX_DAYS: i32 = 366;

/// The range asked for.
#[derive(Debug, Deserialize)]
pub struct Range {
    /// First day, `YYYY-MM-DD` (today when absent).
    pub from: Option<String>,
    /// Last day (the first day when absent).
    pub to: Option<String>,
}

fn bad(message: String) -> ApiError {
    ApiError::BadInput(ParseError { code: "invalid_range", message })
}

fn range(state: &AppState, query: Result<Query<Range>, QueryRejection>) -> Result<(Date, Date), ApiError> {
    let Query(q) = query?;
    let today = state.config.centre.schedule.service_day(state.clock.now());
    let day = |raw: Option<&str>, default: Date| -> Result<Date, ApiError> {
        match raw.map(str::trim).filter(|r| !r.is_empty()) {
            None => Ok(default),
            Some(r) => r.parse().map_err(|_| bad(format!("Ngày «{r}» không hợp lệ, cần dạng YYYY-MM-DD"))),
        }
    };
    let from = day(q.from.as_deref(), today)?;
    let to = day(q.to.as_deref(), from)?;
    if to < from {
        return Err(bad("Ngày kết thúc phải sau ngày bắt đầu".into()));
    }
    if (to - from).get_days() >= MAX_DAYS {
        return Err(bad(format!("Mỗi báo cáo tối đa {MAX_DAYS} ngày")));
    }
    Ok((from, to))
}

async fn report(state: &AppState, from: Date, to: Date) -> Result<Report, ApiError> {
    let facts = state.store.query(move |conn| reports::read(conn, from, to)).await?;
    Ok(reports::build(&state.config.centre, from, to, state.clock.now(), facts))
}

/// The report a supervisor's API request asks for.
async fn asked(
    state: &AppState,
    caller: &Caller,
    query: Result<Query<Range>, QueryRejection>,
) -> Result<(Date, Date, Report), ApiError> {
    caller.require_supervisor()?;
    let (from, to) = range(state, query)?;
    Ok((from, to, report(state, from, to).await?))
}

/// The report as JSON.
#[utoipa::path(get, path = "/api/v1/reports", tag = "supervisor", security(("bearer" = [])), params(("from" = Option<String>, Query), ("to" = Option<String>, Query)),
    responses((status = 200, description = "per field, counter and officer"), (status = 400), (status = 401), (status = 403)))]
pub async fn json(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<Range>, QueryRejection>,
) -> Result<Json<Report>, ApiError> {
    Ok(Json(asked(&state, &caller, query).await?.2))
}

pub(super) fn download(kind: &str, name: String, body: Vec<u8>) -> Response {
    let disposition = format!("attachment; filename=\"{name}\"");
    ([(CONTENT_TYPE, kind.to_string()), (CONTENT_DISPOSITION, disposition), (CACHE_CONTROL, "no-store".into())], body)
        .into_response()
}

/// The report as CSV.
#[utoipa::path(get, path = "/api/v1/reports.csv", tag = "supervisor", security(("bearer" = [])), params(("from" = Option<String>, Query), ("to" = Option<String>, Query)),
    responses((status = 200, content_type = "text/csv"), (status = 401), (status = 403)))]
pub async fn csv(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<Range>, QueryRejection>,
) -> Result<Response, ApiError> {
    let (from, to, r) = asked(&state, &caller, query).await?;
    let text = export::csv(&r).map_err(|e| {
        tracing::error!(error = %e, "csv export failed");
        ApiError::Unavailable
    })?;
    Ok(download("text/csv; charset=utf-8", format!("bao-cao-{from}-{to}.csv"), text.into_bytes()))
}

/// The report as XLSX.
#[utoipa::path(get, path = "/api/v1/reports.xlsx", tag = "supervisor", security(("bearer" = [])), params(("from" = Option<String>, Query), ("to" = Option<String>, Query)),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (status = 401), (status = 403)))]
pub async fn xlsx(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<Range>, QueryRejection>,
) -> Result<Response, ApiError> {
    let (from, to, r) = asked(&state, &caller, query).await?;
    let bytes = export::xlsx(&r).map_err(|e| {
        tracing::error!(error = %e, "xlsx export failed");
        ApiError::Unavailable
    })?;
    Ok(download(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        format!("bao-cao-{from}-{to}.xlsx"),
        bytes,
    ))
}

/// How the figures are counted, under the tables (the same rules as `reports` says).
const HOW_COUNTED: &str = "<section class=\"card\" id=\"how-counted\"><h2>Cách tính</h2><ul>\
<li>Chờ = từ lúc lấy số đến lúc được gọi (phiếu quay lại hoặc được chuyển: lần gọi sau cùng; gọi lại không tính); P90 = giá trị thứ ⌈0,9·n⌉ từ nhỏ đến lớn.</li>\
<li>Vắng mặt = phiếu đã gọi nhưng không đến (kể cả quá hạn quay lại), trên số phiếu đã gọi.</li>\
<li>Hài lòng = đánh giá ở hai mức tốt nhất, trên số đánh giá.</li>\
<li>Phiếu chuyển lĩnh vực giữ số cũ và tính <b>một lần</b>, vào lĩnh vực được chuyển đến, cho quầy và cán bộ \
hoàn thành; thời gian ở quầy đầu tính là thời gian chờ. Cột “Chuyển từ lĩnh vực khác” cho biết bao nhiêu phiếu đến theo cách đó.</li>\
</ul></section>";

fn number(x: Option<f64>, unit: &str) -> String {
    x.map_or("—".into(), |v| format!("{}{unit}", format!("{v:.1}").replace('.', ",")))
}

fn table(report: &Report, title: &str, rows: &[&Row], id: &str) -> String {
    let levels: String = report.levels.iter().map(|l| format!("<th class=\"num\">{}</th>", escape(l))).collect();
    let mut html = format!(
        "<section class=\"card\"><h2>{title}</h2><div style=\"overflow-x:auto\"><table id=\"{id}\"><thead><tr><th>Tên</th>\
         <th class=\"num\">Số phiếu</th><th class=\"num\">Đã phục vụ</th><th class=\"num\">Chờ TB</th><th class=\"num\">Chờ P90</th>\
         <th class=\"num\">Phục vụ TB</th><th class=\"num\">Vắng mặt</th><th class=\"num\">Hài lòng</th>{levels}\
         <th class=\"num\">Đặt lịch</th><th class=\"num\">Trực tiếp</th><th class=\"num\">Chuyển từ lĩnh vực khác</th><th class=\"num\">Hồ sơ trễ hạn</th></tr></thead><tbody>"
    );
    if rows.is_empty() {
        html.push_str("<tr><td colspan=\"20\" class=\"muted\">Không có số liệu trong khoảng ngày này</td></tr>");
    }
    for row in rows {
        let f = &row.figures;
        let counts: String = f.ratings.iter().map(|n| format!("<td class=\"num\">{n}</td>")).collect();
        html.push_str(&format!(
            "<tr data-key=\"{}\"><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>{counts}\
             <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            escape(&row.key),
            escape(&row.label),
            f.tickets,
            f.served,
            number(f.avg_wait, " ph"),
            number(f.p90_wait, " ph"),
            number(f.avg_service, " ph"),
            number(f.no_show_rate, "%"),
            number(f.satisfied, "%"),
            f.bookings,
            f.walk_ins,
            f.transferred,
            f.overdue.map_or("—".into(), |n| n.to_string()),
        ));
    }
    html.push_str("</tbody></table></div></section>");
    html
}

/// Horizontal bars, one per label, with the value at the end.
fn bars(title: &str, items: &[(String, f64)], unit: &str, colour: &str) -> String {
    let max = items.iter().map(|(_, v)| *v).fold(0.0_f64, f64::max).max(1.0);
    let (width, line) = (420.0, 22.0);
    let height = line * items.len().max(1) as f64 + 8.0;
    let number = |value: &f64| format!("{value:.1}").trim_end_matches(".0").replace('.', ",");
    // The chart's text alternative: every bar's label and number, read by screen readers.
    let alternative = if items.is_empty() {
        format!("{title}: chưa có số liệu")
    } else {
        let parts: Vec<String> =
            items.iter().map(|(label, value)| format!("{label} {}{unit}", number(value))).collect();
        format!("{title}: {}", parts.join("; "))
    };
    let mut svg = format!(
        "<figure><figcaption><b>{title}</b></figcaption><svg class=\"chart\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"{}\">",
        escape(&alternative)
    );
    for (i, (label, value)) in items.iter().enumerate() {
        let y = 4.0 + i as f64 * line;
        let w = value / max * 200.0;
        svg.push_str(&format!(
            "<text x=\"0\" y=\"{:.0}\">{}</text><rect x=\"170\" y=\"{y:.0}\" width=\"{w:.1}\" height=\"{:.0}\" fill=\"{colour}\"/>\
             <text x=\"{:.1}\" y=\"{:.0}\">{}{unit}</text>",
            y + 15.0,
            escape(label),
            line - 6.0,
            176.0 + w,
            y + 15.0,
            number(value)
        ));
    }
    svg.push_str("</svg></figure>");
    svg
}

/// `/reports?from=…&to=…`.
pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<Range>, QueryRejection>,
) -> Response {
    let session = match gate(&state, &headers, "/reports", StaffRole::Supervisor).await {
        Ok(s) => s,
        Err(response) => return response,
    };
    let (message, from, to) = match range(&state, query) {
        Ok((from, to)) => (String::new(), from, to),
        Err(e) => {
            let today = state.config.centre.schedule.service_day(state.clock.now());
            let text = match &e {
                ApiError::BadInput(p) => p.message.clone(),
                _ => "Khoảng ngày không hợp lệ".into(),
            };
            (format!("<div class=\"alert\" role=\"alert\">{}</div>", escape(&text)), today, today)
        }
    };
    let r = match report(&state, from, to).await {
        Ok(r) => r,
        Err(e) => return e.into_response(),
    };
    let fields: Vec<&Row> = r.fields.iter().collect();
    let tickets: Vec<(String, f64)> =
        r.fields.iter().map(|f| (f.label.clone(), f64::from(f.figures.tickets))).collect();
    let waits: Vec<(String, f64)> =
        r.fields.iter().filter_map(|f| f.figures.avg_wait.map(|w| (f.label.clone(), w))).collect();
    let levels: Vec<(String, f64)> =
        r.levels.iter().zip(&r.total.figures.ratings).map(|(l, n)| (l.clone(), f64::from(*n))).collect();
    let charts = format!(
        "<section class=\"card\"><h2>Biểu đồ</h2><div class=\"grid\">{}{}{}</div></section>",
        bars("Số phiếu theo lĩnh vực", &tickets, "", "#5b8def"),
        bars("Thời gian chờ trung bình (phút)", &waits, "", "#b3261e"),
        bars("Mức độ hài lòng", &levels, "", "#1e7b34")
    );
    let body = [
        charts,
        table(&r, "Toàn trung tâm", &[&r.total], "total"),
        table(&r, "Theo lĩnh vực", &fields, "by-field"),
        table(&r, "Theo quầy", &r.counters.iter().collect::<Vec<_>>(), "by-counter"),
        table(&r, "Theo cán bộ", &r.officers.iter().collect::<Vec<_>>(), "by-officer"),
        HOW_COUNTED.to_string(),
    ]
    .concat();
    let query = format!("from={from}&to={to}");
    Html(fill(
        &state,
        "reports.html",
        &[
            ("nav", html(nav(&session, "/reports"))),
            ("from", text(from.to_string())),
            ("to", text(to.to_string())),
            ("query", text(query)),
            ("message", html(message)),
            ("body", html(body)),
        ],
    ))
    .into_response()
}
