//! A seeded day at the demo centre, driven over HTTP on a manual clock by two signed-in officers
//! and a counter token; the report must match figures computed here from the raw event rows, and
//! its CSV and XLSX files must carry the same numbers.

use std::collections::BTreeMap;

use jiff::SignedDuration;
use queue_server::domain::Clock;
use serde_json::{Value, json};

use crate::helpers::{KIOSK, TestApp, monday, spawn_at};
use crate::staff::{Staff, sign_in};

/// Figures of one group computed from events: (tickets, served, waits, services, called, absent,
/// ratings per level, booked).
#[derive(Debug, Default, Clone)]
struct Expected {
    tickets: u32,
    served: u32,
    waits: Vec<f64>,
    services: Vec<f64>,
    called: u32,
    absent: u32,
    levels: [u32; 4],
    booked: u32,
}

fn mean(xs: &[f64]) -> Option<f64> {
    (!xs.is_empty()).then(|| ((xs.iter().sum::<f64>() / xs.len() as f64) * 10.0).round() / 10.0)
}

fn nearest_rank_p90(xs: &[f64]) -> Option<f64> {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    (n > 0).then(|| v[((9 * n) as f64 / 10.0).ceil() as usize - 1])
}

async fn act(app: &TestApp, who: &Staff, counter: u16, action: &str) -> u16 {
    who.post_json(app, &format!("/api/v1/counters/{counter}/{action}"), json!({}), true).await.0
}

#[tokio::test]
async fn a_days_report_matches_the_raw_events_and_its_files() {
    let app = spawn_at(monday("07:40")).await;
    let clock = app.clock.clone().expect("clock");
    let lan = sign_in(&app, "canbo1", "demo-canbo1").await;
    let hung = sign_in(&app, "canbo2", "demo-canbo2").await;
    assert_eq!(lan.post_json(&app, "/api/v1/staff/counter", json!({ "counter": 1 }), true).await.0, 200);
    assert_eq!(hung.post_json(&app, "/api/v1/staff/counter", json!({ "counter": 4 }), true).await.0, 200);
    assert_eq!(app.counter(9, "open").await.0, 200);
    // A booking for CA at 09:00, checked in at 08:50.
    let (status, held) = app
        .post("/api/v1/appointments/holds", None, Some(json!({ "service": "CA", "slot": "2026-11-23T09:00:00+07:00" })))
        .await;
    assert_eq!(status, 201, "{held}");
    let code = held["code"].as_str().expect("code").to_string();
    let path = format!("/api/v1/appointments/{code}/confirm");
    assert_eq!(app.post(&path, None, Some(json!({ "name": "Lê Thị Hoa", "phone": "0912345678" }))).await.0, 200);

    // Arrivals every few minutes; officers call, serve and finish with varying times; some absent.
    let mut served = Vec::new();
    for step in 0..36u32 {
        clock.advance(SignedDuration::from_mins(i64::from(3 + step % 4)));
        let service = ["DD", "TP", "CA", "DD"][(step % 4) as usize];
        app.issue(service).await;
        if clock.now() >= monday("08:50") && !served.contains(&"checkin") {
            let (status, t) =
                app.post("/api/v1/appointments/check-in", Some(KIOSK), Some(json!({ "code": code }))).await;
            assert_eq!(status, 201, "{t}");
            served.push("checkin");
        }
        if step % 2 == 1 {
            for (who, counter) in [(&lan, 1u16), (&hung, 4u16)] {
                let _ = act(&app, who, counter, "done").await;
                if act(&app, who, counter, "next").await == 200 {
                    clock.advance(SignedDuration::from_mins(1));
                    if step % 7 == 3 {
                        assert_eq!(act(&app, who, counter, "no-show").await, 200);
                    } else {
                        assert_eq!(act(&app, who, counter, "serve").await, 200);
                    }
                }
            }
            let _ = app.counter(9, "done").await;
            if app.counter(9, "next").await.0 == 200 {
                app.counter(9, "serve").await;
            }
        }
        if step % 3 == 2 {
            let score = [4, 3, 4, 1, 2, 4, 3][(step / 3 % 7) as usize];
            let counter = [1, 4, 9, 1][(step / 3 % 4) as usize];
            let (status, _) =
                app.post("/api/v1/ratings", Some(KIOSK), Some(json!({ "score": score, "counter": counter }))).await;
            assert_eq!(status, 201);
        }
    }
    clock.advance(SignedDuration::from_mins(5));
    for (who, counter) in [(&lan, 1u16), (&hung, 4u16)] {
        let _ = act(&app, who, counter, "done").await;
    }
    let _ = app.counter(9, "done").await;

    // Independently: every figure from the event rows alone.
    let conn = rusqlite::Connection::open(&app.db).expect("db");
    let mut stmt = conn
        .prepare("SELECT kind, ticket_id, service, counter_no, at_ms, actor, payload FROM events WHERE day = '2026-11-23' ORDER BY id")
        .expect("query");
    type Event = (String, Option<String>, Option<String>, Option<u16>, i64, Option<String>, String);
    let events: Vec<Event> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("events");
    #[derive(Default, Clone)]
    struct T {
        service: String,
        arrived: i64,
        called: Option<i64>,
        serving: Option<i64>,
        done: Option<i64>,
        absent: bool,
        counter: Option<u16>,
        officer: Option<String>,
        booked: bool,
    }
    let mut tickets: BTreeMap<String, T> = BTreeMap::new();
    let mut ratings: Vec<(u8, u16)> = Vec::new();
    for (kind, id, service, counter, at, actor, payload) in &events {
        let staff = actor.as_deref().and_then(|a| a.strip_prefix("staff:")).map(String::from);
        match (kind.as_str(), id) {
            ("ticket_issued", Some(id)) => {
                tickets.insert(
                    id.clone(),
                    T { service: service.clone().unwrap_or_default(), arrived: *at, ..T::default() },
                );
            }
            ("booking_checked_in", Some(id)) => tickets.entry(id.clone()).or_default().booked = true,
            ("ticket_called", Some(id)) => {
                let t = tickets.entry(id.clone()).or_default();
                t.called.get_or_insert(*at);
                t.counter = *counter;
                if t.officer.is_none() {
                    t.officer = staff;
                }
            }
            ("ticket_serving", Some(id)) => tickets.entry(id.clone()).or_default().serving = Some(*at),
            ("ticket_done", Some(id)) | ("ticket_no_show", Some(id)) => {
                let t = tickets.entry(id.clone()).or_default();
                if kind == "ticket_done" {
                    t.done = Some(*at)
                } else {
                    t.absent = true
                }
                if staff.is_some() {
                    t.officer = staff;
                }
            }
            ("rating_given", _) => {
                let p: Value = serde_json::from_str(payload).expect("payload");
                let counter = p["rating"]["counter"].as_u64().and_then(|c| u16::try_from(c).ok()).or(*counter);
                ratings.push((p["rating"]["score"].as_u64().unwrap_or(0) as u8, counter.expect("rated counter")));
            }
            _ => {}
        }
    }
    let mut by: BTreeMap<(String, String), Expected> = BTreeMap::new();
    for t in tickets.values() {
        let mut keys = vec![("field".to_string(), t.service.clone()), ("all".into(), "all".into())];
        if let Some(c) = t.counter {
            keys.push(("counter".into(), c.to_string()));
        }
        if let Some(o) = &t.officer {
            keys.push(("officer".into(), o.clone()));
        }
        for key in keys {
            let e = by.entry(key).or_default();
            e.tickets += 1;
            e.booked += u32::from(t.booked);
            if let Some(c) = t.called {
                e.called += 1;
                e.waits.push((c - t.arrived) as f64 / 60_000.0);
            }
            if t.absent && t.done.is_none() {
                e.absent += 1;
            }
            if let (Some(s), Some(d)) = (t.serving, t.done) {
                e.served += 1;
                e.services.push((d - s) as f64 / 60_000.0);
            }
        }
    }
    for (score, counter) in &ratings {
        for key in [("counter".to_string(), counter.to_string()), ("all".into(), "all".into())] {
            by.entry(key).or_default().levels[usize::from(*score) - 1] += 1;
        }
    }

    let (status, report) = app.get_as("/api/v1/reports?from=2026-11-23&to=2026-11-23", "demo-supervisor").await;
    assert_eq!(status, 200, "{report}");
    let check = |row: &Value, e: &Expected, what: &str| {
        assert_eq!(row["tickets"], e.tickets, "{what} tickets");
        assert_eq!(row["served"], e.served, "{what} served");
        assert_eq!(row["avg_wait"].as_f64(), mean(&e.waits), "{what} avg wait");
        assert_eq!(
            row["p90_wait"].as_f64(),
            nearest_rank_p90(&e.waits).map(|x| (x * 10.0).round() / 10.0),
            "{what} p90"
        );
        assert_eq!(row["avg_service"].as_f64(), mean(&e.services), "{what} service");
        let rate = (e.called > 0).then(|| (f64::from(e.absent) * 1000.0 / f64::from(e.called)).round() / 10.0);
        assert_eq!(row["no_show_rate"].as_f64(), rate, "{what} no-show rate");
        assert_eq!(row["bookings"], e.booked, "{what} bookings");
        assert_eq!(row["walk_ins"], e.tickets - e.booked, "{what} walk-ins");
    };
    let all = &by[&("all".to_string(), "all".to_string())];
    check(&report["total"], all, "total");
    assert_eq!(report["total"]["ratings"], json!(all.levels), "levels");
    assert!(all.tickets >= 37 && all.booked == 1 && all.absent >= 2 && all.served >= 10, "a varied day: {all:?}");
    for (group, list) in [("field", "fields"), ("counter", "counters"), ("officer", "officers")] {
        let rows = report[list].as_array().expect("rows");
        let expected: Vec<_> = by.iter().filter(|((g, _), _)| g == group).collect();
        assert_eq!(rows.len(), expected.len(), "{list}: {rows:?}");
        for ((_, key), e) in expected {
            let row = rows.iter().find(|r| r["key"] == json!(key)).unwrap_or_else(|| panic!("{list} has {key}"));
            check(row, e, &format!("{list} {key}"));
            if group == "counter" {
                assert_eq!(row["ratings"], json!(e.levels), "{key} ratings");
            }
        }
    }
    let lan_row = report["officers"].as_array().and_then(|r| r.iter().find(|r| r["key"] == "canbo1")).expect("canbo1");
    assert_eq!(lan_row["label"], "Nguyễn Thị Lan");
    let due: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM dossiers WHERE COALESCE(new_due_at_ms, due_at_ms) >= ?1 AND COALESCE(new_due_at_ms, due_at_ms) < ?2
             AND (completed_at_ms > COALESCE(new_due_at_ms, due_at_ms) OR (completed_at_ms IS NULL AND COALESCE(new_due_at_ms, due_at_ms) < ?3))",
            [monday("00:00").as_millisecond(), monday("00:00").as_millisecond() + 86_400_000, clock.now().as_millisecond()],
            |r| r.get(0),
        )
        .expect("overdue");
    assert_eq!(report["total"]["overdue"], due);

    // CSV: the total line carries the same numbers.
    let csv = app
        .client
        .get(app.url("/api/v1/reports.csv?from=2026-11-23&to=2026-11-23"))
        .bearer_auth("demo-supervisor")
        .send()
        .await
        .expect("csv");
    assert_eq!(csv.headers().get("content-type").and_then(|v| v.to_str().ok()), Some("text/csv; charset=utf-8"));
    let csv = csv.text().await.expect("text");
    assert!(csv.starts_with('\u{feff}'), "BOM for spreadsheet programs");
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
    assert!(lines[0].starts_with("Nhóm,Mã,Tên,Số phiếu,Đã phục vụ,Chờ TB (phút)"), "{}", lines[0]);
    let total: Vec<&str> = lines.iter().find(|l| l.starts_with("Tổng,")).expect("total line").split(',').collect();
    assert_eq!(total[3], all.tickets.to_string());
    assert_eq!(total[4], all.served.to_string());
    assert_eq!(total[5].parse::<f64>().ok(), mean(&all.waits));
    let field_lines = lines.iter().filter(|l| l.starts_with("Lĩnh vực,")).count();
    assert_eq!(field_lines, report["fields"].as_array().map_or(0, Vec::len));

    // XLSX, read back with calamine.
    let xlsx = app
        .client
        .get(app.url("/api/v1/reports.xlsx?from=2026-11-23&to=2026-11-23"))
        .bearer_auth("demo-supervisor")
        .send()
        .await
        .expect("xlsx");
    assert_eq!(xlsx.status().as_u16(), 200);
    let bytes = xlsx.bytes().await.expect("bytes");
    use calamine::Reader;
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).expect("an XLSX workbook");
    assert_eq!(book.sheet_names(), vec!["Lĩnh vực", "Quầy", "Cán bộ", "Tổng"]);
    let sheet = book.worksheet_range("Tổng").expect("total sheet");
    let cell = |r: u32, c: u32| sheet.get_value((r, c)).cloned().unwrap_or(calamine::Data::Empty);
    assert_eq!(cell(1, 3), calamine::Data::String("Số phiếu".into()));
    assert_eq!(cell(2, 3), calamine::Data::Float(f64::from(all.tickets)));
    assert_eq!(cell(2, 4), calamine::Data::Float(f64::from(all.served)));
    assert_eq!(Some(cell(2, 5)), mean(&all.waits).map(calamine::Data::Float));
    assert_eq!(
        Some(cell(2, 6)),
        nearest_rank_p90(&all.waits).map(|x| calamine::Data::Float((x * 10.0).round() / 10.0))
    );
    let officers = book.worksheet_range("Cán bộ").expect("officers sheet");
    let names: Vec<String> =
        (2..officers.height() as u32).filter_map(|r| officers.get_value((r, 2)).map(|v| v.to_string())).collect();
    assert!(names.contains(&"Nguyễn Thị Lan".to_string()) && names.contains(&"Trần Văn Hùng".to_string()), "{names:?}");

    // A bad range is refused in Vietnamese.
    let (status, body) = app.get_as("/api/v1/reports?from=2026-11-24&to=2026-11-23", "demo-supervisor").await;
    assert_eq!((status, body["code"].as_str()), (400, Some("invalid_range")));
    app.stop().await;
}
