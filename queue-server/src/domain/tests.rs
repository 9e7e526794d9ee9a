//! Rules of the engine, each with the time given explicitly.

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};

use super::calling::ReasonCode;
use super::centre::tests::{at, schedule};
use super::centre::{CallingPolicy, Centre, Closed, CounterSpec, PriorityClass, ServiceSpec};
use super::*;

fn code(s: &str) -> ServiceCode {
    ServiceCode::parse(s).expect("valid code")
}

fn no(n: u16) -> CounterNo {
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
        appointments: crate::domain::slots::AppointmentPolicy::default(),
    })
}

/// A Monday morning.
pub(super) fn monday(hhmm: &str) -> Timestamp {
    at(&format!("2026-11-23T{hhmm}:00"))
}

fn queue() -> Queue {
    let c = centre();
    let day = c.schedule.service_day(monday("08:00"));
    let mut q = Queue::new(c, day);
    for n in [1, 2, 3] {
        q.execute(Command::Open(no(n)), monday("07:30")).expect("opens");
    }
    q
}

fn issue(q: &mut Queue, service: &str, priority: Option<&str>, now: Timestamp) -> Ticket {
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

fn call(q: &mut Queue, counter: u16, now: Timestamp) -> (Ticket, ReasonCode) {
    match q.execute(Command::CallNext(no(counter)), now).expect("calls").outcome {
        Outcome::Called { id, reason, .. } => (q.ticket(&id).expect("stored").clone(), reason.code),
        other => panic!("nobody called: {other:?}"),
    }
}

fn done(q: &mut Queue, counter: u16, now: Timestamp) {
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
fn a_counter_calls_only_the_services_it_serves() {
    let mut q = queue();
    issue(&mut q, "XD", None, monday("08:00"));
    assert_eq!(q.execute(Command::CallNext(no(1)), monday("08:05")).map(|e| e.outcome), Ok(Outcome::NobodyWaiting));
    let (t, _) = call(&mut q, 3, monday("08:05"));
    assert_eq!(t.service, code("XD"));
    assert_eq!(t.counter, Some(no(3)));
}

#[test]
fn priority_and_normal_alternate_at_the_configured_ratio() {
    let mut q = queue();
    let mut t = monday("08:00");
    for p in [None, None, None, Some("elderly"), Some("disabled"), Some("elderly")] {
        issue(&mut q, "DD", p, t);
        t += SignedDuration::from_mins(1);
    }
    let mut order = Vec::new();
    for _ in 0..6 {
        let (ticket, code) = call(&mut q, 1, monday("08:10"));
        order.push((ticket.number, code));
        done(&mut q, 1, monday("08:10"));
    }
    use ReasonCode::{NormalTurn as N, PriorityTurn as P};
    assert_eq!(order, vec![(1004, P), (1005, P), (1001, N), (1006, P), (1002, N), (1003, N)]);
}

#[test]
fn only_one_class_waiting_is_called_in_arrival_order() {
    let mut q = queue();
    issue(&mut q, "DD", Some("elderly"), monday("08:00"));
    issue(&mut q, "DD", Some("elderly"), monday("08:01"));
    issue(&mut q, "DD", Some("elderly"), monday("08:02"));
    let numbers: Vec<u32> = (0..3)
        .map(|_| {
            let (t, _) = call(&mut q, 1, monday("08:05"));
            done(&mut q, 1, monday("08:05"));
            t.number
        })
        .collect();
    assert_eq!(numbers, vec![1001, 1002, 1003]);
}

#[test]
fn the_counter_prefers_its_first_service_until_a_ticket_ages() {
    let mut q = queue();
    let xd = issue(&mut q, "XD", None, monday("08:00"));
    issue(&mut q, "DD", None, monday("08:10"));
    issue(&mut q, "DD", None, monday("08:20"));
    let (first, code) = call(&mut q, 2, monday("08:25"));
    assert_eq!((first.service.as_str(), code), ("DD", ReasonCode::NormalTurn), "DD is counter 2's first service");
    done(&mut q, 2, monday("08:26"));
    let (second, code) = call(&mut q, 2, monday("08:31"));
    assert_eq!((second.id.clone(), code), (xd.id, ReasonCode::Aged), "XD waited 31 min ≥ 30");
}

#[test]
fn a_due_appointment_goes_before_earlier_walk_ins() {
    let mut q = queue();
    issue(&mut q, "DD", Some("elderly"), monday("08:00"));
    let booked = Command::Issue {
        service: code("DD"),
        priority: None,
        channel: Channel::Appointment,
        idempotency_key: None,
        appointment_at: Some(monday("09:00")),
    };
    q.execute(booked, monday("08:30")).expect("checked in");
    let (early, _) = call(&mut q, 1, monday("08:45"));
    assert_eq!(early.number, 1001, "appointment not due before 08:50");
    done(&mut q, 1, monday("08:46"));
    issue(&mut q, "DD", Some("elderly"), monday("08:47"));
    let (due, code) = call(&mut q, 1, monday("08:50"));
    assert_eq!((due.number, code), (1002, ReasonCode::AppointmentDue));
}

#[test]
fn transfer_keeps_the_original_arrival_time() {
    let mut q = queue();
    let a = issue(&mut q, "DD", None, monday("08:00"));
    let b = issue(&mut q, "XD", None, monday("08:05"));
    call(&mut q, 1, monday("08:06"));
    q.execute(Command::Transfer(no(1), code("XD")), monday("08:10")).expect("transfers");
    let moved = q.ticket(&a.id).expect("kept").clone();
    assert_eq!((moved.service.as_str(), moved.status, moved.arrived_at), ("XD", TicketStatus::Waiting, a.arrived_at));
    assert_eq!(moved.number, 1001, "keeps its number");
    assert_eq!(q.position(&moved), Some(0));
    assert_eq!(q.position(q.ticket(&b.id).expect("kept")), Some(1));
    let (next, _) = call(&mut q, 3, monday("08:11"));
    assert_eq!(next.id, a.id);
    assert_eq!(q.counter(no(1)).and_then(|c| c.current.clone()), None, "counter 1 is free again");
    assert_eq!(
        q.execute(Command::Transfer(no(3), code("XD")), monday("08:12")).map_err(|e| e.code()),
        Err("same_service")
    );
}

#[test]
fn recall_is_counted_and_no_show_may_rejoin_within_the_window() {
    let mut q = queue();
    let a = issue(&mut q, "DD", None, monday("08:00"));
    call(&mut q, 1, monday("08:01"));
    q.execute(Command::Recall(no(1)), monday("08:02")).expect("recalls");
    q.execute(Command::Recall(no(1)), monday("08:03")).expect("recalls");
    assert_eq!(q.ticket(&a.id).map(|t| t.recalls), Some(2));
    q.execute(Command::NoShow(no(1)), monday("08:04")).expect("no-show");
    assert_eq!(q.ticket(&a.id).map(|t| t.status), Some(TicketStatus::NoShow));
    q.execute(Command::Rejoin(a.id.clone()), monday("08:19")).expect("within 15 min");
    let back = q.ticket(&a.id).expect("kept");
    assert_eq!((back.status, back.arrived_at), (TicketStatus::Waiting, a.arrived_at));

    call(&mut q, 1, monday("08:20"));
    q.execute(Command::NoShow(no(1)), monday("08:21")).expect("no-show again");
    assert!(q.advance(monday("08:36")).is_empty(), "window still open at 08:36");
    let expired = q.advance(monday("08:37"));
    assert_eq!(expired.len(), 1);
    assert_eq!(expired[0].fact, Fact::TicketExpired);
    assert_eq!(q.execute(Command::Rejoin(a.id), monday("08:38")).map_err(|e| e.code()), Err("invalid_transition"));
}

#[test]
fn rejoin_after_the_window_but_before_expiry_is_refused() {
    let mut q = queue();
    let a = issue(&mut q, "DD", None, monday("08:00"));
    call(&mut q, 1, monday("08:01"));
    q.execute(Command::NoShow(no(1)), monday("08:02")).expect("no-show");
    assert_eq!(q.execute(Command::Rejoin(a.id), monday("08:30")).map_err(|e| e.code()), Err("rejoin_window_over"));
}

#[test]
fn counter_states_guard_calls() {
    let mut q = queue();
    issue(&mut q, "DD", None, monday("08:00"));
    issue(&mut q, "DD", None, monday("08:01"));
    q.execute(Command::Close(no(1)), monday("08:02")).expect("closes");
    assert_eq!(q.execute(Command::CallNext(no(1)), monday("08:02")).map_err(|e| e.code()), Err("counter_closed"));
    q.execute(Command::Open(no(1)), monday("08:03")).expect("opens");
    call(&mut q, 1, monday("08:03"));
    assert_eq!(q.execute(Command::CallNext(no(1)), monday("08:04")).map_err(|e| e.code()), Err("counter_busy"));
    assert_eq!(q.execute(Command::Close(no(1)), monday("08:04")).map_err(|e| e.code()), Err("counter_busy"));
    done(&mut q, 1, monday("08:05"));
    assert_eq!(
        q.execute(Command::Pause(no(1), "  ".into()), monday("08:05")).map_err(|e| e.code()),
        Err("invalid_text")
    );
    q.execute(Command::Pause(no(1), "Nghỉ giải lao".into()), monday("08:05")).expect("pauses");
    assert_eq!(q.counter(no(1)).map(|c| c.status.clone()), Some(CounterStatus::Paused("Nghỉ giải lao".into())));
    assert_eq!(q.execute(Command::CallNext(no(1)), monday("08:06")).map_err(|e| e.code()), Err("counter_paused"));
    assert_eq!(q.execute(Command::Done(no(1)), monday("08:06")).map_err(|e| e.code()), Err("no_current_ticket"));
    assert_eq!(q.execute(Command::CallNext(no(9)), monday("08:06")).map_err(|e| e.code()), Err("unknown_counter"));
}

#[test]
fn calling_a_chosen_ticket_needs_a_served_service() {
    let mut q = queue();
    let xd = issue(&mut q, "XD", None, monday("08:00"));
    assert_eq!(
        q.execute(Command::CallTicket(no(1), xd.id.clone()), monday("08:01")).map_err(|e| e.code()),
        Err("not_served_here")
    );
    let called = q.execute(Command::CallTicket(no(3), xd.id), monday("08:01")).expect("calls");
    assert!(matches!(called.outcome, Outcome::Called { reason, .. } if reason.code == ReasonCode::Chosen));
}

#[test]
fn serving_times_feed_the_estimate() {
    let mut q = queue();
    q.execute(Command::Close(no(2)), monday("07:31")).expect("closes");
    for i in 0..3 {
        let start = monday("08:00") + SignedDuration::from_mins(i * 2);
        issue(&mut q, "DD", None, start);
        call(&mut q, 1, start);
        q.execute(Command::Serve(no(1)), start).expect("serves");
        done(&mut q, 1, start + SignedDuration::from_mins(2));
    }
    issue(&mut q, "DD", None, monday("08:10"));
    let dd = &q.loads(monday("09:00"))[0];
    assert_eq!((dd.waiting, dd.counters_open), (1, 1));
    assert_eq!(dd.estimated_wait_minutes, Some(2), "1 waiting × measured 2 min ÷ 1 counter");
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

#[test]
fn a_walk_in_is_called_within_the_aging_bound_behind_a_steady_stream_of_appointments_and_priority() {
    let mut c = (*centre()).clone();
    c.services.iter_mut().for_each(|s| s.daily_capacity = 500);
    let c = std::sync::Arc::new(c);
    let mut q = Queue::new(c.clone(), c.schedule.service_day(monday("08:00")));
    for n in [1, 2, 3] {
        q.execute(Command::Open(no(n)), monday("07:30")).expect("opens");
    }
    // Only counter 1 serves DD: counter 2 (DD and XD) is closed.
    q.execute(Command::Close(no(2)), monday("07:31")).expect("closes");
    let start = monday("08:00");
    let bound = i64::from(q.centre().policy.aging_minutes) + 8;
    let (mut serving_until, mut walk_in, mut called_after) = (None::<Timestamp>, None::<Ticket>, None);
    let mut passed = 0;
    for minute in 0..300 {
        let now = start + SignedDuration::from_mins(minute);
        q.advance(now);
        if minute % 6 == 0 {
            // A booked citizen checks in; the appointment is due at once.
            let booked = Command::Issue {
                service: code("DD"),
                priority: None,
                channel: Channel::Appointment,
                idempotency_key: None,
                appointment_at: Some(now),
            };
            q.execute(booked, now).expect("checked in");
        }
        if minute % 10 == 3 {
            issue(&mut q, "DD", Some("elderly"), now);
        }
        if minute == 20 {
            walk_in = Some(issue(&mut q, "DD", None, now));
        }
        if serving_until.is_some_and(|until| until <= now) {
            done(&mut q, 1, now);
            serving_until = None;
        }
        if serving_until.is_none() {
            let (called, _) = call(&mut q, 1, now);
            if walk_in.as_ref().is_some_and(|w| w.id == called.id) {
                called_after = Some(minute - 20);
                break;
            }
            passed += usize::from(walk_in.is_some());
            serving_until = Some(now + SignedDuration::from_mins(8));
        }
        if let Some(w) = &walk_in {
            // While others will go first, the estimate says so.
            let waiting = q.ticket(&w.id).expect("kept");
            let ahead = q.position(waiting).expect("waiting");
            assert!(ahead > 0, "minute {minute}: others are called first");
            let estimate = q.estimated_wait(waiting);
            assert!(estimate.is_some_and(|e| e > 0), "minute {minute}: estimate {estimate:?} with {ahead} ahead");
        }
    }
    let waited = called_after.expect("the walk-in was called");
    assert!(waited <= bound, "waited {waited} min behind {passed} others; the bound is {bound}");
    assert!(passed >= 3, "appointments and priority tickets did go first for a while ({passed})");
}

#[test]
fn nobody_serving_means_no_estimate_and_a_shared_counter_counts_by_its_share() {
    let mut q = queue();
    let t = issue(&mut q, "XD", None, monday("08:00"));
    issue(&mut q, "XD", None, monday("08:01"));
    // XD is served by counter 2 (DD and XD) and counter 3 (XD): 0.5 + 1 counters.
    let xd = |q: &Queue| q.loads(monday("08:02")).into_iter().find(|l| l.code == code("XD")).expect("XD");
    assert_eq!(xd(&q).estimated_wait_minutes, Some(11), "2 × 8 min ÷ 1.5");
    for n in [2, 3] {
        q.execute(Command::Pause(no(n), "Họp".into()), monday("08:02")).expect("pauses");
    }
    assert_eq!(xd(&q).estimated_wait_minutes, None, "every counter of the field paused: unknown, not a number");
    assert_eq!(q.estimated_wait(q.ticket(&t.id).expect("kept")), None);
}

#[test]
fn a_priority_ticket_is_not_told_that_the_normal_ones_it_passes_are_ahead() {
    // Priority ratio 2:1, counter 3 serves Xây dựng only.
    let mut q = queue();
    q.execute(Command::Open(no(3)), monday("07:30")).expect("opens");
    let normal = issue(&mut q, "XD", None, monday("08:00"));
    let elderly = issue(&mut q, "XD", Some("elderly"), monday("08:05"));
    let position = |q: &Queue, t: &Ticket| q.ticket(&t.id).and_then(|t| q.position(t));
    assert_eq!(position(&q, &elderly), Some(0), "the elderly ticket goes next");
    assert_eq!(position(&q, &normal), Some(1), "the normal one is passed");
    let second = issue(&mut q, "XD", Some("disabled"), monday("08:06"));
    let third = issue(&mut q, "XD", Some("elderly"), monday("08:07"));
    assert_eq!(position(&q, &second), Some(1));
    assert_eq!(position(&q, &third), Some(3), "after two priority calls the normal one has its turn");
    // The calls bear every position out.
    let order: Vec<TicketId> = (0..4)
        .map(|i| {
            let (t, _) = call(&mut q, 3, monday("08:10") + SignedDuration::from_mins(i));
            q.execute(Command::Done(no(3)), monday("08:10") + SignedDuration::from_mins(i)).expect("done");
            t.id
        })
        .collect();
    assert_eq!(order, [elderly.id, second.id, normal.id, third.id]);
}
