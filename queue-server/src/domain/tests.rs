//! Rules of the engine, each with the time given explicitly.

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};

use super::calling::ReasonCode;
use super::centre::tests::{at, schedule};
use super::centre::{CallingPolicy, Centre, Closed, CounterSpec, PriorityClass, ServiceSpec};
use super::*;

pub(super) fn code(s: &str) -> ServiceCode {
    ServiceCode::parse(s).expect("valid code")
}

pub(super) fn no(n: u16) -> CounterNo {
    CounterNo::new(n).expect("valid counter")
}

/// DD (cap 6) served by counters 1 and 2, XD served by 2 (after DD) and 3; ratio 2:1, aging 30 min.
pub(super) fn centre() -> Arc<Centre> {
    let service = |c: &str, name: &str, start: u32, cap: u32| ServiceSpec {
        code: code(c),
        name_vi: name.into(),
        name_en: name.into(),
        number_start: start,
        number_end: start + 498,
        daily_capacity: cap,
        booking: None,
    };
    let counter = |n: u16, services: &[&str]| CounterSpec {
        no: no(n),
        name: format!("Quầy {n}"),
        services: services.iter().map(|s| code(s)).collect(),
    };
    let class = |c: &str, name: &str| PriorityClass { code: c.into(), name_vi: name.into(), name_en: c.into() };
    Arc::new(Centre {
        name: "Trung tâm thử".into(),
        schedule: schedule(),
        enforce_hours: true,
        services: vec![service("DD", "Đất đai", 1001, 6), service("XD", "Xây dựng", 2001, 100)],
        counters: vec![counter(1, &["DD"]), counter(2, &["DD", "XD"]), counter(3, &["XD"])],
        priority_classes: vec![class("elderly", "Người cao tuổi"), class("disabled", "Người khuyết tật")],
        policy: CallingPolicy {
            priority_ratio: 2,
            aging_minutes: 30,
            rejoin_minutes: 15,
            default_service_minutes: 8,
            appointment_grace_minutes: 10,
            stop_intake_before_close_minutes: 0,
        },
        rating_levels: vec!["Không hài lòng".into(), "Chấp nhận".into(), "Hài lòng".into(), "Rất hài lòng".into()],
        rating_three: vec![1, 2, 2, 3],
        unit_code: String::new(),
        appointments: crate::domain::slots::AppointmentPolicy::default(),
    })
}

/// A Monday morning.
pub(super) fn monday(hhmm: &str) -> Timestamp {
    at(&format!("2026-11-23T{hhmm}:00"))
}

pub(super) fn queue() -> Queue {
    let c = centre();
    let day = c.schedule.service_day(monday("08:00"));
    let mut q = Queue::new(c, day);
    for n in [1, 2, 3] {
        q.execute(Command::Open(no(n)), monday("07:30")).expect("opens");
    }
    q
}

pub(super) fn issue(q: &mut Queue, service: &str, priority: Option<&str>, now: Timestamp) -> Ticket {
    let cmd = Command::Issue {
        service: code(service),
        priority: priority.map(String::from),
        channel: Channel::Kiosk,
        idempotency_key: None,
        appointment_at: None,
    };
    match q.execute(cmd, now).expect("issues").outcome {
        Outcome::Issued { id, .. } => q.ticket(&id).expect("stored").clone(),
        other => panic!("unexpected {other:?}"),
    }
}

pub(super) fn call(q: &mut Queue, counter: u16, now: Timestamp) -> (Ticket, ReasonCode) {
    match q.execute(Command::CallNext(no(counter)), now).expect("calls").outcome {
        Outcome::Called { id, reason, .. } => (q.ticket(&id).expect("stored").clone(), reason.code),
        other => panic!("nobody called: {other:?}"),
    }
}

pub(super) fn done(q: &mut Queue, counter: u16, now: Timestamp) {
    q.execute(Command::Done(no(counter)), now).expect("done");
}

#[test]
fn numbers_are_gapless_per_service_and_positions_count_people_ahead() {
    let mut q = queue();
    let a = issue(&mut q, "DD", None, monday("08:00"));
    let b = issue(&mut q, "XD", None, monday("08:01"));
    let c = issue(&mut q, "DD", None, monday("08:02"));
    assert_eq!((a.number, b.number, c.number), (1001, 2001, 1002));
    assert_eq!(a.id.as_str(), "20261123-DD-1001");
    assert_eq!(q.position(&a), Some(0));
    assert_eq!(q.position(&c), Some(1));
    assert_eq!(q.estimated_wait(&c), Some(6), "1 ahead × 8 min default ÷ 1.5 (counter 2 also serves XD: half)");
}

#[test]
fn a_repeated_idempotency_key_returns_the_same_ticket() {
    let mut q = queue();
    let cmd = Command::Issue {
        service: code("DD"),
        priority: None,
        channel: Channel::Kiosk,
        idempotency_key: Some("kiosk-1:42".into()),
        appointment_at: None,
    };
    let first = q.execute(cmd.clone(), monday("08:00")).expect("issues");
    let again = q.execute(cmd, monday("08:00")).expect("replays");
    let (Outcome::Issued { id: a, replayed: false }, Outcome::Issued { id: b, replayed: true }) =
        (first.outcome, again.outcome)
    else {
        panic!("unexpected outcomes");
    };
    assert_eq!(a, b);
    assert!(again.changes.is_empty());
    assert_eq!(q.issued_count(&code("DD")), 1);
}

#[test]
fn a_key_replayed_with_another_field_class_or_channel_is_refused_and_changes_nothing() {
    let mut q = queue();
    let with = |service: &str, priority: Option<&str>, channel: Channel| Command::Issue {
        service: code(service),
        priority: priority.map(String::from),
        channel,
        idempotency_key: Some("kiosk-a1b2c3d4e5f60718-t1".into()),
        appointment_at: None,
    };
    q.execute(with("DD", None, Channel::Kiosk), monday("08:00")).expect("issues 1001");
    for other in [
        with("XD", None, Channel::Kiosk),
        with("DD", Some("elderly"), Channel::Kiosk),
        with("DD", None, Channel::Counter),
    ] {
        let refused = q.execute(other, monday("08:01")).expect_err("another request under the same key");
        assert_eq!(refused.code(), "idempotency_key_reused");
        assert!(refused.message().contains("số 1001 lĩnh vực Đất đai"), "{}", refused.message());
    }
    assert_eq!((q.issued_count(&code("DD")), q.issued_count(&code("XD"))), (1, 0), "nothing issued");
    let again = q.execute(with("DD", None, Channel::Kiosk), monday("08:02")).expect("the same request");
    assert!(matches!(again.outcome, Outcome::Issued { replayed: true, .. }));
}

#[test]
fn capacity_is_refused_when_spent_and_the_refusal_changes_nothing() {
    let mut q = queue();
    for i in 0..6 {
        issue(&mut q, "DD", None, monday("08:00") + SignedDuration::from_secs(i));
    }
    let before = q.loads(monday("09:00"));
    let cmd = Command::Issue {
        service: code("DD"),
        priority: None,
        channel: Channel::Kiosk,
        idempotency_key: None,
        appointment_at: None,
    };
    let err = q.execute(cmd, monday("08:10")).expect_err("capacity spent");
    assert_eq!(err.code(), "capacity_exhausted");
    assert!(err.message().contains("Đất đai"));
    assert_eq!(q.loads(monday("09:00")), before);
    assert_eq!(q.loads(monday("09:00"))[0].remaining_today, 0);
    assert_eq!(q.loads(monday("09:00"))[1].remaining_today, 100);
}

#[test]
fn tickets_are_refused_outside_hours_but_appointments_are_not() {
    let mut q = queue();
    let walk_in = Command::Issue {
        service: code("DD"),
        priority: None,
        channel: Channel::Kiosk,
        idempotency_key: None,
        appointment_at: None,
    };
    let err = q.execute(walk_in, monday("12:00")).expect_err("lunch");
    assert_eq!(err, DomainError::ServiceClosed(Closed::Lunch(jiff::civil::time(13, 30, 0, 0))));
    let booked = Command::Issue {
        service: code("DD"),
        priority: None,
        channel: Channel::Appointment,
        idempotency_key: None,
        appointment_at: Some(monday("13:30")),
    };
    assert!(q.execute(booked, monday("12:00")).is_ok());
}

#[test]
fn unknown_service_and_priority_class_are_refused() {
    let mut q = queue();
    let cmd = Command::Issue {
        service: code("ZZ"),
        priority: None,
        channel: Channel::Kiosk,
        idempotency_key: None,
        appointment_at: None,
    };
    assert_eq!(q.execute(cmd, monday("08:00")).map_err(|e| e.code()), Err("unknown_service"));
    let cmd = Command::Issue {
        service: code("DD"),
        priority: Some("vip".into()),
        channel: Channel::Kiosk,
        idempotency_key: None,
        appointment_at: None,
    };
    assert_eq!(q.execute(cmd, monday("08:00")).map_err(|e| e.code()), Err("unknown_priority"));
    assert_eq!(q.issued_count(&code("DD")), 0);
}

#[test]
fn the_day_rolls_over_at_the_configured_hour() {
    let mut q = queue();
    let left = issue(&mut q, "DD", None, monday("16:00"));
    call(&mut q, 1, monday("16:30"));
    issue(&mut q, "DD", None, monday("16:40"));
    assert!(q.advance(at("2026-11-24T02:59:00")).is_empty(), "before 03:00 it is still Monday's day");
    let changes = q.advance(at("2026-11-24T03:00:00"));
    let kinds: Vec<&str> = changes.iter().map(|c| c.fact.kind()).collect();
    assert_eq!(
        kinds,
        vec!["ticket_expired", "ticket_expired", "counter_closed", "counter_closed", "counter_closed", "day_started"]
    );
    assert_eq!(changes[0].ticket.as_ref().map(|t| (&t.id, t.status)), Some((&left.id, TicketStatus::Expired)));
    assert_eq!(q.day(), jiff::civil::date(2026, 11, 24));
    assert!(q.counters().all(|(_, c)| c.status == CounterStatus::Closed && c.current.is_none()));
    q.execute(Command::Open(no(1)), at("2026-11-24T07:30:00")).expect("opens");
    let fresh = issue(&mut q, "DD", None, at("2026-11-24T07:31:00"));
    assert_eq!((fresh.number, fresh.id.as_str()), (1001, "20261124-DD-1001"));
}

#[test]
fn a_rating_needs_a_served_ticket_and_only_one() {
    let mut q = queue();
    let a = issue(&mut q, "DD", None, monday("08:00"));
    let rate = |ticket: &Ticket, score: u8| {
        Command::Rate(NewRating {
            ticket: Some(ticket.id.clone()),
            by_number: None,
            given_at: None,
            counter: None,
            dossier: None,
            score,
            tags: vec![],
            comment: None,
            idempotency_key: None,
        })
    };
    assert_eq!(q.execute(rate(&a, 4), monday("08:01")).map_err(|e| e.code()), Err("ticket_not_served"));
    call(&mut q, 1, monday("08:02"));
    done(&mut q, 1, monday("08:05"));
    assert_eq!(q.execute(rate(&a, 5), monday("08:06")).map_err(|e| e.code()), Err("invalid_score"));
    assert_eq!(q.execute(rate(&a, 0), monday("08:06")).map_err(|e| e.code()), Err("invalid_score"));
    let rated = q.execute(rate(&a, 4), monday("08:06")).expect("rates");
    let Outcome::Rating { record, .. } = rated.outcome else { panic!("not a rating") };
    assert_eq!((record.counter, record.service, record.score), (Some(no(1)), Some(code("DD")), 4));
    assert_eq!(q.execute(rate(&a, 4), monday("08:07")).map_err(|e| e.code()), Err("already_rated"));
    let anonymous = Command::Rate(NewRating {
        ticket: None,
        by_number: None,
        given_at: None,
        counter: None,
        dossier: None,
        score: 3,
        tags: vec![],
        comment: None,
        idempotency_key: None,
    });
    assert_eq!(q.execute(anonymous, monday("08:07")).map_err(|e| e.code()), Err("rating_without_target"));
}

#[test]
fn a_rating_by_number_finds_todays_ticket_and_keeps_when_it_was_given() {
    let mut q = queue();
    let a = issue(&mut q, "DD", None, monday("08:00"));
    call(&mut q, 1, monday("08:02"));
    done(&mut q, 1, monday("08:05"));
    let by_number = |given: &str| {
        Command::Rate(NewRating {
            ticket: None,
            by_number: Some((q.day(), a.number)),
            given_at: Some(monday(given)),
            counter: None,
            dossier: None,
            score: 4,
            tags: vec![],
            comment: None,
            idempotency_key: None,
        })
    };
    let given_before_service = by_number("08:01");
    let rated = q.execute(given_before_service, monday("09:30")).expect("rates");
    let Outcome::Rating { record, .. } = rated.outcome else { panic!("not a rating") };
    assert_eq!(record.ticket.as_ref(), Some(&a.id));
    assert_eq!(record.at, monday("08:05"), "not before the ticket was served");
}
