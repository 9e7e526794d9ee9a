//! Request and response bodies of the HTTP API (`/api/v1`).
//!
//! Times are RFC 3339 strings in the centre's time zone (for example `2026-11-21T09:30:00+07:00`),
//! durations are whole minutes. Every error answer has the body [`ErrorBody`].

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// Body of every error answer: a machine code and a Vietnamese message for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ErrorBody {
    /// Stable machine-readable code, e.g. `unknown_service`.
    pub code: String,
    /// Message in Vietnamese, fit to show to a citizen or an officer.
    pub message: String,
}

/// A field (lĩnh vực) with its live load, as `GET /api/v1/services` lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ServiceInfo {
    /// Service code, e.g. `DD`.
    pub code: String,
    /// Vietnamese name, e.g. `Đất đai`.
    pub name_vi: String,
    /// English name, e.g. `Land`.
    pub name_en: String,
    /// Tickets waiting to be called now.
    pub waiting: u32,
    /// Estimated wait in minutes for a ticket issued now; `null` when it cannot be known (no open
    /// counter serves the field: shown "chưa xác định").
    pub estimated_wait_minutes: Option<u32>,
    /// Tickets that can still be issued today (daily capacity and number range).
    pub remaining_today: u32,
    /// The daily capacity.
    pub capacity_today: u32,
    /// Whether a ticket can be taken now.
    pub open: bool,
    /// When not open, why, in Vietnamese.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_reason: Option<String>,
    /// While a supervisor has stopped the field's intake for the day: their reason (waiting
    /// tickets are still called, booked citizens still check in).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intake_closed: Option<String>,
    /// Counters open now that serve this field.
    pub counters_open: u32,
    /// Walk-in tickets issued today.
    #[serde(default)]
    pub walk_ins_today: u32,
    /// Bookings of today holding a place (held, confirmed, checked in).
    #[serde(default)]
    pub booked_today: u32,
    /// Bookings that may still be made for today.
    #[serde(default)]
    pub bookings_left_today: u32,
}

/// Answer of `GET /api/v1/services`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ServicesResponse {
    /// Name of the centre.
    pub centre: String,
    /// The service day (`YYYY-MM-DD`) the figures belong to.
    pub service_day: String,
    /// Every configured field, in configuration order.
    pub services: Vec<ServiceInfo>,
}

/// Body of `POST /api/v1/tickets`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct IssueTicketRequest {
    /// Service code.
    pub service: String,
    /// Priority class code (`elderly`, `disabled`, …) or absent for a normal ticket.
    #[serde(default)]
    pub priority: Option<String>,
    /// A key the client chooses; repeating it returns the same ticket instead of a new one.
    #[serde(default)]
    pub idempotency_key: Option<String>,
    /// Where the ticket was taken: `kiosk` (default), `counter`, `web`.
    #[serde(default)]
    pub channel: Option<String>,
}

/// Where a ticket stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TicketStatus {
    /// In the queue.
    Waiting,
    /// Called to a counter, not yet served.
    Called,
    /// Being served at a counter.
    Serving,
    /// Served.
    Done,
    /// Did not come when called; may rejoin until `rejoin_until`.
    NoShow,
    /// Cancelled before being served.
    Cancelled,
    /// Left open when the service day ended, or no-show past the rejoin window.
    Expired,
}

impl TicketStatus {
    /// Whether the ticket can still change (not finished for good).
    pub fn is_open(self) -> bool {
        matches!(self, Self::Waiting | Self::Called | Self::Serving | Self::NoShow)
    }

    /// Vietnamese label.
    pub fn label_vi(self) -> &'static str {
        match self {
            Self::Waiting => "Đang chờ",
            Self::Called => "Đã gọi",
            Self::Serving => "Đang phục vụ",
            Self::Done => "Đã phục vụ",
            Self::NoShow => "Vắng mặt",
            Self::Cancelled => "Đã hủy",
            Self::Expired => "Hết hiệu lực",
        }
    }
}

/// A queue ticket (phiếu số thứ tự).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Ticket {
    /// Stable id, `YYYYMMDD-SERVICE-NUMBER` of the day and service it was issued for.
    pub id: String,
    /// The number called out and printed.
    pub number: u32,
    /// Service code the ticket is queued for now (changes on transfer).
    pub service: String,
    /// Vietnamese name of that service.
    pub service_name_vi: String,
    /// Priority class code, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<String>,
    /// Where it was taken: `kiosk`, `counter`, `web`, `appointment`.
    pub channel: String,
    /// Where it stands.
    pub status: TicketStatus,
    /// People of its service who will be called before it while it waits (earlier arrivals, and
    /// appointments and priority tickets that pass it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<u32>,
    /// Estimated minutes until called while waiting; absent when not waiting or when it cannot be
    /// known (no open counter serves the field).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimated_wait_minutes: Option<u32>,
    /// When it was issued.
    pub issued_at: String,
    /// The counter it was called to, once called.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counter: Option<u16>,
    /// When it was last called.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub called_at: Option<String>,
    /// How many times it was called again.
    pub recalls: u32,
    /// Time of a booked appointment this ticket serves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appointment_at: Option<String>,
    /// For a no-show: until when it may rejoin the queue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejoin_until: Option<String>,
    /// For a ticket transferred to another field: the Vietnamese name of the field it was issued
    /// for (it keeps its number and its place by arrival).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transferred_from: Option<String>,
}

/// Answer of a call (`next` or `call`): the ticket and why it was chosen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CallResponse {
    /// The called ticket.
    pub ticket: Ticket,
    /// The counter that called it.
    pub counter: u16,
    /// Why this ticket.
    pub reason: CallReason,
}

/// A short explanation of why a ticket was called.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CallReason {
    /// Machine code: `appointment_due`, `priority_turn`, `normal_turn`, `aged`, `service_order`,
    /// `chosen`, `recall`.
    pub code: String,
    /// The explanation in Vietnamese.
    pub text: String,
}

/// Body of `POST /api/v1/counters/{no}/call`: call a chosen ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CallTicketRequest {
    /// Ticket id.
    pub ticket: String,
}

/// Body of `POST /api/v1/counters/{no}/transfer`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TransferRequest {
    /// Service code to move the counter's current ticket to.
    pub service: String,
}

/// Body of `POST /api/v1/counters/{no}/pause`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PauseRequest {
    /// Why the counter pauses, e.g. `Nghỉ giải lao`.
    pub reason: String,
}

/// Body of `POST /api/v1/services/{code}/intake/close`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct IntakeCloseRequest {
    /// Why the field takes no new tickets today, shown to citizens on the kiosk and `/book`,
    /// e.g. `Hệ thống đăng ký đất đai đang bảo trì` (1–120 characters).
    pub reason: String,
}

/// State of a counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CounterState {
    /// Open and calling.
    Open,
    /// Paused with a reason.
    Paused,
    /// Closed.
    Closed,
}

/// A counter (quầy) and what it is doing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Counter {
    /// Counter number.
    pub number: u16,
    /// Name, e.g. `Quầy 3`.
    pub name: String,
    /// Service codes it serves, in its order of preference.
    pub services: Vec<String>,
    /// Open, paused or closed.
    pub state: CounterState,
    /// Why it is paused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pause_reason: Option<String>,
    /// The ticket called or served there now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current: Option<Ticket>,
}

/// Body of `POST /api/v1/ratings`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RatingRequest {
    /// The served ticket being rated.
    #[serde(default)]
    pub ticket: Option<String>,
    /// Instead of `ticket`: the number printed on it, with `day`. What a kiosk that was offline
    /// knows of a ticket rated by its number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<u32>,
    /// The service day (`YYYY-MM-DD`) of `number`; today when absent. A rating of an earlier day's
    /// ticket (given offline, delivered later) lands on that day's ticket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub day: Option<String>,
    /// When the citizen gave it (RFC 3339), if earlier than its delivery; kept between the ticket's
    /// service and the delivery.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_at: Option<String>,
    /// The counter being rated (taken from the ticket when a ticket is given).
    #[serde(default)]
    pub counter: Option<u16>,
    /// Instead of a ticket: the dossier being rated, by its receipt code (mã hồ sơ, scanned from
    /// the receipt after being served); a dossier is rated once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt_code: Option<String>,
    /// 1 (worst) to the configured number of levels (best).
    pub score: u8,
    /// Reason tags for a low score.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Free comment.
    #[serde(default)]
    pub comment: Option<String>,
    /// Repeating the key returns the same rating instead of a second one.
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

fn default_rollover() -> String {
    "03:00".into()
}

/// The service day `at` belongs to, in `zone` with the day starting at `rollover` (local time):
/// the local date, or the day before when the local time is earlier than `rollover`. Every `day`
/// on the wire (`YYYY-MM-DD`, a ticket id's date) is a service day by this one rule, used by the
/// server and the kiosk alike.
pub fn service_day(at: jiff::Timestamp, zone: &jiff::tz::TimeZone, rollover: jiff::civil::Time) -> jiff::civil::Date {
    let local = at.to_zoned(zone.clone()).datetime();
    if local.time() < rollover { local.date().yesterday().unwrap_or(local.date()) } else { local.date() }
}

/// A recorded rating.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Rating {
    /// Rating id.
    pub id: i64,
    /// The rated ticket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
    /// The rated counter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counter: Option<u16>,
    /// The rated dossier's receipt code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt_code: Option<String>,
    /// Score.
    pub score: u8,
    /// Vietnamese label of the score.
    pub label: String,
    /// Reason tags.
    pub tags: Vec<String>,
    /// When.
    pub at: String,
}

/// Answer of `GET /healthz`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Health {
    /// `ok` when the store answers.
    pub status: String,
    /// Server version.
    pub version: String,
}

/// A priority class a ticket may carry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PriorityClassInfo {
    /// Code, e.g. `elderly`.
    pub code: String,
    /// Vietnamese name.
    pub name_vi: String,
    /// English name.
    pub name_en: String,
}

/// Answer of `GET /api/v1/centre`: what a kiosk or page needs to know about the centre.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CentreInfo {
    /// Name.
    pub name: String,
    /// IANA time zone.
    pub time_zone: String,
    /// Local time (`HH:MM`) the service day starts at: before it, the date is still the day before.
    #[serde(default = "default_rollover")]
    pub day_rollover: String,
    /// Address citizens' phones reach the centre's pages at.
    pub public_url: String,
    /// Priority classes, in display order.
    pub priority_classes: Vec<PriorityClassInfo>,
    /// Labels of the rating scale, worst first; a score is 1..=len.
    pub rating_levels: Vec<String>,
}

mod appointments;
mod devices;
mod dossiers;
mod staff;
pub use appointments::{
    BOOKING_CODE_ALPHABET, BOOKING_CODE_LEN, BookableDay, BookableService, BookableServices, Booking, BookingChoice,
    BookingSummary, CancelRequest, CheckInRequest, ConfirmRequest, HoldRequest, Notification, RescheduleRequest,
    ServiceBookings, SlotInfo, SlotsResponse, TodaysBookings, VerificationSent, VerifyRequest,
};
pub use devices::{DeviceHealth, DisplayHealth, HealthReport};
pub use dossiers::{
    Apology, CatalogueChanges, CataloguePreview, Dossier, DossierStatus, DossierStep, Procedure, ProceduresResponse,
    UnmappedLinhVuc,
};
pub use staff::{
    Alert, CounterLoad, CounterQueue, FieldLoad, HourFigures, LevelCount, Me, NextCall, Overview, Satisfaction,
    TakeCounterRequest, WaitBucket,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_service_day_turns_at_the_rollover_not_at_midnight() {
        let zone = jiff::tz::TimeZone::get("Asia/Ho_Chi_Minh").expect("tz");
        let rollover: jiff::civil::Time = default_rollover().parse().expect("HH:MM parses");
        let at = |s: &str| s.parse::<jiff::Timestamp>().expect("time");
        let day = |s: &str| s.parse::<jiff::civil::Date>().expect("date");
        assert_eq!(service_day(at("2026-11-23T16:59:00Z"), &zone, rollover), day("2026-11-23"), "23:59 local");
        assert_eq!(service_day(at("2026-11-23T17:10:00Z"), &zone, rollover), day("2026-11-23"), "00:10 local");
        assert_eq!(service_day(at("2026-11-23T20:00:00Z"), &zone, rollover), day("2026-11-24"), "03:00 local");
    }
}
