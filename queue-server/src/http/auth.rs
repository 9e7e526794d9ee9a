//! Who is calling and what they may do.
//!
//! Devices send a bearer token: one from the configuration (`[[tokens]]`) or one made with
//! `queue-server device add`. Staff browsers send the session cookie set at `/login`; a change
//! (any method but GET and HEAD) made with the cookie must also carry the session's CSRF token in
//! the `X-CSRF-Token` header, so another site cannot make a signed-in browser act.

use std::net::IpAddr;
use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::header::{AUTHORIZATION, COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method};

use super::AppState;
use super::error::ApiError;
use crate::accounts::{Session, StaffRole};
use crate::config::Role;
use crate::domain::CounterNo;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "motcua_session";
/// The header scripts send the CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// Counters a caller may act for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Counters {
    /// Any counter.
    All,
    /// Only these (an officer: the one they took; none before taking one).
    Only(Vec<CounterNo>),
}

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct Caller {
    /// What it may do.
    pub role: Role,
    /// Name of the token's holder or the staff member.
    pub name: String,
    /// Counters it may act for.
    pub counters: Counters,
    /// Written on the events of its actions: `staff:USERNAME` or `token:NAME`.
    pub actor: Arc<str>,
    /// The staff session, for a signed-in browser.
    pub session: Option<Session>,
}

impl Caller {
    /// The staff role, for a signed-in browser.
    pub fn staff_role(&self) -> Option<StaffRole> {
        self.session.as_ref().map(|s| s.role)
    }

    /// Whether the caller may issue tickets, rate, cancel and rejoin (a kiosk's actions).
    pub fn require_kiosk(&self) -> Result<(), ApiError> {
        match self.role {
            Role::Kiosk | Role::Counter | Role::Supervisor => Ok(()),
            Role::Display => Err(ApiError::Forbidden("Thiết bị hiển thị không được thực hiện thao tác này".into())),
            Role::Integration => {
                Err(ApiError::Forbidden("Hệ thống liên thông không được thực hiện thao tác này".into()))
            }
        }
    }

    /// Whether the caller is the province's integration (pushes dossiers).
    pub fn require_integration(&self) -> Result<(), ApiError> {
        match self.role {
            Role::Integration => Ok(()),
            _ => Err(ApiError::Forbidden("Chỉ hệ thống liên thông của tỉnh được gửi hồ sơ".into())),
        }
    }

    /// Whether the caller is a kiosk device (its token): for what only the kiosk in front of the
    /// citizen may see.
    pub fn require_kiosk_device(&self) -> Result<(), ApiError> {
        match (self.role, &self.session) {
            (Role::Kiosk, None) => Ok(()),
            _ => Err(ApiError::Forbidden("Chỉ kiosk tại trung tâm được thực hiện thao tác này".into())),
        }
    }

    /// Whether the caller may act for counter `no`.
    pub fn require_counter(&self, no: CounterNo) -> Result<(), ApiError> {
        match (self.role, &self.counters) {
            (Role::Supervisor, _) | (Role::Counter, Counters::All) => Ok(()),
            (Role::Counter, Counters::Only(list)) if list.contains(&no) => Ok(()),
            (Role::Counter, Counters::Only(_)) if self.session.is_some() => {
                Err(ApiError::Forbidden(format!("Anh/chị chưa nhận quầy {no}; hãy chọn quầy trước khi thao tác")))
            }
            (Role::Counter, Counters::Only(_)) => {
                Err(ApiError::Forbidden(format!("Mã truy cập này không được thao tác tại quầy {no}")))
            }
            (Role::Kiosk | Role::Display | Role::Integration, _) => {
                Err(ApiError::Forbidden("Chỉ cán bộ tại quầy hoặc lãnh đạo được thực hiện thao tác này".into()))
            }
        }
    }

    /// Whether the caller may watch load and read reports (supervisors and admins).
    pub fn require_supervisor(&self) -> Result<(), ApiError> {
        match self.role {
            Role::Supervisor => Ok(()),
            _ => Err(ApiError::Forbidden(
                "Chỉ lãnh đạo, giám sát viên được xem nội dung hoặc thực hiện thao tác này".into(),
            )),
        }
    }

    /// Whether the caller is a supervisor, or the province's integration (which sends apologies
    /// and fetches the rating export as a supervisor would).
    pub fn require_supervisor_or_integration(&self) -> Result<(), ApiError> {
        if self.role == Role::Integration { Ok(()) } else { self.require_supervisor() }
    }

    /// Whether the caller may manage accounts (a signed-in admin).
    pub fn require_admin(&self) -> Result<(), ApiError> {
        match self.staff_role() {
            Some(StaffRole::Admin) => Ok(()),
            _ => Err(ApiError::Forbidden("Chỉ quản trị viên được thực hiện thao tác này".into())),
        }
    }
}

/// Equal in time independent of where the strings differ.
pub fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The value of cookie `name`.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|h| h.to_str().ok())
        .flat_map(|h| h.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
}

/// The caller of a staff session.
pub fn staff_caller(session: Session) -> Caller {
    let (role, counters) = match session.role {
        StaffRole::Officer => (Role::Counter, Counters::Only(session.counter.into_iter().collect())),
        StaffRole::Supervisor | StaffRole::Admin => (Role::Supervisor, Counters::All),
    };
    Caller { role, name: session.display_name.clone(), counters, actor: session.actor().into(), session: Some(session) }
}

/// The staff session of a request's cookie, if it has a live one.
pub async fn session_of(state: &AppState, headers: &HeaderMap) -> Result<Option<Session>, ApiError> {
    let Some(token) = cookie(headers, SESSION_COOKIE).map(str::to_string) else { return Ok(None) };
    let now = state.clock.now();
    let hash = crate::accounts::token_hash(&token);
    let found = state.accounts.run(move |a| a.session(&token, now)).await.map_err(|_| ApiError::Unavailable)?;
    // Remembered only as a hash; a session that ended is forgotten at its first request after.
    match &found {
        Some(_) => state.known_sessions.put(hash),
        None => state.known_sessions.forget(&hash),
    }
    Ok(found)
}

/// Session cookies found valid lately, by hash, so a staff member's requests are not charged to
/// their client's public budget (`limit::charge_unknown_sessions`). Knowing a session here grants
/// nothing: every request still looks the session up, and logging out or expiring is seen at once.
#[derive(Debug)]
pub struct KnownSessions(std::sync::Mutex<lru::LruCache<String, ()>>);

impl Default for KnownSessions {
    fn default() -> Self {
        Self(std::sync::Mutex::new(lru::LruCache::new(
            std::num::NonZeroUsize::new(1024).unwrap_or(std::num::NonZeroUsize::MIN),
        )))
    }
}

impl KnownSessions {
    /// Whether the session cookie `token` was found valid at its last lookup.
    pub fn knows(&self, token: &str) -> bool {
        let hash = crate::accounts::token_hash(token);
        self.0.lock().unwrap_or_else(|p| p.into_inner()).get(&hash).is_some()
    }

    /// A session just made at sign-in: its first request is not charged either.
    pub fn signed_in(&self, token: &str) {
        self.put(crate::accounts::token_hash(token));
    }

    fn put(&self, hash: String) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).put(hash, ());
    }

    fn forget(&self, hash: &str) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).pop(hash);
    }
}

/// Device tokens (made with `device add`) found valid lately, by the token's hash, so a kiosk's
/// requests do not each ask the accounts database. One is trusted for [`KNOWN_FOR`]: a revoked
/// token stops working within that.
#[derive(Debug)]
pub struct KnownDevices(std::sync::Mutex<lru::LruCache<String, (crate::accounts::Device, std::time::Instant)>>);

/// How long a device token found valid is trusted without asking the database again.
pub const KNOWN_FOR: std::time::Duration = std::time::Duration::from_secs(30);

impl Default for KnownDevices {
    fn default() -> Self {
        Self(std::sync::Mutex::new(lru::LruCache::new(
            std::num::NonZeroUsize::new(256).unwrap_or(std::num::NonZeroUsize::MIN),
        )))
    }
}

impl KnownDevices {
    /// The device of a token hash found valid before, and whether that was within [`KNOWN_FOR`].
    fn get(&self, hash: &str) -> Option<(crate::accounts::Device, bool)> {
        let mut known = self.0.lock().unwrap_or_else(|p| p.into_inner());
        known.get(hash).map(|(device, at)| (device.clone(), at.elapsed() < KNOWN_FOR))
    }

    fn put(&self, hash: String, device: crate::accounts::Device) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).put(hash, (device, std::time::Instant::now()));
    }

    fn forget(&self, hash: &str) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).pop(hash);
    }
}

/// The caller of a bearer token: a configured token, a device token known lately, else one looked
/// up in the accounts database. A lookup takes from `client`'s public request budget, so made-up
/// tokens cost the database no more than the public pages do (429 when it is spent).
async fn bearer(
    state: &AppState,
    header: &axum::http::HeaderValue,
    client: Option<IpAddr>,
) -> Result<Caller, ApiError> {
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
    if let Some(t) = found {
        let counters = if t.counters.is_empty() { Counters::All } else { Counters::Only(t.counters.clone()) };
        return Ok(Caller {
            role: t.role,
            name: t.name.clone(),
            counters,
            actor: format!("token:{}", t.name).into(),
            session: None,
        });
    }
    let hash = crate::accounts::token_hash(token);
    let d = match state.known_devices.get(&hash) {
        Some((d, true)) => d,
        known => {
            // A token never found valid takes from the client's budget; one found valid before is
            // checked again for free (a kiosk behind a busy address is never held back).
            if known.is_none() {
                let client = client.unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
                if !state.limiter.take(client, state.config.public_rate_per_minute, std::time::Instant::now()) {
                    return Err(ApiError::TooManyRequests { per_minute: state.config.public_rate_per_minute });
                }
            }
            let token = token.to_string();
            let device = state.accounts.run(move |a| a.device(&token)).await.map_err(|_| ApiError::Unavailable)?;
            let Some(d) = device else {
                state.known_devices.forget(&hash);
                return Err(ApiError::InvalidToken);
            };
            state.known_devices.put(hash, d.clone());
            d
        }
    };
    let counters = if d.counters.is_empty() { Counters::All } else { Counters::Only(d.counters) };
    Ok(Caller { role: d.role, actor: format!("token:{}", d.name).into(), name: d.name, counters, session: None })
}

/// Whether the request carries a valid device token or a live staff session (what it may do is
/// not asked). Costs nothing when it carries neither.
pub async fn is_known(state: &AppState, headers: &HeaderMap, client: IpAddr) -> bool {
    if let Some(header) = headers.get(AUTHORIZATION) {
        return bearer(state, header, Some(client)).await.is_ok();
    }
    cookie(headers, SESSION_COOKIE).is_some() && session_of(state, headers).await.is_ok_and(|s| s.is_some())
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if let Some(header) = parts.headers.get(AUTHORIZATION) {
            let client = parts.extensions.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|c| c.0.ip());
            return bearer(state, header, client).await;
        }
        let session = session_of(state, &parts.headers).await?.ok_or(ApiError::MissingToken)?;
        if parts.method != Method::GET && parts.method != Method::HEAD {
            let sent = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
            if !same(sent.as_bytes(), session.csrf.as_bytes()) {
                return Err(ApiError::Csrf);
            }
        }
        Ok(staff_caller(session))
    }
}

/// A caller that is a signed-in admin, checked before the request's body is read (for routes
/// whose bodies are large: a catalogue file).
#[derive(Debug)]
pub struct AdminCaller(pub Caller);

impl FromRequestParts<AppState> for AdminCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let caller = Caller::from_request_parts(parts, state).await?;
        caller.require_admin()?;
        Ok(Self(caller))
    }
}

/// A caller that is the province's integration, checked before the request's body is read (a
/// batch of dossiers is megabytes).
#[derive(Debug)]
pub struct IntegrationCaller(pub Caller);

impl FromRequestParts<AppState> for IntegrationCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let caller = Caller::from_request_parts(parts, state).await?;
        caller.require_integration()?;
        Ok(Self(caller))
    }
}
