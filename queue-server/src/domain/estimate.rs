//! Estimated wait.
//!
//! `wait = ceil(ahead × service_time / counters)` minutes, where
//! - `ahead` is the number of tickets waiting in the same service that arrived earlier (for a ticket
//!   issued now: everybody waiting in that service);
//! - `service_time` is the mean of the last [`SAMPLES`] measured service times of the service (from
//!   the call to done), or the configured default while fewer than [`MIN_SAMPLES`] were measured;
//! - `counters` is the number of open counters serving the service, or 1 when none is open.
//!
//! It assumes counters share their time evenly and that priority tickets arriving later do not pass;
//! both make it an estimate, shown as such ("khoảng 25 phút").

use std::collections::VecDeque;

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

/// Minutes to wait with `ahead` people ahead, `mean_seconds` per person and `counters` serving.
pub fn wait_minutes(ahead: u32, mean_seconds: u32, counters: u32) -> u32 {
    let total = u64::from(ahead) * u64::from(mean_seconds);
    let per_counter = total.div_ceil(u64::from(counters.max(1)));
    u32::try_from(per_counter.div_ceil(60)).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wait_follows_the_documented_formula() {
        assert_eq!(wait_minutes(0, 600, 2), 0);
        assert_eq!(wait_minutes(7, 480, 1), 56);
        assert_eq!(wait_minutes(7, 480, 2), 28);
        assert_eq!(wait_minutes(1, 61, 1), 2, "rounded up");
        assert_eq!(wait_minutes(5, 300, 0), 25, "no open counter counts as one");
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
