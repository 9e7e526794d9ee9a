//! The province's reports: one centre's report for a range of days (or a day, month, quarter),
//! from the events the hub holds, built by the centre's own functions; JSON, CSV or XLSX.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use queue_server::reports::{self, Frame};
use queue_server::uplink::wire::Profile;
use serde::Deserialize;

use crate::Hub;
use crate::ingest::refuse;
use crate::views::viewer;
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

pub(crate) async fn report(
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
