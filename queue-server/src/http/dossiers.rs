//! `GET /api/v1/dossiers/{receipt_code}`: a dossier's status and history, personal data masked;
//! `PUT /api/v1/dossiers/{receipt_code}` and `POST /api/v1/dossiers/batch`: dossiers pushed by the
//! province's integration (`integration` token) in the DVCQG shapes (`crate::dossiers`).

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use motcua_protocol::api::{Dossier, ErrorBody};

use super::AppState;
use super::auth::IntegrationCaller;
use super::error::ApiError;
use crate::domain::ReceiptCode;
use crate::dossiers::store::Written;
use crate::dossiers::{Batch, DongBoHoSoMC};

/// Query of a dossier lookup.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Lookup {
    /// The second factor: the last 4 digits of the applicant's phone, as on the receipt.
    pub phone_last4: Option<String>,
}

/// Wrong second factors one client may give an hour; past it, 429 and one event row.
pub const WRONG_FACTORS: u32 = 20;
/// Wrong second factors one dossier may be given an hour, from any clients: 10,000 values of 4
/// digits take 100 hours to try, and one guesser cannot lock its owner out.
pub const WRONG_FACTORS_PER_DOSSIER: u32 = 100;

/// Wrong second factors per client (an IPv4 address or IPv6 /64) and per receipt code in the
/// current hour; a fixed-size LRU (an entry pushed out starts again, still under the public rate
/// limit). Per code too ([`WRONG_FACTORS_PER_DOSSIER`]), so guesses spread over many addresses
/// stop at the dossier.
#[derive(Debug)]
pub struct WrongFactors(std::sync::Mutex<(lru::LruCache<String, (u32, std::time::Instant)>,)>);

impl Default for WrongFactors {
    fn default() -> Self {
        let size = std::num::NonZeroUsize::new(8192).unwrap_or(std::num::NonZeroUsize::MIN);
        Self(std::sync::Mutex::new((lru::LruCache::new(size),)))
    }
}

const HOUR: std::time::Duration = std::time::Duration::from_secs(3600);

impl WrongFactors {
    fn keys(client: std::net::IpAddr, code: &ReceiptCode) -> [String; 2] {
        [format!("c:{}", crate::accounts::client_key(client)), format!("d:{code}")]
    }

    /// Whether the client or the dossier has had its wrong factors this hour; one more try is
    /// counted at once (as wrong, given back by [`WrongFactors::right`]), so a burst cannot pass
    /// together.
    fn try_one(&self, client: std::net::IpAddr, code: &ReceiptCode) -> Result<(), ()> {
        let mut table = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let keys = Self::keys(client, code);
        let limits = [WRONG_FACTORS, WRONG_FACTORS_PER_DOSSIER];
        let spent = keys
            .iter()
            .zip(limits)
            .any(|(k, limit)| table.0.get(k).is_some_and(|(n, since)| since.elapsed() < HOUR && *n >= limit));
        if spent {
            return Err(());
        }
        for key in keys {
            let entry = table.0.get_or_insert_mut(key, || (0, std::time::Instant::now()));
            if entry.1.elapsed() >= HOUR {
                *entry = (0, std::time::Instant::now());
            }
            entry.0 += 1;
        }
        Ok(())
    }

    /// The try was right: it does not count.
    fn right(&self, client: std::net::IpAddr, code: &ReceiptCode) {
        let mut table = self.0.lock().unwrap_or_else(|p| p.into_inner());
        for key in Self::keys(client, code) {
            if let Some(entry) = table.0.get_mut(&key) {
                entry.0 = entry.0.saturating_sub(1);
            }
        }
    }

    /// Wrong factors of the client this hour.
    fn of_client(&self, client: std::net::IpAddr, code: &ReceiptCode) -> u32 {
        let mut table = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let [client, _] = Self::keys(client, code);
        table.0.get(&client).filter(|(_, since)| since.elapsed() < HOUR).map_or(0, |(n, _)| *n)
    }
}

/// A dossier looked up with an optional second factor: how it went, or the refusal (a client
/// past its wrong factors; the first time past, an event row).
pub async fn look_up(
    state: &AppState,
    client: std::net::IpAddr,
    code: ReceiptCode,
    factor: Option<String>,
) -> Result<Option<Dossier>, ApiError> {
    let factor = factor.map(|f| f.trim().to_string()).filter(|f| !f.is_empty());
    let trying = factor.is_some();
    if trying && state.wrong_factors.try_one(client, &code).is_err() {
        return Err(ApiError::TooManyWrongFactors);
    }
    let now = state.clock.now();
    from_province(state, &code).await?;
    let Some((dossier, checked)) = state.store.dossier(code.clone(), factor, now).await? else {
        if trying {
            state.wrong_factors.right(client, &code);
        }
        return Ok(None);
    };
    if checked == crate::store::Factor::Right {
        state.wrong_factors.right(client, &code);
    }
    if checked == crate::store::Factor::Wrong && state.wrong_factors.of_client(client, &code) == WRONG_FACTORS {
        // Logged once per client and hour: who tried, on which code last.
        let day = state.config.centre.schedule.service_day(now).to_string();
        let payload = serde_json::json!({ "kind": "dossier_factor_refused", "client": client.to_string(), "wrong": WRONG_FACTORS })
            .to_string();
        let (at, receipt) = (now.as_millisecond(), code.to_string());
        state
            .store
            .on_own_connection(move |conn| {
                conn.execute(
                    "INSERT INTO events (at_ms, day, kind, dossier, payload) VALUES (?1, ?2, 'dossier_factor_refused', ?3, ?4)",
                    rusqlite::params![at, day, receipt, payload],
                )
            })
            .await?;
        tracing::warn!(%client, "wrong second factors on dossier lookups: {WRONG_FACTORS} this hour");
    }
    Ok(Some(dossier))
}

/// With a `[province]` connector: fetches `code` from the province's system when the store does
/// not hold it, or holds an unfinished one synchronised longer ago than `stale_after_seconds`,
/// and writes what came. The province not answering is an error only when the store has nothing
/// to answer with (503 `province_unavailable`).
pub async fn from_province(state: &AppState, code: &ReceiptCode) -> Result<(), ApiError> {
    let Some(connector) = &state.connector else { return Ok(()) };
    let key = code.to_string();
    let held = state.store.query(move |conn| crate::dossiers::store::sync_state(conn, &key)).await?;
    let now_ms = state.clock.now().as_millisecond();
    let stale_ms = i64::try_from(connector.province.stale_after_seconds.saturating_mul(1000)).unwrap_or(i64::MAX);
    let due = match &held {
        None => true,
        Some((source, synced, finished)) => {
            matches!(source.as_str(), "push" | "pull" | "file")
                && !finished
                && synced.is_none_or(|at| now_ms.saturating_sub(at) > stale_ms)
        }
    };
    if !due {
        return Ok(());
    }
    match connector.refresh(code).await {
        crate::dossiers::connector::Refresh::Fetched(found) => {
            let schedule = &state.config.centre.schedule;
            let checked = found.record.check(schedule, "TraCuuHoSo").and_then(|row| {
                let steps = found
                    .steps
                    .iter()
                    .enumerate()
                    .map(|(i, s)| s.check(schedule, &format!("TienDo[{i}]")))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok((row, steps))
            });
            match checked {
                // The province answered another dossier than asked: not taken.
                Ok((row, _)) if row.receipt_code != code.as_str() => {
                    tracing::warn!(asked = %code, got = %row.receipt_code, "province answered another dossier");
                }
                Ok((row, steps)) => {
                    // Only the steps of the dossier asked for.
                    let steps: Vec<_> = steps.into_iter().filter(|s| s.receipt_code == row.receipt_code).collect();
                    let schedule = state.config.centre.schedule.clone();
                    state
                        .store
                        .on_own_connection(move |conn| {
                            crate::dossiers::store::upsert(conn, &schedule, &[row], &steps, "pull", now_ms)
                        })
                        .await?;
                }
                Err(e) => tracing::warn!(field = %e.field, error = %e.message, "province's dossier refused"),
            }
            Ok(())
        }
        crate::dossiers::connector::Refresh::Unknown => Ok(()),
        crate::dossiers::connector::Refresh::Failed(_) if held.is_none() => Err(ApiError::ProvinceUnavailable),
        crate::dossiers::connector::Refresh::Failed(_) => Ok(()),
    }
}

/// Every `poll_seconds`, refreshes the unfinished dossiers looked up in the last day (one at a
/// time, each within `timeout_ms`; a province in its back-off is not asked).
pub async fn poll_province(state: AppState) {
    let Some(connector) = state.connector.clone() else { return };
    let mut interval = tokio::time::interval(std::time::Duration::from_secs(connector.province.poll_seconds.max(1)));
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    interval.tick().await;
    loop {
        interval.tick().await;
        for code in connector.watched() {
            // Only dossiers the store holds: a code the province never had is not asked again.
            let key = code.to_string();
            let held = state.store.query(move |conn| crate::dossiers::store::sync_state(conn, &key)).await;
            if !matches!(held, Ok(Some(_))) {
                continue;
            }
            if let Err(e) = from_province(&state, &code).await {
                tracing::debug!(%code, ?e, "dossier not refreshed");
            }
        }
    }
}

/// A dossier by its receipt code: procedure, status and dates; with `phone_last4` right, the
/// masked name, phone and notes too.
#[utoipa::path(get, path = "/api/v1/dossiers/{receipt_code}", tag = "dossiers", params(("receipt_code" = String, Path), Lookup),
    responses((status = 200, body = Dossier), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 429, description = "too many requests, or 20 wrong second factors this hour", body = ErrorBody)))]
pub async fn get_dossier(
    State(state): State<AppState>,
    axum::extract::ConnectInfo(from): axum::extract::ConnectInfo<std::net::SocketAddr>,
    Path(code): Path<String>,
    lookup: Result<axum::extract::Query<Lookup>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Dossier>, ApiError> {
    let axum::extract::Query(lookup) = lookup?;
    let code = parse_code(&state, &code)?;
    // The second factor is 4 digits (a guess of another form is no guess: refused, not counted).
    let factor = lookup.phone_last4.map(|f| f.trim().to_string()).filter(|f| !f.is_empty());
    if factor.as_ref().is_some_and(|f| f.len() != 4 || !f.bytes().all(|b| b.is_ascii_digit())) {
        return Err(ApiError::BadInput(crate::domain::ParseError {
            code: "invalid_phone_last4",
            message: "Cần đúng 4 chữ số cuối của số điện thoại ghi trên giấy tiếp nhận".into(),
        }));
    }
    let found = look_up(&state, from.ip(), code.clone(), factor).await?;
    let about = crate::config::receipts::about(&state.config.receipt_patterns, &code);
    found.map(Json).ok_or(ApiError::NotFound {
        code: "dossier_not_found",
        message: format!("Không tìm thấy hồ sơ mã {code}{about}. Vui lòng kiểm tra lại mã trên giấy tiếp nhận"),
    })
}

/// A receipt code as typed or scanned, refused when its form (Thông tư 01/2018 or a configured
/// sector form) names a date that does not exist.
pub fn parse_code(state: &AppState, raw: &str) -> Result<ReceiptCode, ApiError> {
    let code = ReceiptCode::parse(raw)?;
    crate::config::receipts::describe(&state.config.receipt_patterns, &code)
        .map_err(|message| crate::domain::ParseError { code: "invalid_receipt_code", message })?;
    Ok(code)
}

/// Largest batch body (bytes): 5,000 records of about 1 KB.
pub const MAX_BATCH_BYTES: usize = 8 * 1024 * 1024;

fn invalid(e: crate::dossiers::Invalid) -> ApiError {
    ApiError::Unprocessable {
        code: "dossier_invalid",
        message: format!("{}: {}; chưa ghi hồ sơ nào", e.field, e.message),
    }
}

async fn write(
    state: &AppState,
    rows: Vec<crate::dossiers::DossierRow>,
    steps: Vec<crate::dossiers::StepRow>,
) -> Result<Written, ApiError> {
    let now = state.clock.now().as_millisecond();
    let schedule = state.config.centre.schedule.clone();
    Ok(state
        .store
        .on_own_connection(move |conn| crate::dossiers::store::upsert(conn, &schedule, &rows, &steps, "push", now))
        .await?)
}

/// Receives one dossier record (DongBoHoSoMC) from the province's integration. The same record
/// again writes nothing.
#[utoipa::path(put, path = "/api/v1/dossiers/{receipt_code}", tag = "dossiers", security(("bearer" = [])), params(("receipt_code" = String, Path)),
    request_body = DongBoHoSoMC,
    responses((status = 200, body = Written), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 422, description = "a field is missing, unknown, too long or not a date; names the field", body = ErrorBody)))]
pub async fn put_dossier(
    State(state): State<AppState>,
    _: IntegrationCaller,
    Path(code): Path<String>,
    body: Result<Json<DongBoHoSoMC>, JsonRejection>,
) -> Result<Json<Written>, ApiError> {
    let code = ReceiptCode::parse(&code)?;
    let Json(mut record) = body?;
    if record.ma_ho_so.trim().is_empty() {
        record.ma_ho_so = code.to_string();
    }
    if ReceiptCode::parse(&record.ma_ho_so).ok().as_ref() != Some(&code) {
        return Err(ApiError::Unprocessable {
            code: "dossier_invalid",
            message: format!("MaHoSo «{}» khác mã hồ sơ trên đường dẫn «{code}»", record.ma_ho_so.trim()),
        });
    }
    let row = record.check(&state.config.centre.schedule, "DongBoHoSoMC").map_err(invalid)?;
    Ok(Json(write(&state, vec![row], vec![]).await?))
}

/// Receives a batch of dossier records and processing steps (CapNhatTienDoHoSoMC) from the
/// province's integration, checked whole before anything is written; sent again, it writes nothing.
#[utoipa::path(post, path = "/api/v1/dossiers/batch", tag = "dossiers", security(("bearer" = [])), request_body = Batch,
    responses((status = 200, body = Written), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 422, description = "a record is refused, naming it and its field; nothing written", body = ErrorBody)))]
pub async fn batch(
    State(state): State<AppState>,
    _: IntegrationCaller,
    body: Result<Json<Batch>, JsonRejection>,
) -> Result<Json<Written>, ApiError> {
    let Json(batch) = body?;
    let (rows, steps) = batch.check(&state.config.centre.schedule).map_err(invalid)?;
    Ok(Json(write(&state, rows, steps).await?))
}
