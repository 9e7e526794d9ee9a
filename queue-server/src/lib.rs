//! The motcua queue server.
//!
//! # Layout
//! - [`domain`]: the queue rules, pure code with an injected clock.
pub mod domain;
