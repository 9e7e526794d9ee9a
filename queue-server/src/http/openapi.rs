//! The OpenAPI document, served at `/api/v1/openapi.json`, generated from the handlers and the
//! `motcua_protocol` types so it cannot drift from the code.

use axum::http::header;
use axum::response::IntoResponse;
use motcua_protocol::api;
use motcua_protocol::events;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{
    apologies, appointments, catalogue, centre, counters, devices, dossiers, events as live, health, holds, procedures,
    ratings, services, tickets, verify,
};

struct Bearer;

impl Modify for Bearer {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(components) = openapi.components.as_mut() {
            let scheme = HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .description(Some("Device or officer token from the configuration"))
                .build();
            components.add_security_scheme("bearer", SecurityScheme::Http(scheme));
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
        appointments::check_in, appointments::today, appointments::summary, appointments::notifications,
        counters::list, counters::next, counters::call, counters::recall, counters::serve, counters::done,
        counters::no_show, counters::transfer, counters::pause, counters::open, counters::close,
        procedures::search, procedures::get_procedure, catalogue::preview, catalogue::apply, dossiers::get_dossier, dossiers::put_dossier, dossiers::batch, apologies::record, apologies::pdf, apologies::overdue, ratings::rate, ratings::export, devices::report, devices::list,
        live::stream, health::health, health::metrics,
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

/// `GET /api/v1/openapi.json`.
pub async fn document() -> impl IntoResponse {
    let json = ApiDoc::openapi().to_json().unwrap_or_else(|_| "{}".into());
    ([(header::CONTENT_TYPE, "application/json")], json)
}
