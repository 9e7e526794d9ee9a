//! What the engine records: facts (one event-log row each), the changes that carry them to the
//! store, and the counter and rating records they mention.

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::booking::{Booking, BookingCode};
use super::calling::Reason;
use super::ids::{CounterNo, ServiceCode, TicketId};
use super::ticket::Ticket;

/// State of a counter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state", content = "reason")]
pub enum CounterStatus {
    /// Open and calling.
    Open,
    /// Paused, with the reason.
    Paused(String),
    /// Closed.
    Closed,
}

/// What a counter is doing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CounterRuntime {
    /// Open, paused or closed.
    pub status: CounterStatus,
    /// Ticket called or being served there.
    pub current: Option<TicketId>,
    /// Priority tickets called in a row since its last normal call.
    pub streak: u32,
}

impl Default for CounterRuntime {
    fn default() -> Self {
        Self { status: CounterStatus::Closed, current: None, streak: 0 }
    }
}

/// A recorded rating.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RatingRecord {
    /// Id, increasing.
    pub id: i64,
    /// The rated ticket.
    pub ticket: Option<TicketId>,
    /// The rated counter.
    pub counter: Option<CounterNo>,
    /// The rated dossier's receipt code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dossier: Option<String>,
    /// The service of the rated ticket.
    pub service: Option<ServiceCode>,
    /// 1..=levels.
    pub score: u8,
    /// Reason tags.
    pub tags: Vec<String>,
    /// Free comment.
    pub comment: Option<String>,
    /// When.
    pub at: Timestamp,
    /// The client's idempotency key.
    pub idempotency_key: Option<String>,
}

/// One change, as it is appended to the event log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fact {
    /// A new service day began.
    DayStarted {
        /// The day.
        day: Date,
    },
    /// A ticket was issued.
    TicketIssued,
    /// A ticket was called.
    TicketCalled {
        /// Counter.
        counter: CounterNo,
        /// Why.
        reason: Reason,
    },
    /// A ticket was called again.
    TicketRecalled {
        /// Counter.
        counter: CounterNo,
    },
    /// Service started.
    TicketServing {
        /// Counter.
        counter: CounterNo,
    },
    /// Served.
    TicketDone {
        /// Counter.
        counter: CounterNo,
        /// Seconds from call to done.
        service_seconds: u32,
    },
    /// Did not come.
    TicketNoShow {
        /// Counter.
        counter: CounterNo,
    },
    /// Came back after a no-show.
    TicketRejoined,
    /// Moved to another service.
    TicketTransferred {
        /// Counter that moved it.
        counter: CounterNo,
        /// Old service.
        from: ServiceCode,
        /// New service.
        to: ServiceCode,
    },
    /// Cancelled.
    TicketCancelled,
    /// Expired.
    TicketExpired,
    /// A counter opened.
    CounterOpened {
        /// Counter.
        counter: CounterNo,
    },
    /// A counter paused.
    CounterPaused {
        /// Counter.
        counter: CounterNo,
        /// Why.
        reason: String,
    },
    /// A counter closed.
    CounterClosed {
        /// Counter.
        counter: CounterNo,
    },
    /// A supervisor stopped a field's intake (no new tickets or same-day bookings) for the rest of
    /// the service day.
    IntakeClosed {
        /// Field.
        service: ServiceCode,
        /// Why, in Vietnamese, as shown to citizens.
        reason: String,
    },
    /// A supervisor opened a field's intake again.
    IntakeOpened {
        /// Field.
        service: ServiceCode,
    },
    /// A rating was recorded.
    RatingGiven,
    /// A slot was held while the citizen enters their details.
    BookingHeld,
    /// A booking was confirmed.
    BookingConfirmed,
    /// A hold ran out unconfirmed.
    BookingLapsed,
    /// The citizen gave a hold back unconfirmed (picked another slot, left the page).
    BookingReleased,
    /// A booking was cancelled.
    BookingCancelled,
    /// A booking moved to another slot.
    BookingRescheduled {
        /// The old slot's start.
        from: Timestamp,
    },
    /// A booking was checked in and became a ticket.
    BookingCheckedIn,
    /// A booking was not checked in in time.
    BookingNoShow,
    /// The reminder of a booking was queued.
    BookingReminded,
    /// A one-time code for confirming a hold was sent (the event holds neither the code nor the phone).
    BookingVerificationSent,
}

impl Fact {
    /// The field a fact that is about a field's intake concerns.
    pub fn intake_service(&self) -> Option<&ServiceCode> {
        match self {
            Fact::IntakeClosed { service, .. } | Fact::IntakeOpened { service } => Some(service),
            _ => None,
        }
    }

    /// Name of the fact, as stored in the event log's `kind` column.
    pub fn kind(&self) -> &'static str {
        match self {
            Fact::DayStarted { .. } => "day_started",
            Fact::TicketIssued => "ticket_issued",
            Fact::TicketCalled { .. } => "ticket_called",
            Fact::TicketRecalled { .. } => "ticket_recalled",
            Fact::TicketServing { .. } => "ticket_serving",
            Fact::TicketDone { .. } => "ticket_done",
            Fact::TicketNoShow { .. } => "ticket_no_show",
            Fact::TicketRejoined => "ticket_rejoined",
            Fact::TicketTransferred { .. } => "ticket_transferred",
            Fact::TicketCancelled => "ticket_cancelled",
            Fact::TicketExpired => "ticket_expired",
            Fact::CounterOpened { .. } => "counter_opened",
            Fact::CounterPaused { .. } => "counter_paused",
            Fact::CounterClosed { .. } => "counter_closed",
            Fact::IntakeClosed { .. } => "intake_closed",
            Fact::IntakeOpened { .. } => "intake_opened",
            Fact::RatingGiven => "rating_given",
            Fact::BookingHeld => "booking_held",
            Fact::BookingConfirmed => "booking_confirmed",
            Fact::BookingLapsed => "booking_lapsed",
            Fact::BookingReleased => "booking_released",
            Fact::BookingCancelled => "booking_cancelled",
            Fact::BookingRescheduled { .. } => "booking_rescheduled",
            Fact::BookingCheckedIn => "booking_checked_in",
            Fact::BookingNoShow => "booking_no_show",
            Fact::BookingReminded => "booking_reminded",
            Fact::BookingVerificationSent => "booking_verification_sent",
        }
    }
}

/// A fact with the state the store writes for it.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// What happened.
    pub fact: Fact,
    /// The ticket after the change, for ticket facts.
    pub ticket: Option<Ticket>,
    /// The counter after the change, for facts that changed a counter.
    pub counter: Option<(CounterNo, CounterRuntime)>,
    /// The rating, for a rating fact.
    pub rating: Option<RatingRecord>,
    /// The booking after the change, for booking facts.
    pub booking: Option<Booking>,
    /// A message to the citizen, queued in the same transaction.
    pub notice: Option<Notice>,
}

/// What a notice is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// Booking confirmed.
    Confirmation,
    /// Booking moved.
    Rescheduled,
    /// Booking cancelled.
    Cancellation,
    /// The slot is near.
    Reminder,
    /// A one-time code to confirm a hold with.
    Verification,
}

impl NoticeKind {
    /// Database name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Confirmation => "confirmation",
            Self::Rescheduled => "rescheduled",
            Self::Cancellation => "cancellation",
            Self::Reminder => "reminder",
            Self::Verification => "verification",
        }
    }
}

/// A message to a citizen's phone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    /// About what.
    pub kind: NoticeKind,
    /// The booking.
    pub booking: BookingCode,
    /// Mobile number.
    pub phone: String,
    /// Text, Vietnamese, without diacritics trouble for SMS left to the gateway.
    pub text: String,
}

impl Change {
    /// A change with no snapshots yet.
    pub(crate) fn of(fact: Fact) -> Self {
        Self { fact, ticket: None, counter: None, rating: None, booking: None, notice: None }
    }
}
