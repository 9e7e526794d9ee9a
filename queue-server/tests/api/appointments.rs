//! Appointments over HTTP: races on a slot, the shared daily capacity under mixed load, check-in,
//! no-shows, bad input, the rate limit and the supervisor's view.

use std::sync::Arc;

use queue_server::Config;
use queue_server::domain::ManualClock;
use queue_server::domain::slots::SlotSpec;
use serde_json::{Value, json};

use crate::helpers::*;

const SUPERVISOR: &str = "demo-supervisor";

/// The example centre (hours enforced) with the public rate limit raised for load tests.
fn config(edit: impl FnOnce(&mut queue_server::domain::Centre)) -> Config {
    let mut config = Config::parse("example", queue_server::config::EXAMPLE).expect("example config");
    config.public_rate_per_minute = 1_000_000;
    let mut centre = (*config.centre).clone();
    edit(&mut centre);
    config.centre = Arc::new(centre);
    config
}

async fn at(config: Config, hhmm: &str) -> TestApp {
    spawn(config, Some(ManualClock::new(monday(hhmm))), None).await
}

fn slot(hhmm: &str) -> String {
    format!("2026-11-23T{hhmm}:00+07:00")
}

/// Holds then confirms; the status and body of the step that answered last.
async fn book(client: &reqwest::Client, base: &str, service: &str, slot: &str, phone: &str) -> (u16, Value) {
    let hold =
        client.post(format!("{base}/api/v1/appointments/holds")).json(&json!({ "service": service, "slot": slot }));
    let (status, held) = status_json(hold.send().await.expect("answers")).await;
    if status != 201 {
        return (status, held);
    }
    let code = held["code"].as_str().expect("code").to_string();
    let confirm = client
        .post(format!("{base}/api/v1/appointments/{code}/confirm"))
        .json(&json!({ "name": "Lê Thị Hoa", "phone": phone }));
    status_json(confirm.send().await.expect("answers")).await
}

fn rows(app: &TestApp, sql: &str) -> i64 {
    let conn = rusqlite::Connection::open(&app.db).expect("opens db");
    conn.query_row(sql, [], |r| r.get(0)).expect("counts")
}

#[tokio::test]
async fn five_hundred_concurrent_attempts_on_a_slot_of_three_give_three_bookings() {
    let app = at(config(|_| {}), "07:00").await;
    let base = app.url("");
    let mut tasks = Vec::new();
    for i in 0..500 {
        let (client, base) = (phone(i), base.clone());
        tasks.push(tokio::spawn(
            async move { book(&client, &base, "CA", &slot("09:00"), &format!("09120{i:05}")).await },
        ));
    }
    let (mut booked, mut full) = (Vec::new(), 0);
    for task in tasks {
        let (status, body) = task.await.expect("joins");
        match (status, body["code"].as_str()) {
            (200, Some(code)) => booked.push(code.to_string()),
            (409, Some("slot_full")) => full += 1,
            other => panic!("unexpected answer {other:?}: {body}"),
        }
    }
    assert_eq!(booked.len(), 3, "exactly the slot's capacity");
    assert_eq!(full, 497);
    assert_eq!(rows(&app, "SELECT count(*) FROM bookings WHERE status = 'confirmed'"), 3);
    assert_eq!(rows(&app, "SELECT count(*) FROM bookings"), 3, "refused attempts left no row");
    assert_eq!(rows(&app, "SELECT count(*) FROM notifications WHERE kind = 'confirmation'"), 3);
    let (_, slots) = app.get("/api/v1/appointments/slots?service=CA&date=2026-11-23").await;
    let nine = slots["slots"].as_array().expect("slots").iter().find(|s| s["time"] == "09:00").cloned();
    assert_eq!(nine.map(|s| s["left"].clone()), Some(json!(0)));
    app.stop().await;
}

#[tokio::test]
async fn mixed_concurrent_bookings_and_walk_ins_fill_the_day_exactly_once() {
    // CA: 20 a day, 12 of them for bookings, 3 per slot.
    let app = at(
        config(|c| {
            let ca = c.services.iter_mut().find(|s| s.code.as_str() == "CA").expect("CA");
            ca.daily_capacity = 20;
            ca.booking = Some(SlotSpec { slot_capacity: 3, per_day: 12 });
        }),
        "08:00",
    )
    .await;
    let base = app.url("");
    let times = ["09:30", "09:45", "10:00", "10:15", "10:30", "14:00", "14:15", "15:00"];
    let mut tasks = Vec::new();
    for i in 0..80usize {
        let (client, base) = (phone(i as u32), base.clone());
        let slot = slot(times[i % times.len()]);
        tasks.push(tokio::spawn(async move {
            if i % 2 == 0 {
                let issue =
                    client.post(format!("{base}/api/v1/tickets")).bearer_auth(KIOSK).json(&json!({ "service": "CA" }));
                let (status, body) = status_json(issue.send().await.expect("answers")).await;
                ("walk_in", status, body)
            } else {
                // Many holding at once meet the bound on places on hold: they try again, as told.
                let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
                loop {
                    let (status, body) = book(&client, &base, "CA", &slot, &format!("09130{i:05}")).await;
                    if body["code"] != "holds_full" || std::time::Instant::now() > deadline {
                        break ("booking", status, body);
                    }
                    tokio::task::yield_now().await;
                }
            }
        }));
    }
    let (mut walk_ins, mut bookings) = (0, 0);
    for task in tasks {
        match task.await.expect("joins") {
            ("walk_in", 201, _) => walk_ins += 1,
            ("booking", 200, _) => bookings += 1,
            (_, 409, body) => assert!(
                ["capacity_exhausted", "slot_full", "bookings_full"].contains(&body["code"].as_str().unwrap_or("")),
                "{body}"
            ),
            (kind, status, body) => panic!("{kind}: {status} {body}"),
        }
    }
    assert_eq!((walk_ins, bookings), (8, 12), "walk-ins get what bookings cannot take, bookings their share");
    let tickets = rows(&app, "SELECT count(*) FROM tickets WHERE issued_service = 'CA'");
    let active = rows(&app, "SELECT count(*) FROM bookings WHERE status IN ('held', 'confirmed', 'checked_in')");
    assert_eq!(tickets + active, 20, "the day's capacity, not one more");
    let (_, services) = app.get("/api/v1/services").await;
    let ca = services["services"].as_array().expect("list").iter().find(|s| s["code"] == "CA").cloned().expect("CA");
    assert_eq!(
        (ca["remaining_today"].clone(), ca["booked_today"].clone(), ca["walk_ins_today"].clone()),
        (json!(0), json!(12), json!(8))
    );
    app.stop().await;
}

#[tokio::test]
async fn check_in_turns_a_booking_into_a_ticket_once_and_absentees_become_no_shows() {
    let app = at(config(|_| {}), "07:00").await;
    let base = app.url("");
    let (status, booking) = book(&app.client, &base, "CA", &slot("09:00"), "0912345678").await;
    assert_eq!(status, 200, "{booking}");
    let code = booking["code"].as_str().expect("code").to_string();
    let (_, later) = book(&app.client, &base, "TP", &slot("10:00"), "0912345678").await;
    assert_eq!((booking["phone"].as_str(), booking["name"].as_str()), (Some("09******78"), Some("Lê T*** H***")));

    let clock = app.clock.clone().expect("manual clock");
    clock.set(monday("08:50"));
    let (status, early) =
        app.post("/api/v1/appointments/check-in", Some(KIOSK), Some(json!({ "code": later["code"] }))).await;
    assert_eq!((status, early["code"].as_str()), (409, Some("checkin_too_early")));
    assert!(early["message"].as_str().is_some_and(|m| m.contains("09:45")), "{early}");

    let (status, ticket) =
        app.post("/api/v1/appointments/check-in", Some(KIOSK), Some(json!({ "code": code.to_lowercase() }))).await;
    assert_eq!(status, 201, "{ticket}");
    assert_eq!(
        (ticket["channel"].as_str(), ticket["appointment_at"].as_str()),
        (Some("appointment"), Some("2026-11-23T09:00:00+07:00"))
    );
    // By phone: this phone has two bookings today, so none is guessed; the kiosk lists them.
    let before = rows(&app, "SELECT count(*) FROM tickets") + rows(&app, "SELECT count(*) FROM events");
    let (status, several) =
        app.post("/api/v1/appointments/check-in", Some(KIOSK), Some(json!({ "phone": "0912 345 678" }))).await;
    assert_eq!((status, several["code"].as_str()), (409, Some("several_bookings")), "{several}");
    assert!(several["message"].as_str().is_some_and(|m| m.contains("09******78") && m.contains("2 lịch hẹn")));
    assert_eq!(rows(&app, "SELECT count(*) FROM tickets") + rows(&app, "SELECT count(*) FROM events"), before);
    let (status, listed) = app.get("/api/v1/appointments/today?phone=0912345678").await;
    assert_eq!(status, 401, "only a kiosk lists a phone's bookings: {listed}");
    let (status, listed) = app.get_as("/api/v1/appointments/today?phone=0912345678", COUNTER).await;
    assert_eq!(status, 403, "not a counter either: {listed}");
    let (status, listed) = app.get_as("/api/v1/appointments/today?phone=0912345678", KIOSK).await;
    assert_eq!(status, 200, "{listed}");
    let choices: Vec<(&str, &str, &str, &str)> = listed["bookings"]
        .as_array()
        .expect("bookings")
        .iter()
        .map(|b| {
            let f = |k: &str| b[k].as_str().unwrap_or_default();
            (f("time"), f("service"), f("status"), f("name"))
        })
        .collect();
    assert_eq!(
        choices,
        [("09:00", "CA", "checked_in", "Lê T*** H***"), ("10:00", "TP", "confirmed", "Lê T*** H***")],
        "by slot time, names masked"
    );
    assert!(!listed.to_string().contains(&code), "the list never gives out a booking code: {listed}");
    let choice = |i: usize| listed["bookings"][i]["choice"].clone();
    let by_choice = |i: usize| json!({ "phone": "0912345678", "choice": choice(i) });
    let (status, again) = app.post("/api/v1/appointments/check-in", Some(KIOSK), Some(by_choice(0))).await;
    assert_eq!((status, again["id"].clone()), (200, ticket["id"].clone()), "the chosen one: the same ticket");
    let (status, early) = app.post("/api/v1/appointments/check-in", Some(KIOSK), Some(by_choice(1))).await;
    assert_eq!((status, early["code"].as_str()), (409, Some("checkin_too_early")), "the other one: {early}");
    let other_phone = json!({ "phone": "0987654321", "choice": choice(0) });
    let (status, wrong) = app.post("/api/v1/appointments/check-in", Some(KIOSK), Some(other_phone)).await;
    assert_eq!((status, wrong["code"].as_str()), (409, Some("booking_choice_stale")), "a choice goes with its phone");
    let (status, bad) = app.get_as("/api/v1/appointments/today?phone=12345", KIOSK).await;
    assert_eq!((status, bad["code"].as_str()), (422, Some("invalid_phone")), "{bad}");
    let (status, _) = app.post("/api/v1/appointments/check-in", None, Some(json!({ "code": code }))).await;
    assert_eq!(status, 401, "a kiosk's action");
    let (_, seen) = app.get(&format!("/api/v1/appointments/{code}")).await;
    assert_eq!((seen["status"].as_str(), seen["ticket"].clone()), (Some("checked_in"), ticket["id"].clone()));

    // The TP booking was never checked in: a no-show an hour after its slot.
    clock.set(monday("11:01"));
    app.store_tick().await;
    let (_, absent) = app.get(&format!("/api/v1/appointments/{}", later["code"].as_str().expect("code"))).await;
    assert_eq!(absent["status"].as_str(), Some("no_show"));
    assert_eq!(rows(&app, "SELECT count(*) FROM events WHERE kind = 'booking_no_show'"), 1);
    app.stop().await;
}

#[tokio::test]
async fn bad_booking_input_gets_a_vietnamese_reason_and_books_nothing() {
    let app = at(config(|_| {}), "07:00").await;
    let hold = |slot: &str, service: &str| json!({ "service": service, "slot": slot });
    let cases: Vec<(Value, u16, &str)> = vec![
        (hold(&slot("09:00"), "ZZ"), 404, "unknown_service"),
        (hold(&slot("09:00"), "DD"), 409, "not_bookable"),
        (hold("2026-11-20T09:00:00+07:00", "CA"), 422, "slot_in_past"),
        (hold("2026-12-20T09:00:00+07:00", "CA"), 422, "slot_beyond_horizon"),
        (hold(&slot("07:45"), "CA"), 422, "slot_too_soon"),
        (hold(&slot("12:00"), "CA"), 422, "not_a_slot"),
        (hold("ngày mai 9 giờ", "CA"), 400, "invalid_slot"),
        (json!({ "service": "CA" }), 400, "invalid_json"),
    ];
    for (body, status, code) in cases {
        let (got, answer) = app.post("/api/v1/appointments/holds", None, Some(body.clone())).await;
        assert_eq!((got, answer["code"].as_str()), (status, Some(code)), "{body} → {answer}");
        assert!(answer["message"].as_str().is_some_and(|m| !m.is_empty() && !m.is_ascii()), "Vietnamese: {answer}");
    }
    let (status, held) = app.post("/api/v1/appointments/holds", None, Some(hold(&slot("09:00"), "CA"))).await;
    assert_eq!(status, 201, "{held}");
    let confirm = |body: Value| {
        let path = format!("/api/v1/appointments/{}/confirm", held["code"].as_str().unwrap_or_default());
        let app = &app;
        async move { app.post(&path, None, Some(body)).await }
    };
    for (body, status, code) in [
        (json!({ "name": "An", "phone": "12345" }), 422, "invalid_phone"),
        (json!({ "name": "An", "phone": "0212345678" }), 422, "invalid_phone"),
        (json!({ "name": "An", "phone": "0912345678", "citizen_id": "0012030123" }), 422, "invalid_citizen_id"),
        (json!({ "name": "An", "phone": "0912345678", "citizen_id": "099203012345" }), 422, "invalid_citizen_id"),
        (json!({ "name": " ", "phone": "0912345678" }), 422, "invalid_text"),
    ] {
        let (got, answer) = confirm(body.clone()).await;
        assert_eq!((got, answer["code"].as_str()), (status, Some(code)), "{body} → {answer}");
    }
    // The hold runs out: confirming after it is refused and the place is free again.
    app.clock.clone().expect("clock").set(monday("07:11"));
    let (got, answer) = confirm(json!({ "name": "Lê Thị Hoa", "phone": "0912345678" })).await;
    assert_eq!((got, answer["code"].as_str()), (410, Some("hold_expired")), "{answer}");
    assert!(answer["message"].as_str().is_some_and(|m| m.contains("giữ chỗ")));
    let (status, unknown) =
        app.post("/api/v1/appointments/AAAAAA/cancel", None, Some(json!({ "phone": "0912345678" }))).await;
    assert_eq!((status, unknown["code"].as_str()), (404, Some("booking_not_found")));
    let (status, bad) = app.get("/api/v1/appointments/slots?service=CA&date=23-11-2026").await;
    assert_eq!((status, bad["code"].as_str()), (400, Some("invalid_date")));

    assert_eq!(
        rows(&app, "SELECT count(*) FROM bookings WHERE status IN ('confirmed', 'checked_in')"),
        0,
        "nothing booked"
    );
    assert_eq!(rows(&app, "SELECT count(*) FROM notifications"), 0, "no message queued");
    let (_, slots) = app.get("/api/v1/appointments/slots?service=CA&date=2026-11-23").await;
    let nine = slots["slots"].as_array().expect("slots").iter().find(|s| s["time"] == "09:00").cloned();
    assert_eq!(nine.map(|s| s["left"].clone()), Some(json!(3)), "the lapsed hold gave its place back");
    app.stop().await;
}

#[tokio::test]
async fn public_pages_and_booking_api_are_rate_limited_per_client() {
    let mut config = config(|_| {});
    config.public_rate_per_minute = 5;
    let app = at(config, "07:00").await;
    for _ in 0..5 {
        let (status, _) = app.get("/api/v1/appointments/services").await;
        assert_eq!(status, 200);
    }
    let refused = app.client.get(app.url("/api/v1/appointments/services")).send().await.expect("answers");
    // 5 a minute: one more every 12 s.
    assert_eq!(refused.headers().get("retry-after").and_then(|v| v.to_str().ok()), Some("12"));
    let (status, body) = status_json(refused).await;
    assert_eq!((status, body["code"].as_str()), (429, Some("rate_limited")));
    // A page refused says so, in a page of its own (not another page's form), with a way back.
    for path in ["/book", "/t/20261123-CA-4001", "/lookup?code=H56.22-261027-0007"] {
        let page = app.client.get(app.url(path)).send().await.expect("answers");
        assert_eq!(page.status().as_u16(), 429, "{path}");
        assert_eq!(page.headers().get("retry-after").and_then(|v| v.to_str().ok()), Some("12"), "{path}");
        let html = page.text().await.expect("body");
        assert!(html.contains("<h1>Xin chờ một chút</h1>") && html.contains("thử lại"), "{path}: {html}");
        assert!(!html.contains("<form"), "{path}: no form of another page: {html}");
        let again = path.replace('&', "&amp;");
        assert!(html.contains(&format!("id=\"again\" href=\"{again}\"")), "{path}: the link to try again: {html}");
    }
    let (status, _) = app.get("/api/v1/services").await;
    assert_eq!(status, 200, "the kiosk's API is not limited");
    // A device with its token is not held back by the address it shares.
    for _ in 0..10 {
        assert_eq!(app.get_as("/api/v1/appointments/services", KIOSK).await.0, 200, "the kiosk's token");
    }
    // A phone with a stale staff cookie pays once per page, not twice.
    let stale = phone(3);
    let mut passed = 0;
    for _ in 0..8 {
        let page =
            stale.get(app.url("/book")).header("cookie", "motcua_session=het-han").send().await.expect("answers");
        passed += usize::from(page.status().as_u16() == 200);
    }
    assert_eq!(passed, 5, "the budget of 5, each page charged once");
    app.stop().await;
}

#[tokio::test]
async fn supervisors_see_bookings_per_slot_and_the_walk_in_split() {
    let app = at(config(|_| {}), "08:00").await;
    let base = app.url("");
    let mut live = SseClient::connect(&app, "?topics=services", None).await;
    for (i, time) in ["09:30", "09:30", "10:00"].iter().enumerate() {
        let (status, body) = book(&app.client, &base, "CA", &slot(time), &format!("09140{i:05}")).await;
        assert_eq!(status, 200, "{body}");
    }
    // The live stream tells every view a slot changed, with what is left and no personal data.
    let events = live.until("appointment_changed", std::time::Duration::from_secs(5));
    let changed = events.await.last().map(|e| e.data.clone()).expect("an appointment event");
    assert_eq!((changed["service"].as_str(), changed["status"].as_str()), (Some("CA"), Some("held")));
    assert!(changed.get("phone").is_none() && changed.get("name").is_none() && changed.get("code").is_none());
    app.issue("CA").await;
    let (_, bookable) = app.get("/api/v1/appointments/services").await;
    let ca = bookable["services"].as_array().and_then(|s| s.iter().find(|s| s["code"] == "CA").cloned()).expect("CA");
    let today =
        ca["days"].as_array().and_then(|d| d.iter().find(|d| d["date"] == "2026-11-23").cloned()).expect("today");
    // From 09:00 (an hour's notice) 24 slots of 3, less the 3 booked: 69, under the day's share left (77).
    assert_eq!(today["places_left"], json!(69));
    let tomorrow =
        ca["days"].as_array().and_then(|d| d.iter().find(|d| d["date"] == "2026-11-24").cloned()).expect("day");
    assert_eq!(tomorrow["places_left"], json!(80), "30 slots of 3 = 90, capped by the day's share");
    let (status, _) = app.get("/api/v1/appointments/summary").await;
    assert_eq!(status, 401);
    let forbidden =
        app.client.get(app.url("/api/v1/appointments/summary")).bearer_auth(KIOSK).send().await.expect("answers");
    assert_eq!(forbidden.status().as_u16(), 403);
    let response =
        app.client.get(app.url("/api/v1/appointments/summary")).bearer_auth(SUPERVISOR).send().await.expect("answers");
    let (status, summary) = status_json(response).await;
    assert_eq!(status, 200, "{summary}");
    let ca =
        summary["services"].as_array().expect("services").iter().find(|s| s["service"] == "CA").cloned().expect("CA");
    assert_eq!((ca["booked"].clone(), ca["walk_ins"].clone(), ca["bookable"].clone()), (json!(3), json!(1), json!(80)));
    let per_slot =
        |t: &str| ca["slots"].as_array().and_then(|s| s.iter().find(|x| x["time"] == t).map(|x| x["booked"].clone()));
    assert_eq!(
        (per_slot("09:30"), per_slot("10:00"), per_slot("13:30")),
        (Some(json!(2)), Some(json!(1)), Some(json!(0)))
    );
    app.stop().await;
}

#[tokio::test]
async fn a_hold_says_how_many_seconds_are_left_on_the_servers_clock() {
    let app = at(config(|_| {}), "07:00").await;
    let (status, held) =
        app.post("/api/v1/appointments/holds", None, Some(json!({ "service": "CA", "slot": slot("09:00") }))).await;
    assert_eq!(status, 201, "{held}");
    assert_eq!(held["hold_seconds_left"], 600, "the configured 10 minutes: {held}");
    assert_eq!(held["hold_until"], "2026-11-23T07:10:00+07:00");
    let code = held["code"].as_str().expect("code").to_string();
    app.clock.as_ref().expect("manual clock").set(monday("07:04"));
    let (_, later) = app.get(&format!("/api/v1/appointments/{code}")).await;
    assert_eq!(later["hold_seconds_left"], 360, "{later}");
    let (_, confirmed) = app
        .post(
            &format!("/api/v1/appointments/{code}/confirm"),
            None,
            Some(json!({ "name": "Lê Thị Hoa", "phone": "0912345678" })),
        )
        .await;
    assert_eq!(confirmed["status"], "confirmed");
    assert!(confirmed.get("hold_seconds_left").is_none(), "a confirmed booking has no countdown: {confirmed}");
    app.stop().await;
}

#[tokio::test]
async fn a_hold_given_back_frees_its_place_and_the_phones_share_at_once() {
    let app = at(config(|_| {}), "07:00").await;
    let phone = phone(7);
    let hold = |hhmm: &str| {
        phone.post(app.url("/api/v1/appointments/holds")).json(&json!({ "service": "CA", "slot": slot(hhmm) })).send()
    };
    let post = |path: String| phone.post(app.url(&path)).send();
    let left_at_nine = || async {
        let (_, slots) = app.get("/api/v1/appointments/slots?service=CA&date=2026-11-23").await;
        slots["slots"].as_array().and_then(|s| s.iter().find(|x| x["time"] == "09:00").map(|x| x["left"].clone()))
    };
    assert_eq!(left_at_nine().await, Some(json!(3)));
    // A citizen tries 09:00, then 09:15, then settles on 09:30, giving each back as the page does.
    let (_, first) = status_json(hold("09:00").await.expect("answers")).await;
    let first = first["code"].as_str().expect("code").to_string();
    assert_eq!(left_at_nine().await, Some(json!(2)), "held");
    let (status, released) =
        status_json(post(format!("/api/v1/appointments/{first}/release")).await.expect("answers")).await;
    assert_eq!((status, released["status"].as_str()), (200, Some("lapsed")), "{released}");
    assert_eq!(left_at_nine().await, Some(json!(3)), "the place is free at once, not after 10 minutes");
    // The same release again (a retry, or the page's beacon after the button): the same answer.
    let (status, again) =
        status_json(post(format!("/api/v1/appointments/{first}/release")).await.expect("answers")).await;
    assert_eq!((status, again["status"].as_str()), (200, Some("lapsed")), "{again}");
    assert_eq!(left_at_nine().await, Some(json!(3)), "released once");
    for hhmm in ["09:15", "09:30", "09:45"] {
        let (status, held) = status_json(hold(hhmm).await.expect("answers")).await;
        assert_eq!(status, 201, "{hhmm}: the phone's share came back with each release: {held}");
        let code = held["code"].as_str().expect("code");
        if hhmm != "09:45" {
            let (status, _) =
                status_json(post(format!("/api/v1/appointments/{code}/release")).await.expect("answers")).await;
            assert_eq!(status, 200);
        } else {
            let confirm = json!({ "name": "Lê Thị Hoa", "phone": "0912345678" });
            let response = phone.post(app.url(&format!("/api/v1/appointments/{code}/confirm"))).json(&confirm).send();
            assert_eq!(status_json(response.await.expect("answers")).await.0, 200);
            // A confirmed booking is not a hold: cancelling it needs its phone.
            let (status, refused) =
                status_json(post(format!("/api/v1/appointments/{code}/release")).await.expect("answers")).await;
            assert_eq!((status, refused["code"].as_str()), (409, Some("booking_not_active")), "{refused}");
            let (_, booking) = app.get(&format!("/api/v1/appointments/{code}")).await;
            assert_eq!(booking["status"], "confirmed", "unchanged");
        }
    }
    // Unknown and malformed codes.
    let (status, unknown) =
        status_json(post("/api/v1/appointments/ACDEFG/release".into()).await.expect("answers")).await;
    assert_eq!((status, unknown["code"].as_str()), (404, Some("booking_not_found")), "{unknown}");
    let (status, _) = status_json(post("/api/v1/appointments/%20/release".into()).await.expect("answers")).await;
    assert_eq!(status, 400);
    // The event log says the citizen gave it back (not that it ran out).
    let db = rusqlite::Connection::open(&app.db).expect("db");
    let released: i64 =
        db.query_row("SELECT count(*) FROM events WHERE kind = 'booking_released'", [], |r| r.get(0)).expect("count");
    assert_eq!(released, 3, "09:00, 09:15, 09:30");
    app.stop().await;
}
