//! Bearer tokens from the configuration: who is calling and what they may do.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use super::AppState;
use super::error::ApiError;
use crate::config::Role;
use crate::domain::CounterNo;

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct Caller {
    /// Role of its token.
    pub role: Role,
    /// Name of the token's holder.
    pub name: String,
    /// Counters a counter token may act for; empty means all.
    pub counters: Vec<CounterNo>,
}

impl Caller {
    /// Whether the caller may issue tickets, rate, cancel and rejoin (a kiosk's actions).
    pub fn require_kiosk(&self) -> Result<(), ApiError> {
        match self.role {
            Role::Kiosk | Role::Counter | Role::Supervisor => Ok(()),
            Role::Display => Err(ApiError::Forbidden("Thiết bị hiển thị không được thực hiện thao tác này".into())),
        }
    }

    /// Whether the caller may act for counter `no`.
    pub fn require_counter(&self, no: CounterNo) -> Result<(), ApiError> {
        match self.role {
            Role::Supervisor => Ok(()),
            Role::Counter if self.counters.is_empty() || self.counters.contains(&no) => Ok(()),
            Role::Counter => Err(ApiError::Forbidden(format!("Mã truy cập này không được thao tác tại quầy {no}"))),
            Role::Kiosk | Role::Display => {
                Err(ApiError::Forbidden("Chỉ cán bộ tại quầy hoặc lãnh đạo được thực hiện thao tác này".into()))
            }
        }
    }
}

/// Equal in time independent of where the strings differ.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let header = parts.headers.get(AUTHORIZATION).ok_or(ApiError::MissingToken)?;
        let token = header
            .to_str()
            .ok()
            .and_then(|h| h.strip_prefix("Bearer ").or_else(|| h.strip_prefix("bearer ")))
            .map(str::trim)
            .ok_or(ApiError::InvalidToken)?;
        let mut found = None;
        for t in &state.config.tokens {
            if same(t.token.as_bytes(), token.as_bytes()) {
                found = Some(t);
            }
        }
        let t = found.ok_or(ApiError::InvalidToken)?;
        Ok(Caller { role: t.role, name: t.name.clone(), counters: t.counters.clone() })
    }
}
