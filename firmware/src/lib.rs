//! The counter display unit of motcua: reads the display bus, keeps the number it shows, answers
//! pings, and draws the number big on any `embedded-graphics` `DrawTarget`.
//!
//! The core ([`unit`], [`render`]) is `no_std` and never reads a clock: every call is given the
//! time in milliseconds, so blinking is tested by passing times. With the `std` feature the crate
//! adds the `counter-display` binary that runs a unit on a serial port and draws it on the
//! simulated panel of `motcua_hardware::sim::panel` (PNG files); with `rpi` on an SSD1306 panel over
//! SPI.
//!
//! # Layout
//! - [`unit`]: the display's state machine, fed byte by byte.
//! - [`render`]: seven-segment digits and the two panel layouts (128×64 mono, 64×32 RGB).
//! - `spi` (`rpi`): the SSD1306 panel over SPI through `rppal`.
#![cfg_attr(not(feature = "std"), no_std)]

pub mod render;
#[cfg(feature = "rpi")]
pub mod spi;
pub mod unit;

/// Firmware version reported in status replies.
pub const FIRMWARE_VERSION: u8 = 1;
