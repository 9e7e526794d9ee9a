//! Device health: what kiosks and display bridges report about their printer and counter displays.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// One counter display as a kiosk or display bridge sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct DisplayHealth {
    /// Bus address.
    pub address: u8,
    /// The counter it shows, if mapped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counter: Option<u16>,
    /// Whether it answered the last ping.
    pub alive: bool,
    /// The number it reported showing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<u32>,
}

/// Body of `POST /api/v1/devices/health`: what a kiosk or display bridge knows about its devices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct HealthReport {
    /// `kiosk` or `display_bridge`.
    pub kind: String,
    /// Printer status code (`ready`, `paper_near_end`, `paper_out`, `cover_open`, `offline`), for a
    /// kiosk with a printer.
    #[serde(default)]
    pub printer: Option<String>,
    /// Counter displays on the device's line.
    #[serde(default)]
    pub displays: Vec<DisplayHealth>,
    /// Free note, e.g. the last printer error.
    #[serde(default)]
    pub detail: Option<String>,
}

/// A device's last report, as the server keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct DeviceHealth {
    /// The device's name (from its token).
    pub device: String,
    /// When it last reported.
    pub last_contact: String,
    /// Whether it reported within the last minute.
    pub online: bool,
    /// The report.
    pub report: HealthReport,
}
