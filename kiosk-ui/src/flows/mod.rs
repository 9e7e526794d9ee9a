//! The kiosk's flows as plain state machines: each method takes what the citizen did or what a
//! request answered and says what to do next ([`Effect`]); the adapters run effects off the UI
//! thread and feed the results back. Nothing here touches a window, the network or a clock.

pub mod catalogue;
pub mod checkin;
pub mod dossier;
pub mod rating;
pub mod ticket;

use motcua_protocol::api::{IssueTicketRequest, Ticket};

use crate::api::CheckInRequest;

/// What a flow asks the adapter to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Nothing.
    None,
    /// Issue a ticket.
    Issue(IssueTicketRequest),
    /// Print a ticket.
    Print(Box<Ticket>),
    /// Look up a dossier.
    LookUp(String),
    /// Search procedures (query, service).
    Search(String, Option<String>),
    /// Check in an appointment.
    CheckIn(CheckInRequest),
    /// Find today's ticket by number.
    FindNumber(u32),
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
