//! Estimated wait.
//!
//! `wait = ceil(ahead × service_time / counters)` minutes, where
//! - `ahead` is the number of tickets of the same service that will be called before this one as
//!   things stand (`Queue::ahead_of`): those that arrived earlier, and those that arrived later but
//!   go first — appointment tickets, and for a normal ticket the priority ones; for a ticket issued
//!   now, everybody waiting in the service;
//! - `service_time` is the mean of the last [`SAMPLES`] measured service times of the service (from
//!   the call to done), or the configured default while fewer than [`MIN_SAMPLES`] were measured;
//! - `counters` is the open counters serving the service, each counted by its share: a counter that
//!   serves `k` services counts `1/k` for each.
//!
//! With no open counter serving the service the wait is unknown (`None`, shown "chưa xác định"),
//! never a number. It is shown as an estimate ("khoảng 25 phút").

use std::collections::VecDeque;

use super::ids::ServiceCode;

/// Figures of one service at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceLoad {
    /// Service.
    pub code: ServiceCode,
    /// Tickets waiting.
    pub waiting: u32,
    /// Estimated wait for a ticket issued now, minutes; `None` when no open counter serves it.
    pub estimated_wait_minutes: Option<u32>,
    /// Tickets that can still be issued today.
    pub remaining_today: u32,
    /// Daily capacity.
    pub capacity: u32,
    /// Open counters serving it.
    pub counters_open: u32,
    /// Bookings of the day that hold a place (held, confirmed, checked in).
    pub booked: u32,
    /// Bookings that may still be made for the day.
    pub bookings_left: u32,
    /// Walk-in tickets issued.
    pub walk_ins: u32,
    /// The supervisor's reason while the field's intake is closed for the day.
    pub intake_closed: Option<String>,
}

/// Service times kept per service.
pub const SAMPLES: usize = 20;
/// Measured service times needed before they replace the default.
pub const MIN_SAMPLES: usize = 3;

/// Recent service times of one service, in seconds.
#[derive(Debug, Clone, Default)]
pub struct ServiceTimes(VecDeque<u32>);

impl ServiceTimes {
    /// Records a measured service time.
    pub fn record(&mut self, seconds: u32) {
        if self.0.len() == SAMPLES {
            self.0.pop_front();
        }
        self.0.push_back(seconds);
    }

    /// Mean service time in seconds, or `default_seconds` while too few were measured.
    pub fn mean_seconds(&self, default_seconds: u32) -> u32 {
        if self.0.len() < MIN_SAMPLES {
            return default_seconds;
        }
        let sum: u64 = self.0.iter().map(|&s| u64::from(s)).sum();
        u32::try_from(sum / self.0.len() as u64).unwrap_or(u32::MAX)
    }
}

/// Minutes to wait with `ahead` people ahead, `mean_seconds` per person and `counters` (shares of
/// counters) serving; `None` when nobody serves.
pub fn wait_minutes(ahead: u32, mean_seconds: u32, counters: f64) -> Option<u32> {
    if counters.is_nan() || counters <= 0.0 {
        return None;
    }
    let seconds = f64::from(ahead) * f64::from(mean_seconds) / counters;
    Some((seconds / 60.0).ceil().min(f64::from(u32::MAX)) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wait_follows_the_documented_formula() {
        assert_eq!(wait_minutes(0, 600, 2.0), Some(0));
        assert_eq!(wait_minutes(7, 480, 1.0), Some(56));
        assert_eq!(wait_minutes(7, 480, 2.0), Some(28));
        assert_eq!(wait_minutes(1, 61, 1.0), Some(2), "rounded up");
        assert_eq!(wait_minutes(7, 480, 0.5), Some(112), "a counter shared with another field counts half");
        assert_eq!(wait_minutes(5, 300, 0.0), None, "nobody serves: unknown, not a number");
    }

    #[test]
    fn default_until_enough_samples_then_mean_of_the_last_ones() {
        let mut times = ServiceTimes::default();
        times.record(100);
        times.record(200);
        assert_eq!(times.mean_seconds(480), 480);
        times.record(300);
        assert_eq!(times.mean_seconds(480), 200);
        for _ in 0..SAMPLES {
            times.record(60);
        }
        assert_eq!(times.mean_seconds(480), 60, "old samples fall out");
    }
}
