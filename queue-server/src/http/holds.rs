//! Places one client holds at once on `/book` (`POST /api/v1/appointments/holds`), and giving a
//! hold back (`POST /api/v1/appointments/{code}/release`) when the citizen picks another slot or
//! leaves the page, so the place is free at once and the client's share is not spent.
//!
//! A hold needs no identity, so without a bound one phone could keep a whole morning's slots on
//! hold, ten minutes at a time. Each client (an IPv4 address or an IPv6 /64) may hold
//! [`PER_CLIENT`] places at once: a hold counts until it is confirmed (then the per-phone and
//! per-citizen limits apply) or its time runs out on the queue's clock. The table is an LRU of
//! fixed capacity; a client pushed out forgets its holds, and the holds still lapse on their own.

use std::net::IpAddr;
use std::num::NonZeroUsize;
use std::sync::Mutex;

use axum::Json;
use axum::extract::{Path, State};
use jiff::Timestamp;
use lru::LruCache;
use motcua_protocol::api::{Booking, ErrorBody};

use super::AppState;
use super::appointments::parse_code;
use super::error::ApiError;
use crate::domain::Command;
use crate::store::Reply;

use crate::accounts::client_key;
use crate::domain::booking::BookingCode;

/// Places one client may hold at once (a citizen booking for themself and one family member).
pub const PER_CLIENT: usize = 2;
/// Clients remembered at most.
const CAPACITY: usize = 4096;

/// A place reserved for a hold being made; its code once made.
#[derive(Debug)]
struct Held {
    id: u64,
    code: Option<BookingCode>,
    until: Timestamp,
}

/// Live holds per client.
#[derive(Debug)]
pub struct Holds {
    by_client: Mutex<(LruCache<IpAddr, Vec<Held>>, u64)>,
}

impl Default for Holds {
    fn default() -> Self {
        let capacity = NonZeroUsize::new(CAPACITY).unwrap_or(NonZeroUsize::MIN);
        Self { by_client: Mutex::new((LruCache::new(capacity), 0)) }
    }
}

impl Holds {
    fn with<T>(&self, f: impl FnOnce(&mut LruCache<IpAddr, Vec<Held>>, &mut u64) -> T) -> T {
        let mut guard = self.by_client.lock().unwrap_or_else(|p| p.into_inner());
        let (by_client, next) = &mut *guard;
        f(by_client, next)
    }

    /// Reserves one of `client`'s places for a hold lasting until `until`, or `Err(when)`, the
    /// time its first place comes free, when it holds its share at `now`. Reserved before the
    /// hold is made, so concurrent requests cannot pass the bound together; give it back with
    /// [`Holds::made`] or [`Holds::failed`].
    pub fn reserve(&self, client: IpAddr, now: Timestamp, until: Timestamp) -> Result<u64, Timestamp> {
        self.with(|by_client, next| {
            let held = by_client.get_or_insert_mut(client_key(client), Vec::new);
            held.retain(|h| h.until > now);
            if held.len() >= PER_CLIENT {
                return Err(held.iter().map(|h| h.until).min().unwrap_or(until));
            }
            *next += 1;
            held.push(Held { id: *next, code: None, until });
            Ok(*next)
        })
    }

    /// The reserved hold was made, with `code`.
    pub fn made(&self, client: IpAddr, id: u64, code: BookingCode) {
        self.with(|by_client, _| {
            if let Some(h) = by_client.get_mut(&client_key(client)).and_then(|v| v.iter_mut().find(|h| h.id == id)) {
                h.code = Some(code);
            }
        });
    }

    /// The reserved hold was not made (refused, or the store failed).
    pub fn failed(&self, client: IpAddr, id: u64) {
        self.with(|by_client, _| {
            if let Some(held) = by_client.get_mut(&client_key(client)) {
                held.retain(|h| h.id != id);
            }
        });
    }

    /// The hold `code` was confirmed or cancelled, from whichever client: it no longer counts.
    pub fn released(&self, code: &BookingCode) {
        self.with(|by_client, _| {
            for (_, held) in by_client.iter_mut() {
                held.retain(|h| h.code.as_ref() != Some(code));
            }
        });
    }
}

/// Gives a hold back before it is confirmed: the place is free at once and no longer counts in
/// the client's share. Knowing the hold's code is the right to give it back (it is shown only to
/// the phone that made it). Sent again, or after the hold lapsed, it answers the same; a confirmed
/// booking is refused (it is cancelled with its phone).
#[utoipa::path(post, path = "/api/v1/appointments/{code}/release", tag = "appointments", params(("code" = String, Path)),
    responses((status = 200, description = "the hold, now `lapsed`", body = Booking), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "confirmed, checked in, cancelled or missed: not a hold", body = ErrorBody),
        (status = 429, body = ErrorBody)))]
pub async fn release(State(state): State<AppState>, Path(code): Path<String>) -> Result<Json<Booking>, ApiError> {
    let code = parse_code(&code)?;
    let reply = state.store.execute(Command::ReleaseHold(code.clone())).await?;
    state.holds.released(&code);
    match reply {
        Reply::Booking(b) => Ok(Json(b)),
        _ => Err(ApiError::Unavailable),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_holds_two_places_at_once_until_one_is_confirmed_or_lapses() {
        let holds = Holds::default();
        let t = |m: i64| Timestamp::from_second(1_795_000_000 + m * 60).expect("time");
        let code = |s: &str| BookingCode::parse(s).expect("code");
        let (phone, other): (IpAddr, IpAddr) = ("10.0.5.9".parse().expect("ip"), "10.0.5.10".parse().expect("ip"));
        let first = holds.reserve(phone, t(0), t(10)).expect("first");
        let second = holds.reserve(phone, t(0), t(11)).expect("second, reserved before the first is made");
        assert_eq!(holds.reserve(phone, t(1), t(11)), Err(t(10)), "a third at once, free when the first lapses");
        assert!(holds.reserve(other, t(1), t(11)).is_ok(), "another client has its own");
        holds.made(phone, first, code("ACDEFG"));
        holds.failed(phone, second);
        let third = holds.reserve(phone, t(1), t(12)).expect("the failed one gave its place back");
        holds.made(phone, third, code("GHJKMN"));
        assert!(holds.reserve(phone, t(1), t(12)).is_err());
        holds.released(&code("ACDEFG"));
        let fourth = holds.reserve(phone, t(1), t(12)).expect("one confirmed");
        holds.made(phone, fourth, code("NPQRTU"));
        assert!(holds.reserve(phone, t(11), t(21)).is_err(), "both still held at 11");
        assert!(holds.reserve(phone, t(12), t(22)).is_ok(), "both lapsed at 12");
    }
}
