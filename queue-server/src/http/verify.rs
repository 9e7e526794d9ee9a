//! One-time codes to the phone before a booking is confirmed (`[appointments] verify_phone`).
//!
//! Without them anyone could book in another person's name and make the centre send messages to
//! any number. With them `POST /api/v1/appointments/{code}/verify` sends a 6-digit code to the
//! phone through the notifier (the outbox, then SMS), and `confirm` is taken only with that code
//! and that phone. Bounds: [`SENDS_PER_HOLD`] codes per hold, [`SENDS_PER_PHONE`] per phone per
//! hour (so a number cannot be flooded from many holds), [`SENDS_PER_CLIENT`] per client an hour
//! (so one device cannot text many numbers), [`WRONG_GUESSES`] wrong codes before the code is void
//! (10⁶ codes: a guess succeeds once in 200,000 tries). The tables have a fixed size and refuse
//! rather than forget a count when full. Codes live in memory for the hold's time: after a
//! restart the citizen asks for another. The codes are compared in constant time and never
//! logged; in the outbox list an operator sees the message masked, and once sent its stored text
//! is masked too.

use std::num::NonZeroUsize;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use jiff::Timestamp;
use lru::LruCache;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use motcua_protocol::api::{ErrorBody, VerificationSent, VerifyRequest};

use super::AppState;
use super::error::ApiError;
use crate::domain::booking::{BookingCode, mobile_number};
use crate::domain::text::mask_phone;
use crate::domain::{Command, DomainError};

/// Codes sent for one hold at most.
pub const SENDS_PER_HOLD: u32 = 3;
/// Codes sent to one phone per hour at most, whatever the holds.
pub const SENDS_PER_PHONE: u32 = 5;
/// Codes one client (an IPv4 address, an IPv6 /64) may have sent per hour, to any phones.
pub const SENDS_PER_CLIENT: u32 = 10;
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
    /// A confirmation was taken with this code: the same one again answers the booking.
    confirmed: bool,
}

/// Why a code was not sent or not taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// This hold had its codes already.
    TooManySends,
    /// This phone, or this client, had its codes this hour already.
    PhoneBusy,
    /// The tables are full (more holds waiting for a code than the server keeps).
    Full,
    /// The hold's time ran out.
    Expired,
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
    clients: LruCache<std::net::IpAddr, (u32, Instant)>,
}

/// Codes pending per hold (see the module doc).
#[derive(Debug)]
pub struct Verifications {
    inner: Mutex<Inner>,
}

impl Default for Verifications {
    fn default() -> Self {
        let capacity = NonZeroUsize::new(CAPACITY).unwrap_or(NonZeroUsize::MIN);
        let inner =
            Inner { holds: LruCache::new(capacity), phones: LruCache::new(capacity), clients: LruCache::new(capacity) };
        Self { inner: Mutex::new(inner) }
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

    /// Counts a code about to be sent for `code` to `phone` (normalised) asked by `client` and
    /// keeps `secret` for it until `until`; refused when the hold, the phone or the client had their
    /// codes, or the tables are full. `now` is the monotonic time the hours are counted on. Returns
    /// the codes the hold may still be sent.
    pub fn issue(
        &self,
        code: &BookingCode,
        phone: &str,
        client: std::net::IpAddr,
        secret: &str,
        until: Timestamp,
        now: Instant,
    ) -> Result<u32, Refusal> {
        let client = crate::accounts::client_key(client);
        let mut inner = self.lock();
        let sent = inner.holds.peek(code).map_or(0, |p| p.sent);
        if sent >= SENDS_PER_HOLD {
            return Err(Refusal::TooManySends);
        }
        let hour = |(count, since): (u32, Instant)| {
            if now.duration_since(since) >= Duration::from_secs(3600) { (0, now) } else { (count, since) }
        };
        let (by_phone, phone_since) = hour(inner.phones.peek(phone).copied().unwrap_or((0, now)));
        let (by_client, client_since) = hour(inner.clients.peek(&client).copied().unwrap_or((0, now)));
        if by_phone >= SENDS_PER_PHONE || by_client >= SENDS_PER_CLIENT {
            return Err(Refusal::PhoneBusy);
        }
        // A full table refuses: forgetting a count would lift its limit.
        let full = |len: usize, known: bool| len >= CAPACITY && !known;
        if full(inner.holds.len(), inner.holds.contains(code))
            || full(inner.phones.len(), inner.phones.contains(phone))
            || full(inner.clients.len(), inner.clients.contains(&client))
        {
            return Err(Refusal::Full);
        }
        inner.phones.put(phone.to_string(), (by_phone + 1, phone_since));
        inner.clients.put(client, (by_client + 1, client_since));
        let pending = Pending {
            phone: phone.to_string(),
            secret: secret.to_string(),
            until,
            sent: sent + 1,
            wrong: 0,
            confirmed: false,
        };
        inner.holds.put(code.clone(), pending);
        Ok(SENDS_PER_HOLD - (sent + 1))
    }

    /// Gives back a send counted by [`issue`](Self::issue) whose message was not queued (the hold
    /// was unknown or had run out); the code it kept is dropped if it is still this one.
    pub fn unsent(&self, code: &BookingCode, phone: &str, client: std::net::IpAddr, secret: &str) {
        let client = crate::accounts::client_key(client);
        let mut inner = self.lock();
        if let Some(p) = inner.holds.get_mut(code) {
            p.sent = p.sent.saturating_sub(1);
            if p.secret == secret {
                p.secret.clear();
            }
            if p.sent == 0 {
                inner.holds.pop(code);
            }
        }
        if let Some((count, _)) = inner.phones.get_mut(phone) {
            *count = count.saturating_sub(1);
        }
        if let Some((count, _)) = inner.clients.get_mut(&client) {
            *count = count.saturating_sub(1);
        }
    }

    /// Marks the hold's code as having confirmed it.
    pub fn confirmed(&self, code: &BookingCode) {
        if let Some(p) = self.lock().holds.get_mut(code) {
            p.confirmed = true;
        }
    }

    /// Checks `secret` for the hold `code` confirmed with `phone` (normalised) at `now`. The code
    /// stays good after a confirmation, so the same confirmation sent again (a double tap, a lost
    /// answer) is answered with the booking it made.
    pub fn check(&self, code: &BookingCode, phone: &str, secret: &str, now: Timestamp) -> Result<(), Refusal> {
        let mut inner = self.lock();
        let Some(p) = inner.holds.get_mut(code) else { return Err(Refusal::NotSent) };
        // Confirmed already: the booking answers for itself (the same details again are answered
        // with it, others refused), and no guess can spoil the citizen's repeat.
        if p.confirmed {
            return Ok(());
        }
        if p.secret.is_empty() || p.phone != phone {
            return Err(Refusal::NotSent);
        }
        if p.confirmed || p.until > now {
            if same(&p.secret, secret.trim()) {
                return Ok(());
            }
        } else {
            return Err(Refusal::Expired);
        }
        p.wrong += 1;
        if p.wrong >= WRONG_GUESSES {
            p.secret.clear();
            return Err(Refusal::Void);
        }
        Err(Refusal::Wrong(WRONG_GUESSES - p.wrong))
    }
}

/// Sends a one-time code to the phone the held booking is to be confirmed with (the route of
/// the booking API; see the module doc).
#[utoipa::path(post, path = "/api/v1/appointments/{code}/verify", tag = "appointments", params(("code" = String, Path)),
    request_body = VerifyRequest,
    responses((status = 202, body = VerificationSent), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "the centre does not verify phones; the booking is not held", body = ErrorBody),
        (status = 410, description = "the hold expired", body = ErrorBody), (status = 422, description = "phone", body = ErrorBody),
        (status = 429, description = "codes for this hold or this phone spent", body = ErrorBody)))]
pub async fn verify(
    State(state): State<AppState>,
    axum::extract::ConnectInfo(from): axum::extract::ConnectInfo<std::net::SocketAddr>,
    Path(code): Path<String>,
    body: Result<Json<VerifyRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<VerificationSent>), ApiError> {
    let code = super::appointments::parse_code(&code)?;
    let Json(body) = body?;
    if !state.config.verify_phone {
        return Err(ApiError::Verification(Refusal::Off));
    }
    let phone = mobile_number(&body.phone).ok_or(ApiError::Refused(DomainError::InvalidPhone))?;
    let secret = fresh_secret().ok_or(ApiError::Unavailable)?;
    let now = state.clock.now();
    let minutes = jiff::SignedDuration::from_mins(i64::from(state.config.centre.appointments.hold_minutes));
    let until = now.saturating_add(minutes).unwrap_or(now);
    let client = from.ip();
    let verifications = &state.verifications;
    let sent = verifications.issue(&code, &phone, client, &secret, until, std::time::Instant::now());
    let sent = sent.map_err(ApiError::Verification)?;
    let command = Command::SendVerification { code: code.clone(), phone: phone.clone(), secret: secret.clone().into() };
    if let Err(e) = state.store.execute(command).await {
        verifications.unsent(&code, &phone, client, &secret);
        return Err(e.into());
    }
    Ok((StatusCode::ACCEPTED, Json(VerificationSent { phone: mask_phone(&phone), sends_left: sent })))
}

#[cfg(test)]
mod tests {
    use std::net::IpAddr;

    use super::*;

    fn pc() -> std::net::IpAddr {
        std::net::IpAddr::from([10, 0, 7, 1])
    }

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
        assert_eq!(v.issue(&hold, "0912000001", pc(), "123456", until, now), Ok(2), "two more may be sent");
        assert_eq!(v.check(&hold, "0912000002", "123456", t), Err(Refusal::NotSent), "another phone");
        assert_eq!(v.check(&hold, "0912000001", "123456", until), Err(Refusal::Expired), "the hold ran out");
        assert_eq!(v.check(&hold, "0912000001", "654321", t), Err(Refusal::Wrong(4)));
        assert_eq!(v.check(&hold, "0912000001", " 123456 ", t), Ok(()));
        v.confirmed(&hold);
        assert_eq!(v.check(&hold, "0912000001", "123456", until), Ok(()), "the same confirmation later");
        assert_eq!(v.check(&hold, "0912000001", "000000", t), Ok(()), "confirmed: the booking answers for itself");
        let other = code("CCCCCC");
        v.issue(&other, "0912000001", pc(), "123456", until, now).expect("sent");
        for left in (1..5).rev() {
            assert_eq!(v.check(&other, "0912000001", "000000", t), Err(Refusal::Wrong(left)));
        }
        assert_eq!(v.check(&other, "0912000001", "000000", t), Err(Refusal::Void));
        assert_eq!(v.check(&other, "0912000001", "123456", t), Err(Refusal::NotSent), "void after 5 wrong");
    }

    #[test]
    fn sends_are_bounded_per_hold_and_per_phone_per_hour() {
        let v = Verifications::default();
        let now = Instant::now();
        let until = Timestamp::from_second(1_600).expect("time");
        for _ in 0..SENDS_PER_HOLD {
            v.issue(&code("AAAAAA"), "0912000001", pc(), "111111", until, now).expect("sent");
        }
        assert_eq!(v.issue(&code("AAAAAA"), "0912000001", pc(), "111111", until, now), Err(Refusal::TooManySends));
        v.issue(&code("GGGGGG"), "0912000001", pc(), "222222", until, now).expect("a 4th to the phone");
        v.issue(&code("CCCCCC"), "0912000001", pc(), "333333", until, now).expect("a 5th to the phone");
        assert_eq!(v.issue(&code("DDDDDD"), "0912000001", pc(), "444444", until, now), Err(Refusal::PhoneBusy));
        v.unsent(&code("CCCCCC"), "0912000001", pc(), "333333");
        v.issue(&code("DDDDDD"), "0912000001", pc(), "444444", until, now).expect("the unsent one given back");
        let later = now + Duration::from_secs(3600);
        v.issue(&code("EEEEEE"), "0912000001", pc(), "555555", until, later).expect("an hour later");
        // One device texting many numbers: its 10 an hour, whatever the phones.
        let other = Verifications::default();
        for n in 0..SENDS_PER_CLIENT {
            let hold = BookingCode::from_random([n as u8, 1, 2, 3, 4, 5]);
            other.issue(&hold, &format!("09120000{n:02}"), pc(), "1", until, now).expect("sent");
        }
        let hold = BookingCode::from_random([99, 1, 2, 3, 4, 5]);
        assert_eq!(other.issue(&hold, "0912000099", pc(), "1", until, now), Err(Refusal::PhoneBusy));
        assert!(
            other.issue(&hold, "0912000099", IpAddr::from([10, 0, 7, 2]), "1", until, now).is_ok(),
            "another device"
        );
        assert!(fresh_secret().is_some_and(|s| s.len() == 6 && s.bytes().all(|b| b.is_ascii_digit())));
    }
}
