//! Bookings (lịch hẹn) as the engine keeps them, the citizen data they carry, validated, and the
//! book of every booking from today to the end of the horizon with the counts the rules read.

use std::collections::{BTreeSet, HashMap};

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::ids::{ServiceCode, TicketId};

pub use motcua_protocol::api::{BOOKING_CODE_ALPHABET as CODE_ALPHABET, BOOKING_CODE_LEN as CODE_LEN};

/// A booking code, e.g. `K7MX3Q`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct BookingCode(String);

impl BookingCode {
    /// Parses a code as typed (case and spaces forgiven).
    pub fn parse(raw: &str) -> Option<Self> {
        let code: String = raw.chars().filter(|c| !c.is_whitespace() && *c != '-').collect::<String>().to_uppercase();
        (code.len() == CODE_LEN && code.bytes().all(|b| CODE_ALPHABET.contains(&b))).then_some(Self(code))
    }

    /// A code from random bytes (one byte per letter).
    pub fn from_random(bytes: [u8; CODE_LEN]) -> Self {
        let len = CODE_ALPHABET.len();
        Self(bytes.iter().map(|b| char::from(CODE_ALPHABET[usize::from(*b) % len])).collect())
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for BookingCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where a booking stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BookingStatus {
    /// A slot held while the citizen enters their details.
    Held,
    /// Booked.
    Confirmed,
    /// Turned into a ticket at the kiosk.
    CheckedIn,
    /// Cancelled by the citizen.
    Cancelled,
    /// Not checked in by the end of the window.
    NoShow,
    /// A hold that was not confirmed in time.
    Lapsed,
}

impl BookingStatus {
    /// Wire and database name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Held => "held",
            Self::Confirmed => "confirmed",
            Self::CheckedIn => "checked_in",
            Self::Cancelled => "cancelled",
            Self::NoShow => "no_show",
            Self::Lapsed => "lapsed",
        }
    }

    /// Parses the database name.
    pub fn parse(raw: &str) -> Option<Self> {
        use BookingStatus::*;
        [Held, Confirmed, CheckedIn, Cancelled, NoShow, Lapsed].into_iter().find(|s| s.as_str() == raw)
    }

    /// Whether it takes a place in its slot.
    pub fn is_active(self) -> bool {
        matches!(self, Self::Held | Self::Confirmed | Self::CheckedIn)
    }

    /// Vietnamese label.
    pub fn label_vi(self) -> &'static str {
        match self {
            Self::Held => "đang giữ chỗ",
            Self::Confirmed => "đã đặt",
            Self::CheckedIn => "đã check-in",
            Self::Cancelled => "đã hủy",
            Self::NoShow => "không đến",
            Self::Lapsed => "hết thời gian giữ chỗ",
        }
    }
}

/// Who booked: validated details.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Citizen {
    /// Full name.
    pub name: String,
    /// Mobile number, `0` and nine digits.
    pub phone: String,
    /// 12-digit citizen ID number, if given.
    pub citizen_id: Option<String>,
}

/// A booking.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Booking {
    /// Code.
    pub code: BookingCode,
    /// Field.
    pub service: ServiceCode,
    /// The slot's service day.
    pub day: Date,
    /// The slot's start.
    pub slot_at: Timestamp,
    /// Where it stands.
    pub status: BookingStatus,
    /// Who, once confirmed.
    pub citizen: Option<Citizen>,
    /// When the slot was first held.
    pub created_at: Timestamp,
    /// While held: until when.
    pub hold_until: Option<Timestamp>,
    /// The ticket it became.
    pub ticket: Option<TicketId>,
    /// When it was checked in.
    pub checked_in_at: Option<Timestamp>,
    /// Checked in after the on-time window (queued as a walk-in).
    pub late: bool,
    /// Whether the reminder was queued.
    pub reminded: bool,
}

impl Booking {
    /// The holder's phone, if confirmed.
    pub fn phone(&self) -> Option<&str> {
        self.citizen.as_ref().map(|c| c.phone.as_str())
    }

    /// Whether `who` is the citizen of this booking: by citizen ID when both bookings carry one (a
    /// parent booking for two children with one phone gives each child's ID: two people), by phone
    /// otherwise.
    pub fn same_citizen(&self, who: &Citizen) -> bool {
        self.citizen.as_ref().is_some_and(|c| match (&c.citizen_id, &who.citizen_id) {
            (Some(mine), Some(theirs)) => mine == theirs,
            _ => c.phone == who.phone,
        })
    }
}

/// Normalises a Vietnamese mobile number (`+84 912 345 678`, `0912.345.678` → `0912345678`);
/// `None` unless it is ten digits with a mobile prefix (03, 05, 07, 08, 09).
pub fn mobile_number(raw: &str) -> Option<String> {
    let digits: String = raw.chars().filter(|c| !matches!(c, ' ' | '.' | '-' | '(' | ')')).collect();
    let national = if let Some(rest) = digits.strip_prefix("+84") {
        format!("0{rest}")
    } else if digits.len() == 11 && digits.starts_with("84") {
        format!("0{}", &digits[2..])
    } else {
        digits
    };
    let b = national.as_bytes();
    let ok = b.len() == 10 && b.iter().all(u8::is_ascii_digit) && b[0] == b'0' && b"35789".contains(&b[1]);
    ok.then_some(national)
}

/// Province codes that begin a citizen ID number (the 63 provinces before the 2025 merger; cards
/// keep their code).
pub const PROVINCES: [u16; 63] = [
    1, 2, 4, 6, 8, 10, 11, 12, 14, 15, 17, 19, 20, 22, 24, 25, 26, 27, 30, 31, 33, 34, 35, 36, 37, 38, 40, 42, 44, 45,
    46, 48, 49, 51, 52, 54, 56, 58, 60, 62, 64, 66, 67, 68, 70, 72, 74, 75, 77, 79, 80, 82, 83, 84, 86, 87, 89, 91, 92,
    93, 94, 95, 96,
];

/// Checks a 12-digit citizen ID number (số định danh cá nhân, Thông tư 59/2021/TT-BCA): digits only
/// (spaces dropped), the first three a province code of [`PROVINCES`].
pub fn citizen_id(raw: &str) -> Option<String> {
    let id: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    if id.len() != 12 || !id.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let province: u16 = id[..3].parse().ok()?;
    PROVINCES.contains(&province).then_some(id)
}

/// Every booking from the current service day on, with the counts the capacity rules read.
#[derive(Debug, Clone, Default)]
pub struct Book {
    bookings: HashMap<BookingCode, Booking>,
    /// Active bookings per (field, slot start).
    per_slot: HashMap<(ServiceCode, Timestamp), u32>,
    /// Active bookings per (day, field).
    per_day: HashMap<(Date, ServiceCode), u32>,
    /// Holds by expiry.
    holds: BTreeSet<(Timestamp, BookingCode)>,
    /// Confirmed bookings by slot start (no-show marking and reminders).
    confirmed: BTreeSet<(Timestamp, BookingCode)>,
    /// Codes by phone number.
    by_phone: HashMap<String, BTreeSet<BookingCode>>,
}

impl Book {
    /// A book of stored bookings.
    pub fn restore(bookings: impl IntoIterator<Item = Booking>) -> Self {
        let mut book = Self::default();
        for b in bookings {
            book.put(b);
        }
        book
    }

    /// A booking by code.
    pub fn get(&self, code: &BookingCode) -> Option<&Booking> {
        self.bookings.get(code)
    }

    /// Every booking, in no order.
    pub fn all(&self) -> impl Iterator<Item = &Booking> {
        self.bookings.values()
    }

    /// Active bookings in a slot.
    pub fn in_slot(&self, service: &ServiceCode, start: Timestamp) -> u32 {
        self.per_slot.get(&(service.clone(), start)).copied().unwrap_or(0)
    }

    /// Active bookings of a field on a day.
    pub fn on_day(&self, day: Date, service: &ServiceCode) -> u32 {
        self.per_day.get(&(day, service.clone())).copied().unwrap_or(0)
    }

    /// Bookings of a phone number, any status.
    pub fn of_phone(&self, phone: &str) -> impl Iterator<Item = &Booking> {
        self.by_phone.get(phone).into_iter().flatten().filter_map(|c| self.bookings.get(c))
    }

    /// Holds expired at `now`.
    pub fn lapsed_holds(&self, now: Timestamp) -> Vec<BookingCode> {
        self.holds.iter().take_while(|(until, _)| *until <= now).map(|(_, c)| c.clone()).collect()
    }

    /// Confirmed bookings whose slot starts at or before `until`, earliest first.
    pub fn confirmed_until(&self, until: Timestamp) -> impl Iterator<Item = &Booking> {
        self.confirmed.iter().take_while(move |(at, _)| *at <= until).filter_map(|(_, c)| self.bookings.get(c))
    }

    /// Inserts or replaces a booking, keeping every count in step. The only way bookings change.
    pub fn put(&mut self, booking: Booking) {
        if let Some(old) = self.bookings.remove(&booking.code) {
            self.index(&old, false);
        }
        self.index(&booking, true);
        self.bookings.insert(booking.code.clone(), booking);
    }

    /// Forgets bookings of days before `day` (after a rollover).
    pub fn forget_before(&mut self, day: Date) {
        let old: Vec<BookingCode> = self.bookings.values().filter(|b| b.day < day).map(|b| b.code.clone()).collect();
        for code in old {
            if let Some(b) = self.bookings.remove(&code) {
                self.index(&b, false);
                if let Some(phone) = b.phone()
                    && let Some(codes) = self.by_phone.get_mut(phone)
                {
                    codes.remove(&code);
                    if codes.is_empty() {
                        self.by_phone.remove(phone);
                    }
                }
            }
        }
    }

    fn index(&mut self, b: &Booking, add: bool) {
        fn count<K: std::hash::Hash + Eq>(map: &mut HashMap<K, u32>, key: K, add: bool) {
            let n = map.entry(key).or_default();
            *n = if add { *n + 1 } else { n.saturating_sub(1) };
        }
        if b.status.is_active() {
            count(&mut self.per_slot, (b.service.clone(), b.slot_at), add);
            count(&mut self.per_day, (b.day, b.service.clone()), add);
        }
        let set = |s: &mut BTreeSet<(Timestamp, BookingCode)>, key| {
            if add {
                s.insert(key);
            } else {
                s.remove(&key);
            }
        };
        match (b.status, b.hold_until) {
            (BookingStatus::Held, Some(until)) => set(&mut self.holds, (until, b.code.clone())),
            (BookingStatus::Confirmed, _) => set(&mut self.confirmed, (b.slot_at, b.code.clone())),
            _ => {}
        }
        if add && let Some(phone) = b.phone() {
            self.by_phone.entry(phone.to_string()).or_default().insert(b.code.clone());
        }
    }

    /// Checks every count against the bookings (tests).
    #[cfg(test)]
    pub fn check_counts(&self) -> Result<(), String> {
        let fresh = Self::restore(self.bookings.values().cloned());
        let nonzero = |m: &HashMap<(ServiceCode, Timestamp), u32>| {
            m.iter().filter(|(_, n)| **n > 0).map(|(k, n)| (k.clone(), *n)).collect::<HashMap<_, _>>()
        };
        if nonzero(&fresh.per_slot) != nonzero(&self.per_slot) {
            return Err("per-slot counts disagree with the bookings".into());
        }
        let days = |m: &HashMap<(Date, ServiceCode), u32>| {
            m.iter().filter(|(_, n)| **n > 0).map(|(k, n)| (k.clone(), *n)).collect::<HashMap<_, _>>()
        };
        if days(&fresh.per_day) != days(&self.per_day) {
            return Err("per-day counts disagree with the bookings".into());
        }
        if fresh.holds != self.holds || fresh.confirmed != self.confirmed {
            return Err("hold or confirmed index disagrees with the bookings".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobile_numbers_are_normalised_and_checked() {
        assert_eq!(mobile_number("0912345678").as_deref(), Some("0912345678"));
        assert_eq!(mobile_number("+84 912 345 678").as_deref(), Some("0912345678"));
        assert_eq!(mobile_number("84912345678").as_deref(), Some("0912345678"));
        assert_eq!(mobile_number("0912.345.678").as_deref(), Some("0912345678"));
        assert_eq!(mobile_number("0312345678").as_deref(), Some("0312345678"));
        for bad in ["091234567", "09123456789", "0212345678", "1912345678", "09123a5678", "", "0112345678"] {
            assert_eq!(mobile_number(bad), None, "{bad}");
        }
    }

    #[test]
    fn citizen_ids_need_twelve_digits_and_a_province() {
        assert_eq!(citizen_id("001203012345").as_deref(), Some("001203012345"));
        assert_eq!(citizen_id("079 185 012345").as_deref(), Some("079185012345"));
        for bad in ["00120301234", "0012030123456", "003203012345", "099203012345", "00120301234a", ""] {
            assert_eq!(citizen_id(bad), None, "{bad}");
        }
    }

    #[test]
    fn codes_avoid_confusable_letters_and_parse_forgivingly() {
        let code = BookingCode::from_random([0, 7, 24, 25, 200, 255]);
        assert_eq!(code.as_str().len(), CODE_LEN);
        assert_eq!(BookingCode::parse(&code.as_str().to_lowercase()), Some(code.clone()));
        assert_eq!(BookingCode::parse("k7m-x3q"), Some(BookingCode("K7MX3Q".into())));
        assert_eq!(BookingCode::parse("K7MX3O"), None, "O is not in the alphabet");
        assert_eq!(BookingCode::parse("K7MX3"), None);
    }
}
