//! The kiosk's client of the queue server. Every failure is one of four kinds, each with a calm
//! Vietnamese message: the server refused (its own message), no answer came (timeout, refused
//! connection), an error answer that is not the API's decision (5xx, a proxy's page), or an answer
//! that cannot be read.

use std::time::Duration;

use motcua_protocol::api::{
    CentreInfo, Dossier, ErrorBody, HealthReport, IssueTicketRequest, ProceduresResponse, Rating, RatingRequest,
    ServicesResponse, Ticket, TodaysBookings,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Why a request did not give an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// The server refused, with its code and Vietnamese message.
    Refused {
        /// HTTP status.
        status: u16,
        /// Machine code.
        code: String,
        /// The server's message.
        message: String,
    },
    /// No answer: the server is unreachable or too slow.
    Unavailable(String),
    /// An error answer that is not the API's decision on the request: a 5xx status (the server
    /// failed, or a proxy in front of it could not reach it).
    Failed(u16),
    /// An answer that is not what the API promises.
    Garbage(String),
}

impl ApiError {
    /// A title and message fit for a citizen.
    pub fn friendly(&self) -> (String, String) {
        match self {
            ApiError::Refused { message, .. } => ("Chưa thực hiện được".into(), message.clone()),
            ApiError::Unavailable(_) | ApiError::Failed(_) => (
                "Hệ thống đang bận".into(),
                "Không liên lạc được với máy chủ. Xin ông/bà thử lại sau ít phút hoặc hỏi cán bộ tại quầy hướng dẫn."
                    .into(),
            ),
            ApiError::Garbage(_) => (
                "Hệ thống gặp lỗi".into(),
                "Máy chủ trả lời không đúng. Xin ông/bà thử lại hoặc hỏi cán bộ tại quầy hướng dẫn.".into(),
            ),
        }
    }

    /// Whether trying again later may work (the request did not reach a decision).
    pub fn is_transient(&self) -> bool {
        matches!(self, ApiError::Unavailable(_) | ApiError::Failed(_) | ApiError::Garbage(_))
    }

    /// Whether the server decided about this request itself (so sending it again would be refused
    /// again): a 4xx refusal of the API's own (bad, unknown, conflicting or already done), not one
    /// about who asks (401, 403), when (408, 429) or where (a route it does not have).
    pub fn is_about_the_request(&self) -> bool {
        match self {
            ApiError::Refused { status, code, .. } => {
                matches!(status, 400 | 404 | 409 | 410 | 413 | 422)
                    && code != "not_found"
                    && code != "method_not_allowed"
            }
            _ => false,
        }
    }

    /// The refusal code, if the server refused.
    pub fn code(&self) -> Option<&str> {
        match self {
            ApiError::Refused { code, .. } => Some(code),
            _ => None,
        }
    }
}

/// Body of an appointment check-in (the code or the phone).
pub use motcua_protocol::api::CheckInRequest;

/// The queue server's API with this kiosk's token.
#[derive(Debug, Clone)]
pub struct Api {
    http: reqwest::Client,
    base: String,
    token: String,
    timeout: Duration,
}

impl Api {
    /// A client of `base` (e.g. `http://127.0.0.1:8080`) giving up after `timeout`.
    pub fn new(base: &str, token: &str, timeout: Duration) -> Self {
        let http = reqwest::Client::builder().timeout(timeout).connect_timeout(timeout).build().unwrap_or_default();
        Self { http, base: base.trim_end_matches('/').to_string(), token: token.to_string(), timeout }
    }

    /// The server's address.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The answer as a value or an error. Errors never carry the request's URL: it may hold a
    /// citizen's phone number or receipt code, and errors reach the log.
    async fn answer<T: DeserializeOwned>(response: Result<reqwest::Response, reqwest::Error>) -> Result<T, ApiError> {
        let response = response.map_err(|e| ApiError::Unavailable(e.without_url().to_string()))?;
        let status = response.status().as_u16();
        let body = response.bytes().await.map_err(|e| ApiError::Unavailable(e.without_url().to_string()))?;
        match status {
            200..=299 => serde_json::from_slice(&body).map_err(|e| ApiError::Garbage(e.to_string())),
            400..=499 => match serde_json::from_slice::<ErrorBody>(&body) {
                Ok(e) => Err(ApiError::Refused { status, code: e.code, message: e.message }),
                Err(e) => Err(ApiError::Garbage(format!("{status}: {e}"))),
            },
            _ => Err(ApiError::Failed(status)),
        }
    }

    /// Sends `request` and reads its answer, all within the timeout (also when the client could
    /// not be built with one).
    async fn call<T: DeserializeOwned>(&self, request: reqwest::RequestBuilder) -> Result<T, ApiError> {
        let answer = async { Self::answer(request.send().await).await };
        tokio::time::timeout(self.timeout, answer)
            .await
            .unwrap_or_else(|_| Err(ApiError::Unavailable("máy chủ không trả lời kịp".into())))
    }

    async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ApiError> {
        self.call(self.http.get(format!("{}{path}", self.base)).bearer_auth(&self.token)).await
    }

    async fn post<B: Serialize, T: DeserializeOwned>(&self, path: &str, body: &B) -> Result<T, ApiError> {
        self.call(self.http.post(format!("{}{path}", self.base)).bearer_auth(&self.token).json(body)).await
    }

    /// The centre: name, priority classes, rating scale.
    pub async fn centre(&self) -> Result<CentreInfo, ApiError> {
        self.get("/api/v1/centre").await
    }

    /// Every service with its load.
    pub async fn services(&self) -> Result<ServicesResponse, ApiError> {
        self.get("/api/v1/services").await
    }

    /// Issues a ticket.
    pub async fn issue(&self, request: &IssueTicketRequest) -> Result<Ticket, ApiError> {
        self.post("/api/v1/tickets", request).await
    }

    /// Today's ticket with this number.
    pub async fn ticket_by_number(&self, number: u32) -> Result<Ticket, ApiError> {
        self.get(&format!("/api/v1/tickets/by-number/{number}")).await
    }

    /// A ticket by id.
    pub async fn ticket(&self, id: &str) -> Result<Ticket, ApiError> {
        self.get(&format!("/api/v1/tickets/{}", motcua_protocol::url::component(id))).await
    }

    /// A dossier by receipt code; with `factor` (the last 4 digits of the applicant's phone) the
    /// masked name and the notes too.
    pub async fn dossier(&self, code: &str, factor: Option<&str>) -> Result<Dossier, ApiError> {
        let query = factor.map(|f| format!("?phone_last4={}", motcua_protocol::url::component(f))).unwrap_or_default();
        self.get(&format!("/api/v1/dossiers/{}{query}", motcua_protocol::url::component(code))).await
    }

    /// Procedures matching `query` in `service`.
    pub async fn procedures(&self, query: &str, service: Option<&str>) -> Result<ProceduresResponse, ApiError> {
        let mut path = format!("/api/v1/procedures?limit=200&q={}", motcua_protocol::url::component(query));
        if let Some(s) = service {
            path.push_str(&format!("&service={}", motcua_protocol::url::component(s)));
        }
        self.get(&path).await
    }

    /// Today's bookings made with `phone` (to pick one when it has several).
    pub async fn todays_bookings(&self, phone: &str) -> Result<TodaysBookings, ApiError> {
        let path = format!("{}/api/v1/appointments/today?phone={}", self.base, motcua_protocol::url::component(phone));
        self.call(self.http.get(path).bearer_auth(&self.token)).await
    }

    /// Checks in a booked appointment.
    pub async fn check_in(&self, request: &CheckInRequest) -> Result<Ticket, ApiError> {
        self.post("/api/v1/appointments/check-in", request).await
    }

    /// Records a rating.
    pub async fn rate(&self, request: &RatingRequest) -> Result<Rating, ApiError> {
        self.post("/api/v1/ratings", request).await
    }

    /// Reports this kiosk's devices.
    pub async fn report_health(&self, report: &HealthReport) -> Result<serde_json::Value, ApiError> {
        self.post("/api/v1/devices/health", report).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_keep_the_server_message_and_failures_get_a_calm_one() {
        let refused = ApiError::Refused {
            status: 409,
            code: "capacity_exhausted".into(),
            message: "Lĩnh vực Đất đai đã hết số".into(),
        };
        assert_eq!(refused.friendly().1, "Lĩnh vực Đất đai đã hết số");
        assert!(!refused.is_transient());
        let down = ApiError::Unavailable("connection refused".into());
        assert!(down.friendly().1.contains("thử lại") && down.is_transient());
        assert!(!ApiError::Garbage("eof".into()).friendly().1.contains("eof"), "no technical detail for citizens");
        assert_eq!(motcua_protocol::url::component("đất dai"), "%C4%91%E1%BA%A5t%20dai");
    }
}
