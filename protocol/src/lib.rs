//! Everything in motcua that crosses a wire.
//!
//! The queue server, the kiosk, the web pages and the counter displays agree on bytes and JSON only
//! through this crate. With the `std` feature (the default) it holds the JSON types of the HTTP API
//! under `/api/v1` and the live event stream; the `openapi` feature derives their OpenAPI schemas.
//! The core of the crate is `no_std` so that the counter-display firmware can share it.
//!
//! # Layout
//! - [`api`]: request and response bodies of the HTTP API, and the error body.
//! - [`events`]: [`events::QueueEvent`], the one closed enum of everything that changes a live view,
//!   and its [`events::Topic`]s for filtering the stream.
//! - [`display`]: the counter-display bus frames (`no_std`, no allocation): encoder and a decoder
//!   that resynchronises after garbage.
//! - [`text`]: Vietnamese letters reduced to their base letter (`no_std`).
//! - `cli` (feature `cli`): the binaries' command lines in Vietnamese, through clap.
#![cfg_attr(not(feature = "std"), no_std)]

#[cfg(feature = "std")]
pub mod api;
#[cfg(feature = "cli")]
pub mod cli;
pub mod display;
#[cfg(feature = "std")]
pub mod events;
#[cfg(feature = "std")]
pub mod parse_text;
pub mod text;
#[cfg(feature = "std")]
pub mod url;

/// Version of the HTTP API; it is the path prefix `/api/v1`.
pub const API_VERSION: &str = "v1";
