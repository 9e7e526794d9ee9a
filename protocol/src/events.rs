//! The live event stream (`GET /api/v1/events`, Server-Sent Events).
//!
//! Every change that a live view shows is one [`QueueEvent`]. The SSE `event:` name is
//! [`QueueEvent::name`], the `data:` is the event as JSON (tagged by `type`), and the `id:` lets a
//! client resume with `Last-Event-ID`. A client that connects without a resumable id first receives
//! a [`QueueEvent::Snapshot`].

use serde::{Deserialize, Serialize};

use crate::api::{CallReason, Counter, DeviceHealth, Rating, ServiceInfo, Ticket};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// Everything that changes a live view. The enum is closed: a view that handles every variant is
/// complete.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum QueueEvent {
    /// The whole live state, sent first on a fresh connection.
    Snapshot(Snapshot),
    /// A ticket was issued.
    TicketIssued {
        /// The new ticket.
        ticket: Ticket,
    },
    /// A ticket was called to a counter.
    TicketCalled {
        /// The ticket, now `called`.
        ticket: Ticket,
        /// The counter.
        counter: u16,
        /// Why this ticket was chosen.
        reason: CallReason,
    },
    /// A called ticket was called again.
    TicketRecalled {
        /// The ticket.
        ticket: Ticket,
        /// The counter.
        counter: u16,
    },
    /// Service of a ticket started.
    TicketServing {
        /// The ticket.
        ticket: Ticket,
        /// The counter.
        counter: u16,
    },
    /// A ticket was served.
    TicketDone {
        /// The ticket.
        ticket: Ticket,
        /// The counter.
        counter: u16,
    },
    /// A called ticket did not come.
    TicketNoShow {
        /// The ticket.
        ticket: Ticket,
        /// The counter.
        counter: u16,
    },
    /// A no-show ticket came back into the queue.
    TicketRejoined {
        /// The ticket.
        ticket: Ticket,
    },
    /// A ticket was moved to another service, keeping its arrival time.
    TicketTransferred {
        /// The ticket, in its new service.
        ticket: Ticket,
        /// The service it left.
        from_service: String,
    },
    /// A ticket was cancelled.
    TicketCancelled {
        /// The ticket.
        ticket: Ticket,
    },
    /// A ticket expired (day ended, or no-show past the rejoin window).
    TicketExpired {
        /// The ticket.
        ticket: Ticket,
    },
    /// A counter opened, paused, closed or changed its current ticket.
    CounterChanged {
        /// The counter as it is now.
        counter: Counter,
    },
    /// Waiting counts, estimated waits and remaining capacity changed.
    ServiceStats {
        /// Every service.
        services: Vec<ServiceInfo>,
    },
    /// A rating was recorded.
    RatingSubmitted {
        /// The rating.
        rating: Rating,
    },
    /// A kiosk or display bridge reported its devices.
    DeviceHealth {
        /// The device and its report.
        health: DeviceHealth,
    },
    /// A booking changed: a slot's free places moved. Carries no personal data.
    AppointmentChanged {
        /// Field code.
        service: String,
        /// Slot start, RFC 3339.
        slot: String,
        /// The booking's new status (`held`, `confirmed`, `checked_in`, `cancelled`, `no_show`, `lapsed`).
        status: String,
        /// Places left in the slot.
        slot_left: u32,
    },
    /// A new service day began; numbers start again.
    DayStarted {
        /// The new day, `YYYY-MM-DD`.
        service_day: String,
    },
}

/// The whole live state at one moment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Snapshot {
    /// Name of the centre.
    pub centre: String,
    /// The service day.
    pub service_day: String,
    /// Every service with its load.
    pub services: Vec<ServiceInfo>,
    /// Every counter.
    pub counters: Vec<Counter>,
}

/// SSE event name of a [`Heartbeat`].
pub const HEARTBEAT: &str = "heartbeat";

/// The server's clock, sent on every live stream (`/api/v1/events` and a ticket's `/live`) when it
/// opens and then every [`Heartbeat::every_seconds`], as SSE event [`HEARTBEAT`] without an id (it
/// is not part of the resumable history). Pages show the centre's time from it, never from the
/// device's own clock or zone, and a client that has heard nothing for three intervals treats the
/// connection as dead and reconnects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Heartbeat {
    /// Now, RFC 3339 with the centre's offset (`2026-11-30T23:02:05+07:00`).
    pub now: String,
    /// The centre's wall-clock time, `HH:MM:SS`.
    pub time: String,
    /// The centre's date with its weekday, e.g. `Thứ Hai, 30/11/2026`.
    pub date_vi: String,
    /// Seconds until the next heartbeat.
    pub every_seconds: u32,
}

/// A group of events a client can subscribe to (`?topics=calls,services`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Topic {
    /// Tickets issued, served, moved, ended.
    Tickets,
    /// Tickets called and recalled.
    Calls,
    /// Counter state.
    Counters,
    /// Per-service load figures.
    Services,
    /// Ratings.
    Ratings,
    /// Kiosk, printer and display health.
    Devices,
    /// Snapshots and day changes; always delivered.
    System,
}

impl Topic {
    /// Every topic.
    pub const ALL: [Topic; 7] =
        [Topic::Tickets, Topic::Calls, Topic::Counters, Topic::Services, Topic::Ratings, Topic::Devices, Topic::System];

    /// The name used in `?topics=`.
    pub fn name(self) -> &'static str {
        match self {
            Topic::Tickets => "tickets",
            Topic::Calls => "calls",
            Topic::Counters => "counters",
            Topic::Services => "services",
            Topic::Ratings => "ratings",
            Topic::Devices => "devices",
            Topic::System => "system",
        }
    }

    /// Parses a name used in `?topics=`.
    pub fn parse(name: &str) -> Option<Topic> {
        Topic::ALL.into_iter().find(|t| t.name() == name.trim())
    }
}

impl QueueEvent {
    /// The topic this event belongs to.
    pub fn topic(&self) -> Topic {
        match self {
            QueueEvent::Snapshot(_) | QueueEvent::DayStarted { .. } => Topic::System,
            QueueEvent::TicketCalled { .. } | QueueEvent::TicketRecalled { .. } => Topic::Calls,
            QueueEvent::TicketIssued { .. }
            | QueueEvent::TicketServing { .. }
            | QueueEvent::TicketDone { .. }
            | QueueEvent::TicketNoShow { .. }
            | QueueEvent::TicketRejoined { .. }
            | QueueEvent::TicketTransferred { .. }
            | QueueEvent::TicketCancelled { .. }
            | QueueEvent::TicketExpired { .. } => Topic::Tickets,
            QueueEvent::CounterChanged { .. } => Topic::Counters,
            QueueEvent::ServiceStats { .. } | QueueEvent::AppointmentChanged { .. } => Topic::Services,
            QueueEvent::RatingSubmitted { .. } => Topic::Ratings,
            QueueEvent::DeviceHealth { .. } => Topic::Devices,
        }
    }

    /// The SSE `event:` name, the same as the JSON `type` tag.
    pub fn name(&self) -> &'static str {
        match self {
            QueueEvent::Snapshot(_) => "snapshot",
            QueueEvent::TicketIssued { .. } => "ticket_issued",
            QueueEvent::TicketCalled { .. } => "ticket_called",
            QueueEvent::TicketRecalled { .. } => "ticket_recalled",
            QueueEvent::TicketServing { .. } => "ticket_serving",
            QueueEvent::TicketDone { .. } => "ticket_done",
            QueueEvent::TicketNoShow { .. } => "ticket_no_show",
            QueueEvent::TicketRejoined { .. } => "ticket_rejoined",
            QueueEvent::TicketTransferred { .. } => "ticket_transferred",
            QueueEvent::TicketCancelled { .. } => "ticket_cancelled",
            QueueEvent::TicketExpired { .. } => "ticket_expired",
            QueueEvent::CounterChanged { .. } => "counter_changed",
            QueueEvent::ServiceStats { .. } => "service_stats",
            QueueEvent::RatingSubmitted { .. } => "rating_submitted",
            QueueEvent::DeviceHealth { .. } => "device_health",
            QueueEvent::AppointmentChanged { .. } => "appointment_changed",
            QueueEvent::DayStarted { .. } => "day_started",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_matches_the_json_type_tag() {
        let event = QueueEvent::DayStarted { service_day: "2026-11-21".into() };
        let json = serde_json::to_value(&event).expect("serialises");
        assert_eq!(json["type"], event.name());
        let back: QueueEvent = serde_json::from_value(json).expect("parses back");
        assert_eq!(back, event);
    }

    #[test]
    fn topics_parse_by_name_and_reject_unknown() {
        for topic in Topic::ALL {
            assert_eq!(Topic::parse(topic.name()), Some(topic));
        }
        assert_eq!(Topic::parse(" calls "), Some(Topic::Calls));
        assert_eq!(Topic::parse("weather"), None);
    }
}
