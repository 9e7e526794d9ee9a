//! `GET /api/v1/centre`: the centre's name, priority classes and rating scale.

use axum::Json;
use axum::extract::State;
use motcua_protocol::api::{CentreInfo, PriorityClassInfo};

use super::AppState;

/// The centre as kiosks and pages need it.
#[utoipa::path(get, path = "/api/v1/centre", tag = "centre", responses((status = 200, body = CentreInfo)))]
pub async fn get_centre(State(state): State<AppState>) -> Json<CentreInfo> {
    let centre = &state.config.centre;
    Json(CentreInfo {
        name: centre.name.clone(),
        time_zone: centre.schedule.time_zone.iana_name().unwrap_or("UTC").to_string(),
        day_rollover: crate::domain::centre::hhmm(centre.schedule.day_rollover),
        public_url: state.config.public_url.clone(),
        priority_classes: centre
            .priority_classes
            .iter()
            .map(|p| PriorityClassInfo { code: p.code.clone(), name_vi: p.name_vi.clone(), name_en: p.name_en.clone() })
            .collect(),
        rating_levels: centre.rating_levels.clone(),
    })
}
