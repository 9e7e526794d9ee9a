//! A ticket as the engine keeps it.

use jiff::Timestamp;
pub use motcua_protocol::api::TicketStatus;
use serde::{Deserialize, Serialize};

use super::ids::{CounterNo, ServiceCode, TicketId};

/// Where a ticket was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// The touch kiosk.
    Kiosk,
    /// Issued by an officer at a counter.
    Counter,
    /// A web page.
    Web,
    /// A checked-in appointment.
    Appointment,
}

impl Channel {
    /// Parses the wire name; `None` for an unknown one.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw.trim() {
            "kiosk" => Some(Self::Kiosk),
            "counter" => Some(Self::Counter),
            "web" => Some(Self::Web),
            "appointment" => Some(Self::Appointment),
            _ => None,
        }
    }

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Kiosk => "kiosk",
            Self::Counter => "counter",
            Self::Web => "web",
            Self::Appointment => "appointment",
        }
    }
}

/// A ticket with everything the rules and the statistics need.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ticket {
    /// Id, fixed at issue.
    pub id: TicketId,
    /// Service day it was issued on.
    pub day: jiff::civil::Date,
    /// Number, gapless per service and day.
    pub number: u32,
    /// Service it was issued for (its number belongs to this service's range).
    pub issued_service: ServiceCode,
    /// Service it queues for now.
    pub service: ServiceCode,
    /// Priority class code.
    pub priority: Option<String>,
    /// Where it was taken.
    pub channel: Channel,
    /// Where it stands.
    pub status: TicketStatus,
    /// When it was issued.
    pub issued_at: Timestamp,
    /// When it arrived (the wall clock); kept on transfer and on rejoin. Waits and aging are
    /// measured from it; the order of the queue is not (see `arrival`).
    pub arrived_at: Timestamp,
    /// Order of arrival this service day, from 1 across every field: the queue orders by it, never
    /// by the wall clock, which an NTP correction may step back after a Pi boots (a ticket issued
    /// after the step would otherwise go before earlier ones). Kept on transfer and on rejoin.
    pub arrival: u64,
    /// Appointment time, for a ticket made from a booking.
    pub appointment_at: Option<Timestamp>,
    /// Counter that called it last.
    pub counter: Option<CounterNo>,
    /// When it was first called at its current service.
    pub called_at: Option<Timestamp>,
    /// When service started.
    pub serving_at: Option<Timestamp>,
    /// When it reached a final status.
    pub finished_at: Option<Timestamp>,
    /// Calls after the first one.
    pub recalls: u32,
    /// For a no-show: until when it may rejoin.
    pub rejoin_until: Option<Timestamp>,
    /// The client's idempotency key, if one was given.
    pub idempotency_key: Option<String>,
    /// Whether a rating was recorded for it.
    pub rated: bool,
}

impl Ticket {
    /// Whole minutes waited since arrival.
    pub fn waited_minutes(&self, now: Timestamp) -> i64 {
        now.duration_since(self.arrived_at).as_secs() / 60
    }

    /// The key the queue orders waiting tickets by: order of arrival, then number.
    pub fn queue_key(&self) -> QueueKey {
        QueueKey { arrival: self.arrival, number: self.number, id: self.id.clone() }
    }
}

/// Order of waiting tickets: first come, first served.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct QueueKey {
    /// Order of arrival.
    pub arrival: u64,
    /// Number, to break ties.
    pub number: u32,
    /// The ticket.
    pub id: TicketId,
}
