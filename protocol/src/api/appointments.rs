//! Bodies of the appointment API (`/api/v1/appointments…`): bookable fields and slots, holds,
//! bookings, check-in, and the supervisor's day view.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// Letters of a booking code: no 0/O, 1/I/L, 2/Z, 5/S, 8/B that are misread on a phone or keypad.
/// The code is also the whole payload of the booking's QR.
pub const BOOKING_CODE_ALPHABET: &[u8] = b"ACDEFGHJKMNPQRTUVWXY34679";
/// Length of a booking code.
pub const BOOKING_CODE_LEN: usize = 6;

/// A field that takes bookings, with the days that can be booked now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct BookableService {
    /// Field code.
    pub code: String,
    /// Vietnamese name.
    pub name_vi: String,
    /// Slot length in minutes.
    pub slot_minutes: u32,
    /// Days inside the booking horizon, in order.
    pub days: Vec<BookableDay>,
}

/// One day of a bookable field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct BookableDay {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// Vietnamese label, e.g. `Thứ Hai 23/11`.
    pub label: String,
    /// Places left in slots that can still be booked (0 on a closed day).
    pub places_left: u32,
    /// Why the day takes no bookings though it has slots: the supervisor stopped the field's
    /// intake today (in Vietnamese, with their reason).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_reason: Option<String>,
}

/// Answer of `GET /api/v1/appointments/services`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct BookableServices {
    /// Name of the centre.
    pub centre: String,
    /// Minutes a chosen slot is held.
    pub hold_minutes: u32,
    /// A booking is confirmed only with a one-time code sent to its phone
    /// (`POST /api/v1/appointments/{code}/verify`, then `verification_code` in the confirmation).
    #[serde(default)]
    pub verify_phone: bool,
    /// Fields that take bookings.
    pub services: Vec<BookableService>,
}

/// A slot and what is left in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SlotInfo {
    /// Start, RFC 3339.
    pub start: String,
    /// `HH:MM`.
    pub time: String,
    /// Places left (0: full or no longer bookable).
    pub left: u32,
    /// Places in the slot.
    pub capacity: u32,
    /// Active bookings in it (supervisor view only; 0 on the public list).
    #[serde(default)]
    pub booked: u32,
}

/// Answer of `GET /api/v1/appointments/slots`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SlotsResponse {
    /// Field code.
    pub service: String,
    /// `YYYY-MM-DD`.
    pub date: String,
    /// Slots that can be booked now, in order.
    pub slots: Vec<SlotInfo>,
}

/// One of today's bookings made with a phone, as the kiosk offers it when that phone has several
/// (a parent booking for the family): the citizen picks one and the kiosk checks it in with
/// `{phone, choice}`. The booking code itself never leaves the server this way (with the phone it
/// would let anyone cancel the booking).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct BookingChoice {
    /// Opaque token naming the booking among the phone's (16 hex digits, keyed by the server and
    /// valid until it restarts; not the booking code).
    pub choice: String,
    /// Field code.
    pub service: String,
    /// Field name in Vietnamese.
    pub service_name_vi: String,
    /// The slot, `HH:MM` in the centre's time.
    pub time: String,
    /// The booked person's name, masked (`Nguyễn V*** A***`).
    pub name: String,
    /// `confirmed` (not checked in yet) or `checked_in`.
    pub status: String,
}

/// Answer of `GET /api/v1/appointments/today?phone=…` (kiosk only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct TodaysBookings {
    /// The phone, masked.
    pub phone: String,
    /// Today's bookings of that phone still to check in or checked in, by slot time.
    pub bookings: Vec<BookingChoice>,
}

/// Body of `POST /api/v1/appointments/holds`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct HoldRequest {
    /// Field code.
    pub service: String,
    /// Slot start, RFC 3339 (as listed by the slots endpoint).
    pub slot: String,
}

/// Body of `POST /api/v1/appointments/{code}/confirm`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ConfirmRequest {
    /// Full name.
    pub name: String,
    /// Vietnamese mobile number.
    pub phone: String,
    /// 12-digit citizen ID number, optional.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub citizen_id: Option<String>,
    /// The 6-digit code sent to `phone`; required when the centre verifies phones
    /// ([`BookableServices::verify_phone`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification_code: Option<String>,
}

/// Body of `POST /api/v1/appointments/{code}/verify`: where to send the one-time code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct VerifyRequest {
    /// Vietnamese mobile number the booking will be confirmed with.
    pub phone: String,
}

/// Answer of `POST /api/v1/appointments/{code}/verify`: the code is on its way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct VerificationSent {
    /// The number it goes to, masked (`09******78`).
    pub phone: String,
    /// Codes this hold may still be sent.
    pub sends_left: u32,
}

/// Body of `POST /api/v1/appointments/{code}/cancel`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CancelRequest {
    /// The phone the booking was made with.
    pub phone: String,
}

/// Body of `POST /api/v1/appointments/{code}/reschedule`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct RescheduleRequest {
    /// The phone the booking was made with.
    pub phone: String,
    /// New slot start, RFC 3339.
    pub slot: String,
}

/// Body of `POST /api/v1/appointments/check-in`: the booking code or the phone number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CheckInRequest {
    /// Booking code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Phone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// With `phone`: which of its bookings, as listed by `GET /api/v1/appointments/today`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub choice: Option<String>,
}

/// A booking as its holder sees it (personal data masked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Booking {
    /// Booking code, also the QR payload.
    pub code: String,
    /// Field code.
    pub service: String,
    /// Field name.
    pub service_name_vi: String,
    /// Slot start, RFC 3339.
    pub slot: String,
    /// `HH:MM`.
    pub time: String,
    /// `dd/mm/yyyy`.
    pub date: String,
    /// `held`, `confirmed`, `checked_in`, `cancelled`, `no_show`, `lapsed`.
    pub status: String,
    /// Vietnamese status label.
    pub status_vi: String,
    /// While held: until when, RFC 3339 in the centre's zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hold_until: Option<String>,
    /// While held: seconds left on the server's clock when this answer was made. Pages count down
    /// from this, never from `hold_until` against the phone's own clock.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hold_seconds_left: Option<u32>,
    /// Name, masked (`Nguyễn V. A.`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Phone, masked (`09******78`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// The ticket it became.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
    /// Check-in opens, `HH:MM`.
    pub checkin_from: String,
    /// On-time check-in closes, `HH:MM`.
    pub checkin_until: String,
}

/// One field's bookings on a day, for supervisors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ServiceBookings {
    /// Field code.
    pub service: String,
    /// Field name.
    pub name_vi: String,
    /// The field's daily capacity (walk-ins and bookings).
    pub capacity: u32,
    /// Bookings allowed that day.
    pub bookable: u32,
    /// Active bookings (held, confirmed, checked in).
    pub booked: u32,
    /// Checked in.
    pub checked_in: u32,
    /// Not checked in in time.
    pub no_show: u32,
    /// Cancelled.
    pub cancelled: u32,
    /// Walk-in tickets (today only; 0 for other days).
    pub walk_ins: u32,
    /// Every slot with its bookings.
    pub slots: Vec<SlotInfo>,
}

/// Answer of `GET /api/v1/appointments/summary`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct BookingSummary {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// Fields that take bookings.
    pub services: Vec<ServiceBookings>,
}

/// A message to a citizen in the outbox (`GET /api/v1/notifications`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Notification {
    /// Id, increasing.
    pub id: i64,
    /// When it was queued, RFC 3339.
    pub at: String,
    /// `confirmation`, `rescheduled`, `cancellation`, `reminder`, `verification`, or `apology`
    /// (a late dossier's apology and new return date).
    pub kind: String,
    /// Booking code, or for an `apology` the dossier's receipt code.
    pub booking: String,
    /// Mobile number.
    pub phone: String,
    /// Text.
    pub text: String,
    /// `pending` (waiting to be sent), `sent`, `kept` (no gateway: for an operator to pass on),
    /// `failed` (gave up after repeated errors).
    pub status: String,
    /// Delivery attempts.
    pub attempts: u32,
    /// Last delivery error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
}
