//! Restarts in the middle of a service day with the configuration changed between them: nothing
//! acknowledged is overwritten or dropped, numbering goes on after the highest number used, the
//! day goes on from its stored tickets, and a configuration that cannot hold today's numbers is
//! refused at start naming its line.

use std::path::Path;
use std::sync::Arc;

use queue_server::domain::{Clock, ManualClock};
use queue_server::{Config, Options};
use serde_json::Value;

use crate::helpers::*;

const EXAMPLE: &str = queue_server::config::EXAMPLE;

/// The example centre with its text edited (`edits` of `from → to`), taking tickets at any hour
/// when `any_hour`.
fn edited(edits: &[(&str, &str)], any_hour: bool) -> Config {
    let mut text = EXAMPLE.to_string();
    for (from, to) in edits {
        assert!(text.contains(from), "the example has {from}");
        text = text.replacen(from, to, 1);
    }
    let mut config = Config::parse("motcua.toml", &text).expect("parses");
    if any_hour {
        let mut centre = (*config.centre).clone();
        centre.enforce_hours = false;
        config.centre = Arc::new(centre);
    }
    config
}

/// Every stored ticket: id, number, issued at (ms), status.
fn tickets(db: &Path) -> Vec<(String, i64, i64, String)> {
    let conn = rusqlite::Connection::open(db).expect("opens db");
    let mut stmt = conn.prepare("SELECT id, number, issued_at_ms, status FROM tickets ORDER BY id").expect("prepares");
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .expect("reads")
        .map(|r| r.expect("row"))
        .collect()
}

#[tokio::test]
async fn lowering_a_fields_start_after_a_restart_goes_on_after_the_highest_number() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("motcua.db");
    let clock = ManualClock::new(monday("09:00"));
    let first = spawn(edited(&[], false), Some(clock.clone()), Some(db.clone())).await;
    let mut acknowledged: Vec<Value> = Vec::new();
    for _ in 0..5 {
        acknowledged.push(first.issue("DD").await);
    }
    assert_eq!(acknowledged[4]["number"], 1005);
    first.stop().await;
    let before = tickets(&db);

    // DD's numbers now start at 1000 (1001 before).
    let lowered = edited(&[("numbers = [1001, 1500]", "numbers = [1000, 1500]")], false);
    let second = spawn(lowered, Some(clock.clone()), Some(db.clone())).await;
    let sixth = second.issue("DD").await;
    assert_eq!(sixth["number"], 1006, "after the highest number used today, not 1005 again");
    let after = tickets(&db);
    assert_eq!(after.len(), 6, "six acknowledged tickets, six rows");
    assert!(before.iter().all(|row| after.contains(row)), "a stored ticket changed: {before:?} → {after:?}");
    let id = acknowledged[4]["id"].as_str().expect("id");
    let (_, fifth) = second.get(&format!("/api/v1/tickets/{id}")).await;
    assert_eq!(fifth["issued_at"], acknowledged[4]["issued_at"], "1005 is still the first 1005");
    second.stop().await;
}

#[tokio::test]
async fn a_rollover_moved_later_and_a_restart_go_on_with_the_day_in_progress() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("motcua.db");
    // 04:00 on Monday, rollover at 03:00: Monday's service day (tickets taken at any hour here).
    let clock = ManualClock::new(monday("04:00"));
    let first = spawn(edited(&[], true), Some(clock.clone()), Some(db.clone())).await;
    for _ in 0..5 {
        first.issue("DD").await;
    }
    first.stop().await;
    let before = tickets(&db);

    // Restarted at 04:30 with the rollover at 05:00: by the new setting it would still be Sunday's
    // service day, but Monday's is in progress and goes on.
    clock.set(monday("04:30"));
    let later = edited(&[("day_rollover = \"03:00\"", "day_rollover = \"05:00\"")], true);
    let second = spawn(later, Some(clock.clone()), Some(db.clone())).await;
    let next = second.issue("DD").await;
    assert_eq!((next["id"].as_str(), next["number"].as_i64()), (Some("20261123-DD-1006"), Some(1006)));
    let (_, services) = second.get("/api/v1/services").await;
    let dd = services["services"].as_array().and_then(|s| s.iter().find(|s| s["code"] == "DD")).cloned();
    assert_eq!(dd.map(|s| s["waiting"].clone()), Some(6.into()), "the live queue holds the stored ones too");
    assert!(before.iter().all(|row| tickets(&db).contains(row)), "a stored ticket changed");

    // By the new setting Monday's service day began at 05:00 Monday — the day in progress already;
    // the next one begins at 05:00 on Tuesday, numbering from the start again.
    clock.set(monday("05:01"));
    let same_day = second.issue("DD").await;
    assert_eq!(same_day["number"], 1007, "still Monday's day");
    clock.set(at("2026-11-24", "05:01"));
    let tuesday = second.issue("DD").await;
    assert_eq!((tuesday["id"].as_str(), tuesday["number"].as_i64()), (Some("20261124-DD-1001"), Some(1001)));
    assert_eq!(tickets(&db).len(), 8);
    second.stop().await;
}

#[tokio::test]
async fn ranges_that_take_in_numbers_another_field_used_today_are_refused_at_start_with_their_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("motcua.db");
    let clock = ManualClock::new(monday("09:00"));
    let first = spawn(edited(&[], false), Some(clock.clone()), Some(db.clone())).await;
    first.issue("DD").await;
    first.stop().await;

    // DD and XD swap their ranges: XD's new range holds 1001, which DD called out today.
    let swapped = edited(
        &[("numbers = [1001, 1500]", "numbers = [9001, 9500]"), ("numbers = [1501, 2000]", "numbers = [1001, 1500]")],
        false,
    );
    let clock: Arc<dyn Clock> = Arc::new(clock);
    let refused = queue_server::build(Options { config: swapped, db: db.clone(), demo: true, clock: clock.clone() })
        .expect_err("refused at start");
    let line = EXAMPLE.lines().position(|l| l.contains("numbers = [1501, 2000]")).expect("XD's numbers") + 1;
    let message = refused.to_string();
    assert!(message.starts_with(&format!("motcua.toml:{line}: services[1].numbers: ")), "{message}");
    assert!(message.contains("1001") && message.contains("DD"), "{message}");
    assert_eq!(tickets(&db).len(), 1, "nothing written");

    // The same change from the next service day on is taken.
    let tomorrow: Arc<dyn Clock> = Arc::new(ManualClock::new(at("2026-11-24", "09:00")));
    let swapped = edited(
        &[("numbers = [1001, 1500]", "numbers = [9001, 9500]"), ("numbers = [1501, 2000]", "numbers = [1001, 1500]")],
        false,
    );
    queue_server::build(Options { config: swapped, db, demo: true, clock: tomorrow }).expect("the next day it is fine");
}

#[tokio::test]
async fn a_booking_code_used_on_an_earlier_day_is_refused_never_written_over() {
    use queue_server::domain::booking::BookingCode;
    use queue_server::domain::{Command, DomainError, ServiceCode};
    use queue_server::store::StoreError;
    let clock = ManualClock::new(monday("07:00"));
    let app = spawn(edited(&[], false), Some(clock.clone()), None).await;
    let code = BookingCode::parse("K7MX3Q").expect("code");
    let hold = |slot: jiff::Timestamp| Command::Hold {
        code: code.clone(),
        service: ServiceCode::parse("CA").expect("field"),
        slot_at: slot,
    };
    app.store.execute(hold(monday("09:00"))).await.expect("held on Monday");
    let before = rows_of(&app.db, "SELECT code || status || slot_at_ms FROM bookings");
    // Ten days on the Monday booking is no longer in the book kept in memory.
    clock.set(at("2026-12-03", "07:00"));
    app.store_tick().await;
    let again = app.store.execute(hold(at("2026-12-03", "09:00"))).await;
    assert!(matches!(again, Err(StoreError::Refused(DomainError::BookingCodeTaken))), "{again:?}");
    assert_eq!(rows_of(&app.db, "SELECT code || status || slot_at_ms FROM bookings"), before, "nothing written over");
    app.stop().await;
}

fn rows_of(db: &Path, sql: &str) -> Vec<String> {
    let conn = rusqlite::Connection::open(db).expect("opens db");
    let mut stmt = conn.prepare(sql).expect("prepares");
    stmt.query_map([], |r| r.get(0)).expect("reads").map(|r| r.expect("row")).collect()
}

#[tokio::test]
async fn a_clock_stepped_back_ten_minutes_leaves_the_call_order_also_after_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("motcua.db");
    let clock = ManualClock::new(monday("09:00"));
    let first = spawn(edited(&[], false), Some(clock.clone()), Some(db.clone())).await;
    let mut numbers = vec![first.issue("DD").await["number"].clone()];
    clock.set(monday("09:01"));
    numbers.push(first.issue("DD").await["number"].clone());
    // NTP corrects the Pi's clock back ten minutes.
    clock.set(monday("08:51"));
    let third = first.issue("DD").await;
    numbers.push(third["number"].clone());
    assert_eq!(third["position"], 2, "two are ahead of the ticket issued after the step");
    first.stop().await;

    // Restarted (the day rebuilt from the stored rows): still in order of arrival.
    let second = spawn(edited(&[], false), Some(clock.clone()), Some(db.clone())).await;
    assert_eq!(second.counter(1, "open").await.0, 200);
    let mut called = Vec::new();
    for _ in 0..3 {
        let (status, call) = second.counter(1, "next").await;
        assert_eq!(status, 200, "{call}");
        called.push(call["ticket"]["number"].clone());
        assert_eq!(second.counter(1, "done").await.0, 200);
    }
    assert_eq!(called, numbers, "called in the order they arrived, not by the stepped clock");
    second.stop().await;
}
