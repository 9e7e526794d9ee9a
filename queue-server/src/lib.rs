//! The motcua queue server.
//!
//! # Layout
//! - [`config`]: the one TOML configuration file, validated with line and key in every error.
//! - [`domain`]: the queue rules, pure code with an injected clock.
//! - [`store`]: SQLite behind one writer thread (group commit), the catalogue and dossier reads.
//! - [`live`]: the hub that fans live events out to SSE clients, with resume.
//! - [`views`]: domain values turned into the wire types of `motcua_protocol`.
pub mod config;
pub mod domain;
pub mod live;
pub mod store;
pub mod views;
