//! The kiosk's flows as plain state machines: each method takes what the citizen did or what a
//! request answered and says what to do next ([`Effect`]); the adapters run effects off the UI
//! thread and feed the results back. Nothing here touches a window, the network or a clock.

pub mod catalogue;
pub mod checkin;
pub mod dossier;
pub mod rating;
pub mod scanner;
pub mod ticket;

use motcua_protocol::api::{Dossier, IssueTicketRequest, Ticket};

use crate::api::CheckInRequest;

/// Where idempotency keys come from: a prefix (the kiosk's name and 64 random bits drawn at each
/// start, see [`crate::core::Core::keys`]) and a counter shared by every clone, so no two requests
/// anywhere get the same key, whichever flow makes them and however often the kiosk restarts.
#[derive(Debug, Clone)]
pub struct Keys {
    prefix: std::sync::Arc<str>,
    counter: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl Keys {
    /// Keys starting with `prefix`.
    pub fn new(prefix: &str) -> Self {
        Self { prefix: prefix.into(), counter: std::sync::Arc::default() }
    }

    /// A key never made before by this source: `{prefix}-{kind}{n}`.
    pub fn next(&self, kind: &str) -> String {
        let n = self.counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        format!("{}-{kind}{n}", self.prefix)
    }

    /// The prefix.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }
}

/// What a flow asks the adapter to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Nothing.
    None,
    /// Issue a ticket.
    Issue(IssueTicketRequest),
    /// Print a ticket.
    Print(Box<Ticket>),
    /// Print the apology slip of the dossier shown.
    PrintApology(Box<Dossier>),
    /// Look up a dossier (code, and the last 4 digits of the applicant's phone when given).
    LookUp(String, Option<String>),
    /// Search procedures (query, service).
    Search(String, Option<String>),
    /// Check in an appointment.
    CheckIn(CheckInRequest),
    /// List today's bookings of a phone (it has several).
    ListBookings(String),
    /// Find today's ticket by number.
    FindNumber(u32),
    /// Find a dossier to rate (its receipt scanned on the rating screen).
    FindDossier(String),
    /// Find a ticket by id (from its QR code).
    FindId(String),
    /// Queue a rating for delivery.
    Rate(rating::PendingRating),
    /// Open the ticket flow for a service.
    TakeTicketFor(String),
}

/// Step numbers shared with the views: entering, waiting, result, message.
pub mod step {
    /// Typing or choosing.
    pub const ENTERING: i32 = 0;
    /// Waiting for the server.
    pub const WAITING: i32 = 1;
    /// Showing the result.
    pub const RESULT: i32 = 2;
    /// Showing a message.
    pub const MESSAGE: i32 = 3;
    /// Entering a second factor (the dossier's: the last 4 digits of the applicant's phone).
    pub const FACTOR: i32 = 4;
}

/// Adds a key to typed text, up to `max` characters.
pub fn type_key(value: &mut String, key: &str, max: usize) {
    if value.chars().count() + key.chars().count() <= max {
        value.push_str(key);
    }
}

/// Removes the last typed character.
pub fn backspace(value: &mut String) {
    value.pop();
}
