//! The one error type of the HTTP API. Every error answers `{code, message}` with a Vietnamese
//! message; database trouble is logged and answered 503 without internals.

use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use motcua_protocol::api::ErrorBody;

use crate::domain::{DomainError, ParseError};
use crate::store::StoreError;

/// An error answer.
#[derive(Debug)]
pub enum ApiError {
    /// 400: the body is not valid JSON of the expected shape.
    BadJson(String),
    /// 400: the query string lacks a parameter or has one of the wrong shape (`invalid_query`).
    BadQuery(String),
    /// 413: the body is larger than allowed.
    BodyTooLarge,
    /// 408: the body did not arrive whole in time (`body_timeout`).
    BodyTimeout,
    /// 415: the body is not declared as JSON.
    NotJson,
    /// 400: a path or query value is malformed.
    BadInput(ParseError),
    /// 401: no bearer token.
    MissingToken,
    /// 401: the token is not known.
    InvalidToken,
    /// 403: the token may not do this.
    Forbidden(String),
    /// 503: the call-out could not be synthesised.
    SpeechUnavailable(String),
    /// 503: a letter (PDF) cannot be made here (no Vietnamese font).
    LetterUnavailable(String),
    /// 403: a change made with the session cookie whose CSRF token is missing or not the session's.
    Csrf,
    /// 4xx/503: an account action was refused.
    Account(crate::accounts::AccountError, String),
    /// 404: no such route or resource.
    NotFound {
        /// Machine code.
        code: &'static str,
        /// Vietnamese message.
        message: String,
    },
    /// 409: the request conflicts with the state (e.g. the catalogue changed since a preview).
    Conflict {
        /// Machine code.
        code: &'static str,
        /// Vietnamese message.
        message: String,
    },
    /// 422: a well-formed request whose content is refused (e.g. a catalogue file's rows).
    Unprocessable {
        /// Machine code.
        code: &'static str,
        /// Vietnamese message.
        message: String,
    },
    /// 404, 409 or 422: the queue rules refused; nothing changed.
    Refused(DomainError),
    /// 503: the database failed; nothing changed.
    Unavailable,
    /// 503: the server has more requests queued than it takes (`server_busy`); nothing changed.
    Busy,
    /// 405: no such method on this route.
    MethodNotAllowed,
    /// 429: the client asked more often than `per_minute` allows; `Retry-After` says when the
    /// next request is taken (one per `60 / per_minute` seconds, rounded up).
    TooManyRequests {
        /// The client's budget, requests per minute.
        per_minute: u32,
    },
    /// 429 (this client holds its share of live streams) or 503 (the server holds as many as it
    /// takes): the stream was not opened.
    StreamsFull(super::streams::Full),
    /// 503: the dossier is not in the store and the province's system did not answer.
    ProvinceUnavailable,
    /// 429: this client gave 20 wrong second factors on dossier lookups this hour.
    TooManyWrongFactors,
    /// 429: this client holds its share of places on hold already.
    TooManyHolds {
        /// Seconds until the client's first place comes free (`Retry-After`).
        wait_seconds: u64,
    },
    /// 409, 422 or 429: a one-time code to the phone was not sent or not taken.
    Verification(super::verify::Refusal),
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Refused(refused) => ApiError::Refused(refused),
            StoreError::Unavailable => ApiError::Unavailable,
            StoreError::Busy => ApiError::Busy,
        }
    }
}

impl From<ParseError> for ApiError {
    fn from(e: ParseError) -> Self {
        ApiError::BadInput(e)
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            JsonRejection::MissingJsonContentType(_) => ApiError::NotJson,
            JsonRejection::BytesRejection(_) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                ApiError::BodyTooLarge
            }
            JsonRejection::JsonDataError(e) => {
                ApiError::BadJson(format!("Dữ liệu gửi lên không đúng: {}", detail(&e.body_text())))
            }
            other => {
                ApiError::BadJson(format!("Nội dung gửi lên không phải JSON hợp lệ: {}", detail(&other.body_text())))
            }
        }
    }
}

/// The parser's words without axum's English preamble, in Vietnamese: e.g. "missing field
/// `service` at line 1 column 2" → "thiếu trường «service» (dòng 1, cột 2)".
fn detail(text: &str) -> String {
    crate::parse_text::vietnamese(text.split_once(": ").map_or(text, |(_, rest)| rest))
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        ApiError::BadQuery(format!("Tham số truy vấn thiếu hoặc không hợp lệ: {}", detail(&rejection.body_text())))
    }
}

impl ApiError {
    pub(crate) fn parts(&self) -> (StatusCode, &'static str, String) {
        match self {
            ApiError::BadJson(m) => (StatusCode::BAD_REQUEST, "invalid_json", m.clone()),
            ApiError::BadQuery(m) => (StatusCode::BAD_REQUEST, "invalid_query", m.clone()),
            ApiError::BodyTooLarge => {
                (StatusCode::PAYLOAD_TOO_LARGE, "body_too_large", "Nội dung gửi lên quá lớn".into())
            }
            ApiError::BodyTimeout => (
                StatusCode::REQUEST_TIMEOUT,
                "body_timeout",
                "Nội dung gửi lên không đến đủ trong thời gian cho phép; vui lòng gửi lại".into(),
            ),
            ApiError::NotJson => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "not_json",
                "Nội dung phải là JSON (Content-Type: application/json)".into(),
            ),
            ApiError::BadInput(e) => (StatusCode::BAD_REQUEST, e.code, e.message.clone()),
            ApiError::MissingToken => (
                StatusCode::UNAUTHORIZED,
                "missing_token",
                "Cần đăng nhập hoặc mã truy cập của thiết bị (Authorization: Bearer …)".into(),
            ),
            ApiError::InvalidToken => {
                (StatusCode::UNAUTHORIZED, "invalid_token", "Mã truy cập không đúng hoặc đã bị thu hồi".into())
            }
            ApiError::Forbidden(m) => (StatusCode::FORBIDDEN, "forbidden", m.clone()),
            ApiError::SpeechUnavailable(m) => (StatusCode::SERVICE_UNAVAILABLE, "speech_unavailable", m.clone()),
            ApiError::LetterUnavailable(m) => (StatusCode::SERVICE_UNAVAILABLE, "letter_unavailable", m.clone()),
            ApiError::Csrf => (
                StatusCode::FORBIDDEN,
                "csrf_invalid",
                "Mã xác nhận phiên làm việc thiếu hoặc không đúng (trang có thể đã cũ); tải lại trang rồi thử lại"
                    .into(),
            ),
            ApiError::Account(e, m) => {
                use crate::accounts::AccountError::*;
                let status = match e {
                    BadCredentials => StatusCode::UNAUTHORIZED,
                    Locked(_) => StatusCode::LOCKED,
                    CounterTaken(_) | Exists(_) => StatusCode::CONFLICT,
                    Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
                    NoSuchUser(_) => StatusCode::NOT_FOUND,
                    Busy | Unavailable => StatusCode::SERVICE_UNAVAILABLE,
                };
                (status, e.code(), m.clone())
            }
            ApiError::NotFound { code, message } => (StatusCode::NOT_FOUND, code, message.clone()),
            ApiError::Conflict { code, message } => (StatusCode::CONFLICT, code, message.clone()),
            ApiError::Unprocessable { code, message } => (StatusCode::UNPROCESSABLE_ENTITY, code, message.clone()),
            ApiError::Refused(e) => (refusal_status(e), e.code(), e.message()),
            ApiError::Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                "store_unavailable",
                "Hệ thống lưu trữ đang gặp sự cố, chưa ghi nhận được. Vui lòng thử lại sau ít phút".into(),
            ),
            ApiError::Busy => (
                StatusCode::SERVICE_UNAVAILABLE,
                "server_busy",
                "Máy chủ đang quá tải, chưa ghi nhận được yêu cầu. Vui lòng thử lại sau giây lát".into(),
            ),
            ApiError::StreamsFull(super::streams::Full::Client) => (
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_streams",
                "Thiết bị này đang mở quá nhiều trang theo dõi trực tiếp; hãy đóng bớt rồi thử lại".into(),
            ),
            ApiError::StreamsFull(super::streams::Full::Server) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "streams_full",
                "Máy chủ đang phục vụ quá nhiều trang theo dõi trực tiếp; vui lòng thử lại sau ít phút".into(),
            ),
            ApiError::ProvinceUnavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                "province_unavailable",
                "Chưa tra được hồ sơ: hệ thống của tỉnh đang không trả lời. Vui lòng thử lại sau ít phút hoặc hỏi cán bộ tại quầy".into(),
            ),
            ApiError::TooManyWrongFactors => (
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_wrong_factors",
                format!(
                    "Đã nhập sai 4 số cuối điện thoại {} lần trong một giờ; vui lòng thử lại sau hoặc hỏi cán bộ tại quầy",
                    super::dossiers::WRONG_FACTORS
                ),
            ),
            ApiError::TooManyHolds { wait_seconds } => (
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_holds",
                format!(
                    "Thiết bị này đang giữ {} chỗ chưa xác nhận (ở trang khác); hãy xác nhận hoặc đóng trang đó, hoặc chờ khoảng {} phút rồi chọn tiếp",
                    super::holds::PER_CLIENT,
                    wait_seconds.div_ceil(60)
                ),
            ),
            ApiError::Verification(refusal) => {
                use super::verify::{Refusal, SENDS_PER_CLIENT, SENDS_PER_HOLD, SENDS_PER_PHONE, WRONG_GUESSES};
                match refusal {
                    Refusal::TooManySends => (
                        StatusCode::TOO_MANY_REQUESTS,
                        "verification_sends_spent",
                        format!(
                            "Đã gửi đủ {SENDS_PER_HOLD} mã xác nhận cho lần giữ chỗ này; hãy dùng mã đã nhận hoặc chọn lại giờ"
                        ),
                    ),
                    Refusal::PhoneBusy => (
                        StatusCode::TOO_MANY_REQUESTS,
                        "verification_phone_busy",
                        format!(
                            "Số điện thoại này hoặc thiết bị này đã nhận đủ mã xác nhận trong một giờ ({SENDS_PER_PHONE} mỗi số, {SENDS_PER_CLIENT} mỗi thiết bị); vui lòng thử lại sau"
                        ),
                    ),
                    Refusal::NotSent => (
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "verification_required",
                        "Cần mã xác nhận gửi tới số điện thoại này: bấm «Gửi mã xác nhận» rồi nhập mã nhận được".into(),
                    ),
                    Refusal::Wrong(left) => (
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "verification_wrong",
                        format!("Mã xác nhận không đúng; còn {left} lần thử"),
                    ),
                    Refusal::Void => (
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "verification_void",
                        format!("Đã nhập sai mã {WRONG_GUESSES} lần; bấm «Gửi lại mã» để nhận mã mới"),
                    ),
                    Refusal::Full => (
                        StatusCode::SERVICE_UNAVAILABLE,
                        "server_busy",
                        "Máy chủ đang quá tải, chưa gửi được mã xác nhận. Vui lòng thử lại sau giây lát".into(),
                    ),
                    Refusal::Expired => (
                        StatusCode::GONE,
                        "hold_expired",
                        "Đã hết thời gian giữ chỗ, khung giờ chưa được đặt. Mời chọn lại khung giờ".into(),
                    ),
                    Refusal::Off => (
                        StatusCode::CONFLICT,
                        "verification_not_used",
                        "Trung tâm không dùng mã xác nhận qua tin nhắn; bấm «Xác nhận đặt lịch» để đặt lịch".into(),
                    ),
                }
            }
            ApiError::TooManyRequests { .. } => {
                (StatusCode::TOO_MANY_REQUESTS, "rate_limited", super::limit::TOO_OFTEN.into())
            }
            ApiError::MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "Phương thức không được hỗ trợ cho địa chỉ này".into(),
            ),
        }
    }
}

/// Status of a refusal: unknown things are 404, invalid values 422, conflicts with the current
/// state 409.
fn refusal_status(e: &DomainError) -> StatusCode {
    use DomainError::*;
    match e {
        UnknownService(_) | UnknownCounter(_) | UnknownTicket(_) | UnknownBooking(_) | NoBookingToday(_) => {
            StatusCode::NOT_FOUND
        }
        UnknownPriority(_)
        | InvalidText { .. }
        | InvalidScore { .. }
        | RatingWithoutTarget
        | SlotNotOffered(_)
        | InvalidPhone
        | InvalidCitizenId
        | KeyReused { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        HoldExpired => StatusCode::GONE,
        ServiceClosed(_)
        | IntakeClosed { .. }
        | IntakeStopped { .. }
        | BookingsClosedToday { .. }
        | PhoneDayLimit(_)
        | CapacityExhausted { .. }
        | NumberRangeExhausted { .. }
        | CounterClosed(_)
        | CounterPaused(_)
        | CounterBusy { .. }
        | NoCurrentTicket(_)
        | InvalidTransition { .. }
        | NotServedHere { .. }
        | SameService
        | RejoinWindowOver(_)
        | NotServedYet(_)
        | AlreadyRated(_)
        | DossierAlreadyRated(_)
        | NotBookable(_)
        | SlotFull(_)
        | HoldsFull { .. }
        | BookingsFull { .. }
        | BookingCodeTaken
        | BookingNotActive(_)
        | CitizenDayLimit(_)
        | CitizenServiceLimit { .. }
        | CheckInOtherDay { .. }
        | CheckInTooEarly { .. }
        | CheckInTooLate { .. }
        | CheckInTicketOver { .. }
        | SeveralBookings { .. }
        | ChoiceStale
        | RatingTooLate { .. } => StatusCode::CONFLICT,
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, message) = self.parts();
        if status.is_server_error() {
            tracing::warn!(code, "answered {status}");
        }
        let mut response = (status, Json(ErrorBody { code: code.to_string(), message })).into_response();
        let retry = match self {
            ApiError::TooManyRequests { per_minute } => Some(super::limit::retry_after(per_minute)),
            ApiError::TooManyHolds { wait_seconds } => Some(axum::http::HeaderValue::from(wait_seconds)),
            ApiError::StreamsFull(_) => Some(axum::http::HeaderValue::from(super::streams::RETRY_AFTER_SECONDS)),
            _ => None,
        };
        if let Some(retry) = retry {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, retry);
        }
        response
    }
}

/// Answer for routes that do not exist: JSON under `/api/`, a page elsewhere (a phone that
/// mistyped an address, a QR code cut short).
pub async fn not_found(
    axum::extract::State(state): axum::extract::State<super::AppState>,
    uri: axum::http::Uri,
) -> Response {
    if uri.path().starts_with("/api/") {
        return ApiError::NotFound { code: "not_found", message: "Không có địa chỉ này".into() }.into_response();
    }
    let text = "Không có trang này. Trang đặt lịch hẹn và tra cứu hồ sơ ở các liên kết dưới đây.";
    (StatusCode::NOT_FOUND, super::pages::message_page(&state, "Không tìm thấy trang", text)).into_response()
}

/// Answer for methods a route does not have.
pub async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}
