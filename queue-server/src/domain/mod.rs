//! The queue rules: pure code that never touches SQLite, the clock or the network.
//!
//! The engine ([`Queue`]) is given the time with every command and answers with what changed
//! ([`Change`]); the store persists those changes and the HTTP layer turns them into answers and live
//! events.

pub mod appointments;
pub mod booking;
pub mod calling;
mod calls;
pub mod centre;
pub mod clock;
pub mod commands;
pub mod error;
pub mod estimate;
pub mod facts;
mod holds;
pub mod ids;
pub mod queue;
pub mod rating;
pub mod slots;
pub mod text;
pub mod ticket;
pub mod verification;

#[cfg(test)]
mod appointment_tests;
#[cfg(test)]
mod calling_tests;
#[cfg(test)]
mod model_check;
#[cfg(test)]
mod tests;

pub use centre::Centre;
pub use clock::{Clock, ManualClock, SystemClock};
pub use commands::{Command, Executed, NewRating, Outcome};
pub use error::DomainError;
pub use ids::{CounterNo, ParseError, ReceiptCode, ServiceCode, TicketId};
pub use queue::{Change, CounterRuntime, CounterStatus, Fact, Queue, RatingRecord, Restore, ServiceLoad};
pub use ticket::{Channel, Ticket, TicketStatus};
