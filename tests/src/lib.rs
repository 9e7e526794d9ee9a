//! End-to-end tests of motcua across crates live in `e2e/`; this library is empty.
//!
//! # Layout
//! - `e2e/main.rs`: the demo centre served over real HTTP on loopback, driven as a kiosk, a
//!   counter and a live-view client would.
//! - `e2e/displays.rs`: a counter's call reaching the counter display: server, display bridge and
//!   the display firmware as a real process on a `socat` pseudo-terminal, including a display that
//!   restarts.
