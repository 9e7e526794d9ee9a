use std::net::IpAddr;
use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};

use super::*;
use crate::config::{Config, Role};
use crate::store::schema;

fn accounts(dir: &tempfile::TempDir) -> Accounts {
    let path = dir.path().join("a.db");
    let mut conn = schema::open(&path).expect("opens");
    schema::migrate(&mut conn).expect("migrates");
    Accounts::new(conn, Policy::default(), Arc::new(Config::demo().centre.schedule.clone()))
}

/// The counter PC officers sign in from.
const HERE: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 1, 3));
/// A phone on the citizens' Wi-Fi.
const STRANGER: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 5, 66));

fn t0() -> Timestamp {
    "2026-11-23T01:30:00Z".parse().expect("time")
}

fn events(a: &Accounts, kind: &str) -> Vec<String> {
    a.with(|conn| {
        let mut stmt = conn.prepare("SELECT actor FROM events WHERE kind = ?1 ORDER BY id")?;
        let rows = stmt.query_map([kind], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<Vec<String>>>()?)
    })
    .expect("events")
}

fn payloads(a: &Accounts, kind: &str) -> Vec<serde_json::Value> {
    a.with(|conn| {
        let mut stmt = conn.prepare("SELECT payload FROM events WHERE kind = ?1 ORDER BY id")?;
        let rows = stmt.query_map([kind], |r| r.get::<_, String>(0))?;
        Ok(rows.collect::<rusqlite::Result<Vec<String>>>()?)
    })
    .expect("events")
    .iter()
    .map(|p| serde_json::from_str(p).expect("json"))
    .collect()
}

#[test]
fn passwords_are_argon2id_and_verify_only_themselves() {
    let hash = hash_password("mật khẩu đúng").expect("hash");
    assert!(hash.starts_with("$argon2id$v=19$"), "{hash}");
    assert!(verify_password("mật khẩu đúng", &hash));
    assert!(!verify_password("mật khẩu sai", &hash));
    assert_ne!(hash, hash_password("mật khẩu đúng").expect("hash"), "salted");
    assert!(!verify_password("anything", "not a hash"));
    // Typed on a keyboard that sends the marks apart (NFD), it is the same password.
    assert!(verify_password("ma\u{323}\u{302}t kha\u{302}\u{309}u đu\u{301}ng", &hash));
    // The pooled checker agrees with the library's own.
    let verifier = Verifier::default();
    assert!(verifier.verify("ma\u{323}\u{302}t kha\u{302}\u{309}u đu\u{301}ng", &hash));
    assert!(!verifier.verify("mật khẩu sai", &hash));
    assert!(!verifier.verify("anything", "not a hash"));
    assert!(!verifier.verify("anything", password::DUMMY_HASH));
    assert!(
        argon2::PasswordHash::new(password::DUMMY_HASH).is_ok(),
        "the stand-in hash parses, so it costs a real check"
    );
}

#[test]
fn five_wrong_passwords_lock_the_account_until_the_lock_runs_out() {
    let dir = tempfile::tempdir().expect("tempdir");
    let a = accounts(&dir);
    a.add_user("lan", "Nguyễn Thị Lan", StaffRole::Officer, "dung-mat-khau", "cli", t0()).expect("added");
    for i in 0..4 {
        assert_eq!(a.login("lan", "sai", HERE, t0()).err(), Some(AccountError::BadCredentials), "try {i}");
    }
    let until = t0() + SignedDuration::from_mins(15);
    assert_eq!(a.login("lan", "sai", HERE, t0()).err(), Some(AccountError::Locked(until)));
    // Locked: even the right password is refused, and the message says until when.
    let refused = a.login("lan", "dung-mat-khau", HERE, t0() + SignedDuration::from_mins(14)).err();
    assert_eq!(refused, Some(AccountError::Locked(until)));
    let message = AccountError::Locked(until).message(&Config::demo().centre.schedule);
    assert!(message.contains("08:45"), "{message}");
    let (session, token) =
        a.login("LAN ", "dung-mat-khau", HERE, t0() + SignedDuration::from_mins(15)).expect("lock ran out");
    assert_eq!(session.role, StaffRole::Officer);
    assert_eq!(
        a.session(&token, t0() + SignedDuration::from_mins(16)).expect("read").map(|s| s.username),
        Some("lan".into())
    );
    assert_eq!(events(&a, "staff_login"), vec!["staff:lan".to_string()]);
    // Six failures (five wrong, one refused while locked), written as one counted summary.
    assert_eq!(events(&a, "staff_login_failures").len(), 0, "nothing written per attempt");
    a.report_failures(t0() + SignedDuration::from_mins(16)).expect("reported");
    a.report_failures(t0() + SignedDuration::from_mins(17)).expect("nothing more to report");
    let summaries = payloads(&a, "staff_login_failures");
    assert_eq!(summaries.len(), 1, "{summaries:?}");
    assert_eq!(summaries[0]["total"], 6);
    assert_eq!(summaries[0]["pairs"][0]["username"], "lan");
    assert_eq!(summaries[0]["pairs"][0]["client"], "10.0.1.3");
}

#[test]
fn a_strangers_wrong_passwords_do_not_lock_the_officer_at_the_counter() {
    let dir = tempfile::tempdir().expect("tempdir");
    let a = accounts(&dir);
    a.add_user("canbo1", "Lê Văn Một", StaffRole::Officer, "dung-mat-khau", "cli", t0()).expect("added");
    for _ in 0..5 {
        assert!(a.login("canbo1", "doan-thu", STRANGER, t0()).is_err());
    }
    assert!(matches!(a.login("canbo1", "dung-mat-khau", STRANGER, t0()), Err(AccountError::Locked(_))));
    assert!(a.login("canbo1", "dung-mat-khau", HERE, t0()).is_ok(), "the officer's own PC signs in");
    assert!(a.users(t0()).expect("users")[0].locked_until.is_some(), "the admin page shows the lock");
    // An administrator's unlock from the command line (another process) lifts it too.
    let path = dir.path().join("a.db");
    let cli = Accounts::new(schema::open(&path).expect("opens"), Policy::default(), a.schedule.clone());
    cli.unlock("canbo1", "cli", t0() + SignedDuration::from_mins(1)).expect("unlocked");
    assert!(a.login("canbo1", "dung-mat-khau", STRANGER, t0() + SignedDuration::from_mins(2)).is_ok());
}

#[test]
fn password_checks_reuse_their_memory() {
    let dir = tempfile::tempdir().expect("tempdir");
    let a = accounts(&dir);
    // An unknown name costs a whole check too (its answer takes as long as a real account's).
    assert_eq!(a.login("nobody", "sai-mat-khau", STRANGER, t0()).err(), Some(AccountError::BadCredentials));
    assert_eq!(a.verifier().areas(), 1, "the stand-in hash was worked through in a memory area");
    a.add_user("lan", "Lan", StaffRole::Officer, "12345678", "cli", t0()).expect("added");
    for i in 0..6 {
        let _ = a.login(if i % 2 == 0 { "lan" } else { "nobody" }, "sai-mat-khau", STRANGER, t0());
    }
    assert_eq!(a.verifier().areas(), 1, "one area, reused by every check made one after another");
}

#[test]
fn a_right_password_resets_the_count_and_reset_unlocks() {
    let dir = tempfile::tempdir().expect("tempdir");
    let a = accounts(&dir);
    a.add_user("minh", "Trần Minh", StaffRole::Supervisor, "mat-khau-1", "cli", t0()).expect("added");
    for _ in 0..4 {
        assert!(a.login("minh", "sai", HERE, t0()).is_err());
    }
    assert!(a.login("minh", "mat-khau-1", HERE, t0()).is_ok());
    for _ in 0..4 {
        assert_eq!(a.login("minh", "sai", HERE, t0()).err(), Some(AccountError::BadCredentials));
    }
    assert!(matches!(a.login("minh", "sai", HERE, t0()), Err(AccountError::Locked(_))));
    a.reset_password("minh", "mat-khau-2", "staff:admin", t0()).expect("reset");
    assert!(a.login("minh", "mat-khau-1", HERE, t0()).is_err());
    assert!(a.login("minh", "mat-khau-2", HERE, t0()).is_ok());
    assert_eq!(events(&a, "password_reset"), vec!["staff:admin".to_string()]);
}

#[test]
fn unknown_users_and_bad_names_are_refused_without_saying_which() {
    let dir = tempfile::tempdir().expect("tempdir");
    let a = accounts(&dir);
    assert_eq!(a.login("nobody", "whatever-pass", HERE, t0()).err(), Some(AccountError::BadCredentials));
    assert!(matches!(a.add_user("a", "A", StaffRole::Officer, "12345678", "cli", t0()), Err(AccountError::Invalid(_))));
    assert!(matches!(a.add_user("lan", "Lan", StaffRole::Officer, "ngan", "cli", t0()), Err(AccountError::Invalid(_))));
    a.add_user("lan", "Lan", StaffRole::Officer, "12345678", "cli", t0()).expect("added");
    assert_eq!(
        a.add_user("Lan", "Lan 2", StaffRole::Officer, "12345678", "cli", t0()).err(),
        Some(AccountError::Exists("lan".into()))
    );
    assert_eq!(a.session("not-a-token", t0()).expect("read"), None);
}

#[test]
fn sessions_end_at_logout_and_after_their_hours() {
    let dir = tempfile::tempdir().expect("tempdir");
    let a = accounts(&dir);
    a.add_user("lan", "Lan", StaffRole::Officer, "12345678", "cli", t0()).expect("added");
    let (session, token) = a.login("lan", "12345678", HERE, t0()).expect("in");
    assert!(a.session(&token, t0() + SignedDuration::from_hours(11)).expect("read").is_some());
    assert!(a.session(&token, t0() + SignedDuration::from_hours(12)).expect("read").is_none());
    a.logout(&session, t0()).expect("out");
    assert!(a.session(&token, t0()).expect("read").is_none());
}

#[test]
fn one_officer_per_counter() {
    let dir = tempfile::tempdir().expect("tempdir");
    let a = accounts(&dir);
    a.add_user("lan", "Nguyễn Thị Lan", StaffRole::Officer, "12345678", "cli", t0()).expect("added");
    a.add_user("hung", "Lê Hùng", StaffRole::Officer, "12345678", "cli", t0()).expect("added");
    let (lan, lan_token) = a.login("lan", "12345678", HERE, t0()).expect("in");
    let (hung, _) = a.login("hung", "12345678", HERE, t0()).expect("in");
    let three = CounterNo::parse("3").expect("no");
    a.take_counter(&lan, Some(three), t0()).expect("free");
    assert_eq!(
        a.take_counter(&hung, Some(three), t0()).err(),
        Some(AccountError::CounterTaken("Nguyễn Thị Lan".into()))
    );
    assert_eq!(a.officers(t0()).expect("read"), vec![(3, "Nguyễn Thị Lan".to_string())]);
    assert_eq!(a.session(&lan_token, t0()).expect("read").and_then(|s| s.counter), Some(three));
    a.take_counter(&lan, None, t0()).expect("left");
    a.take_counter(&hung, Some(three), t0()).expect("free again");
    assert_eq!(events(&a, "counter_taken"), vec!["staff:lan".to_string(), "staff:hung".to_string()]);
}

#[test]
fn device_tokens_are_kept_as_hashes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let a = accounts(&dir);
    let token = a.add_device("Kiosk sảnh A", Role::Kiosk, &[], "cli", t0()).expect("added");
    let device = a.device(&token).expect("read").expect("known");
    assert_eq!((device.name.as_str(), device.role), ("Kiosk sảnh A", Role::Kiosk));
    assert_eq!(a.device("dev-guess").expect("read"), None);
    let stored: String =
        a.with(|conn| Ok(conn.query_row("SELECT token_hash FROM device_tokens", [], |r| r.get(0))?)).expect("row");
    assert!(!stored.contains(&token) && stored.len() == 64);
}
