//! The file's shape as serde reads it, with spans kept on the values that are checked later so
//! that errors can name their line.

use std::path::PathBuf;

use serde::Deserialize;
use toml::Spanned;

use super::Role;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Raw {
    pub(super) centre: RawCentre,
    #[serde(default)]
    pub(super) server: RawServer,
    pub(super) hours: RawHours,
    #[serde(default)]
    pub(super) calling: RawCalling,
    #[serde(default)]
    pub(super) ratings: RawRatings,
    #[serde(default)]
    pub(super) priority_classes: Vec<Spanned<RawClass>>,
    pub(super) services: Vec<Spanned<RawService>>,
    pub(super) counters: Vec<Spanned<RawCounter>>,
    #[serde(default)]
    pub(super) tokens: Vec<Spanned<RawToken>>,
    #[serde(default)]
    pub(super) appointments: Option<Spanned<super::appointments::RawAppointments>>,
    #[serde(default)]
    pub(super) staff: super::operations::RawStaff,
    #[serde(default)]
    pub(super) board: super::operations::RawBoard,
    #[serde(default)]
    pub(super) alerts: super::operations::RawAlerts,
    #[serde(default)]
    pub(super) province: super::province::RawProvince,
    #[serde(default)]
    pub(super) hub: super::hub::RawHub,
    #[serde(default)]
    pub(super) backup: super::backups::RawBackup,
    #[serde(default)]
    pub(super) zalo: Option<Spanned<super::zalo::RawZalo>>,
    #[serde(default)]
    pub(super) receipt_patterns: Vec<super::receipts::RawPattern>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCentre {
    pub(super) name: Spanned<String>,
    pub(super) time_zone: Spanned<String>,
    #[serde(default = "default_rollover")]
    pub(super) day_rollover: Spanned<String>,
    #[serde(default = "yes")]
    pub(super) enforce_hours: bool,
    #[serde(default = "default_public_url")]
    pub(super) public_url: Spanned<String>,
    /// The unit's official code (mã đơn vị), as in receipt codes and the province's reports.
    #[serde(default)]
    pub(super) unit_code: Option<Spanned<String>>,
}

fn default_rollover() -> Spanned<String> {
    Spanned::new(0..0, "03:00".into())
}
fn default_public_url() -> Spanned<String> {
    Spanned::new(0..0, "http://localhost:8080".into())
}
fn yes() -> bool {
    true
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawServer {
    pub(super) listen: Option<Spanned<String>>,
    pub(super) db: Option<PathBuf>,
    pub(super) max_body_bytes: Option<Spanned<u64>>,
    pub(super) streams_per_client: Option<Spanned<u32>>,
    pub(super) streams_total: Option<Spanned<u32>>,
    pub(super) header_read_timeout_seconds: Option<Spanned<u32>>,
    pub(super) max_connections: Option<Spanned<u32>>,
    pub(super) connections_per_client: Option<Spanned<u32>>,
    #[serde(default)]
    pub(super) trusted_proxies: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawHours {
    pub(super) mon: Option<Spanned<RawDay>>,
    pub(super) tue: Option<Spanned<RawDay>>,
    pub(super) wed: Option<Spanned<RawDay>>,
    pub(super) thu: Option<Spanned<RawDay>>,
    pub(super) fri: Option<Spanned<RawDay>>,
    pub(super) sat: Option<Spanned<RawDay>>,
    pub(super) sun: Option<Spanned<RawDay>>,
    #[serde(default)]
    pub(super) holidays: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDay {
    pub(super) open: Spanned<String>,
    pub(super) close: Spanned<String>,
    pub(super) lunch: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCalling {
    #[serde(default = "two")]
    pub(super) priority_ratio: Spanned<u32>,
    #[serde(default = "thirty")]
    pub(super) aging_minutes: Spanned<u32>,
    #[serde(default = "fifteen")]
    pub(super) rejoin_minutes: Spanned<u32>,
    #[serde(default = "eight")]
    pub(super) default_service_minutes: Spanned<u32>,
    #[serde(default = "ten")]
    pub(super) appointment_grace_minutes: Spanned<u32>,
    #[serde(default = "zero")]
    pub(super) stop_intake_before_close_minutes: Spanned<u32>,
}

impl Default for RawCalling {
    fn default() -> Self {
        Self {
            priority_ratio: two(),
            aging_minutes: thirty(),
            rejoin_minutes: fifteen(),
            default_service_minutes: eight(),
            appointment_grace_minutes: ten(),
            stop_intake_before_close_minutes: zero(),
        }
    }
}

fn zero() -> Spanned<u32> {
    Spanned::new(0..0, 0)
}
fn two() -> Spanned<u32> {
    Spanned::new(0..0, 2)
}
fn thirty() -> Spanned<u32> {
    Spanned::new(0..0, 30)
}
fn fifteen() -> Spanned<u32> {
    Spanned::new(0..0, 15)
}
fn eight() -> Spanned<u32> {
    Spanned::new(0..0, 8)
}
fn ten() -> Spanned<u32> {
    Spanned::new(0..0, 10)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRatings {
    pub(super) levels: Spanned<Vec<String>>,
    /// Each level's place on the one-stop 3-level scale, by name; needed unless `levels` has 3.
    #[serde(default)]
    pub(super) maps_to: Option<Spanned<Vec<String>>>,
}

impl Default for RawRatings {
    /// The one-stop 3-level scale (Không hài lòng / Hài lòng / Rất hài lòng).
    fn default() -> Self {
        let levels = crate::domain::centre::THREE_LEVELS;
        Self { levels: Spanned::new(0..0, levels.iter().map(|s| s.to_string()).collect()), maps_to: None }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawClass {
    pub(super) code: Spanned<String>,
    pub(super) name_vi: String,
    pub(super) name_en: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawService {
    pub(super) code: Spanned<String>,
    pub(super) name_vi: Spanned<String>,
    pub(super) name_en: String,
    pub(super) numbers: Spanned<[u32; 2]>,
    pub(super) daily_capacity: Spanned<u32>,
    /// Bookings per slot; absent: the field takes no bookings.
    pub(super) slot_capacity: Option<Spanned<u32>>,
    /// Bookings per day (part of `daily_capacity`); default half of it.
    pub(super) bookable_per_day: Option<Spanned<u32>>,
    /// National lĩnh vực (codes or names) whose procedures this field takes.
    pub(super) linh_vuc: Option<Spanned<Vec<String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCounter {
    pub(super) number: Spanned<u16>,
    pub(super) name: String,
    pub(super) services: Spanned<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawToken {
    pub(super) token: Spanned<String>,
    pub(super) role: Role,
    pub(super) name: String,
    #[serde(default = "no_counters")]
    pub(super) counters: Spanned<Vec<u16>>,
}

fn no_counters() -> Spanned<Vec<u16>> {
    Spanned::new(0..0, Vec::new())
}
