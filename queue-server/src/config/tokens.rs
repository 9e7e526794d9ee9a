//! Roles and the tokens a configuration gives devices and officers.

use serde::Deserialize;

use crate::domain::CounterNo;

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A kiosk: issue tickets, record ratings, cancel and rejoin tickets.
    Kiosk,
    /// A counter officer: act for its counters.
    Counter,
    /// A display: read only.
    Display,
    /// A supervisor: everything.
    Supervisor,
    /// The province's integration (its TTHC system through the LGSP): pushes dossiers.
    Integration,
}

impl Role {
    /// Name in the configuration and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Kiosk => "kiosk",
            Role::Counter => "counter",
            Role::Display => "display",
            Role::Supervisor => "supervisor",
            Role::Integration => "integration",
        }
    }

    /// Parses `kiosk`, `counter`, `display`, `supervisor` or `integration`.
    pub fn parse(raw: &str) -> Option<Role> {
        [Role::Kiosk, Role::Counter, Role::Display, Role::Supervisor, Role::Integration]
            .into_iter()
            .find(|r| r.as_str() == raw.trim())
    }
}

/// A token from the configuration.
#[derive(Debug, Clone)]
pub struct DeviceToken {
    /// The secret.
    pub token: String,
    /// Its role.
    pub role: Role,
    /// Who or what holds it.
    pub name: String,
    /// For a counter token: the counters it may act for (empty: all).
    pub counters: Vec<CounterNo>,
}
