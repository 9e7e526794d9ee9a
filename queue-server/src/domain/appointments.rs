//! Booking commands on the queue: hold a slot, confirm, cancel, reschedule, check in; and the
//! capacity the walk-in tickets and the bookings of a field share.
//!
//! A field's day has one capacity (`daily_capacity`). Bookings may take at most `per_day` of it
//! and `slot_capacity` per slot. Walk-in tickets may take the rest, minus what is kept for
//! bookings: the bookings made, plus the free places of slots that can still be booked today. As
//! the day goes on, the places of slots nobody can book any more go back to walk-ins. Everything
//! runs on the one writer, so walk-ins + bookings ≤ capacity holds under any concurrency.

use jiff::Timestamp;
use jiff::civil::Date;

use super::booking::{Booking, BookingCode, BookingStatus, Citizen, citizen_id, mobile_number};
use super::centre::ServiceSpec;
use super::commands::{Executed, NewTicket, Outcome, text};
use super::error::DomainError;
use super::facts::{Change, Fact, Notice, NoticeKind};
use super::ids::ServiceCode;
use super::queue::Queue;
use super::slots::{LateArrival, SlotSpec, check_slot, offered_slots};

/// Share of a field's bookable places of a day that may be on hold (not yet confirmed) at once, in
/// percent; at least one slot's capacity.
pub const HELD_SHARE_PERCENT: u32 = 25;
use super::text::mask_phone;
use super::ticket::Channel;
use super::ticket::TicketStatus;

/// Longest name on a booking.
pub const MAX_NAME: usize = 100;

/// How a citizen names their booking at the kiosk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckInBy {
    /// The booking code (typed or scanned from the QR).
    Code(BookingCode),
    /// The phone number it was booked with (today's only booking; several are never guessed
    /// between: the kiosk lists them and checks in the chosen one by its code, server-side).
    Phone(String),
}

impl Queue {
    /// The field's booking settings, or why it has none.
    pub fn bookable(&self, service: &ServiceCode) -> Result<(&ServiceSpec, SlotSpec), DomainError> {
        let spec = self.centre.service(service).ok_or_else(|| DomainError::UnknownService(service.to_string()))?;
        let slots = spec.booking.ok_or_else(|| DomainError::NotBookable(spec.name_vi.clone()))?;
        Ok((spec, slots))
    }

    /// Walk-in tickets issued today for a field.
    pub fn walk_ins(&self, service: &ServiceCode) -> u32 {
        self.issued_count(service).saturating_sub(self.from_bookings.get(service).copied().unwrap_or(0))
    }

    /// Places kept today for bookings: those booked plus the free places of slots still bookable.
    pub fn kept_for_bookings(&self, service: &ServiceCode, now: Timestamp) -> u32 {
        let Ok((_, slots)) = self.bookable(service) else { return 0 };
        let booked = self.book.on_day(self.day, service);
        let schedule = &self.centre.schedule;
        let open: u32 = offered_slots(schedule, &self.centre.appointments, now, self.day)
            .iter()
            .map(|s| slots.slot_capacity.saturating_sub(self.book.in_slot(service, s.start)))
            .sum();
        booked + open.min(slots.per_day.saturating_sub(booked))
    }

    /// Walk-in tickets that may still be issued today.
    pub fn walk_ins_left(&self, service: &ServiceCode, now: Timestamp) -> u32 {
        let Some(spec) = self.centre.service(service) else { return 0 };
        spec.daily_capacity.saturating_sub(self.walk_ins(service)).saturating_sub(self.kept_for_bookings(service, now))
    }

    /// Bookings that may still be made for a field on `day` (any slot); none today while a
    /// supervisor has the field's intake closed.
    pub fn bookings_left(&self, service: &ServiceCode, day: Date) -> u32 {
        let Ok((spec, slots)) = self.bookable(service) else { return 0 };
        if day == self.day && self.intake_closed.contains_key(service) {
            return 0;
        }
        let booked = self.book.on_day(day, service);
        let walk_ins = if day == self.day { self.walk_ins(service) } else { 0 };
        slots.per_day.saturating_sub(booked).min(spec.daily_capacity.saturating_sub(booked + walk_ins))
    }

    /// Places left in one slot.
    pub fn slot_left(&self, service: &ServiceCode, start: Timestamp, day: Date) -> u32 {
        let Ok((_, slots)) = self.bookable(service) else { return 0 };
        slots.slot_capacity.saturating_sub(self.book.in_slot(service, start)).min(self.bookings_left(service, day))
    }

    /// Refuses bookings for today of a field whose intake a supervisor closed.
    fn bookings_open(&self, service: &ServiceCode, day: Date) -> Result<(), DomainError> {
        match self.intake_closed.get(service).filter(|_| day == self.day) {
            Some(reason) => Err(DomainError::BookingsClosedToday {
                service: self.centre.service_name(service),
                reason: reason.clone(),
            }),
            None => Ok(()),
        }
    }

    /// Checks that a slot may be taken at `now`: offered, with room in the slot and the day.
    pub(super) fn check_room(
        &self,
        service: &ServiceCode,
        start: Timestamp,
        now: Timestamp,
    ) -> Result<Date, DomainError> {
        let (spec, _) = self.bookable(service)?;
        let (day, _) = check_slot(&self.centre.schedule, &self.centre.appointments, now, start)
            .map_err(DomainError::SlotNotOffered)?;
        self.bookings_open(service, day)?;
        if self.bookings_left(service, day) == 0 {
            return Err(DomainError::BookingsFull {
                service: spec.name_vi.clone(),
                day: day.strftime("%d/%m/%Y").to_string(),
            });
        }
        if self.slot_left(service, start, day) == 0 {
            return Err(DomainError::SlotFull(self.centre.schedule.local_hhmm(start)));
        }
        Ok(day)
    }

    /// Refuses a hold when [`HELD_SHARE_PERCENT`] of the field's bookable places that day (at least
    /// one slot's worth) are on hold already: holds need no identity, so many phones together
    /// could otherwise keep a whole day from being booked.
    pub(super) fn check_holds(&self, service: &ServiceCode, day: Date, now: Timestamp) -> Result<(), DomainError> {
        let (spec, slots) = self.bookable(service)?;
        let bound = (slots.per_day * HELD_SHARE_PERCENT / 100).max(slots.slot_capacity).max(1);
        let on_hold = self
            .book
            .all()
            .filter(|b| &b.service == service && b.day == day && b.status == BookingStatus::Held)
            .filter(|b| b.hold_until.is_some_and(|until| until > now))
            .count();
        if on_hold >= bound as usize {
            return Err(DomainError::HoldsFull {
                service: spec.name_vi.clone(),
                day: day.strftime("%d/%m/%Y").to_string(),
            });
        }
        Ok(())
    }

    /// Stores the booking's new state and returns the change that records it, with its message.
    pub(super) fn record(&mut self, booking: Booking, fact: Fact, notice: Option<NoticeKind>) -> Change {
        let notice = notice.and_then(|kind| self.notice(kind, &booking));
        self.book.put(booking.clone());
        Change { booking: Some(booking), notice, ..Change::of(fact) }
    }

    /// The message for a booking, in Vietnamese.
    pub fn notice(&self, kind: NoticeKind, b: &Booking) -> Option<Notice> {
        let phone = b.phone()?.to_string();
        let s = &self.centre.schedule;
        let when = format!("{} ngày {}", s.local_hhmm(b.slot_at), s.local_date(b.slot_at));
        let field = self.centre.service_name(&b.service);
        let centre = &self.centre.name;
        let text = match kind {
            NoticeKind::Confirmation => format!(
                "{centre}: Đã đặt lịch {field} lúc {when}. Mã lịch hẹn {}. Vui lòng đến trước giờ hẹn và check-in tại kiosk bằng mã này.",
                b.code
            ),
            NoticeKind::Rescheduled => {
                format!("{centre}: Lịch hẹn {} ({field}) đã đổi sang {when}.", b.code)
            }
            NoticeKind::Cancellation => format!("{centre}: Lịch hẹn {} ({field}) lúc {when} đã được hủy.", b.code),
            NoticeKind::Reminder => {
                format!("{centre}: Nhắc lịch hẹn {field} lúc {when}, mã {}. Check-in tại kiosk khi đến.", b.code)
            }
            // Made by `send_verification` with its code; never from a booking alone.
            NoticeKind::Verification => return None,
        };
        Some(Notice { kind, booking: b.code.clone(), phone, text })
    }

    /// Confirms a held slot with the citizen's details.
    pub(super) fn confirm(
        &mut self,
        code: BookingCode,
        name: &str,
        phone: &str,
        id_number: Option<&str>,
        now: Timestamp,
    ) -> Result<Executed, DomainError> {
        let name = text("name", name, MAX_NAME, "Họ và tên")?;
        let phone = mobile_number(phone).ok_or(DomainError::InvalidPhone)?;
        let id_number = match id_number.map(str::trim).filter(|s| !s.is_empty()) {
            Some(raw) => Some(citizen_id(raw).ok_or(DomainError::InvalidCitizenId)?),
            None => None,
        };
        let booking = self.book.get(&code).ok_or_else(|| DomainError::UnknownBooking(code.to_string()))?;
        let same_details = |c: &Citizen| c.name == name && c.phone == phone && c.citizen_id == id_number;
        match booking.status {
            // The same confirmation again (a double tap, a retry after a lost answer): the booking it
            // made, nothing changed; with other details it is refused as before.
            BookingStatus::Confirmed if booking.citizen.as_ref().is_some_and(same_details) => {
                return Ok(Executed { outcome: Outcome::Booking(code), changes: vec![] });
            }
            BookingStatus::Held if booking.hold_until.is_some_and(|until| until > now) => {}
            BookingStatus::Held | BookingStatus::Lapsed => return Err(DomainError::HoldExpired),
            status => return Err(DomainError::BookingNotActive(status.label_vi())),
        }
        // A hold made before the supervisor closed the field's intake for today is not confirmed after.
        self.bookings_open(&booking.service, booking.day)?;
        let citizen = Citizen { name, phone, citizen_id: id_number };
        self.check_caps(&citizen, booking, None)?;
        let confirmed =
            Booking { status: BookingStatus::Confirmed, hold_until: None, citizen: Some(citizen), ..booking.clone() };
        let change = self.record(confirmed, Fact::BookingConfirmed, Some(NoticeKind::Confirmation));
        Ok(Executed { outcome: Outcome::Booking(code), changes: vec![change] })
    }

    /// Per-citizen limits: bookings on one day (all fields) and open bookings in one field.
    /// `except` is a booking being moved, not counted against itself.
    fn check_caps(&self, who: &Citizen, target: &Booking, except: Option<&BookingCode>) -> Result<(), DomainError> {
        let policy = &self.centre.appointments;
        let mine: Vec<&Booking> = self
            .book
            .all()
            .filter(|b| matches!(b.status, BookingStatus::Confirmed | BookingStatus::CheckedIn))
            .filter(|b| Some(&b.code) != except && b.code != target.code && b.same_citizen(who))
            .collect();
        if mine.iter().filter(|b| b.day == target.day).count() >= policy.per_citizen_per_day as usize {
            return Err(DomainError::CitizenDayLimit(policy.per_citizen_per_day));
        }
        self.check_phone_cap(&who.phone, target, except)?;
        let open_in_field = mine.iter().filter(|b| b.service == target.service && b.status == BookingStatus::Confirmed);
        if open_in_field.count() >= policy.per_citizen_per_service as usize {
            return Err(DomainError::CitizenServiceLimit {
                limit: policy.per_citizen_per_service,
                service: self.centre.service_name(&target.service),
            });
        }
        Ok(())
    }

    /// The per-phone limit alone (bookings made with one phone on one day): checked before a
    /// one-time code is sent, so a phone at its limit is told before it spends a code.
    pub(super) fn check_phone_cap(
        &self,
        phone: &str,
        target: &Booking,
        except: Option<&BookingCode>,
    ) -> Result<(), DomainError> {
        let limit = self.centre.appointments.per_phone_per_day;
        let same_phone = self
            .book
            .of_phone(phone)
            .filter(|b| matches!(b.status, BookingStatus::Confirmed | BookingStatus::CheckedIn))
            .filter(|b| Some(&b.code) != except && b.code != target.code && b.day == target.day);
        if same_phone.count() >= limit as usize {
            return Err(DomainError::PhoneDayLimit(limit));
        }
        Ok(())
    }

    /// The booking with this code if `phone` is the one it was made with; otherwise not found, so
    /// a wrong phone learns nothing about the code.
    fn owned(&self, code: &BookingCode, phone: &str) -> Result<&Booking, DomainError> {
        let phone = mobile_number(phone).ok_or(DomainError::InvalidPhone)?;
        self.book
            .get(code)
            .filter(|b| b.phone() == Some(phone.as_str()))
            .ok_or_else(|| DomainError::UnknownBooking(code.to_string()))
    }

    /// Cancels a booking (code and phone).
    pub(super) fn cancel_booking(&mut self, code: BookingCode, phone: &str) -> Result<Executed, DomainError> {
        let booking = self.owned(&code, phone)?;
        if booking.status == BookingStatus::Cancelled {
            // Cancelled already (a retry): the same answer, nothing changed.
            return Ok(Executed { outcome: Outcome::Booking(code), changes: vec![] });
        }
        if booking.status != BookingStatus::Confirmed {
            return Err(DomainError::BookingNotActive(booking.status.label_vi()));
        }
        let cancelled = Booking { status: BookingStatus::Cancelled, ..booking.clone() };
        let change = self.record(cancelled, Fact::BookingCancelled, Some(NoticeKind::Cancellation));
        Ok(Executed { outcome: Outcome::Booking(code), changes: vec![change] })
    }

    /// Moves a confirmed booking to another slot of the same field.
    pub(super) fn reschedule(
        &mut self,
        code: BookingCode,
        phone: &str,
        start: Timestamp,
        now: Timestamp,
    ) -> Result<Executed, DomainError> {
        let old = self.owned(&code, phone)?.clone();
        if old.status != BookingStatus::Confirmed {
            return Err(DomainError::BookingNotActive(old.status.label_vi()));
        }
        if old.slot_at == start {
            return Ok(Executed { outcome: Outcome::Booking(code), changes: vec![] });
        }
        // Checked with the booking out of its old slot, put back if the new one is refused.
        let mut moving = old.clone();
        moving.status = BookingStatus::Cancelled;
        self.book.put(moving);
        let checked = self.check_room(&old.service, start, now).and_then(|day| {
            let target = Booking { day, slot_at: start, ..old.clone() };
            let who = old.citizen.clone().ok_or(DomainError::InvalidPhone)?;
            self.check_caps(&who, &target, Some(&code))?;
            Ok(target)
        });
        let target = match checked {
            Ok(target) => target,
            Err(refused) => {
                self.book.put(old);
                return Err(refused);
            }
        };
        let from = old.slot_at;
        let moved = Booking { reminded: false, ..target };
        let change = self.record(moved, Fact::BookingRescheduled { from }, Some(NoticeKind::Rescheduled));
        Ok(Executed { outcome: Outcome::Booking(code), changes: vec![change] })
    }

    /// Checks a booking in: within the window it becomes a ticket the calling order serves at its
    /// slot time; a second check-in returns the same ticket.
    pub(super) fn check_in(&mut self, by: CheckInBy, now: Timestamp) -> Result<Executed, DomainError> {
        let code = match by {
            CheckInBy::Code(code) => code,
            CheckInBy::Phone(raw) => self.todays_booking_of(&raw)?,
        };
        let booking = self.book.get(&code).ok_or_else(|| DomainError::UnknownBooking(code.to_string()))?.clone();
        let schedule = &self.centre.schedule;
        let policy = &self.centre.appointments;
        match booking.status {
            BookingStatus::CheckedIn => {
                // Checked in before: the same ticket, only while it is in the queue. A ticket called
                // while the citizen was away rejoins within its window; after that, or once served,
                // a clear refusal — never a dead ticket, never a second one.
                let Some(ticket) = booking.ticket.as_ref().and_then(|id| self.tickets.get(id)) else {
                    return Err(DomainError::BookingNotActive(booking.status.label_vi()));
                };
                let id = ticket.id.clone();
                return match ticket.status {
                    TicketStatus::Waiting | TicketStatus::Called | TicketStatus::Serving => {
                        Ok(Executed { outcome: Outcome::Issued { id, replayed: true }, changes: vec![] })
                    }
                    TicketStatus::NoShow if ticket.rejoin_until.is_some_and(|until| until >= now) => {
                        self.rejoin(id, now)
                    }
                    status => Err(DomainError::CheckInTicketOver { number: ticket.number, status: status.label_vi() }),
                };
            }
            BookingStatus::Confirmed => {}
            BookingStatus::NoShow if booking.day == self.day => {
                return Err(DomainError::CheckInTooLate { slot: schedule.local_hhmm(booking.slot_at) });
            }
            status => return Err(DomainError::BookingNotActive(status.label_vi())),
        }
        if booking.day != self.day {
            return Err(DomainError::CheckInOtherDay {
                when: format!("{} ngày {}", schedule.local_hhmm(booking.slot_at), schedule.local_date(booking.slot_at)),
            });
        }
        let minutes = |m: u32| jiff::SignedDuration::from_mins(i64::from(m));
        let opens = booking.slot_at.saturating_sub(minutes(policy.checkin_early_minutes)).unwrap_or(booking.slot_at);
        if now < opens {
            return Err(DomainError::CheckInTooEarly { from: schedule.local_hhmm(opens) });
        }
        let on_time_until =
            booking.slot_at.saturating_add(minutes(policy.checkin_late_minutes)).unwrap_or(booking.slot_at);
        let late = now > on_time_until;
        if late && (policy.late_arrival == LateArrival::Refuse || now > policy.no_show_at(booking.slot_at)) {
            return Err(DomainError::CheckInTooLate { slot: schedule.local_hhmm(booking.slot_at) });
        }
        let appointment_at = (!late).then_some(booking.slot_at);
        let new = NewTicket {
            service: booking.service.clone(),
            priority: None,
            channel: Channel::Appointment,
            idempotency_key: None,
            appointment_at,
            from_booking: true,
        };
        let issued = self.issue_ticket(new, now)?;
        let Outcome::Issued { id, .. } = issued.outcome.clone() else { return Ok(issued) };
        *self.from_bookings.entry(booking.service.clone()).or_default() += 1;
        let checked_in =
            Booking { status: BookingStatus::CheckedIn, ticket: Some(id), checked_in_at: Some(now), late, ..booking };
        let mut changes = issued.changes;
        changes.push(self.record(checked_in, Fact::BookingCheckedIn, None));
        Ok(Executed { outcome: issued.outcome, changes })
    }

    /// Today's bookings made with a phone that a check-in can still answer, by slot time: confirmed
    /// ones, and checked-in ones whose ticket is in the queue or may rejoin it (a served one is
    /// over and not offered). Errors: `InvalidPhone`.
    pub fn todays_bookings_of(&self, raw: &str) -> Result<(String, Vec<&Booking>), DomainError> {
        let phone = mobile_number(raw).ok_or(DomainError::InvalidPhone)?;
        let live = |b: &Booking| match b.status {
            BookingStatus::Confirmed => true,
            BookingStatus::CheckedIn => b.ticket.as_ref().and_then(|id| self.tickets.get(id)).is_some_and(|t| {
                matches!(t.status, TicketStatus::Waiting | TicketStatus::Called | TicketStatus::Serving)
                    || (t.status == TicketStatus::NoShow && t.rejoin_until.is_some())
            }),
            _ => false,
        };
        let mut today: Vec<&Booking> =
            self.book.of_phone(&phone).filter(|b| b.day == self.day).filter(|b| live(b)).collect();
        today.sort_by_key(|b| (b.slot_at, b.code.to_string()));
        Ok((mask_phone(&phone), today))
    }

    /// The one booking of today a phone names. Several (a parent who booked for the family) are
    /// never guessed between: `SeveralBookings`, and the kiosk lets the citizen pick.
    fn todays_booking_of(&self, raw: &str) -> Result<BookingCode, DomainError> {
        let (phone, today) = self.todays_bookings_of(raw)?;
        match today.as_slice() {
            [] => Err(DomainError::NoBookingToday(phone)),
            [one] => Ok(one.code.clone()),
            several => Err(DomainError::SeveralBookings { phone, count: several.len() }),
        }
    }

    /// Lapses expired holds, marks no-shows, queues reminders.
    pub(super) fn advance_bookings(&mut self, now: Timestamp) -> Vec<Change> {
        let mut changes = Vec::new();
        let lapsed: Vec<Booking> =
            self.book.lapsed_holds(now).iter().filter_map(|code| self.book.get(code).cloned()).collect();
        for b in lapsed {
            let lapsed = Booking { status: BookingStatus::Lapsed, hold_until: None, ..b };
            changes.push(self.record(lapsed, Fact::BookingLapsed, None));
        }
        let policy = self.centre.appointments.clone();
        let absent: Vec<Booking> =
            self.book.confirmed_until(now).filter(|b| policy.no_show_at(b.slot_at) < now).cloned().collect();
        for b in absent {
            changes.push(self.record(Booking { status: BookingStatus::NoShow, ..b }, Fact::BookingNoShow, None));
        }
        if policy.reminder_minutes > 0 {
            let horizon = now.saturating_add(jiff::SignedDuration::from_mins(i64::from(policy.reminder_minutes)));
            let due: Vec<Booking> = horizon
                .map(|until| {
                    self.book
                        .confirmed_until(until)
                        .filter(|b| !b.reminded && b.slot_at > now)
                        // Booked inside the reminder window: the confirmation said it all.
                        .filter(|b| {
                            b.created_at.duration_since(b.slot_at).abs().as_mins() > i64::from(policy.reminder_minutes)
                        })
                        .cloned()
                        .collect()
                })
                .unwrap_or_default();
            for b in due {
                let reminded = Booking { reminded: true, ..b };
                changes.push(self.record(reminded, Fact::BookingReminded, Some(NoticeKind::Reminder)));
            }
        }
        changes
    }
}
