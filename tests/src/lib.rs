//! End-to-end tests of motcua across crates live in `tests/e2e/`; this library is empty.
//!
//! # Layout
//! - `tests/e2e/main.rs`: the demo centre served over real HTTP on loopback, driven as a kiosk, a
//!   counter and a live-view client would.
