//! The clock every rule takes: domain code never reads the time by itself.

use std::sync::{Arc, Mutex};

use jiff::{SignedDuration, Timestamp};

/// A source of the current time.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Now.
    fn now(&self) -> Timestamp;
}

/// The system's clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// A clock that moves only when told: for tests and simulations.
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<Mutex<Timestamp>>);

impl ManualClock {
    /// A clock standing at `at`.
    pub fn new(at: Timestamp) -> Self {
        Self(Arc::new(Mutex::new(at)))
    }

    /// Moves the clock forward (or back, with a negative duration).
    pub fn advance(&self, by: SignedDuration) {
        let mut now = self.0.lock().unwrap_or_else(|p| p.into_inner());
        *now = now.checked_add(by).unwrap_or(*now);
    }

    /// Sets the clock.
    pub fn set(&self, at: Timestamp) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = at;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        *self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Notices steps of the wall clock: between two readings, the wall clock moved by more (or less)
/// than the time that really passed (a monotonic clock, passed in as seconds since any start).
/// A Pi without a battery-backed clock boots with a wrong time and is corrected by NTP, either
/// way; the queue's order does not depend on it (`Ticket::arrival`), but a step is logged.
#[derive(Debug, Clone, Copy, Default)]
pub struct StepWatch {
    last: Option<(Timestamp, f64)>,
}

impl StepWatch {
    /// Differences smaller than this are drift or scheduling, not a step.
    pub const TOLERANCE: SignedDuration = SignedDuration::from_secs(2);

    /// Takes a reading; the step since the last one when it passes [`StepWatch::TOLERANCE`]
    /// (negative: the clock went back).
    pub fn observe(&mut self, wall: Timestamp, monotonic_secs: f64) -> Option<SignedDuration> {
        let last = self.last.replace((wall, monotonic_secs));
        let (last_wall, last_mono) = last?;
        let passed = SignedDuration::try_from_secs_f64(monotonic_secs - last_mono).ok()?;
        let step = wall.duration_since(last_wall) - passed;
        (step.abs() > Self::TOLERANCE).then_some(step)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_either_way_are_noticed_and_ordinary_time_is_not() {
        let at = |s: i64| Timestamp::from_second(1_795_000_000 + s).expect("time");
        let mut watch = StepWatch::default();
        assert_eq!(watch.observe(at(0), 100.0), None, "the first reading");
        assert_eq!(watch.observe(at(30), 130.5), None, "30 s passed on both");
        assert_eq!(watch.observe(at(-570), 131.0), Some(SignedDuration::from_secs_f64(-600.5)), "back 10 min");
        assert_eq!(watch.observe(at(3030), 132.0), Some(SignedDuration::from_secs(3599)), "forward an hour");
        assert_eq!(watch.observe(at(3031), 133.0), None, "then ordinary again");
    }
}
