//! Device traits and drivers of motcua: the ESC/POS ticket printer, the serial counter displays and
//! GPIO buttons, each with a real and a simulated implementation.
//!
//! # Layout
//! The crate is a placeholder in the workspace so far: no drivers are implemented yet.
