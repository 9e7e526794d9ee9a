//! The touch kiosk of motcua: takes tickets, looks up dossiers and procedures, checks in appointments
//! and records ratings; drives the ticket printer and the counter displays.
//!
//! # Layout
//! The crate is a placeholder in the workspace so far: the Slint views and controllers are not
//! implemented yet.
