//! What the staff pages read: the signed-in person, a counter's queue, the supervisor's overview
//! with its alerts.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

use super::{CallReason, CounterState, DeviceHealth, Ticket};

/// The signed-in staff member (`GET /api/v1/staff/me`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Me {
    /// Sign-in name.
    pub username: String,
    /// Name shown on screens.
    pub name: String,
    /// `officer`, `supervisor` or `admin`.
    pub role: String,
    /// The counter taken, if any.
    #[serde(default)]
    pub counter: Option<u16>,
}

/// Take a counter, or leave it with `null`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TakeCounterRequest {
    /// Counter number.
    pub counter: Option<u16>,
}

/// The ticket a counter would call next, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct NextCall {
    /// Ticket id.
    pub ticket: String,
    /// Its number.
    pub number: u32,
    /// Why it comes next.
    pub reason: CallReason,
}

/// A counter's queue (`GET /api/v1/counters/{no}/queue`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CounterQueue {
    /// Counter number.
    pub counter: u16,
    /// Who "Gọi tiếp" would call now.
    #[serde(default)]
    pub next: Option<NextCall>,
    /// Waiting tickets of the counter's fields, oldest first.
    pub waiting: Vec<Ticket>,
    /// Absent tickets that may still be called back.
    pub rejoinable: Vec<Ticket>,
}

/// One field on the dashboard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct FieldLoad {
    /// Field code.
    pub code: String,
    /// Vietnamese name.
    pub name: String,
    /// Waiting now.
    pub waiting: u32,
    /// Minutes the longest-waiting ticket has waited.
    pub longest_wait_minutes: u32,
    /// Average wait (arrival to first call) of today's called tickets.
    #[serde(default)]
    pub average_wait_minutes: Option<u32>,
    /// Served today.
    pub served_today: u32,
    /// Counters open now that serve it.
    pub counters_open: u32,
    /// While the supervisor has stopped its intake today: the reason given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intake_closed: Option<String>,
}

/// One counter on the dashboard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CounterLoad {
    /// Counter number.
    pub number: u16,
    /// Name.
    pub name: String,
    /// Open, paused or closed.
    pub state: CounterState,
    /// Why it is paused.
    #[serde(default)]
    pub pause_reason: Option<String>,
    /// The officer signed in at it.
    #[serde(default)]
    pub officer: Option<String>,
    /// The ticket called or served there now.
    #[serde(default)]
    pub current: Option<Ticket>,
    /// Tickets it finished today.
    pub served_today: u32,
}

/// Count of ratings at one level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct LevelCount {
    /// Level label.
    pub label: String,
    /// Ratings.
    pub count: u32,
}

/// Ratings of a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Satisfaction {
    /// Per level, worst first.
    pub levels: Vec<LevelCount>,
    /// All ratings.
    pub total: u32,
    /// Share in the two best levels, percent (none without ratings).
    #[serde(default)]
    pub satisfied_percent: Option<u32>,
}

/// Arrivals and served tickets of one hour.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct HourFigures {
    /// Local hour, 0–23.
    pub hour: u8,
    /// Tickets that arrived.
    pub arrivals: u32,
    /// Tickets finished.
    pub served: u32,
}

/// Count of waits in one range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct WaitBucket {
    /// E.g. `10–20 phút`.
    pub label: String,
    /// Tickets.
    pub count: u32,
}

/// Something a supervisor should act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Alert {
    /// Rule: `long_wait`, `idle_counter`, `printer_paper`, `device_offline`, `satisfaction_low`.
    pub rule: String,
    /// `warning` or `critical`.
    pub severity: String,
    /// What is wrong, in Vietnamese.
    pub text: String,
    /// What to do about it, in Vietnamese.
    pub action: String,
}

/// The supervisor's live overview (`GET /api/v1/supervisor/overview`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Overview {
    /// The service day.
    pub service_day: String,
    /// When the figures were taken.
    pub at: String,
    /// Every field.
    pub fields: Vec<FieldLoad>,
    /// Every counter.
    pub counters: Vec<CounterLoad>,
    /// Today's ratings.
    pub satisfaction: Satisfaction,
    /// Kiosks and display bridges.
    pub devices: Vec<DeviceHealth>,
    /// Today by hour.
    pub hours: Vec<HourFigures>,
    /// Today's waits.
    pub waits: Vec<WaitBucket>,
    /// What needs attention, worst first.
    pub alerts: Vec<Alert>,
}
