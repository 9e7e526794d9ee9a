//! Appointment slots: generated from the opening hours, the lunch break and the holidays, and
//! offered only inside the booking horizon and after the minimum notice.
//!
//! Pure functions of the schedule, the policy and `now`; nothing is stored about a slot except the
//! bookings made in it.

use jiff::civil::{Date, Time};
use jiff::{SignedDuration, Timestamp};

use super::centre::{Schedule, weekday_index};

/// What to do with a booking whose holder arrives after the check-in window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LateArrival {
    /// Give a normal ticket, queued from the arrival like a walk-in.
    WalkIn,
    /// Refuse; the citizen takes a walk-in ticket or books again.
    Refuse,
}

/// The centre's booking rules (configuration `[appointments]`).
#[derive(Debug, Clone)]
pub struct AppointmentPolicy {
    /// Length of a slot.
    pub slot_minutes: u32,
    /// Days after today that can be booked (6: today and the next six days).
    pub horizon_days: u32,
    /// A slot must start at least this long after the booking.
    pub min_notice_minutes: u32,
    /// How long a chosen slot is held while the citizen enters their details.
    pub hold_minutes: u32,
    /// Check-in opens this long before the slot.
    pub checkin_early_minutes: u32,
    /// Check-in on time closes this long after the slot starts.
    pub checkin_late_minutes: u32,
    /// After the on-time window.
    pub late_arrival: LateArrival,
    /// With [`LateArrival::WalkIn`]: a booking not checked in this long after its slot is a no-show.
    pub no_show_after_minutes: u32,
    /// Bookings one citizen (by citizen ID when both bookings carry one, else by phone) may hold on
    /// one day, all fields.
    pub per_citizen_per_day: u32,
    /// Open bookings one citizen may hold in one field.
    pub per_citizen_per_service: u32,
    /// Bookings one phone number may hold on one day, whoever they are for (a parent booking for
    /// the family gives each person's citizen ID; this caps made-up ones).
    pub per_phone_per_day: u32,
    /// A reminder goes out this long before the slot; 0 sends none.
    pub reminder_minutes: u32,
}

impl Default for AppointmentPolicy {
    fn default() -> Self {
        Self {
            slot_minutes: 15,
            horizon_days: 6,
            min_notice_minutes: 60,
            hold_minutes: 10,
            checkin_early_minutes: 15,
            checkin_late_minutes: 10,
            late_arrival: LateArrival::WalkIn,
            no_show_after_minutes: 60,
            per_citizen_per_day: 2,
            per_citizen_per_service: 1,
            per_phone_per_day: 4,
            reminder_minutes: 120,
        }
    }
}

impl AppointmentPolicy {
    /// When a confirmed booking that was not checked in becomes a no-show.
    pub fn no_show_at(&self, slot: Timestamp) -> Timestamp {
        let minutes = match self.late_arrival {
            LateArrival::WalkIn => self.no_show_after_minutes.max(self.checkin_late_minutes),
            LateArrival::Refuse => self.checkin_late_minutes,
        };
        slot.saturating_add(SignedDuration::from_mins(i64::from(minutes))).unwrap_or(slot)
    }
}

/// A field's booking settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlotSpec {
    /// Bookings per slot.
    pub slot_capacity: u32,
    /// Bookings per day: the part of the daily capacity kept for bookings.
    pub per_day: u32,
}

/// A slot: its start and end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Slot {
    /// Start.
    pub start: Timestamp,
    /// End (the next slot's start, or earlier before a break).
    pub end: Timestamp,
}

/// Every slot of a calendar day, in order: none on a holiday or a day off, none overlapping the
/// lunch break, each wholly inside the opening hours.
pub fn day_slots(schedule: &Schedule, day: Date, slot_minutes: u32) -> Vec<Slot> {
    if slot_minutes == 0 || schedule.holidays.contains(&day) {
        return Vec::new();
    }
    let Some(hours) = schedule.week[weekday_index(day.weekday())] else { return Vec::new() };
    let length = SignedDuration::from_mins(i64::from(slot_minutes));
    let mut periods = Vec::new();
    match hours.lunch {
        Some((start, end)) => {
            periods.push((hours.open, start));
            periods.push((end, hours.close));
        }
        None => periods.push((hours.open, hours.close)),
    }
    let mut slots = Vec::new();
    for (from, to) in periods {
        let mut t = from;
        while let Ok(next) = t.checked_add(length) {
            // `checked_add` wraps past midnight; a slot must end after it starts and by `to`.
            if next <= t || next > to {
                break;
            }
            if let (Some(start), Some(end)) = (local(schedule, day, t), local(schedule, day, next)) {
                slots.push(Slot { start, end });
            }
            t = next;
        }
    }
    slots
}

fn local(schedule: &Schedule, day: Date, time: Time) -> Option<Timestamp> {
    day.to_datetime(time).to_zoned(schedule.time_zone.clone()).ok().map(|z| z.timestamp())
}

/// The days a citizen may book at `now`: the service day of `now` and the next `horizon_days`.
pub fn bookable_days(schedule: &Schedule, policy: &AppointmentPolicy, now: Timestamp) -> Vec<Date> {
    let today = schedule.service_day(now);
    (0..=i64::from(policy.horizon_days)).filter_map(|n| today.checked_add(jiff::Span::new().days(n)).ok()).collect()
}

/// Whether `day` is inside the booking horizon at `now`.
pub fn in_horizon(schedule: &Schedule, policy: &AppointmentPolicy, now: Timestamp, day: Date) -> bool {
    let today = schedule.service_day(now);
    day >= today && bookable_days(schedule, policy, now).last().is_some_and(|last| day <= *last)
}

/// The earliest start a booking made at `now` may have.
pub fn earliest_start(policy: &AppointmentPolicy, now: Timestamp) -> Timestamp {
    now.saturating_add(SignedDuration::from_mins(i64::from(policy.min_notice_minutes))).unwrap_or(now)
}

/// The slots of `day` a booking made at `now` may take (before capacity): inside the horizon and
/// starting after the minimum notice.
pub fn offered_slots(schedule: &Schedule, policy: &AppointmentPolicy, now: Timestamp, day: Date) -> Vec<Slot> {
    if !in_horizon(schedule, policy, now, day) {
        return Vec::new();
    }
    let earliest = earliest_start(policy, now);
    day_slots(schedule, day, policy.slot_minutes).into_iter().filter(|s| s.start >= earliest).collect()
}

/// Why a slot cannot be booked at all (before capacity).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlotProblem {
    /// The day is before today.
    Past,
    /// The day is past the horizon.
    BeyondHorizon,
    /// The slot starts before the minimum notice.
    TooSoon,
    /// No slot starts at that time (closed, lunch, holiday, not on the grid).
    NotASlot,
}

/// Checks that `start` is a slot of `day` that may be booked at `now`.
pub fn check_slot(
    schedule: &Schedule,
    policy: &AppointmentPolicy,
    now: Timestamp,
    start: Timestamp,
) -> Result<(Date, Slot), SlotProblem> {
    let day = start.to_zoned(schedule.time_zone.clone()).date();
    let today = schedule.service_day(now);
    if day < today || start < now {
        return Err(SlotProblem::Past);
    }
    if !in_horizon(schedule, policy, now, day) {
        return Err(SlotProblem::BeyondHorizon);
    }
    let slot = day_slots(schedule, day, policy.slot_minutes)
        .into_iter()
        .find(|s| s.start == start)
        .ok_or(SlotProblem::NotASlot)?;
    if start < earliest_start(policy, now) {
        return Err(SlotProblem::TooSoon);
    }
    Ok((day, slot))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::domain::centre::DayHours;
    use crate::domain::centre::tests::{at, schedule};
    use jiff::civil::time;

    fn policy() -> AppointmentPolicy {
        AppointmentPolicy::default()
    }

    #[test]
    fn a_weekday_has_morning_and_afternoon_slots_around_lunch() {
        let slots = day_slots(&schedule(), jiff::civil::date(2026, 11, 23), 15);
        // 07:30–11:30 is 16 slots, 13:30–17:00 is 14.
        assert_eq!(slots.len(), 30);
        assert_eq!(slots[0].start, at("2026-11-23T07:30:00"));
        assert_eq!(slots[15].end, at("2026-11-23T11:30:00"));
        assert_eq!(slots[16].start, at("2026-11-23T13:30:00"));
        assert_eq!(slots[29].end, at("2026-11-23T17:00:00"));
    }

    #[test]
    fn slots_that_do_not_fit_before_a_break_are_dropped() {
        // 07:30 + 25-minute slots: the 11:15 one would end at 11:40, inside lunch.
        let slots = day_slots(&schedule(), jiff::civil::date(2026, 11, 23), 25);
        assert!(slots.iter().all(|s| s.end <= at("2026-11-23T11:30:00") || s.start >= at("2026-11-23T13:30:00")));
        assert_eq!(slots.last().map(|s| s.end), Some(at("2026-11-23T16:50:00")));
    }

    #[test]
    fn notice_horizon_and_grid_are_checked() {
        let s = schedule();
        let now = at("2026-11-23T08:00:00");
        assert_eq!(check_slot(&s, &policy(), now, at("2026-11-23T08:30:00")), Err(SlotProblem::TooSoon));
        assert!(check_slot(&s, &policy(), now, at("2026-11-23T09:00:00")).is_ok());
        assert_eq!(check_slot(&s, &policy(), now, at("2026-11-23T09:05:00")), Err(SlotProblem::NotASlot));
        assert_eq!(check_slot(&s, &policy(), now, at("2026-11-23T12:00:00")), Err(SlotProblem::NotASlot));
        assert_eq!(check_slot(&s, &policy(), now, at("2026-11-20T09:00:00")), Err(SlotProblem::Past));
        assert!(check_slot(&s, &policy(), now, at("2026-11-28T09:00:00")).is_ok(), "Saturday, today + 5");
        assert_eq!(check_slot(&s, &policy(), now, at("2026-11-30T09:00:00")), Err(SlotProblem::BeyondHorizon));
        assert_eq!(check_slot(&s, &policy(), now, at("2026-11-29T09:00:00")), Err(SlotProblem::NotASlot), "Sunday");
    }

    fn arb_time(from_minutes: u32, to_minutes: u32) -> impl Strategy<Value = u32> {
        from_minutes..to_minutes
    }

    /// A random schedule: every weekday open or not, random hours and lunch, random holidays.
    fn arb_schedule() -> impl Strategy<Value = Schedule> {
        let day = (arb_time(6 * 60, 10 * 60), arb_time(11 * 60, 14 * 60), 15u32..120, arb_time(15 * 60, 20 * 60))
            .prop_map(|(open, lunch, lunch_len, close)| {
                let t = |m: u32| time(i8::try_from(m / 60).unwrap_or(0), i8::try_from(m % 60).unwrap_or(0), 0, 0);
                DayHours { open: t(open), close: t(close), lunch: Some((t(lunch), t(lunch + lunch_len))) }
            });
        (proptest::collection::vec(proptest::option::weighted(0.8, day), 7), proptest::collection::vec(0i64..40, 0..8))
            .prop_map(|(week, holidays)| {
                let mut s = schedule();
                for (i, d) in week.into_iter().enumerate() {
                    s.week[i] = d;
                }
                s.holidays = holidays
                    .into_iter()
                    .filter_map(|n| jiff::civil::date(2026, 11, 20).checked_add(jiff::Span::new().days(n)).ok())
                    .collect();
                s
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// No offered slot is in a lunch break, on a holiday or day off, outside the opening hours,
        /// outside the horizon or in the past (nor before the minimum notice).
        #[test]
        fn offered_slots_respect_hours_holidays_horizon_and_time(
            s in arb_schedule(),
            now_minutes in 0i64..(10 * 24 * 60),
            slot_minutes in prop::sample::select(vec![5u32, 10, 15, 20, 30, 45, 60]),
            horizon in 0u32..10,
            notice in 0u32..300,
            day_offset in -2i64..14,
        ) {
            let policy = AppointmentPolicy { slot_minutes, horizon_days: horizon, min_notice_minutes: notice, ..policy() };
            let now = at("2026-11-20T00:00:00").saturating_add(SignedDuration::from_mins(now_minutes)).expect("in range");
            let today = s.service_day(now);
            let day = today.checked_add(jiff::Span::new().days(day_offset)).expect("date");
            for slot in offered_slots(&s, &policy, now, day) {
                let start = slot.start.to_zoned(s.time_zone.clone());
                let end = slot.end.to_zoned(s.time_zone.clone());
                prop_assert_eq!(start.date(), day);
                prop_assert!(!s.holidays.contains(&day), "holiday {day}");
                let hours = s.week[weekday_index(day.weekday())];
                prop_assert!(hours.is_some(), "day off {day}");
                let hours = hours.expect("checked");
                prop_assert!(start.time() >= hours.open && end.time() <= hours.close);
                if let Some((l0, l1)) = hours.lunch {
                    prop_assert!(end.time() <= l0 || start.time() >= l1, "lunch {start} – {end}");
                }
                prop_assert!(slot.start >= now, "past slot {start} at {now}");
                prop_assert!(slot.start >= earliest_start(&policy, now));
                prop_assert!(day >= today && day <= today.checked_add(jiff::Span::new().days(i64::from(horizon))).expect("date"));
                prop_assert_eq!(slot.end.duration_since(slot.start), SignedDuration::from_mins(i64::from(slot_minutes)));
                prop_assert_eq!(check_slot(&s, &policy, now, slot.start), Ok((day, slot)));
            }
        }
    }
}
