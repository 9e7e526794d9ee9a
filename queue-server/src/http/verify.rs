//! One-time codes to the phone before a booking is confirmed (`[appointments] verify_phone`).
//!
//! Without them anyone could book in another person's name and make the centre send messages to
//! any number. With them `POST /api/v1/appointments/{code}/verify` sends a 6-digit code to the
//! phone through the notifier (the outbox, then SMS), and `confirm` is taken only with that code
//! and that phone. Bounds: [`SENDS_PER_HOLD`] codes per hold, [`SENDS_PER_PHONE`] per phone per
//! hour (so a number cannot be flooded from many holds), [`WRONG_GUESSES`] wrong codes before the
//! code is void (10⁶ codes: a guess succeeds once in 200,000 tries). Codes live in memory for the
//! hold's time: after a restart the citizen asks for another. The codes are compared in constant
//! time and never logged; in the outbox list an operator sees the message masked.

use std::num::NonZeroUsize;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use jiff::Timestamp;
use lru::LruCache;

use crate::domain::booking::BookingCode;

/// Codes sent for one hold at most.
pub const SENDS_PER_HOLD: u32 = 3;
/// Codes sent to one phone per hour at most, whatever the holds.
pub const SENDS_PER_PHONE: u32 = 5;
/// Wrong codes before a code is void.
pub const WRONG_GUESSES: u32 = 5;
/// Holds with a code pending, and phones counted, at most (LRU).
const CAPACITY: usize = 8192;

#[derive(Debug)]
struct Pending {
    phone: String,
    secret: String,
    until: Timestamp,
    sent: u32,
    wrong: u32,
}

/// Why a code was not sent or not taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// This hold had its codes already.
    TooManySends,
    /// This phone had its codes this hour already.
    PhoneBusy,
    /// No code was asked for this hold and phone (or it was made void, or the server restarted).
    NotSent,
    /// Wrong code; this many tries are left.
    Wrong(u32),
    /// Too many wrong codes: a new one must be asked for.
    Void,
    /// The centre does not verify phones (`verify_phone = false`).
    Off,
}

#[derive(Debug)]
struct Inner {
    holds: LruCache<BookingCode, Pending>,
    phones: LruCache<String, (u32, Instant)>,
}

/// Codes pending per hold (see the module doc).
#[derive(Debug)]
pub struct Verifications {
    inner: Mutex<Inner>,
}

impl Default for Verifications {
    fn default() -> Self {
        let capacity = NonZeroUsize::new(CAPACITY).unwrap_or(NonZeroUsize::MIN);
        Self { inner: Mutex::new(Inner { holds: LruCache::new(capacity), phones: LruCache::new(capacity) }) }
    }
}

/// A fresh 6-digit code from the system's random source.
pub fn fresh_secret() -> Option<String> {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).ok()?;
    Some(format!("{:06}", u64::from_le_bytes(bytes) % 1_000_000))
}

fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl Verifications {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Counts a code about to be sent for `code` to `phone` (normalised) and keeps `secret` for
    /// it until `until`; refused when the hold or the phone had their codes. `now` is the
    /// monotonic time the per-phone hour is counted on.
    pub fn issue(
        &self,
        code: &BookingCode,
        phone: &str,
        secret: &str,
        until: Timestamp,
        now: Instant,
    ) -> Result<u32, Refusal> {
        let mut inner = self.lock();
        let sent = inner.holds.peek(code).map_or(0, |p| p.sent);
        if sent >= SENDS_PER_HOLD {
            return Err(Refusal::TooManySends);
        }
        let (count, since) = inner.phones.get(phone).copied().unwrap_or((0, now));
        let (count, since) =
            if now.duration_since(since) >= Duration::from_secs(3600) { (0, now) } else { (count, since) };
        if count >= SENDS_PER_PHONE {
            return Err(Refusal::PhoneBusy);
        }
        inner.phones.put(phone.to_string(), (count + 1, since));
        let pending = Pending { phone: phone.to_string(), secret: secret.to_string(), until, sent: sent + 1, wrong: 0 };
        inner.holds.put(code.clone(), pending);
        Ok(SENDS_PER_HOLD - (sent + 1))
    }

    /// Gives back a send counted by [`issue`](Self::issue) whose message was not queued.
    pub fn unsent(&self, code: &BookingCode, phone: &str) {
        let mut inner = self.lock();
        if let Some(p) = inner.holds.get_mut(code) {
            p.sent = p.sent.saturating_sub(1);
            p.secret.clear();
        }
        if let Some((count, _)) = inner.phones.get_mut(phone) {
            *count = count.saturating_sub(1);
        }
    }

    /// Checks `secret` for the hold `code` confirmed with `phone` (normalised) at `now`. The code
    /// stays good after a confirmation, so the same confirmation sent again (a double tap, a lost
    /// answer) is answered with the booking it made.
    pub fn check(&self, code: &BookingCode, phone: &str, secret: &str, now: Timestamp) -> Result<(), Refusal> {
        let mut inner = self.lock();
        let Some(p) = inner.holds.get_mut(code) else { return Err(Refusal::NotSent) };
        if p.secret.is_empty() || p.phone != phone || p.until <= now {
            return Err(Refusal::NotSent);
        }
        if same(&p.secret, secret.trim()) {
            return Ok(());
        }
        p.wrong += 1;
        if p.wrong >= WRONG_GUESSES {
            p.secret.clear();
            return Err(Refusal::Void);
        }
        Err(Refusal::Wrong(WRONG_GUESSES - p.wrong))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> BookingCode {
        BookingCode::parse(s).expect("a booking code")
    }

    #[test]
    fn a_code_is_taken_once_for_its_phone_and_wrong_guesses_void_it() {
        let v = Verifications::default();
        let (now, t) = (Instant::now(), Timestamp::from_second(1_000).expect("time"));
        let until = Timestamp::from_second(1_600).expect("time");
        let hold = code("ACDEFG");
        assert_eq!(v.check(&hold, "0912000001", "123456", t), Err(Refusal::NotSent));
        assert_eq!(v.issue(&hold, "0912000001", "123456", until, now), Ok(2), "two more may be sent");
        assert_eq!(v.check(&hold, "0912000002", "123456", t), Err(Refusal::NotSent), "another phone");
        assert_eq!(v.check(&hold, "0912000001", "123456", until), Err(Refusal::NotSent), "the hold ran out");
        assert_eq!(v.check(&hold, "0912000001", "654321", t), Err(Refusal::Wrong(4)));
        assert_eq!(v.check(&hold, "0912000001", " 123456 ", t), Ok(()));
        for left in (1..4).rev() {
            assert_eq!(v.check(&hold, "0912000001", "000000", t), Err(Refusal::Wrong(left)));
        }
        assert_eq!(v.check(&hold, "0912000001", "000000", t), Err(Refusal::Void));
        assert_eq!(v.check(&hold, "0912000001", "123456", t), Err(Refusal::NotSent), "void after 5 wrong");
    }

    #[test]
    fn sends_are_bounded_per_hold_and_per_phone_per_hour() {
        let v = Verifications::default();
        let now = Instant::now();
        let until = Timestamp::from_second(1_600).expect("time");
        for _ in 0..SENDS_PER_HOLD {
            v.issue(&code("AAAAAA"), "0912000001", "111111", until, now).expect("sent");
        }
        assert_eq!(v.issue(&code("AAAAAA"), "0912000001", "111111", until, now), Err(Refusal::TooManySends));
        v.issue(&code("GGGGGG"), "0912000001", "222222", until, now).expect("a 4th to the phone");
        v.issue(&code("CCCCCC"), "0912000001", "333333", until, now).expect("a 5th to the phone");
        assert_eq!(v.issue(&code("DDDDDD"), "0912000001", "444444", until, now), Err(Refusal::PhoneBusy));
        v.unsent(&code("CCCCCC"), "0912000001");
        v.issue(&code("DDDDDD"), "0912000001", "444444", until, now).expect("the unsent one given back");
        let later = now + Duration::from_secs(3600);
        v.issue(&code("EEEEEE"), "0912000001", "555555", until, later).expect("an hour later");
        assert!(fresh_secret().is_some_and(|s| s.len() == 6 && s.bytes().all(|b| b.is_ascii_digit())));
    }
}
