//! The centre's uplink to the provincial hub: ships the event log in order, in batches, with the
//! centre's live state.

pub mod wire;
