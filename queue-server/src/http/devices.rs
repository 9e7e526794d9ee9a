//! Device health: kiosks and display bridges report their printer and counter displays; the
//! supervisor's views read the last report of each (and see changes on the live stream).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use jiff::{SignedDuration, Timestamp};
use motcua_protocol::api::{DeviceHealth, ErrorBody, HealthReport};
use motcua_protocol::events::QueueEvent;

use super::AppState;
use super::auth::Caller;
use super::error::ApiError;
use crate::domain::ParseError;

/// A device counts as online while its last report is this recent.
pub const ONLINE_FOR: SignedDuration = SignedDuration::from_secs(60);

/// The last report of every device, by device name.
#[derive(Debug, Clone, Default)]
pub struct Devices(Arc<Mutex<BTreeMap<String, (Timestamp, HealthReport)>>>);

impl Devices {
    /// Every device's last report, for the overview.
    pub fn rows(&self) -> Vec<crate::supervise::DeviceRow> {
        let devices = self.0.lock().unwrap_or_else(|p| p.into_inner());
        devices
            .iter()
            .map(|(name, (at, report))| crate::supervise::DeviceRow {
                name: name.clone(),
                at: *at,
                report: report.clone(),
            })
            .collect()
    }

    /// Every device that has reported, as the supervisor sees it at `now`.
    pub fn list(&self, state: &AppState, now: Timestamp) -> Vec<DeviceHealth> {
        let devices = self.0.lock().unwrap_or_else(|p| p.into_inner());
        devices.iter().map(|(name, (at, report))| view(state, name, *at, report, now)).collect()
    }
}

fn view(state: &AppState, device: &str, at: Timestamp, report: &HealthReport, now: Timestamp) -> DeviceHealth {
    DeviceHealth {
        device: device.to_string(),
        last_contact: state.config.centre.schedule.format(at),
        online: now.duration_since(at) <= ONLINE_FOR,
        report: report.clone(),
    }
}

fn bad(message: &str) -> ApiError {
    ApiError::BadInput(ParseError { code: "invalid_health_report", message: message.to_string() })
}

/// Records a device's health report.
#[utoipa::path(post, path = "/api/v1/devices/health", tag = "devices", request_body = HealthReport, security(("bearer" = [])),
    responses((status = 200, body = DeviceHealth), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn report(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Json<HealthReport>, JsonRejection>,
) -> Result<Json<DeviceHealth>, ApiError> {
    let Json(report) = body?;
    if !matches!(report.kind.as_str(), "kiosk" | "display_bridge") {
        return Err(bad("Loại thiết bị phải là kiosk hoặc display_bridge"));
    }
    let printer_ok = ["ready", "paper_near_end", "paper_out", "cover_open", "offline"];
    if report.printer.as_deref().is_some_and(|p| !printer_ok.contains(&p)) {
        return Err(bad("Trạng thái máy in không hợp lệ"));
    }
    if report.displays.len() > 32 || report.displays.iter().any(|d| !(1..=32).contains(&d.address)) {
        return Err(bad("Tối đa 32 bảng số, địa chỉ từ 1 đến 32"));
    }
    if report.detail.as_ref().is_some_and(|d| d.chars().count() > 500) {
        return Err(bad("Ghi chú tối đa 500 ký tự"));
    }
    let now = state.clock.now();
    let health = view(&state, &caller.name, now, &report, now);
    state.devices.0.lock().unwrap_or_else(|p| p.into_inner()).insert(caller.name.clone(), (now, report));
    state.hub.publish_one(QueueEvent::DeviceHealth { health: health.clone() });
    Ok(Json(health))
}

/// The last report of every device.
#[utoipa::path(get, path = "/api/v1/devices", tag = "devices", responses((status = 200, body = [DeviceHealth])))]
pub async fn list(State(state): State<AppState>) -> Json<Vec<DeviceHealth>> {
    let now = state.clock.now();
    Json(state.devices.list(&state, now))
}
