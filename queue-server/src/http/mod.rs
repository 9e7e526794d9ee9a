//! The HTTP API (`/api/v1`), the live stream and the OpenAPI document.
//!
//! One file per resource; handlers parse input into domain types, ask the store, and turn the
//! answer into JSON. Counter and kiosk actions need a bearer token ([`auth`]); every error is an
//! [`error::ApiError`].

pub mod admin;
pub mod apologies;
pub mod appointments;
pub mod auth;
pub mod board;
pub mod catalogue;
pub mod centre;
pub mod console;
pub mod contract;
pub mod counters;
pub mod devices;
pub mod dossiers;
pub mod error;
pub mod events;
pub mod health;
pub mod holds;
pub mod limit;
pub mod nfc;
pub mod notifications;
pub mod openapi;
pub mod pages;
pub mod procedures;
pub mod ratings;
pub mod replay;
pub mod reports;
pub mod services;
pub mod staff;
pub mod streams;
pub mod supervisor;
pub mod tickets;
pub mod verify;

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::routing::{get, post};
use tokio::sync::watch;

use crate::config::Config;
use crate::domain::Clock;
use crate::live::Hub;
use crate::store::Store;

/// What every handler can reach.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The store.
    pub store: Store,
    /// Live events.
    pub hub: Arc<Hub>,
    /// The configuration.
    pub config: Arc<Config>,
    /// The clock.
    pub clock: Arc<dyn Clock>,
    /// Turns true when the server shuts down, ending live streams.
    pub shutdown: watch::Receiver<bool>,
    /// Last health report of each kiosk and display bridge.
    pub devices: devices::Devices,
    /// Request budgets of the public pages' clients.
    pub limiter: limit::Limiter,
    /// Places each client holds on `/book`.
    pub holds: Arc<holds::Holds>,
    /// One-time codes sent to phones for confirming holds.
    pub verifications: Arc<verify::Verifications>,
    /// Open live streams, capped per client and in all.
    pub streams: Arc<streams::Streams>,
    /// Sign-in attempts per client (`POST /login`), apart from the public pages' budget.
    pub sign_in_limiter: limit::Limiter,
    /// Staff accounts, sessions and device tokens.
    pub accounts: crate::accounts::Accounts,
    /// Device tokens found valid lately (`auth::KnownDevices`).
    pub known_devices: Arc<auth::KnownDevices>,
    /// The province's TTHC system dossiers are fetched from (`[province]`).
    pub connector: Option<Arc<crate::dossiers::connector::Connector>>,
    /// Wrong second factors on dossier lookups per client (`dossiers::WrongFactors`).
    pub wrong_factors: Arc<dossiers::WrongFactors>,
    /// Catalogue imports previewed and not yet applied (`catalogue::Previews`).
    pub previews: Arc<catalogue::Previews>,
    /// Session cookies found valid lately (`auth::KnownSessions`).
    pub known_sessions: Arc<auth::KnownSessions>,
    /// Spoken call-outs for the board.
    pub speech: Arc<crate::speech::Speech>,
    /// Answers of counter actions, for requests sent again with the same key.
    pub replies: replay::Replies,
    /// The uplink to the provincial hub, as the supervisor page shows it.
    pub uplink: Arc<crate::uplink::Status>,
    /// Random key of this server process for the kiosk's booking choice tokens
    /// ([`appointments::choice_token`]).
    pub choice_key: [u8; 32],
}

impl AppState {
    /// An account refusal as an API error, its message in the centre's time.
    pub fn account_error(&self, e: crate::accounts::AccountError) -> error::ApiError {
        let message = e.message(&self.config.centre.schedule);
        error::ApiError::Account(e, message)
    }
}

/// All routes.
/// `Strict-Transport-Security` on every answer when the centre is reached over https
/// (`public_url`): a browser that has seen it once never goes back to plain http (RFC 6797).
async fn strict_transport(
    State(state): State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let mut response = next.run(request).await;
    if state.config.public_url.starts_with("https://") {
        response.headers_mut().insert(
            axum::http::header::STRICT_TRANSPORT_SECURITY,
            axum::http::HeaderValue::from_static("max-age=31536000"),
        );
    }
    response
}

pub fn router(state: AppState) -> Router {
    let limit = state.config.max_body_bytes;
    let api = Router::new()
        .route("/centre", get(centre::get_centre))
        .route("/services", get(services::list))
        .route("/services/{code}/intake/close", post(services::close_intake))
        .route("/services/{code}/intake/open", post(services::open_intake))
        .route("/tickets", post(tickets::issue))
        .merge(
            // Public reads that name a citizen's ticket or dossier: a budget per anonymous client.
            Router::new()
                .route("/tickets/{id}", get(tickets::get_ticket))
                .route("/tickets/by-number/{number}", get(tickets::by_number))
                .route("/tickets/{id}/live", get(tickets::live))
                .route("/dossiers/{receipt_code}", get(dossiers::get_dossier))
                .route("/procedures", get(procedures::search))
                .route("/procedures/{code}", get(procedures::get_procedure))
                .route_layer(axum::middleware::from_fn_with_state(state.clone(), limit::limit_anonymous)),
        )
        .route("/tickets/{id}/cancel", post(tickets::cancel))
        .route("/tickets/{id}/rejoin", post(tickets::rejoin))
        .route("/appointments/check-in", post(appointments::check_in))
        .route("/appointments/today", get(appointments::today))
        .route("/appointments/summary", get(appointments::summary))
        .route("/notifications", get(notifications::list))
        .route("/counters", get(counters::list))
        .route("/counters/{no}/queue", get(console::queue))
        .route("/staff/me", get(staff::me))
        .route("/supervisor/overview", get(supervisor::overview))
        .route("/supervisor/uplink", get(supervisor::uplink))
        .route("/supervisor/overdue-dossiers", get(apologies::overdue))
        .route("/dossiers/{receipt_code}/apology", post(apologies::record))
        .route("/dossiers/{receipt_code}/apology.pdf", get(apologies::pdf))
        .route("/reports", get(reports::json))
        .route("/reports.csv", get(reports::csv))
        .route("/reports.xlsx", get(reports::xlsx))
        .route("/staff/counter", post(staff::take_counter))
        .route("/dossiers/{receipt_code}", axum::routing::put(dossiers::put_dossier))
        .route("/dossiers/batch", post(dossiers::batch).layer(DefaultBodyLimit::max(dossiers::MAX_BATCH_BYTES)))
        .route("/catalogue/previews", post(catalogue::preview).layer(DefaultBodyLimit::max(catalogue::MAX_FILE_BYTES)))
        .route("/catalogue/previews/{id}/apply", post(catalogue::apply))
        .merge(
            Router::new()
                .route("/counters/{no}/next", post(counters::next))
                .route("/counters/{no}/call", post(counters::call))
                .route("/counters/{no}/recall", post(counters::recall))
                .route("/counters/{no}/serve", post(counters::serve))
                .route("/counters/{no}/done", post(counters::done))
                .route("/counters/{no}/no-show", post(counters::no_show))
                .route("/counters/{no}/transfer", post(counters::transfer))
                .route("/counters/{no}/pause", post(counters::pause))
                .route("/counters/{no}/open", post(counters::open))
                .route("/counters/{no}/close", post(counters::close))
                .route_layer(axum::middleware::from_fn_with_state(state.clone(), replay::replay)),
        )
        .route("/ratings", post(ratings::rate))
        .route("/ratings/export", get(ratings::export))
        .route("/devices", get(devices::list))
        .route("/devices/health", post(devices::report))
        .route("/events", get(events::stream))
        .route("/openapi.json", get(openapi::document));
    // The citizen's pages and the public booking API: no token, a request budget per client.
    let public_api = Router::new()
        .route("/appointments/services", get(appointments::services))
        .route("/appointments/slots", get(appointments::list_slots))
        .route("/appointments/holds", post(appointments::hold))
        .route("/appointments/{code}", get(appointments::get_booking))
        .route("/appointments/{code}/verify", post(verify::verify))
        .route("/appointments/{code}/confirm", post(appointments::confirm))
        .route("/appointments/{code}/release", post(holds::release))
        .route("/appointments/{code}/cancel", post(appointments::cancel))
        .route("/appointments/{code}/reschedule", post(appointments::reschedule))
        .route("/appointments/{code}/qr.svg", get(appointments::qr))
        .route("/announcements/call.wav", get(board::call));
    let pages = Router::new()
        .route("/book", get(pages::book))
        .route("/t/{ticket}", get(pages::ticket))
        .route("/lookup", get(pages::lookup));
    let limited = Router::new()
        .nest("/api/v1", public_api)
        .merge(pages)
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), limit::limit));
    Router::new()
        .nest("/api/v1", api)
        .merge(limited)
        .route("/assets/style.css", get(pages::style))
        .route("/assets/{script}", get(pages::script))
        .route("/healthz", get(health::health))
        .route("/metrics", get(health::metrics))
        .route("/api/v1/announcements/chime.wav", get(board::chime))
        .route("/board", get(board::page))
        .route("/counter", get(console::page))
        .route("/supervisor", get(supervisor::page))
        .route("/reports", get(reports::page))
        .route("/admin", get(admin::page))
        .route("/admin/{action}", post(admin::change))
        .route("/login", get(staff::login_form).post(staff::login))
        .route("/logout", post(staff::logout))
        .fallback(error::not_found)
        .method_not_allowed_fallback(error::method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(state.clone(), limit::charge_unknown_sessions))
        .layer(axum::middleware::from_fn_with_state(state.clone(), nfc::normalise))
        .layer(axum::middleware::from_fn_with_state(state.clone(), limit::body_deadline))
        .layer(DefaultBodyLimit::max(limit))
        .layer(axum::middleware::from_fn_with_state(state.clone(), strict_transport))
        .layer(axum::middleware::from_fn_with_state(state.store.counters().metrics.clone(), crate::metrics::track))
        .with_state(state)
}
