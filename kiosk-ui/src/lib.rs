//! The touch kiosk of motcua and its headless counter-display bridge.
//!
//! The kiosk takes tickets, looks up dossiers and procedures, checks in appointments and records
//! ratings, prints on the ticket printer and drives the centre's counter number displays. The
//! display part also runs alone as the `display-bridge` binary for a centre whose display line is
//! not at the kiosk.
//!
//! # Layout
//! - [`config`]: the kiosk's TOML file (server, token, printer, display line, idle timeout, screen).
//! - [`live`]: the server's live stream (`/api/v1/events`) as `QueueEvent`s, reconnecting by itself.
//! - [`displays`]: what each counter display should show, and the worker thread that keeps the
//!   displays on the serial line in step (show, blink, ping, resend to a display that restarted).
//! - [`bridge`]: live stream → displays, with health reports to the server.
//! - [`api`]: the server client, every failure classified with a calm Vietnamese message.
//! - [`flows`]: the screens' logic as plain state machines returning effects.
//! - [`outbox`]: ratings and device reports kept in SQLite until the server has them.
//! - [`app`] (`ui`): the adapters wiring the Slint views to the flows and the core; `ui` the
//!   compiled views.
//! - [`core`]: the kiosk without its window: effects run, live figures kept, outbox delivered.
//! - [`printing`]: the configured printer (or the in-process simulator) and the ticket's words.

#[cfg(feature = "ui")]
pub mod ui {
    //! The compiled Slint UI.
    #![allow(missing_docs, clippy::all, clippy::unwrap_used, clippy::todo, missing_debug_implementations)]
    slint::include_modules!();
}

pub mod api;
#[cfg(feature = "ui")]
pub mod app;
pub mod bridge;
pub mod config;
pub mod core;
pub mod displays;
#[cfg(test)]
mod fixtures;
pub mod flows;
pub mod live;
pub mod outbox;
pub mod printing;
