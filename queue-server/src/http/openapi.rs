//! The OpenAPI document, served at `/api/v1/openapi.json`, generated from the handlers and the
//! `motcua_protocol` types so it cannot drift from the code.

use axum::http::header;
use axum::response::IntoResponse;
use motcua_protocol::api;
use motcua_protocol::events;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{
    apologies, appointments, board, catalogue, centre, console, counters, devices, dossiers, events as live, health,
    holds, notifications, procedures, ratings, reports, services, staff, supervisor, tickets, verify,
};

struct Bearer;

impl Modify for Bearer {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(components) = openapi.components.as_mut() {
            let scheme = HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .description(Some(
                    "A device's token from the configuration. Every operation that takes one also takes a signed-in \
                     officer's `session` cookie instead (the staff pages' scripts), with the page's CSRF token in \
                     X-CSRF-Token on a change",
                ))
                .build();
            components.add_security_scheme("bearer", SecurityScheme::Http(scheme));
            components.add_security_scheme(
                "session",
                SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                    super::auth::SESSION_COOKIE,
                    "A signed-in officer's or administrator's session (/login); a change made with it sends the page's CSRF token in X-CSRF-Token",
                ))),
            );
        }
    }
}

/// The API description.
#[derive(OpenApi)]
#[openapi(
    info(title = "motcua queue server", description = "Queue, kiosk and appointment server of a one-stop public service centre. Errors answer {code, message} with a Vietnamese message."),
    paths(
        centre::get_centre, services::list, services::close_intake, services::open_intake,
        tickets::issue, tickets::get_ticket, tickets::by_number, tickets::cancel, tickets::rejoin, tickets::live,
        appointments::services, appointments::list_slots, appointments::hold, holds::release, appointments::get_booking,
        verify::verify, appointments::confirm, appointments::cancel, appointments::reschedule, appointments::qr,
        appointments::check_in, appointments::today, appointments::summary, notifications::list,
        counters::list, counters::next, counters::call, counters::recall, counters::serve, counters::done,
        counters::no_show, counters::transfer, counters::pause, counters::open, counters::close,
        procedures::search, procedures::get_procedure, catalogue::preview, catalogue::apply, dossiers::get_dossier, dossiers::put_dossier, dossiers::batch, apologies::record, apologies::pdf, apologies::overdue, ratings::rate, ratings::export, devices::report, devices::list,
        live::stream, health::health, health::metrics, console::queue, staff::me, staff::take_counter,
        supervisor::overview, supervisor::uplink, reports::json, reports::csv, reports::xlsx, board::call, board::chime,
    ),
    components(schemas(
        api::ErrorBody, api::ServiceInfo, api::ServicesResponse, api::IssueTicketRequest, api::TicketStatus, api::Ticket,
        api::CallResponse, api::CallReason, api::CallTicketRequest, api::TransferRequest, api::PauseRequest, api::IntakeCloseRequest, api::CounterState,
        api::Counter, api::Procedure, api::ProceduresResponse, api::CataloguePreview, api::CatalogueChanges, api::UnmappedLinhVuc, crate::dossiers::DongBoHoSoMC, crate::dossiers::CapNhatTienDoHoSoMC,
        crate::dossiers::Postponement, crate::dossiers::Batch, crate::dossiers::store::Written, crate::dossiers::apology::NewApology, crate::dossiers::apology::Recorded, crate::dossiers::apology::Overdue, crate::reports::ratings::RatingExport, crate::reports::ratings::RatingFigures, api::DossierStatus, api::DossierStep, api::Apology, api::Dossier,
        api::RatingRequest, api::Rating, api::Health, api::DisplayHealth, api::HealthReport, api::DeviceHealth, api::CentreInfo, api::PriorityClassInfo,
        api::BookableServices, api::BookableService, api::BookableDay, api::SlotInfo, api::SlotsResponse, api::HoldRequest,
        api::ConfirmRequest, api::VerifyRequest, api::VerificationSent, api::CancelRequest, api::RescheduleRequest, api::CheckInRequest, api::Booking, api::BookingChoice, api::TodaysBookings,
        api::ServiceBookings, api::BookingSummary, api::Notification, events::QueueEvent, events::Snapshot,
    )),
    modifiers(&Bearer),
)]
#[derive(Debug)]
pub struct ApiDoc;

/// The document of `centre`: the handlers' attributes filled in by [`super::contract`].
pub fn contract(centre: &crate::domain::Centre) -> serde_json::Value {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or_default();
    super::contract::apply(&mut doc, centre);
    doc
}

/// `GET /api/v1/openapi.json`.
pub async fn document(axum::extract::State(state): axum::extract::State<super::AppState>) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], contract(&state.config.centre).to_string())
}
