//! The centre as configured: services, counters, priority classes, calling policy and timetable.
//! Values here are already validated (see `crate::config`); rules read them, never change them.

use std::collections::BTreeSet;

use jiff::Timestamp;
use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;

use super::ids::{CounterNo, ServiceCode};
use super::slots::{AppointmentPolicy, SlotSpec};

/// A centre: everything the queue rules need to know about the place.
#[derive(Debug, Clone)]
pub struct Centre {
    /// Name shown on tickets and screens.
    pub name: String,
    /// Opening hours, holidays and the service day.
    pub schedule: Schedule,
    /// Whether tickets are refused outside opening hours.
    pub enforce_hours: bool,
    /// Fields, in display order.
    pub services: Vec<ServiceSpec>,
    /// Counters, in number order.
    pub counters: Vec<CounterSpec>,
    /// Priority classes a ticket may carry.
    pub priority_classes: Vec<PriorityClass>,
    /// How the next ticket is chosen.
    pub policy: CallingPolicy,
    /// Labels of the rating scale, worst first; a score is 1..=len.
    pub rating_levels: Vec<String>,
    /// Each level's place on the one-stop 3-level scale ([`THREE_LEVELS`]: 1 Không hài lòng,
    /// 2 Hài lòng, 3 Rất hài lòng), as the configuration declares it; same length as
    /// `rating_levels`.
    pub rating_three: Vec<u8>,
    /// The unit's official code (mã đơn vị), empty when not configured.
    pub unit_code: String,
    /// Booking rules.
    pub appointments: AppointmentPolicy,
}

/// The one-stop 3-level satisfaction scale, worst first, as one-stop systems rate dossiers; the
/// national scorecard (QĐ 766/QĐ-TTg) scores the share of ratings **not** at level 1.
pub const THREE_LEVELS: [&str; 3] = ["Không hài lòng", "Hài lòng", "Rất hài lòng"];

impl Centre {
    /// Whether `score` (1..=levels) counts as dissatisfied on the 3-level scale.
    pub fn dissatisfied(&self, score: u8) -> bool {
        self.rating_three.get(usize::from(score).wrapping_sub(1)).is_none_or(|l| *l == 1)
    }

    /// The service with this code.
    pub fn service(&self, code: &ServiceCode) -> Option<&ServiceSpec> {
        self.services.iter().find(|s| &s.code == code)
    }

    /// The counter with this number.
    pub fn counter(&self, no: CounterNo) -> Option<&CounterSpec> {
        self.counters.iter().find(|c| c.no == no)
    }

    /// The priority class with this code.
    pub fn priority_class(&self, code: &str) -> Option<&PriorityClass> {
        self.priority_classes.iter().find(|p| p.code == code)
    }

    /// With `calling.stop_intake_before_close_minutes` set and hours enforced: the local time from
    /// which walk-in tickets stop at `at` (that many minutes before the day's closing hour), when
    /// `at` is at or past it and before closing. `None` otherwise.
    pub fn intake_stops_at(&self, at: Timestamp) -> Option<Time> {
        let minutes = self.policy.stop_intake_before_close_minutes;
        if minutes == 0 || !self.enforce_hours {
            return None;
        }
        let local = at.to_zoned(self.schedule.time_zone.clone()).datetime();
        let hours = self.schedule.week[weekday_index(local.weekday())]?;
        let from = hours.close.checked_sub(jiff::SignedDuration::from_mins(i64::from(minutes))).ok()?;
        let from = from.max(hours.open);
        (local.time() >= from && local.time() < hours.close).then_some(from)
    }

    /// Vietnamese name of a service, or its code when unknown.
    pub fn service_name(&self, code: &ServiceCode) -> String {
        self.service(code).map_or_else(|| code.to_string(), |s| s.name_vi.clone())
    }
}

/// A field (lĩnh vực) citizens queue for.
#[derive(Debug, Clone)]
pub struct ServiceSpec {
    /// Code.
    pub code: ServiceCode,
    /// Vietnamese name.
    pub name_vi: String,
    /// English name.
    pub name_en: String,
    /// First ticket number of the day.
    pub number_start: u32,
    /// Last ticket number of the day.
    pub number_end: u32,
    /// Tickets that may be issued per service day, walk-ins and bookings together.
    pub daily_capacity: u32,
    /// Booking settings; `None` when the field takes no bookings.
    pub booking: Option<SlotSpec>,
}

/// A counter (quầy).
#[derive(Debug, Clone)]
pub struct CounterSpec {
    /// Number.
    pub no: CounterNo,
    /// Name, e.g. `Quầy 3`.
    pub name: String,
    /// Services it serves, in its order of preference.
    pub services: Vec<ServiceCode>,
}

/// A priority class (đối tượng ưu tiên).
#[derive(Debug, Clone)]
pub struct PriorityClass {
    /// Code, e.g. `elderly`.
    pub code: String,
    /// Vietnamese name, e.g. `Người cao tuổi`.
    pub name_vi: String,
    /// English name.
    pub name_en: String,
}

/// Parameters of the calling order.
#[derive(Debug, Clone)]
pub struct CallingPolicy {
    /// Priority tickets called before one normal ticket when both wait (N in N:1).
    pub priority_ratio: u32,
    /// A ticket waiting at least this long is called before younger tickets of the counter's
    /// preferred services.
    pub aging_minutes: u32,
    /// How long a no-show ticket may rejoin the queue.
    pub rejoin_minutes: u32,
    /// Service time assumed before enough have been measured.
    pub default_service_minutes: u32,
    /// How early before its time an appointment ticket counts as due.
    pub appointment_grace_minutes: u32,
    /// Walk-in tickets stop this many minutes before the day's closing hour (0: until closing).
    pub stop_intake_before_close_minutes: u32,
}

/// Opening hours of one weekday.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayHours {
    /// Opening time.
    pub open: Time,
    /// Closing time.
    pub close: Time,
    /// Lunch break, if any.
    pub lunch: Option<(Time, Time)>,
}

/// The centre's timetable in its time zone.
#[derive(Debug, Clone)]
pub struct Schedule {
    /// The centre's time zone.
    pub time_zone: TimeZone,
    /// The service day starts at this local time (numbers start again).
    pub day_rollover: Time,
    /// Hours per weekday, Monday first; `None` when closed that day.
    pub week: [Option<DayHours>; 7],
    /// Days the centre is closed.
    pub holidays: BTreeSet<Date>,
}

/// Why the centre does not take tickets now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Closed {
    /// A configured holiday.
    Holiday,
    /// A weekday without hours.
    DayOff,
    /// Before opening.
    BeforeOpening(Time),
    /// After closing.
    AfterClosing(Time),
    /// In the lunch break, opening again at the time.
    Lunch(Time),
}

impl Closed {
    /// Vietnamese explanation.
    pub fn message(&self) -> String {
        match self {
            Closed::Holiday => "Hôm nay là ngày nghỉ lễ, trung tâm không làm việc".into(),
            Closed::DayOff => "Hôm nay trung tâm không làm việc".into(),
            Closed::BeforeOpening(t) => format!("Chưa đến giờ làm việc, trung tâm mở cửa lúc {}", hhmm(*t)),
            Closed::AfterClosing(t) => format!("Đã hết giờ làm việc (đóng cửa lúc {})", hhmm(*t)),
            Closed::Lunch(t) => format!("Đang nghỉ trưa, làm việc lại lúc {}", hhmm(*t)),
        }
    }
}

/// `HH:MM`.
pub fn hhmm(t: Time) -> String {
    format!("{:02}:{:02}", t.hour(), t.minute())
}

impl Schedule {
    /// The service day `at` belongs to: the local date, shifted back by the rollover time.
    pub fn service_day(&self, at: Timestamp) -> Date {
        motcua_protocol::api::service_day(at, &self.time_zone, self.day_rollover)
    }

    /// Whether the centre works on `date` (not a holiday, hours that weekday).
    pub fn works_on(&self, date: Date) -> bool {
        !self.holidays.contains(&date) && self.week[weekday_index(date.weekday())].is_some()
    }

    /// Whether the centre is open at `at`, and if not why.
    pub fn open_at(&self, at: Timestamp) -> Result<(), Closed> {
        let local = at.to_zoned(self.time_zone.clone()).datetime();
        if self.holidays.contains(&local.date()) {
            return Err(Closed::Holiday);
        }
        let Some(hours) = self.week[weekday_index(local.weekday())] else {
            return Err(Closed::DayOff);
        };
        let t = local.time();
        if t < hours.open {
            return Err(Closed::BeforeOpening(hours.open));
        }
        if t >= hours.close {
            return Err(Closed::AfterClosing(hours.close));
        }
        match hours.lunch {
            Some((start, end)) if t >= start && t < end => Err(Closed::Lunch(end)),
            _ => Ok(()),
        }
    }

    /// RFC 3339 text of `at` in the centre's time zone, to the second.
    pub fn format(&self, at: Timestamp) -> String {
        at.to_zoned(self.time_zone.clone()).strftime("%Y-%m-%dT%H:%M:%S%:z").to_string()
    }

    /// `dd/mm/yyyy` of `at` in the centre's time zone.
    pub fn local_date(&self, at: Timestamp) -> String {
        at.to_zoned(self.time_zone.clone()).strftime("%d/%m/%Y").to_string()
    }

    /// `HH:MM` of `at` in the centre's time zone.
    pub fn local_hhmm(&self, at: Timestamp) -> String {
        hhmm(at.to_zoned(self.time_zone.clone()).time())
    }

    /// The centre's clock at `at`: `HH:MM:SS` and `Thứ Hai, 30/11/2026`, in its time zone.
    pub fn local_clock(&self, at: Timestamp) -> (String, String) {
        let local = at.to_zoned(self.time_zone.clone());
        let weekday = motcua_protocol::text::WEEKDAYS_VI[weekday_index(local.weekday())];
        (local.strftime("%H:%M:%S").to_string(), format!("{weekday}, {}", local.strftime("%d/%m/%Y")))
    }
}

/// Monday = 0 … Sunday = 6.
pub fn weekday_index(day: Weekday) -> usize {
    day.to_monday_zero_offset() as usize
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use jiff::civil::time;

    /// Mon–Fri 07:30–17:00 with lunch 11:30–13:30, Saturday morning, rollover at 03:00, in
    /// Asia/Ho_Chi_Minh, 2 September a holiday.
    pub(crate) fn schedule() -> Schedule {
        let weekday = Some(DayHours {
            open: time(7, 30, 0, 0),
            close: time(17, 0, 0, 0),
            lunch: Some((time(11, 30, 0, 0), time(13, 30, 0, 0))),
        });
        let saturday = Some(DayHours { open: time(7, 30, 0, 0), close: time(11, 30, 0, 0), lunch: None });
        Schedule {
            time_zone: jiff::tz::TimeZone::get("Asia/Ho_Chi_Minh").expect("bundled tz"),
            day_rollover: time(3, 0, 0, 0),
            week: [weekday, weekday, weekday, weekday, weekday, saturday, None],
            holidays: [jiff::civil::date(2026, 9, 2)].into_iter().collect(),
        }
    }

    pub(crate) fn at(local: &str) -> Timestamp {
        let dt: jiff::civil::DateTime = local.parse().expect("civil datetime");
        dt.to_zoned(jiff::tz::TimeZone::get("Asia/Ho_Chi_Minh").expect("tz")).expect("zoned").timestamp()
    }

    #[test]
    fn service_day_rolls_over_at_the_configured_hour_not_midnight() {
        let s = schedule();
        assert_eq!(s.service_day(at("2026-11-23T02:59:59")), jiff::civil::date(2026, 11, 22));
        assert_eq!(s.service_day(at("2026-11-23T03:00:00")), jiff::civil::date(2026, 11, 23));
        assert_eq!(s.service_day(at("2026-11-23T23:59:00")), jiff::civil::date(2026, 11, 23));
    }

    #[test]
    fn open_hours_lunch_weekend_and_holiday() {
        let s = schedule();
        assert_eq!(s.open_at(at("2026-11-23T07:29:00")), Err(Closed::BeforeOpening(time(7, 30, 0, 0))));
        assert_eq!(s.open_at(at("2026-11-23T07:30:00")), Ok(()));
        assert_eq!(s.open_at(at("2026-11-23T12:00:00")), Err(Closed::Lunch(time(13, 30, 0, 0))));
        assert_eq!(s.open_at(at("2026-11-23T13:30:00")), Ok(()));
        assert_eq!(s.open_at(at("2026-11-23T17:00:00")), Err(Closed::AfterClosing(time(17, 0, 0, 0))));
        assert_eq!(s.open_at(at("2026-11-21T10:00:00")), Ok(()), "Saturday morning");
        assert_eq!(s.open_at(at("2026-11-21T12:00:00")), Err(Closed::AfterClosing(time(11, 30, 0, 0))));
        assert_eq!(s.open_at(at("2026-11-22T10:00:00")), Err(Closed::DayOff), "Sunday");
        assert_eq!(s.open_at(at("2026-09-02T10:00:00")), Err(Closed::Holiday));
        assert!(Closed::Lunch(time(13, 30, 0, 0)).message().contains("13:30"));
    }

    #[test]
    fn times_are_written_in_the_centre_zone() {
        let s = schedule();
        assert_eq!(s.format(at("2026-11-23T09:05:07")), "2026-11-23T09:05:07+07:00");
        assert_eq!(s.local_hhmm(at("2026-11-23T09:05:07")), "09:05");
    }
}
