//! Simulators for devices that are not attached: they consume the real bytes the drivers send.
//!
//! - [`panel`]: a framebuffer `DrawTarget` saved as PNG (simulated display panel, paper images).
//! - [`escpos`]: a decoder for the ESC/POS subset the project emits, into [`escpos::Paper`].
//! - [`printer`]: a printer that serves that decoder over TCP or a serial line, answers status
//!   queries in any state, and keeps what it printed.
//! - [`pty`]: a `socat` pseudo-terminal pair standing in for a serial cable.

pub mod escpos;
pub mod panel;
pub mod printer;
pub mod pty;
