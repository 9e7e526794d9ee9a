//! The counter display unit of motcua: reads the display bus, keeps the shown number and draws it.
//!
//! # Layout
//! The crate is a placeholder in the workspace so far: the `no_std` core is not implemented yet.
#![no_std]
