//! Appointments: bookable fields and slots, holds, confirmation, cancel, reschedule (public, for
//! the citizen's phone; rate-limited per client), check-in (kiosk) and the day's bookings
//! (supervisor).

use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::IntoResponse;
use jiff::Timestamp;
use jiff::civil::Date;
use motcua_protocol::api::{
    BookableDay, BookableService, BookableServices, Booking, BookingChoice, BookingSummary, CancelRequest,
    CheckInRequest, ConfirmRequest, ErrorBody, HoldRequest, RescheduleRequest, ServiceBookings, SlotInfo,
    SlotsResponse, Ticket, TodaysBookings,
};
use serde::Deserialize;

use super::AppState;
use super::auth::Caller;
use super::error::ApiError;
use super::tickets::ticket_reply;
use crate::config::Role;
use crate::domain::appointments::CheckInBy;
use crate::domain::booking::{BookingCode, BookingStatus, CODE_LEN, mobile_number};
use crate::domain::slots::{bookable_days, day_slots, offered_slots};
use crate::domain::{Command, DomainError, ParseError, Queue, ServiceCode};
use crate::store::{Reply, StoreError};

fn day_label(day: Date) -> String {
    let weekday = motcua_protocol::text::WEEKDAYS_VI[day.weekday().to_monday_zero_offset() as usize];
    format!("{weekday} {:02}/{:02}", day.day(), day.month())
}

fn parse_day(raw: &str) -> Result<Date, ParseError> {
    raw.trim().parse::<Date>().map_err(|_| ParseError {
        code: "invalid_date",
        message: format!("Ngày «{}» không hợp lệ, cần dạng YYYY-MM-DD", raw.trim()),
    })
}

fn parse_slot(raw: &str) -> Result<Timestamp, ParseError> {
    raw.trim().parse::<Timestamp>().map_err(|_| ParseError {
        code: "invalid_slot",
        message: format!("Khung giờ «{}» không hợp lệ, cần thời điểm dạng 2026-11-23T08:00:00+07:00", raw.trim()),
    })
}

/// A booking code as typed, or `invalid_booking_code` saying what is wrong: its length, or the
/// first character the codes never use (they leave out look-alikes such as O/0 and I/1).
pub(super) fn parse_code(raw: &str) -> Result<BookingCode, ParseError> {
    BookingCode::parse(raw).ok_or_else(|| {
        let typed: String = raw.chars().filter(|c| !c.is_whitespace() && *c != '-').collect::<String>().to_uppercase();
        let (letters, digits): (String, String) =
            crate::domain::booking::CODE_ALPHABET.iter().map(|&b| char::from(b)).partition(char::is_ascii_uppercase);
        let used = format!("mã chỉ dùng các chữ {letters} và các số {digits}");
        let why =
            match typed.chars().find(|c| !crate::domain::booking::CODE_ALPHABET.contains(&(*c as u8)) || !c.is_ascii())
            {
                Some(c) => format!("ký tự «{c}» không có trong mã lịch hẹn ({used})"),
                None => format!("mã lịch hẹn gồm {CODE_LEN} ký tự, đã nhập {}", typed.chars().count()),
            };
        let shown: String = raw.trim().chars().filter(|c| !c.is_control()).take(40).collect();
        ParseError {
            code: "invalid_booking_code", message: format!("Mã lịch hẹn «{shown}» không hợp lệ: {why}")
        }
    })
}

fn booking_reply(reply: Reply, created: bool) -> Result<(StatusCode, Json<Booking>), ApiError> {
    match reply {
        Reply::Booking(b) => Ok((if created { StatusCode::CREATED } else { StatusCode::OK }, Json(b))),
        _ => Err(ApiError::Unavailable),
    }
}

/// The fields that take bookings and the days that can be booked now.
pub fn bookable(queue: &Queue, now: Timestamp) -> BookableServices {
    let centre = queue.centre();
    let policy = &centre.appointments;
    let services = centre
        .services
        .iter()
        .filter(|s| s.booking.is_some())
        .map(|spec| BookableService {
            code: spec.code.to_string(),
            name_vi: spec.name_vi.clone(),
            slot_minutes: policy.slot_minutes,
            days: bookable_days(&centre.schedule, policy, now)
                .into_iter()
                .map(|day| BookableDay {
                    closed_reason: queue
                        .intake_closed(&spec.code)
                        .filter(|_| day == queue.day())
                        .map(|reason| format!("Hôm nay tạm ngừng nhận lịch hẹn: {reason}")),
                    date: day.to_string(),
                    label: day_label(day),
                    places_left: slots(queue, &spec.code, day, now)
                        .iter()
                        .map(|s| s.left)
                        .sum::<u32>()
                        .min(queue.bookings_left(&spec.code, day)),
                })
                .collect(),
        })
        .collect();
    BookableServices { centre: centre.name.clone(), hold_minutes: policy.hold_minutes, verify_phone: false, services }
}

fn slots(queue: &Queue, service: &ServiceCode, day: Date, now: Timestamp) -> Vec<SlotInfo> {
    let centre = queue.centre();
    let capacity = centre.service(service).and_then(|s| s.booking).map_or(0, |b| b.slot_capacity);
    offered_slots(&centre.schedule, &centre.appointments, now, day)
        .into_iter()
        .map(|s| slot_info(queue, s.start, queue.slot_left(service, s.start, day), capacity, 0))
        .collect()
}

fn slot_info(queue: &Queue, start: Timestamp, left: u32, capacity: u32, booked: u32) -> SlotInfo {
    let schedule = &queue.centre().schedule;
    SlotInfo { start: schedule.format(start), time: schedule.local_hhmm(start), left, capacity, booked }
}

/// Fields that take bookings, with their bookable days and places left (computed once per change
/// of the queue and minute, whoever asks).
#[utoipa::path(get, path = "/api/v1/appointments/services", tag = "appointments",
    responses((status = 200, body = BookableServices)))]
pub async fn services(State(state): State<AppState>) -> Result<Json<BookableServices>, ApiError> {
    let minute = state.clock.now().as_second().div_euclid(60);
    let mut services = (*state.store.read_shared("bookable".into(), minute, bookable).await?).clone();
    services.verify_phone = state.config.verify_phone;
    Ok(Json(services))
}

/// Query of the slot list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SlotsQuery {
    /// Field code.
    pub service: String,
    /// `YYYY-MM-DD`.
    pub date: String,
}

/// Slots of a field on a day that can be booked now, with places left.
#[utoipa::path(get, path = "/api/v1/appointments/slots", tag = "appointments", params(SlotsQuery),
    responses((status = 200, body = SlotsResponse), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "the field takes no bookings", body = ErrorBody)))]
pub async fn list_slots(
    State(state): State<AppState>,
    query: Result<Query<SlotsQuery>, QueryRejection>,
) -> Result<Json<SlotsResponse>, ApiError> {
    let Query(query) = query?;
    let service = ServiceCode::parse(&query.service)?;
    let day = parse_day(&query.date)?;
    let now = state.clock.now();
    let minute = now.as_second().div_euclid(60);
    let key = format!("slots/{service}/{day}");
    let compute = move |queue: &Queue, now| {
        queue.bookable(&service).map(|_| ())?;
        Ok::<_, DomainError>(SlotsResponse {
            service: service.to_string(),
            date: day.to_string(),
            slots: slots(queue, &service, day, now),
        })
    };
    // Shared only for the days that can be booked: other dates are each asked alone (a client
    // cannot fill the table with dates nobody books).
    let centre = &state.config.centre;
    let answer = if bookable_days(&centre.schedule, &centre.appointments, now).contains(&day) {
        (*state.store.read_shared(key, minute, compute).await?).clone()
    } else {
        state.store.read(compute).await?
    };
    Ok(Json(answer.map_err(ApiError::Refused)?))
}

/// Holds a slot for the hold time while the citizen enters their details.
#[utoipa::path(post, path = "/api/v1/appointments/holds", tag = "appointments", request_body = HoldRequest,
    responses((status = 201, body = Booking), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "slot or day full, field not bookable", body = ErrorBody),
        (status = 422, description = "past, too soon, beyond the horizon, not a slot", body = ErrorBody),
        (status = 429, body = ErrorBody)))]
pub async fn hold(
    State(state): State<AppState>,
    axum::extract::ConnectInfo(from): axum::extract::ConnectInfo<std::net::SocketAddr>,
    body: Result<Json<HoldRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<Booking>), ApiError> {
    let Json(body) = body?;
    let service = ServiceCode::parse(&body.service)?;
    let slot_at = parse_slot(&body.slot)?;
    let now = state.clock.now();
    let minutes = jiff::SignedDuration::from_mins(i64::from(state.config.centre.appointments.hold_minutes));
    let until = now.saturating_add(minutes).unwrap_or(now);
    let client = from.ip();
    let reserved = state.holds.reserve(client, now, until).map_err(|free| ApiError::TooManyHolds {
        wait_seconds: u64::try_from(free.duration_since(now).as_secs()).unwrap_or(0).max(1),
    })?;
    let made = make_hold(&state, service, slot_at).await;
    match &made {
        Ok((_, Json(booking))) => match BookingCode::parse(&booking.code) {
            Some(code) => state.holds.made(client, reserved, code),
            None => state.holds.failed(client, reserved),
        },
        Err(_) => state.holds.failed(client, reserved),
    }
    made
}

/// Makes a hold with a fresh code (another when the random one is taken).
async fn make_hold(
    state: &AppState,
    service: ServiceCode,
    slot_at: Timestamp,
) -> Result<(StatusCode, Json<Booking>), ApiError> {
    for _ in 0..8 {
        let mut bytes = [0u8; CODE_LEN];
        getrandom::fill(&mut bytes).map_err(|_| ApiError::Unavailable)?;
        let code = BookingCode::from_random(bytes);
        match state.store.execute(Command::Hold { code, service: service.clone(), slot_at }).await {
            Err(StoreError::Refused(DomainError::BookingCodeTaken)) => continue,
            other => return booking_reply(other?, true),
        }
    }
    Err(ApiError::Unavailable)
}

/// A booking by code (name and phone masked).
#[utoipa::path(get, path = "/api/v1/appointments/{code}", tag = "appointments", params(("code" = String, Path)),
    responses((status = 200, body = Booking), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_booking(State(state): State<AppState>, Path(code): Path<String>) -> Result<Json<Booking>, ApiError> {
    let code = parse_code(&code)?;
    let wanted = code.clone();
    let found = state
        .store
        .read(move |queue, now| queue.book().get(&wanted).map(|b| crate::views::booking(queue, b, now)))
        .await?;
    found.map(Json).ok_or(ApiError::Refused(DomainError::UnknownBooking(code.to_string())))
}

/// Confirms a held slot with name, phone and optionally the citizen ID number; with the code sent
/// to the phone when the centre verifies phones. The same confirmation sent again answers the
/// booking it made.
#[utoipa::path(post, path = "/api/v1/appointments/{code}/confirm", tag = "appointments", params(("code" = String, Path)),
    request_body = ConfirmRequest,
    responses((status = 200, body = Booking), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, description = "limits", body = ErrorBody),
        (status = 410, description = "the hold expired", body = ErrorBody),
        (status = 422, description = "phone, ID, name, or the one-time code missing or wrong", body = ErrorBody)))]
pub async fn confirm(
    State(state): State<AppState>,
    Path(code): Path<String>,
    body: Result<Json<ConfirmRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<Booking>), ApiError> {
    let code = parse_code(&code)?;
    let Json(body) = body?;
    if state.config.verify_phone {
        let phone = mobile_number(&body.phone).ok_or(ApiError::Refused(DomainError::InvalidPhone))?;
        let given = body.verification_code.as_deref().unwrap_or_default();
        state.verifications.check(&code, &phone, given, state.clock.now()).map_err(ApiError::Verification)?;
    }
    let command =
        Command::Confirm { code: code.clone(), name: body.name, phone: body.phone, citizen_id: body.citizen_id };
    let confirmed = booking_reply(state.store.execute(command).await?, false)?;
    state.verifications.confirmed(&code);
    state.holds.released(&code);
    Ok(confirmed)
}

/// Cancels a booking; the phone must be the one it was made with.
#[utoipa::path(post, path = "/api/v1/appointments/{code}/cancel", tag = "appointments", params(("code" = String, Path)),
    request_body = CancelRequest,
    responses((status = 200, body = Booking), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn cancel(
    State(state): State<AppState>,
    Path(code): Path<String>,
    body: Result<Json<CancelRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<Booking>), ApiError> {
    let code = parse_code(&code)?;
    let Json(body) = body?;
    let cancelled = booking_reply(
        state.store.execute(Command::CancelBooking { code: code.clone(), phone: body.phone }).await?,
        false,
    )?;
    state.holds.released(&code);
    Ok(cancelled)
}

/// Moves a booking to another slot of its field.
#[utoipa::path(post, path = "/api/v1/appointments/{code}/reschedule", tag = "appointments", params(("code" = String, Path)),
    request_body = RescheduleRequest,
    responses((status = 200, body = Booking), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn reschedule(
    State(state): State<AppState>,
    Path(code): Path<String>,
    body: Result<Json<RescheduleRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<Booking>), ApiError> {
    let code = parse_code(&code)?;
    let Json(body) = body?;
    let slot_at = parse_slot(&body.slot)?;
    booking_reply(state.store.execute(Command::Reschedule { code, phone: body.phone, slot_at }).await?, false)
}

/// The booking's QR code (its code), as SVG.
#[utoipa::path(get, path = "/api/v1/appointments/{code}/qr.svg", tag = "appointments", params(("code" = String, Path)),
    responses((status = 200, content_type = "image/svg+xml", body = String), (status = 400, body = ErrorBody)))]
pub async fn qr(Path(code): Path<String>) -> Result<impl IntoResponse, ApiError> {
    let code = parse_code(code.trim_end_matches(".svg"))?;
    let svg = super::pages::qr_svg(code.as_str()).ok_or(ApiError::Unavailable)?;
    Ok(([(CONTENT_TYPE, "image/svg+xml"), (CACHE_CONTROL, "public, max-age=86400")], svg))
}

/// Checks a booking in at the kiosk by code or phone; a second check-in answers the same ticket.
#[utoipa::path(post, path = "/api/v1/appointments/check-in", tag = "appointments", request_body = CheckInRequest,
    security(("bearer" = [])),
    responses((status = 201, body = Ticket), (status = 200, description = "checked in before: the same ticket", body = Ticket),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "too early, too late, another day, not active", body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn check_in(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Json<CheckInRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<Ticket>), ApiError> {
    caller.require_kiosk()?;
    let Json(body) = body?;
    let by = match (body.code.as_deref().map(str::trim).filter(|c| !c.is_empty()), body.phone) {
        (Some(code), _) => CheckInBy::Code(parse_code(code)?),
        (None, Some(phone)) => match body.choice.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
            // One of the phone's bookings, chosen from the list: its code, found here on the server.
            Some(choice) => {
                let (key, choice) = (state.choice_key, choice.to_string());
                let code = state
                    .store
                    .read(move |queue, _| {
                        let (_, today) = queue.todays_bookings_of(&phone)?;
                        let chosen = today.into_iter().find(|b| choice_token(&key, &b.code.to_string()) == choice);
                        chosen.map(|b| b.code.clone()).ok_or(DomainError::ChoiceStale)
                    })
                    .await?;
                CheckInBy::Code(code.map_err(ApiError::Refused)?)
            }
            None => CheckInBy::Phone(phone),
        },
        (None, None) => {
            return Err(ApiError::BadInput(ParseError {
                code: "missing_booking",
                message: "Cần mã lịch hẹn hoặc số điện thoại đã dùng khi đặt lịch".into(),
            }));
        }
    };
    ticket_reply(state.store.execute_as(Command::CheckIn(by), Some(caller.actor.clone())).await?)
}

/// The token naming a booking on the kiosk's choice list: 16 hex digits of BLAKE2s over this server
/// process's random key and the code. Without the key it cannot be turned back into the code (a
/// code alone has only 25⁶ values, so an unkeyed hash could be searched), and it lapses at restart.
pub fn choice_token(key: &[u8; 32], code: &str) -> String {
    use blake2::Digest;
    let mut hash = blake2::Blake2s256::new();
    hash.update(key);
    hash.update(code.as_bytes());
    hash.finalize().iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// Query of today's bookings of a phone.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PhoneQuery {
    /// The mobile number the bookings were made with.
    pub phone: String,
}

/// Today's bookings made with a phone, still to check in or checked in, for the kiosk to offer
/// when the phone has several (`several_bookings` from check-in); the kiosk checks the chosen one in
/// with `{phone, choice}`. Kiosk devices only; names masked, booking codes never given out.
#[utoipa::path(get, path = "/api/v1/appointments/today", tag = "appointments", params(PhoneQuery),
    security(("bearer" = [])),
    responses((status = 200, body = TodaysBookings), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn today(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<PhoneQuery>, QueryRejection>,
) -> Result<Json<TodaysBookings>, ApiError> {
    caller.require_kiosk_device()?;
    let Query(query) = query?;
    let key = state.choice_key;
    let answer = state
        .store
        .read(move |queue, _| {
            let schedule = &queue.centre().schedule;
            queue.todays_bookings_of(&query.phone).map(|(phone, bookings)| TodaysBookings {
                phone,
                bookings: bookings
                    .into_iter()
                    .map(|b| BookingChoice {
                        choice: choice_token(&key, &b.code.to_string()),
                        service: b.service.to_string(),
                        service_name_vi: queue.centre().service_name(&b.service),
                        time: schedule.local_hhmm(b.slot_at),
                        name: b.citizen.as_ref().map(|c| crate::domain::text::mask_name(&c.name)).unwrap_or_default(),
                        status: b.status.as_str().to_string(),
                    })
                    .collect(),
            })
        })
        .await?;
    answer.map(Json).map_err(ApiError::Refused)
}

/// Query of the day view.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SummaryQuery {
    /// `YYYY-MM-DD`; today when absent.
    pub date: Option<String>,
}

/// Bookings per slot and the booked/walk-in split of a day, for supervisors.
#[utoipa::path(get, path = "/api/v1/appointments/summary", tag = "appointments", params(SummaryQuery),
    security(("bearer" = [])),
    responses((status = 200, body = BookingSummary), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub async fn summary(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<SummaryQuery>, QueryRejection>,
) -> Result<Json<BookingSummary>, ApiError> {
    if caller.role != Role::Supervisor {
        return Err(ApiError::Forbidden("Chỉ lãnh đạo trung tâm được xem tổng hợp lịch hẹn".into()));
    }
    let Query(query) = query?;
    let day = query.date.as_deref().filter(|d| !d.trim().is_empty()).map(parse_day).transpose()?;
    Ok(Json(state.store.read(move |queue, _| day_summary(queue, day.unwrap_or(queue.day()))).await?))
}

fn day_summary(queue: &Queue, day: Date) -> BookingSummary {
    let centre = queue.centre();
    let services = centre
        .services
        .iter()
        .filter_map(|spec| spec.booking.map(|b| (spec, b)))
        .map(|(spec, b)| {
            let of_day: Vec<_> = queue.book().all().filter(|x| x.day == day && x.service == spec.code).collect();
            let count = |status: BookingStatus| u32::try_from(of_day.iter().filter(|x| x.status == status).count());
            let slots = day_slots(&centre.schedule, day, centre.appointments.slot_minutes)
                .into_iter()
                .map(|s| {
                    let booked = queue.book().in_slot(&spec.code, s.start);
                    slot_info(queue, s.start, b.slot_capacity.saturating_sub(booked), b.slot_capacity, booked)
                })
                .collect();
            ServiceBookings {
                service: spec.code.to_string(),
                name_vi: spec.name_vi.clone(),
                capacity: spec.daily_capacity,
                bookable: b.per_day,
                booked: queue.book().on_day(day, &spec.code),
                checked_in: count(BookingStatus::CheckedIn).unwrap_or(0),
                no_show: count(BookingStatus::NoShow).unwrap_or(0),
                cancelled: count(BookingStatus::Cancelled).unwrap_or(0),
                walk_ins: if day == queue.day() { queue.walk_ins(&spec.code) } else { 0 },
                slots,
            }
        })
        .collect();
    BookingSummary { date: day.to_string(), services }
}
