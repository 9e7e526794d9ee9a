//! The calling order and the wait estimate, each with the time given explicitly: which ticket a
//! counter calls next and why, and what a waiting citizen is told.

use jiff::{SignedDuration, Timestamp};

use super::calling::ReasonCode;
use super::tests::{call, centre, code, done, issue, monday, no, queue};
use super::*;

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
fn a_clock_stepped_back_ten_minutes_leaves_the_order_of_arrival() {
    let mut q = queue();
    let first = issue(&mut q, "DD", None, monday("09:00"));
    let second = issue(&mut q, "DD", None, monday("09:01"));
    // NTP corrects a Pi that booted fast: the wall clock goes back ten minutes.
    let third = issue(&mut q, "DD", None, monday("08:51"));
    let other_field = issue(&mut q, "XD", None, monday("08:52"));
    assert_eq!([first.arrival, second.arrival, third.arrival, other_field.arrival], [1, 2, 3, 4]);
    assert_eq!(q.position(&third), Some(2), "two are ahead of it, as they arrived");
    let called: Vec<u32> = (0..3)
        .map(|_| {
            let (t, _) = call(&mut q, 1, monday("08:53"));
            done(&mut q, 1, monday("08:54"));
            t.number
        })
        .collect();
    assert_eq!(called, [first.number, second.number, third.number]);
    // Forward again (the correction undone): still by arrival, across fields at a shared counter.
    let later = issue(&mut q, "XD", None, monday("09:30"));
    let (t, _) = call(&mut q, 3, monday("09:31"));
    assert_eq!((t.id, later.arrival), (other_field.id, 5));
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
    assert_eq!(moved.arrival, a.arrival, "and its order of arrival");
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
