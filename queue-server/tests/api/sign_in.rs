//! Sign-in under what the citizens' network can send: a stranger's wrong passwords, a flood of
//! failed sign-ins from many phones, and officers signing in while the queue writes all the time.
//! Devices are played by client addresses on the loopback network (127.x.y.z).

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use serde_json::Value;

use crate::helpers::{TestApp, monday, spawn_at, spawn_demo};
use crate::staff::post_login_from;

fn device(a: u8, b: u8) -> Option<IpAddr> {
    Some(IpAddr::V4(Ipv4Addr::new(127, 0, a, b)))
}

/// The summaries of failed sign-ins the server wrote, after it stopped.
fn failure_summaries(db: &std::path::Path) -> Vec<Value> {
    let conn = rusqlite::Connection::open(db).expect("opens db");
    let rows: Vec<String> = conn
        .prepare("SELECT payload FROM events WHERE kind = 'staff_login_failures' ORDER BY id")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .expect("reads");
    rows.iter().map(|p| serde_json::from_str(p).expect("json")).collect()
}

#[tokio::test]
async fn a_strangers_wrong_passwords_do_not_lock_the_officer_at_the_counter() {
    let app = spawn_at(monday("07:55")).await;
    let (stranger, counter_pc) = (device(5, 66), device(1, 3));
    let mut last = 0;
    for _ in 0..5 {
        last = post_login_from(&app, "canbo1", "doan-thu-mat-khau", stranger).await.status().as_u16();
    }
    assert_eq!(last, 423, "the stranger's fifth try locks canbo1 for the stranger");
    let again = post_login_from(&app, "canbo1", "demo-canbo1", stranger).await;
    assert_eq!(again.status().as_u16(), 423, "even with the right password, from that phone");
    let officer = post_login_from(&app, "canbo1", "demo-canbo1", counter_pc).await;
    assert_eq!(officer.status().as_u16(), 303, "the officer at the counter signs in");
    app.stop().await;
}

#[tokio::test]
async fn a_thousand_failed_sign_ins_write_a_summary_and_meet_the_rate_limit() {
    let app = Arc::new(spawn_demo().await);
    let (refused, limited) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let started = std::time::Instant::now();
    // 25 phones, 40 tries each, guessing passwords of a real officer and names that do not exist.
    let phones: Vec<_> = (1..=25u8)
        .map(|phone| {
            let (app, refused, limited) = (app.clone(), refused.clone(), limited.clone());
            tokio::spawn(async move {
                for i in 0..40 {
                    let user = if i % 2 == 0 { "canbo2" } else { "nguoi-la" };
                    match post_login_from(&app, user, "mat-khau-doan", device(3, phone)).await.status().as_u16() {
                        401 | 423 => refused.fetch_add(1, Ordering::SeqCst),
                        429 => limited.fetch_add(1, Ordering::SeqCst),
                        other => panic!("unexpected answer {other}"),
                    };
                }
            })
        })
        .collect();
    for phone in phones {
        phone.await.expect("phone");
    }
    let (refused, limited) = (refused.load(Ordering::SeqCst), limited.load(Ordering::SeqCst));
    assert_eq!(refused + limited, 1000);
    // Each phone's budget is 10 at once, refilled at 10 a minute while the flood lasts.
    let budget = 10 + (started.elapsed().as_secs_f64() * 10.0 / 60.0).ceil() as usize;
    assert!(refused <= 25 * budget, "past its budget each phone gets 429: {refused} checked, budget {budget} each");
    // canbo2's own PC is not locked out by any of it.
    assert_eq!(post_login_from(&app, "canbo2", "demo-canbo2", device(1, 4)).await.status().as_u16(), 303);
    let mut app = Arc::into_inner(app).expect("the phones are done");
    let failed_rows = app.count("events WHERE kind IN ('staff_login_failed', 'staff_locked')");
    assert_eq!(failed_rows, 0, "nothing is written per failed attempt");
    app.halt().await;
    let summaries = failure_summaries(&app.db);
    assert!((1..=2).contains(&summaries.len()), "{} summary rows", summaries.len());
    let total: u64 = summaries.iter().map(|s| s["total"].as_u64().expect("total")).sum();
    assert_eq!(total as usize, refused, "every refused attempt is counted in the summaries");
    println!("1,000 failed sign-ins: {refused} checked or refused, {limited} rate-limited, {} rows", summaries.len());
}

#[tokio::test]
async fn officers_sign_in_while_a_counter_acts_continuously() {
    let app = Arc::new(spawn_demo().await);
    for _ in 0..3 {
        app.issue("DD").await;
    }
    assert_eq!(app.counter(1, "open").await.0, 200);
    assert_eq!(app.counter(1, "next").await.0, 200);
    let (stop, writes) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicUsize::new(0)));
    let counter = {
        let (app, stop, writes) = (app.clone(), stop.clone(), writes.clone());
        tokio::spawn(async move {
            while !stop.load(Ordering::SeqCst) {
                assert_eq!(app.counter(1, "recall").await.0, 200, "each recall is a committed write");
                writes.fetch_add(1, Ordering::SeqCst);
            }
        })
    };
    let mut signed_in = 0;
    for officer in 1..=40u8 {
        let user = ["canbo1", "canbo2", "canbo3"][usize::from(officer) % 3];
        let answer = post_login_from(&app, user, &format!("demo-{user}"), device(4, officer)).await;
        assert_eq!(answer.status().as_u16(), 303, "sign-in {officer} while the counter writes");
        signed_in += 1;
    }
    stop.store(true, Ordering::SeqCst);
    counter.await.expect("counter");
    assert_eq!(signed_in, 40);
    let writes = writes.load(Ordering::SeqCst);
    assert!(writes >= 40, "the counter kept writing: {writes} recalls");
    println!("40 of 40 sign-ins with {writes} counter writes beside them");
    Arc::into_inner(app).map(TestApp::stop).expect("one owner").await;
}
