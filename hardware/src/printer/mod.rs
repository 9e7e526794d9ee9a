//! The ticket printer: a small trait, an ESC/POS implementation over any transport, the ticket
//! layout and the status query.

pub mod cp1258;
pub mod raster;
pub mod status;
pub mod ticket;

use std::time::Duration;

pub use raster::TicketFont;
pub use status::PrinterStatus;
pub use ticket::{SlipContent, TextMode, TicketContent, TicketLayout, wait_words};

use crate::Error;
use crate::transport::Transport;

/// A printer of queue tickets.
pub trait TicketPrinter {
    /// What the printer can do now.
    fn status(&mut self) -> Result<PrinterStatus, Error>;
    /// Checks the status, then prints the ticket; refuses with [`Error::NotReady`] when the
    /// printer cannot print.
    fn print(&mut self, ticket: &TicketContent) -> Result<PrinterStatus, Error>;
    /// Checks the status, then prints a slip of text (no number); refused as [`Self::print`].
    fn print_slip(&mut self, slip: &SlipContent) -> Result<PrinterStatus, Error>;
}

/// An ESC/POS printer on a transport.
#[derive(Debug)]
pub struct EscPosPrinter<T> {
    transport: T,
    layout: TicketLayout,
    /// How long to wait for each status answer.
    pub status_timeout: Duration,
}

impl<T: Transport> EscPosPrinter<T> {
    /// A printer on `transport` laying tickets out with `layout`.
    pub fn new(transport: T, layout: TicketLayout) -> Self {
        Self { transport, layout, status_timeout: Duration::from_millis(500) }
    }
}

impl<T: Transport> EscPosPrinter<T> {
    /// Sends `bytes` once the status says the printer can print; [`Error::NotReady`] otherwise
    /// (nothing sent).
    fn send_when_ready(&mut self, bytes: &[u8]) -> Result<PrinterStatus, Error> {
        let status = self.status()?;
        if !status.can_print() {
            return Err(Error::NotReady(status));
        }
        self.transport.write_all(bytes)?;
        Ok(status)
    }
}

impl<T: Transport> TicketPrinter for EscPosPrinter<T> {
    fn status(&mut self) -> Result<PrinterStatus, Error> {
        status::query(&mut self.transport, self.status_timeout)
    }

    fn print(&mut self, ticket: &TicketContent) -> Result<PrinterStatus, Error> {
        let bytes = self.layout.encode(ticket)?;
        self.send_when_ready(&bytes)
    }

    fn print_slip(&mut self, slip: &SlipContent) -> Result<PrinterStatus, Error> {
        let bytes = self.layout.encode_slip(slip)?;
        self.send_when_ready(&bytes)
    }
}
