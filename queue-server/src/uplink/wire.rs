//! What the centre's uplink sends the provincial hub and what the hub answers
//! (`POST /api/v1/ingest`, JSON, `Authorization: Bearer <centre token>`).

use std::collections::BTreeMap;

use motcua_protocol::api::Overview;
use serde::{Deserialize, Serialize};

use crate::chain::ChainEvent;
use crate::reports::Frame;

/// A field's live waiting for the public page: no personal data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldWait {
    /// Field (lĩnh vực) code.
    pub code: String,
    /// Vietnamese name.
    pub name: String,
    /// Tickets waiting now.
    pub waiting: u32,
    /// The centre's own estimate of a new ticket's wait, minutes (none while nobody serves it).
    #[serde(default)]
    pub estimated_wait_minutes: Option<u32>,
    /// Counters open now that serve it.
    pub counters_open: u32,
}

/// What the hub needs to know of a centre to build its reports and pages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    /// The centre's name.
    pub name: String,
    /// Fields, rating scale and time zone.
    pub frame: Frame,
    /// Officers' display names by user name.
    #[serde(default)]
    pub officers: BTreeMap<String, String>,
}

/// One batch of the centre's event log, in order, with the centre's live state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Batch {
    /// The centre's official unit code (mã đơn vị), as registered at the hub.
    pub centre: String,
    /// The id of the last event the centre believes the hub holds (0 before the first).
    pub after: i64,
    /// Events after it, in id order (may be empty: a heartbeat carrying the live state).
    pub events: Vec<ChainEvent>,
    /// Events still waiting at the centre after this batch.
    #[serde(default)]
    pub backlog: u64,
    /// The supervisor's overview as the centre computes it now.
    #[serde(default)]
    pub live: Option<Overview>,
    /// Waiting and estimated wait per field, for the public page.
    #[serde(default)]
    pub waits: Option<Vec<FieldWait>>,
    /// The centre's profile (sent on the first batch after a start or a failure, and when it changes).
    #[serde(default)]
    pub profile: Option<Profile>,
}

/// The hub's answer to a batch it took.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ack {
    /// The last event id the hub now holds for the centre.
    pub acked: i64,
    /// Events of this batch written (0 for a batch sent again).
    pub written: u64,
    /// The first event at which the centre's chain broke, if it ever did.
    #[serde(default)]
    pub chain_break: Option<crate::chain::Break>,
}

/// The hub's refusal of a batch (nothing of it was written).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    /// Machine code: `bad_token` (401), `wrong_centre` (403), `gap` and `diverged` (409),
    /// `out_of_order` and `malformed_event` (422), `bad_request` (400), `batch_too_large` (413),
    /// `database_unavailable` (503).
    pub code: String,
    /// Vietnamese message.
    pub message: String,
    /// For `gap` and `diverged`: the last event id the hub holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hub_last_id: Option<i64>,
    /// For `malformed_event`, `out_of_order` and `diverged`: the event concerned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<i64>,
}
