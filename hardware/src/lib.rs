//! Device traits and drivers of motcua, each with a real implementation and a simulator that
//! consumes the same bytes.
//!
//! # Layout
//! - [`transport`]: byte pipes to devices: serial ports, TCP (port 9100), device files
//!   (`/dev/usb/lp0`), with read timeouts.
//! - [`printer`]: the ticket printer: [`printer::TicketPrinter`], the ticket layout as a pure
//!   function to ESC/POS bytes, Vietnamese text rasterised with a font found at run time, and
//!   real-time status (`DLE EOT`).
//! - [`display_bus`]: the host side of the counter-display bus (frames from `motcua_protocol`).
//! - [`gpio`]: buttons and indicator outputs, simulated or through `rppal` (feature `rpi`).
//! - [`sim`]: simulators: a printer that decodes the ESC/POS the project emits into a PNG of the
//!   paper and answers status queries in any state.
//! - [`error`]: the crate's error type, keeping every source.

pub mod display_bus;
pub mod error;
pub mod gpio;
pub mod printer;
pub mod sim;
pub mod transport;

pub use error::Error;
