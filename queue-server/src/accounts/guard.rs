//! Failed sign-ins, counted in memory per account *and* client address.
//!
//! A wrong password locks the account only for the client that typed it: a stranger on the
//! citizens' Wi-Fi who tries five passwords for `canbo1` locks `canbo1` from their own phone, never
//! the officer signing in at the counter (OWASP Authentication Cheat Sheet, "Account Lockout":
//! lockout must not become a denial of service). Guessing from many addresses is slowed by the
//! per-client sign-in rate limit. Nothing here is written per attempt: failures are reported as
//! one counted summary row a minute ([`Guard::take_report`]), so a flood of bad sign-ins costs
//! no disk. The table is an LRU of fixed capacity, so its memory and cost do not grow with the
//! number of clients; a pair pushed out forgets its count (its client is still rate limited).
//! Counts and locks live as long as the process: a restart lifts every lock.

use std::net::IpAddr;
use std::num::NonZeroUsize;
use std::sync::Mutex;

use jiff::{SignedDuration, Timestamp};
use lru::LruCache;

use super::Policy;

/// Pairs (account, client) remembered at most.
const CAPACITY: usize = 4096;
/// Pairs named in one summary row; the rest are counted.
const REPORTED: usize = 20;

/// The device a sign-in lock holds against: its whole address (IPv4-mapped IPv6 as IPv4). Not a
/// /64: on a flat IPv6 LAN the counter PCs and the citizens' phones may share one.
pub fn device_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        IpAddr::V4(_) => ip,
    }
}

/// The client a request counts against: an IPv4 address, or an IPv6 address's /64 (one host or
/// home network, which may hold any number of addresses). IPv4-mapped IPv6 counts as IPv4.
pub fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6((u128::from(v6) & !((1u128 << 64) - 1)).into()),
        },
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct Attempts {
    failed: u32,
    first_failed: Option<Timestamp>,
    locked_at: Option<Timestamp>,
    locked_until: Option<Timestamp>,
    unreported: u32,
}

#[derive(Debug)]
struct Inner {
    pairs: LruCache<(String, IpAddr), Attempts>,
    /// Devices whose last sign-in failed, with when ([`Guard::suspect`]).
    suspects: LruCache<IpAddr, Timestamp>,
    /// Devices someone signed in from, with when: a typo there does not make them suspects.
    trusted: LruCache<IpAddr, Timestamp>,
    /// Failures of pairs pushed out before they were reported.
    dropped_unreported: u64,
}

/// How long a device someone signed in from stays out of the lane of suspects.
pub const TRUSTED_FOR: SignedDuration = SignedDuration::from_hours(12);

/// Failed sign-ins per (account, client).
#[derive(Debug)]
pub struct Guard {
    inner: Mutex<Inner>,
}

impl Default for Guard {
    fn default() -> Self {
        let capacity = NonZeroUsize::new(CAPACITY).unwrap_or(NonZeroUsize::MIN);
        let inner = Inner {
            pairs: LruCache::new(capacity),
            suspects: LruCache::new(capacity),
            trusted: LruCache::new(capacity),
            dropped_unreported: 0,
        };
        Self { inner: Mutex::new(inner) }
    }
}

/// One minute's failed sign-ins, for the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// Failed attempts in all.
    pub total: u64,
    /// The pairs with the most failures: (account, client, failures, locked until).
    pub pairs: Vec<(String, IpAddr, u32, Option<Timestamp>)>,
    /// Pairs with failures not named in `pairs`.
    pub more: usize,
}

impl Guard {
    fn with<T>(&self, f: impl FnOnce(&mut Inner) -> T) -> T {
        f(&mut self.inner.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// Until when `username` is locked for `client`: a lock set after the last unlock by an
    /// administrator (`unlocked_at`) that has not run out. A refused attempt counts as a failure
    /// in the report.
    pub fn locked(
        &self,
        username: &str,
        client: IpAddr,
        now: Timestamp,
        unlocked_at: Option<Timestamp>,
    ) -> Option<Timestamp> {
        self.with(|inner| {
            let a = inner.pairs.get_mut(&(username.to_string(), client))?;
            let until = a.locked_until.filter(|&u| u > now)?;
            if unlocked_at.is_some_and(|unlocked| a.locked_at.is_some_and(|at| at <= unlocked)) {
                *a = Attempts { unreported: a.unreported, ..Attempts::default() };
                return None;
            }
            a.unreported += 1;
            Some(until)
        })
    }

    /// A wrong password (or unknown user) from `client`: counts it and, at the policy's count within
    /// its lock time (counted from the first failure), locks the pair. Returns the lock's end when this failure locked it.
    pub fn failed(&self, username: &str, client: IpAddr, now: Timestamp, policy: &Policy) -> Option<Timestamp> {
        let window = SignedDuration::from_mins(i64::from(policy.lock_minutes));
        self.with(|inner| {
            inner.suspects.put(device_key(client), now);
            let key = (username.to_string(), client);
            if !inner.pairs.contains(&key)
                && let Some((_, pushed)) = inner.pairs.push(key.clone(), Attempts::default())
            {
                inner.dropped_unreported += u64::from(pushed.unreported);
            }
            let a = inner.pairs.get_mut(&key)?;
            if a.first_failed.is_none_or(|first| now.duration_since(first) > window) {
                (a.failed, a.first_failed) = (0, Some(now));
            }
            a.failed += 1;
            a.unreported += 1;
            if a.failed < policy.lock_after {
                return None;
            }
            let until = now.checked_add(window).unwrap_or(now);
            (a.failed, a.first_failed, a.locked_at, a.locked_until) = (0, None, Some(now), Some(until));
            Some(until)
        })
    }

    /// A right password from `client`: its count starts again.
    pub fn succeeded(&self, username: &str, client: IpAddr, now: Timestamp) {
        self.with(|inner| {
            inner.suspects.pop(&device_key(client));
            inner.trusted.put(device_key(client), now);
            if let Some(a) = inner.pairs.get_mut(&(username.to_string(), client)) {
                *a = Attempts { unreported: a.unreported, ..Attempts::default() };
            }
        });
    }

    /// Whether `client`'s last sign-in failed within the policy's lock time, and nobody signed in
    /// from it in the last [`TRUSTED_FOR`]: its next password check waits in the lane of suspects,
    /// so a flood of wrong passwords does not hold up officers (whose counter PCs, once used, stay
    /// out of that lane after a typo).
    pub fn suspect(&self, client: IpAddr, now: Timestamp, policy: &Policy) -> bool {
        let window = SignedDuration::from_mins(i64::from(policy.lock_minutes));
        self.with(|inner| {
            let key = device_key(client);
            let trusted = inner.trusted.get(&key).is_some_and(|at| now.duration_since(*at) < TRUSTED_FOR);
            !trusted && inner.suspects.get(&key).is_some_and(|at| now.duration_since(*at) < window)
        })
    }

    /// An administrator lifted `username`'s locks (every client's).
    pub fn unlock(&self, username: &str) {
        self.with(|inner| {
            for ((user, _), a) in inner.pairs.iter_mut() {
                if user == username {
                    *a = Attempts { unreported: a.unreported, ..Attempts::default() };
                }
            }
        });
    }

    /// The latest end of `username`'s locks still running, whichever client they hold against;
    /// locks set before an administrator's unlock (`unlocked_at`) do not count.
    pub fn locked_until(&self, username: &str, now: Timestamp, unlocked_at: Option<Timestamp>) -> Option<Timestamp> {
        self.with(|inner| {
            inner
                .pairs
                .iter()
                .filter(|((user, _), _)| user == username)
                .filter(|(_, a)| unlocked_at.is_none_or(|u| a.locked_at.is_none_or(|at| at > u)))
                .filter_map(|(_, a)| a.locked_until.filter(|&u| u > now))
                .max()
        })
    }

    /// The failures not reported yet, and marks them reported; `None` when there are none.
    pub fn take_report(&self) -> Option<Report> {
        self.with(|inner| {
            let mut total = std::mem::take(&mut inner.dropped_unreported);
            let mut pairs = Vec::new();
            for ((user, client), a) in inner.pairs.iter_mut() {
                if a.unreported > 0 {
                    total += u64::from(a.unreported);
                    pairs.push((user.clone(), *client, std::mem::take(&mut a.unreported), a.locked_until));
                }
            }
            if total == 0 {
                return None;
            }
            pairs.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| (&a.0, a.1).cmp(&(&b.0, b.1))));
            let more = pairs.len().saturating_sub(REPORTED);
            pairs.truncate(REPORTED);
            Some(Report { total, pairs, more })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(minute: i64) -> Timestamp {
        Timestamp::from_second(1_795_000_000 + minute * 60).expect("time")
    }

    #[test]
    fn a_lock_holds_only_against_the_client_that_failed() {
        let guard = Guard::default();
        let (stranger, counter): (IpAddr, IpAddr) =
            ("10.0.5.66".parse().expect("address"), "10.0.1.3".parse().expect("address"));
        let policy = Policy::default();
        assert!((1..5).all(|_| guard.failed("canbo1", stranger, t(0), &policy).is_none()));
        assert_eq!(guard.failed("canbo1", stranger, t(0), &policy), Some(t(15)), "the fifth locks");
        assert_eq!(guard.locked("canbo1", stranger, t(1), None), Some(t(15)));
        assert_eq!(guard.locked("canbo1", counter, t(1), None), None, "the officer's counter is not locked");
        assert_eq!(guard.locked("canbo1", stranger, t(15), None), None, "the lock runs out");
        assert_eq!(guard.locked_until("canbo1", t(1), None), Some(t(15)));
        assert_eq!(guard.locked_until("canbo1", t(1), Some(t(0))), None, "unlocked after it was set");
        assert_eq!(guard.locked("canbo1", stranger, t(2), Some(t(1))), None, "an unlock after the lock lifts it");
    }

    #[test]
    fn failures_far_apart_do_not_add_up_and_a_success_starts_again() {
        let guard = Guard::default();
        let client: IpAddr = "10.0.5.66".parse().expect("address");
        let policy = Policy::default();
        for minute in [0, 14, 28, 42, 56, 70, 84] {
            assert_eq!(guard.failed("lan", client, t(minute), &policy), None, "minute {minute}: 15 min from the first");
        }
        (0..4).for_each(|_| assert!(guard.failed("lan", client, t(100), &policy).is_none()));
        guard.succeeded("lan", client, t(100));
        assert!(guard.failed("lan", client, t(100), &policy).is_none(), "counted from one again");
        (0..3).for_each(|_| assert!(guard.failed("lan", client, t(101), &policy).is_none()));
        assert_eq!(guard.failed("lan", client, t(101), &policy), Some(t(116)), "five within the lock time lock");
    }

    #[test]
    fn a_device_whose_last_sign_in_failed_is_a_suspect_for_the_lock_time_unless_someone_signed_in_there() {
        let guard = Guard::default();
        let policy = Policy::default();
        let (phone, counter_pc): (IpAddr, IpAddr) =
            ("10.0.9.7".parse().expect("address"), "10.0.1.3".parse().expect("address"));
        assert!(!guard.suspect(phone, t(0), &policy), "a first attempt is no suspect");
        guard.failed("canbo1", phone, t(0), &policy);
        assert!(guard.suspect(phone, t(14), &policy));
        assert!(!guard.suspect(phone, t(15), &policy), "the lock time later");
        assert!(!guard.suspect(counter_pc, t(1), &policy), "another device is not");
        guard.failed("canbo2", counter_pc, t(20), &policy);
        guard.succeeded("canbo2", counter_pc, t(20));
        assert!(!guard.suspect(counter_pc, t(20), &policy), "a typo then the right password");
        guard.failed("canbo2", counter_pc, t(200), &policy);
        assert!(
            !guard.suspect(counter_pc, t(201), &policy),
            "a PC signed in from this morning: a typo is no suspicion"
        );
        guard.failed("canbo2", counter_pc, t(20 + 12 * 60), &policy);
        assert!(guard.suspect(counter_pc, t(20 + 12 * 60), &policy), "12 hours on it is");
    }

    #[test]
    fn a_flood_of_failures_is_one_bounded_report() {
        let guard = Guard::default();
        let policy = Policy::default();
        for i in 0..10_000u32 {
            let client = IpAddr::V4(std::net::Ipv4Addr::from(0x0a00_0000 + i % 5000));
            guard.failed(&format!("user{}", i % 3), client, t(0), &policy);
        }
        let report = guard.take_report().expect("a report");
        assert_eq!(report.total, 10_000, "every failure counted, also those of pairs pushed out");
        assert_eq!(report.pairs.len(), REPORTED);
        assert!(report.more > 0);
        assert_eq!(guard.take_report(), None, "reported once");
        assert!(guard.with(|inner| inner.pairs.len()) <= CAPACITY);
    }

    #[test]
    fn a_lock_holds_against_the_whole_address_even_inside_one_ipv6_network() {
        let phone: IpAddr = "2001:db8:1:2:aaaa::1".parse().expect("address");
        let counter_pc: IpAddr = "2001:db8:1:2::10".parse().expect("address");
        assert_ne!(device_key(phone), device_key(counter_pc));
        let mapped: IpAddr = "::ffff:10.0.1.3".parse().expect("address");
        assert_eq!(device_key(mapped), "10.0.1.3".parse::<IpAddr>().expect("address"));
    }

    #[test]
    fn an_ipv6_host_counts_as_its_slash_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().expect("address");
        let b: IpAddr = "2001:db8:1:2:ffff:1:2:3".parse().expect("address");
        let other: IpAddr = "2001:db8:1:3::1".parse().expect("address");
        assert_eq!(client_key(a), client_key(b));
        assert_ne!(client_key(a), client_key(other));
        let mapped: IpAddr = "::ffff:192.168.1.20".parse().expect("address");
        assert_eq!(client_key(mapped), "192.168.1.20".parse::<IpAddr>().expect("address"));
    }
}
