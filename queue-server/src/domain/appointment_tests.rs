//! Booking rules with the time given explicitly: holds, limits, shared capacity, check-in windows,
//! the calling order of checked-in bookings, no-shows; and a random run that checks the counts and
//! the shared capacity after every step.

use std::sync::Arc;

use jiff::Timestamp;

use super::appointments::CheckInBy;
use super::booking::{BookingCode, BookingStatus};
use super::calling::ReasonCode;
use super::slots::{LateArrival, SlotSpec};
use super::tests::{centre, monday};
use super::*;

fn code(s: &str) -> ServiceCode {
    ServiceCode::parse(s).expect("valid code")
}

fn no(n: u16) -> CounterNo {
    CounterNo::new(n).expect("counter")
}

/// The test centre with DD (capacity 6) bookable: 2 per slot, 4 per day; XD (capacity 100) 1 per
/// slot, 10 per day.
fn booking_centre(edit: impl FnOnce(&mut Centre)) -> Arc<Centre> {
    let mut c = (*centre()).clone();
    c.services[0].booking = Some(SlotSpec { slot_capacity: 2, per_day: 4 });
    c.services[1].booking = Some(SlotSpec { slot_capacity: 1, per_day: 10 });
    edit(&mut c);
    Arc::new(c)
}

fn queue_with(edit: impl FnOnce(&mut Centre)) -> Queue {
    let c = booking_centre(edit);
    let day = c.schedule.service_day(monday("08:00"));
    let mut q = Queue::new(c, day);
    for n in [1, 2, 3] {
        q.execute(Command::Open(no(n)), monday("07:30")).expect("opens");
    }
    q
}

fn run(q: &mut Queue, command: Command, now: Timestamp) -> Result<Executed, DomainError> {
    q.advance(now);
    q.execute(command, now)
}

fn code_n(n: u8) -> BookingCode {
    BookingCode::from_random([n, n / 25, 3, 4, 5, 6])
}

fn hold(q: &mut Queue, n: u8, service: &str, slot: Timestamp, now: Timestamp) -> Result<BookingCode, DomainError> {
    let c = code_n(n);
    run(q, Command::Hold { code: c.clone(), service: code(service), slot_at: slot }, now)?;
    Ok(c)
}

fn confirm(q: &mut Queue, c: &BookingCode, phone: &str, now: Timestamp) -> Result<Executed, DomainError> {
    let command =
        Command::Confirm { code: c.clone(), name: "Nguyễn Văn An".into(), phone: phone.into(), citizen_id: None };
    run(q, command, now)
}

fn book(q: &mut Queue, n: u8, service: &str, slot: Timestamp, phone: &str, now: Timestamp) -> BookingCode {
    let c = hold(q, n, service, slot, now).expect("holds");
    confirm(q, &c, phone, now).expect("confirms");
    c
}

fn walk_in(q: &mut Queue, service: &str, now: Timestamp) -> Result<TicketId, DomainError> {
    let command = Command::Issue {
        service: code(service),
        priority: None,
        channel: Channel::Kiosk,
        idempotency_key: None,
        appointment_at: None,
    };
    match run(q, command, now)?.outcome {
        Outcome::Issued { id, .. } => Ok(id),
        other => panic!("unexpected {other:?}"),
    }
}

fn check_in(q: &mut Queue, by: CheckInBy, now: Timestamp) -> Result<(TicketId, bool, usize), DomainError> {
    let executed = run(q, Command::CheckIn(by), now)?;
    match executed.outcome {
        Outcome::Issued { id, replayed } => Ok((id, replayed, executed.changes.len())),
        other => panic!("unexpected {other:?}"),
    }
}

fn status(q: &Queue, c: &BookingCode) -> BookingStatus {
    q.book().get(c).expect("booking").status
}

#[test]
fn a_slot_takes_its_capacity_and_the_day_its_share() {
    let mut q = queue_with(|_| {});
    let now = monday("07:00");
    for n in 0..2 {
        book(&mut q, n, "DD", monday("09:00"), &format!("091200000{n}"), now);
    }
    assert_eq!(hold(&mut q, 2, "DD", monday("09:00"), now), Err(DomainError::SlotFull("09:00".into())));
    for n in 3..5 {
        book(&mut q, n, "DD", monday("09:15"), &format!("091200000{n}"), now);
    }
    let full = hold(&mut q, 5, "DD", monday("10:00"), now);
    assert!(matches!(full, Err(DomainError::BookingsFull { .. })), "{full:?}");
    assert_eq!(q.book().on_day(q.day(), &code("DD")), 4);
    q.book().check_counts().expect("counts agree");
}

#[test]
fn a_quarter_of_a_days_places_may_be_on_hold_at_once() {
    // Đất đai: 4 bookable a day, 2 a slot: at most max(25 % of 4, 2) = 2 unconfirmed holds.
    let mut q = queue_with(|_| {});
    let now = monday("07:00");
    let first = hold(&mut q, 0, "DD", monday("09:00"), now).expect("first hold");
    hold(&mut q, 1, "DD", monday("09:15"), now).expect("second hold");
    let refused = hold(&mut q, 2, "DD", monday("10:00"), now);
    assert!(matches!(refused, Err(DomainError::HoldsFull { .. })), "{refused:?}");
    assert!(hold(&mut q, 3, "XD", monday("10:00"), now).is_ok(), "another field has its own share");
    confirm(&mut q, &first, "0912000001", now).expect("confirms");
    hold(&mut q, 4, "DD", monday("10:00"), now).expect("a confirmed hold no longer counts");
    let later = now + jiff::SignedDuration::from_mins(i64::from(q.centre().appointments.hold_minutes) + 1);
    hold(&mut q, 5, "DD", monday("10:15"), later).expect("lapsed holds no longer count");
}

#[test]
fn walk_ins_and_bookings_share_one_daily_capacity() {
    let mut q = queue_with(|_| {});
    let now = monday("08:00");
    // Capacity 6, 4 for bookings: walk-ins get 2 while bookings can still be made.
    assert_eq!(q.walk_ins_left(&code("DD"), now), 2);
    walk_in(&mut q, "DD", now).expect("walk-in 1");
    let booking = book(&mut q, 1, "DD", monday("09:00"), "0912000001", now);
    walk_in(&mut q, "DD", now).expect("walk-in 2");
    let refused = walk_in(&mut q, "DD", now);
    assert!(matches!(refused, Err(DomainError::CapacityExhausted { .. })), "{refused:?}");
    check_in(&mut q, CheckInBy::Code(booking), monday("08:50")).expect("checks in");
    // Late in the day no slot can be booked any more: unbooked places go back to walk-ins.
    let late = monday("16:30");
    q.advance(late);
    assert_eq!(q.kept_for_bookings(&code("DD"), late), 1, "only the booking made");
    assert_eq!(q.walk_ins_left(&code("DD"), late), 3);
    for _ in 0..3 {
        walk_in(&mut q, "DD", late).expect("a freed place");
    }
    assert!(walk_in(&mut q, "DD", late).is_err());
    assert_eq!(q.walk_ins(&code("DD")) + q.book().on_day(q.day(), &code("DD")), 6, "never above capacity");
    assert_eq!(q.issued_count(&code("DD")), 6, "five walk-ins and the checked-in booking");
    // With walk-ins using the day, a booking for today finds no place.
    let refused = hold(&mut q, 9, "DD", monday("16:45"), monday("15:00"));
    assert!(matches!(refused, Err(DomainError::BookingsFull { .. })), "{refused:?}");
}

#[test]
fn holds_expire_and_confirmation_checks_details_and_limits() {
    let mut q = queue_with(|c| c.appointments.per_citizen_per_day = 1);
    let now = monday("07:00");
    let c = hold(&mut q, 1, "DD", monday("09:00"), now).expect("holds");
    let before = q.book().get(&c).cloned();
    let bad = |phone: &str, id: Option<&str>| Command::Confirm {
        code: c.clone(),
        name: "Trần Thị Bình".into(),
        phone: phone.into(),
        citizen_id: id.map(String::from),
    };
    assert_eq!(run(&mut q, bad("012345", None), now).map(|_| ()), Err(DomainError::InvalidPhone));
    assert_eq!(run(&mut q, bad("0912345678", Some("12345")), now).map(|_| ()), Err(DomainError::InvalidCitizenId));
    assert_eq!(q.book().get(&c).cloned(), before, "nothing changed");
    run(&mut q, bad("+84 912 345 678", Some("001203012345")), now).expect("valid details");
    assert_eq!(q.book().get(&c).and_then(|b| b.phone().map(String::from)).as_deref(), Some("0912345678"));

    // The same citizen, another field the same day: over the day limit (1 here).
    let other = hold(&mut q, 2, "XD", monday("10:00"), now).expect("holds");
    assert_eq!(confirm(&mut q, &other, "0912345678", now).map(|_| ()), Err(DomainError::CitizenDayLimit(1)));
    // A hold left alone lapses and frees its place.
    let lapsed = hold(&mut q, 3, "DD", monday("09:00"), now).expect("holds the second place");
    let later = monday("07:11");
    assert_eq!(confirm(&mut q, &lapsed, "0987654321", later).map(|_| ()), Err(DomainError::HoldExpired));
    assert_eq!(status(&q, &lapsed), BookingStatus::Lapsed);
    assert_eq!(q.book().in_slot(&code("DD"), monday("09:00")), 1);
    q.book().check_counts().expect("counts agree");
}

#[test]
fn one_open_booking_per_field_and_citizen() {
    let mut q = queue_with(|_| {});
    let now = monday("07:00");
    book(&mut q, 1, "DD", monday("09:00"), "0912000001", now);
    let again = hold(&mut q, 2, "DD", monday("10:00") + jiff::SignedDuration::from_hours(24), now).expect("holds");
    let refused = confirm(&mut q, &again, "0912000001", now);
    assert!(matches!(refused, Err(DomainError::CitizenServiceLimit { limit: 1, .. })), "{refused:?}");
}

#[test]
fn reschedule_moves_a_booking_or_leaves_it_as_it_was() {
    let mut q = queue_with(|_| {});
    let now = monday("07:00");
    let mine = book(&mut q, 1, "XD", monday("09:00"), "0912000001", now);
    book(&mut q, 2, "XD", monday("09:15"), "0912000002", now);
    let move_to = |slot| Command::Reschedule { code: mine.clone(), phone: "0912000001".into(), slot_at: slot };
    assert_eq!(run(&mut q, move_to(monday("09:15")), now).map(|_| ()), Err(DomainError::SlotFull("09:15".into())));
    assert_eq!(q.book().get(&mine).map(|b| b.slot_at), Some(monday("09:00")), "still at 09:00");
    let wrong_phone = Command::Reschedule { code: mine.clone(), phone: "0912999999".into(), slot_at: monday("10:00") };
    assert!(matches!(run(&mut q, wrong_phone, now), Err(DomainError::UnknownBooking(_))));
    run(&mut q, move_to(monday("10:00")), now).expect("moves");
    assert_eq!(q.book().in_slot(&code("XD"), monday("09:00")), 0);
    assert_eq!(q.book().in_slot(&code("XD"), monday("10:00")), 1);
    q.book().check_counts().expect("counts agree");
    let cancel = Command::CancelBooking { code: mine.clone(), phone: "0912000001".into() };
    run(&mut q, cancel.clone(), now).expect("cancels");
    assert_eq!(status(&q, &mine), BookingStatus::Cancelled);
    let again = run(&mut q, cancel, now).expect("a retried cancel answers the same booking");
    assert_eq!(again.outcome, Outcome::Booking(mine.clone()));
    assert!(again.changes.is_empty(), "a retried cancel changes nothing");
    assert!(matches!(run(&mut q, move_to(monday("11:00")), now), Err(DomainError::BookingNotActive(_))));
}

#[test]
fn on_time_check_in_is_served_at_its_slot_ahead_of_earlier_walk_ins() {
    let mut q = queue_with(|_| {});
    let booking = book(&mut q, 1, "DD", monday("09:00"), "0912000001", monday("07:00"));
    let first = walk_in(&mut q, "DD", monday("08:30")).expect("walk-in");
    let second = walk_in(&mut q, "DD", monday("08:35")).expect("walk-in");

    let early = check_in(&mut q, CheckInBy::Code(booking.clone()), monday("08:40"));
    assert_eq!(early, Err(DomainError::CheckInTooEarly { from: "08:45".into() }));
    let (ticket, replayed, _) = check_in(&mut q, CheckInBy::Code(booking.clone()), monday("08:46")).expect("in window");
    assert!(!replayed);
    let t = q.ticket(&ticket).expect("ticket");
    assert_eq!((t.channel, t.appointment_at), (Channel::Appointment, Some(monday("09:00"))));
    assert_eq!(status(&q, &booking), BookingStatus::CheckedIn);

    // A second check-in (by code or by phone) answers the same ticket and changes nothing.
    assert_eq!(check_in(&mut q, CheckInBy::Code(booking.clone()), monday("08:47")), Ok((ticket.clone(), true, 0)));
    assert_eq!(
        check_in(&mut q, CheckInBy::Phone("0912 000 001".into()), monday("08:47")),
        Ok((ticket.clone(), true, 0))
    );

    // Before the slot (minus the grace period) the walk-ins go first…
    let call =
        |q: &mut Queue, counter: u16, now| match run(q, Command::CallNext(no(counter)), now).expect("calls").outcome {
            Outcome::Called { id, reason, .. } => (id, reason.code),
            other => panic!("unexpected {other:?}"),
        };
    assert_eq!(call(&mut q, 1, monday("08:48")).0, first);
    run(&mut q, Command::Done(no(1)), monday("08:49")).expect("done");
    // …from its slot time on, the checked-in booking goes ahead of the earlier walk-in.
    assert_eq!(call(&mut q, 1, monday("08:51")), (ticket, ReasonCode::AppointmentDue));
    assert_eq!(call(&mut q, 2, monday("08:52")).0, second);
}

#[test]
fn late_arrivals_follow_the_policy_and_no_shows_are_marked() {
    let mut q = queue_with(|_| {});
    let late = book(&mut q, 1, "DD", monday("09:00"), "0912000001", monday("07:00"));
    let absent = book(&mut q, 2, "DD", monday("09:15"), "0912000002", monday("07:00"));
    let (ticket, _, _) =
        check_in(&mut q, CheckInBy::Phone("0912000001".into()), monday("09:20")).expect("late walk-in");
    let t = q.ticket(&ticket).expect("ticket");
    assert_eq!((t.channel, t.appointment_at, t.arrived_at), (Channel::Appointment, None, monday("09:20")));
    assert!(q.book().get(&late).expect("booking").late);
    // The one who never came: a no-show an hour after the slot, not before.
    q.advance(monday("10:15"));
    assert_eq!(status(&q, &absent), BookingStatus::Confirmed);
    let changes = q.advance(monday("10:16"));
    assert_eq!(status(&q, &absent), BookingStatus::NoShow);
    assert!(changes.iter().any(|c| c.fact == Fact::BookingNoShow));
    let refused = check_in(&mut q, CheckInBy::Code(absent), monday("10:17"));
    assert_eq!(refused, Err(DomainError::CheckInTooLate { slot: "09:15".into() }));

    let mut strict = queue_with(|c| c.appointments.late_arrival = LateArrival::Refuse);
    let b = book(&mut strict, 1, "DD", monday("09:00"), "0912000001", monday("07:00"));
    let refused = check_in(&mut strict, CheckInBy::Code(b.clone()), monday("09:11"));
    assert_eq!(refused, Err(DomainError::CheckInTooLate { slot: "09:00".into() }));
    assert_eq!(status(&strict, &b), BookingStatus::NoShow, "marked as soon as the window closed");
}

#[test]
fn check_in_on_another_day_and_unknown_phone_are_refused() {
    let mut q = queue_with(|_| {});
    let tomorrow = monday("09:00") + jiff::SignedDuration::from_hours(24);
    let b = book(&mut q, 1, "DD", tomorrow, "0912000001", monday("07:00"));
    let refused = check_in(&mut q, CheckInBy::Code(b), monday("09:00"));
    assert!(matches!(refused, Err(DomainError::CheckInOtherDay { .. })), "{refused:?}");
    let nobody = check_in(&mut q, CheckInBy::Phone("0988888888".into()), monday("09:00"));
    assert_eq!(nobody, Err(DomainError::NoBookingToday("09******88".into())));
}

#[test]
fn reminders_are_queued_once_for_bookings_made_well_ahead() {
    let mut q = queue_with(|_| {});
    let b = book(&mut q, 1, "DD", monday("13:30"), "0912000001", monday("07:00"));
    let soon = book(&mut q, 2, "DD", monday("09:00"), "0912000002", monday("08:00"));
    let changes = q.advance(monday("11:31"));
    let notices: Vec<_> = changes.iter().filter_map(|c| c.notice.as_ref()).collect();
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert_eq!(notices[0].booking, b);
    assert!(notices[0].text.contains("13:30") && notices[0].text.contains("Đất đai"));
    assert!(q.advance(monday("11:40")).iter().all(|c| c.notice.is_none()), "once");
    assert!(!q.book().get(&soon).expect("booking").reminded, "booked inside the reminder window");
}

/// Random holds, confirmations, cancellations, walk-ins, check-ins and time passing: after every
/// step the counts agree with the bookings and walk-ins + bookings stay within the capacity.
#[test]
fn random_mixed_load_never_exceeds_the_shared_capacity() {
    for seed in 0..16u64 {
        let mut rng = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        let mut next = |n: u64| {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng % n
        };
        let mut q = queue_with(|_| {});
        let mut now = monday("07:00");
        let mut codes = Vec::new();
        for step in 0..400u32 {
            let slot = monday("07:30") + jiff::SignedDuration::from_mins(15 * i64::try_from(next(36)).unwrap_or(0));
            match next(6) {
                0 | 1 => {
                    let c = BookingCode::from_random([step as u8, (step >> 8) as u8, seed as u8, 1, 2, 3]);
                    if run(&mut q, Command::Hold { code: c.clone(), service: code("DD"), slot_at: slot }, now).is_ok() {
                        codes.push(c);
                    }
                }
                2 => {
                    if let Some(c) = codes.get(next(codes.len().max(1) as u64) as usize) {
                        let _ = confirm(&mut q, c, &format!("09120{:05}", next(40)), now);
                    }
                }
                3 => {
                    let _ = walk_in(&mut q, "DD", now);
                }
                4 => {
                    if let Some(c) = codes.get(next(codes.len().max(1) as u64) as usize) {
                        let _ = check_in(&mut q, CheckInBy::Code(c.clone()), now);
                    }
                }
                _ => now += jiff::SignedDuration::from_mins(i64::try_from(next(9)).unwrap_or(0)),
            }
            q.book().check_counts().unwrap_or_else(|e| panic!("seed {seed} step {step}: {e}"));
            let dd = code("DD");
            let used = q.walk_ins(&dd) + q.book().on_day(q.day(), &dd);
            assert!(used <= 6, "seed {seed} step {step}: {used} places used of 6");
            assert!(q.book().on_day(q.day(), &dd) <= 4, "bookings over their share");
        }
    }
}

#[test]
fn checking_in_again_answers_only_a_ticket_in_the_queue_never_a_dead_or_second_one() {
    let mut q = queue_with(|_| {});
    let booking = book(&mut q, 1, "DD", monday("09:00"), "0912000001", monday("07:00"));
    let (ticket, ..) = check_in(&mut q, CheckInBy::Code(booking.clone()), monday("08:50")).expect("checked in");
    let call_and_miss = |q: &mut Queue, at: &str| {
        run(q, Command::CallTicket(no(1), ticket.clone()), monday(at)).expect("called");
        run(q, Command::NoShow(no(1)), monday(at)).expect("absent");
    };
    call_and_miss(&mut q, "09:01");
    assert_eq!(q.ticket(&ticket).map(|t| t.status), Some(TicketStatus::NoShow));

    // Back within the rejoin window: the same ticket, back in the queue.
    let executed = run(&mut q, Command::CheckIn(CheckInBy::Code(booking.clone())), monday("09:05")).expect("rejoins");
    assert!(matches!(&executed.outcome, Outcome::Ticket(id) if *id == ticket), "{:?}", executed.outcome);
    assert_eq!(q.ticket(&ticket).map(|t| t.status), Some(TicketStatus::Waiting));

    // Missed again, and back after the window: a clear refusal, and no second ticket.
    call_and_miss(&mut q, "09:10");
    let tickets = q.tickets().count();
    let late = run(&mut q, Command::CheckIn(CheckInBy::Code(booking.clone())), monday("09:40"));
    let refused = late.expect_err("too late to rejoin");
    assert_eq!(refused.code(), "checkin_ticket_over");
    assert!(refused.message().contains(&q.ticket(&ticket).map(|t| t.number).unwrap_or(0).to_string()), "{refused}");
    assert_eq!(q.tickets().count(), tickets, "no second ticket for one booking");

    // Served: checking in again is refused too.
    let other = book(&mut q, 2, "DD", monday("10:00"), "0912000002", monday("07:00"));
    let (served, ..) = check_in(&mut q, CheckInBy::Code(other.clone()), monday("09:50")).expect("checked in");
    run(&mut q, Command::CallTicket(no(2), served), monday("09:51")).expect("called");
    run(&mut q, Command::Done(no(2)), monday("09:58")).expect("served");
    let again = run(&mut q, Command::CheckIn(CheckInBy::Code(other)), monday("09:59")).expect_err("served already");
    assert_eq!(again.code(), "checkin_ticket_over");
}

#[test]
fn a_parent_books_for_the_family_with_one_phone_by_their_citizen_ids_within_the_phone_cap() {
    let mut q = queue_with(|c| c.appointments.per_citizen_per_day = 1);
    let now = monday("07:00");
    let confirm_for = |q: &mut Queue, n: u8, slot: &str, id: Option<&str>| {
        let c = hold(q, n, "XD", monday(slot), now)?;
        let command = Command::Confirm {
            code: c.clone(),
            name: "Nguyễn Văn An".into(),
            phone: "0912000001".into(),
            citizen_id: id.map(String::from),
        };
        run(q, command, now).map(|_| c)
    };
    // Four people, four IDs, one phone: four bookings in one field on one day.
    for (n, (slot, id)) in
        [("09:00", "001209012345"), ("09:15", "001311012345"), ("09:30", "001185012345"), ("09:45", "001190012345")]
            .into_iter()
            .enumerate()
    {
        confirm_for(&mut q, n as u8 + 1, slot, Some(id)).expect("a different person");
    }
    // A fifth is over what one phone may book that day, whatever ID it carries.
    assert_eq!(confirm_for(&mut q, 5, "10:00", Some("001170012345")), Err(DomainError::PhoneDayLimit(4)));
    // Without IDs the phone is the person: one booking a day.
    let mut q = queue_with(|c| c.appointments.per_citizen_per_day = 1);
    confirm_for(&mut q, 1, "09:00", None).expect("first");
    assert_eq!(confirm_for(&mut q, 2, "09:15", None), Err(DomainError::CitizenDayLimit(1)));
    // The same ID twice is the same person.
    let mut q = queue_with(|c| c.appointments.per_citizen_per_day = 1);
    confirm_for(&mut q, 1, "09:00", Some("001209012345")).expect("first");
    assert_eq!(confirm_for(&mut q, 2, "09:15", Some("001209012345")), Err(DomainError::CitizenDayLimit(1)));
}
