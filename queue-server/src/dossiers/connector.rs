//! Fetching dossiers from the province's TTHC system when the kiosk or `/lookup` asks for one the
//! store does not hold, or holds from longer ago than `stale_after_seconds`; and refreshing the
//! unfinished ones looked up lately every `poll_seconds`.
//!
//! The contract (as LGSP-style one-stop systems expose it): `POST {url}/authenticate`
//! `{username, password}` → `{error_code: "00", session}`; then `POST {url}/service`
//! `{session, madonvi, service: "TraCuuHoSo", mahoso}` → `{error_code: "00", data}` where `data`
//! is a `DongBoHoSoMC` record with its steps in `TienDo` (`CapNhatTienDoHoSoMC`), or `null` when
//! the province has no such dossier. Any other `error_code` on a service call is taken for an
//! expired session: the connector signs in again once.
//!
//! A lookup never waits for the province longer than `timeout_ms`; after a failure (no answer,
//! an error status, a body that is not the contract) the province is left alone for a back-off
//! that doubles from 1 s to 60 s, and lookups answer from the store at once, saying when it was
//! last synchronised.

use std::sync::Arc;
use std::sync::Mutex;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};

use futures_util::future::BoxFuture;
use serde::Deserialize;

use super::{CapNhatTienDoHoSoMC, DongBoHoSoMC};
use crate::config::Province;
use crate::domain::ReceiptCode;

/// A dossier as a source gives it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Fetched {
    /// The record.
    #[serde(flatten)]
    pub record: DongBoHoSoMC,
    /// Its steps.
    #[serde(rename = "TienDo", default)]
    pub steps: Vec<CapNhatTienDoHoSoMC>,
}

/// Why a source gave no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceError {
    /// No answer (connection refused, timed out).
    Unreachable(String),
    /// An answer that is not the contract (an HTTP error status, not JSON, a refused sign-in).
    Garbage(String),
}

impl std::fmt::Display for SourceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Unreachable(e) => write!(f, "không kết nối được hệ thống của tỉnh: {e}"),
            Self::Garbage(e) => write!(f, "hệ thống của tỉnh trả lời không đúng giao thức: {e}"),
        }
    }
}

/// Where dossiers come from: the province's system over HTTP ([`Lgsp`]), or a file it exports
/// ([`FileSource`]).
pub trait DossierSource: Send + Sync {
    /// The dossier with this code, `None` when the source has none.
    fn fetch<'a>(&'a self, code: &'a ReceiptCode) -> BoxFuture<'a, Result<Option<Fetched>, SourceError>>;
}

#[derive(Debug, Deserialize)]
struct Answer {
    #[serde(default)]
    error_code: String,
    #[serde(default)]
    session: Option<String>,
    #[serde(default)]
    data: Option<Fetched>,
}

/// The province's system over HTTP (LGSP contract above).
#[derive(Debug)]
pub struct Lgsp {
    province: Province,
    http: reqwest::Client,
    session: tokio::sync::Mutex<Option<String>>,
}

impl Lgsp {
    /// A client for `province`; each request gives up after `timeout_ms`.
    pub fn new(province: Province) -> Self {
        let timeout = Duration::from_millis(province.timeout_ms);
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        Self { province, http, session: tokio::sync::Mutex::new(None) }
    }

    async fn post(&self, path: &str, body: serde_json::Value) -> Result<Answer, SourceError> {
        let url = format!("{}/{path}", self.province.url);
        let response = self.http.post(&url).json(&body).send().await.map_err(|e| {
            SourceError::Unreachable(if e.is_timeout() {
                "quá thời gian chờ".into()
            } else {
                "không kết nối được".into()
            })
        })?;
        let status = response.status();
        if !status.is_success() {
            return Err(SourceError::Garbage(format!("mã HTTP {}", status.as_u16())));
        }
        let bytes = response.bytes().await.map_err(|_| SourceError::Unreachable("câu trả lời bị ngắt".into()))?;
        serde_json::from_slice(&bytes).map_err(|e| SourceError::Garbage(crate::parse_text::vietnamese(&e.to_string())))
    }

    async fn sign_in(&self) -> Result<String, SourceError> {
        let p = &self.province;
        let answer =
            self.post("authenticate", serde_json::json!({ "username": p.username, "password": p.password })).await?;
        match answer.session {
            Some(session) if answer.error_code == "00" && !session.is_empty() => Ok(session),
            _ => Err(SourceError::Garbage(format!("đăng nhập bị từ chối (error_code {})", answer.error_code))),
        }
    }
}

impl DossierSource for Lgsp {
    fn fetch<'a>(&'a self, code: &'a ReceiptCode) -> BoxFuture<'a, Result<Option<Fetched>, SourceError>> {
        Box::pin(async move {
            for attempt in 0..2 {
                let current = self.session(attempt > 0).await?;
                let body = serde_json::json!({
                    "session": current, "madonvi": self.province.madonvi, "service": "TraCuuHoSo", "mahoso": code.as_str(),
                });
                let answer = self.post("service", body).await?;
                if answer.error_code == "00" {
                    return Ok(answer.data);
                }
                // Taken for an expired session the first time (signed in again); a refusal with a
                // fresh session is about this code, not the province: no such dossier for us.
                if attempt == 1 {
                    tracing::warn!(%code, error_code = %answer.error_code, "the province refused a lookup");
                }
            }
            Ok(None)
        })
    }
}

impl Lgsp {
    /// The session to use: the one held, or (none held, or `renew`) a new sign-in, made by one
    /// lookup at a time while the others wait for it; never held across a service call.
    async fn session(&self, renew: bool) -> Result<String, SourceError> {
        let mut held = self.session.lock().await;
        if let (Some(s), false) = (held.as_ref(), renew) {
            return Ok(s.clone());
        }
        let fresh = self.sign_in().await?;
        *held = Some(fresh.clone());
        Ok(fresh)
    }
}

/// Dossiers from a file the province's system exports (the batch shape: `DongBoHoSoMC` records,
/// `CapNhatTienDoHoSoMC` steps): read and indexed by receipt code once, and again only when the
/// file changes (its modification time or size), so a lookup costs a map access, not a parse of
/// the whole export.
#[derive(Debug)]
pub struct FileSource {
    path: std::path::PathBuf,
    read: Arc<Mutex<Option<ReadExport>>>,
}

/// When a file was last changed, its size, and (on Unix) its inode and change time: a file written
/// anew (renamed into place, or rewritten) differs in one of them even within a coarse mtime.
type FileStamp = (Option<std::time::SystemTime>, u64, u64, i64);
/// An export indexed by receipt code.
type Exported = std::collections::HashMap<ReceiptCode, Fetched>;
/// The export as last read, with the file's stamp then.
type ReadExport = (FileStamp, Arc<Exported>);

impl FileSource {
    /// The export at `path` (read at the first fetch).
    pub fn new(path: std::path::PathBuf) -> Self {
        Self { path, read: Arc::default() }
    }
}

/// The export at `path` as now on disk: the one read before (in `read`) when the file is unchanged.
fn current(path: &std::path::Path, read: &Mutex<Option<ReadExport>>) -> Result<Arc<Exported>, SourceError> {
    {
        let meta = std::fs::metadata(path).map_err(|e| SourceError::Unreachable(crate::config::io_vietnamese(&e)))?;
        #[cfg(unix)]
        let (inode, ctime) = {
            use std::os::unix::fs::MetadataExt;
            (meta.ino(), meta.ctime_nsec() + meta.ctime() * 1_000_000_000)
        };
        #[cfg(not(unix))]
        let (inode, ctime) = (0, 0);
        let stamp = (meta.modified().ok(), meta.len(), inode, ctime);
        let mut read = read.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((_, exported)) = read.as_ref().filter(|(seen, _)| *seen == stamp) {
            return Ok(exported.clone());
        }
        let bytes = std::fs::read(path).map_err(|e| SourceError::Unreachable(crate::config::io_vietnamese(&e)))?;
        let batch: super::Batch = serde_json::from_slice(&bytes)
            .map_err(|e| SourceError::Garbage(crate::parse_text::vietnamese(&e.to_string())))?;
        let mut exported: Exported = std::collections::HashMap::new();
        for record in batch.ho_so {
            if let Ok(code) = ReceiptCode::parse(&record.ma_ho_so) {
                exported.insert(code, Fetched { record, steps: vec![] });
            }
        }
        for step in batch.tien_do {
            if let Some(found) = ReceiptCode::parse(&step.ma_ho_so).ok().and_then(|c| exported.get_mut(&c)) {
                found.steps.push(step);
            }
        }
        let exported = Arc::new(exported);
        *read = Some((stamp, exported.clone()));
        Ok(exported)
    }
}

impl DossierSource for FileSource {
    fn fetch<'a>(&'a self, code: &'a ReceiptCode) -> BoxFuture<'a, Result<Option<Fetched>, SourceError>> {
        Box::pin(async move {
            let (path, read) = (self.path.clone(), self.read.clone());
            let exported = tokio::task::spawn_blocking(move || current(&path, &read))
                .await
                .map_err(|_| SourceError::Unreachable("không đọc được tệp".into()))??;
            Ok(exported.get(code).cloned())
        })
    }
}

/// Back-off after failures: none at first, 1 s after one, doubling to 60 s; a success clears it.
#[derive(Debug, Default)]
struct Backoff {
    until: Option<Timestamp>,
    next: Duration,
}

/// The connector: a source, its timing, the back-off and the dossiers looked up lately.
pub struct Connector {
    source: Box<dyn DossierSource>,
    /// Settings.
    pub province: Province,
    backoff: Mutex<Backoff>,
    watched: Mutex<lru::LruCache<ReceiptCode, Timestamp>>,
    /// The clock the rules read (back-off and the day a dossier stays watched).
    clock: Arc<dyn crate::domain::Clock>,
}

impl std::fmt::Debug for Connector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connector").field("province", &self.province.url).finish()
    }
}

/// What a refresh came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refresh {
    /// The source gave the dossier (written to the store if it changed).
    Fetched(Box<Fetched>),
    /// The source has no such dossier.
    Unknown,
    /// The source did not answer (or is in its back-off): the store answers.
    Failed(String),
}

impl Connector {
    /// A connector over `source` with `province`'s timing, on `clock`.
    pub fn new(source: Box<dyn DossierSource>, province: Province, clock: Arc<dyn crate::domain::Clock>) -> Self {
        let watched = lru::LruCache::new(std::num::NonZeroUsize::new(10_000).unwrap_or(std::num::NonZeroUsize::MIN));
        Self { source, province, backoff: Mutex::default(), watched: Mutex::new(watched), clock }
    }

    /// Asks the source for `code`, within `timeout_ms`, unless it is in its back-off.
    pub async fn refresh(&self, code: &ReceiptCode) -> Refresh {
        {
            let backoff = self.backoff.lock().unwrap_or_else(|p| p.into_inner());
            if backoff.until.is_some_and(|until| self.clock.now() < until) {
                return Refresh::Failed("đang chờ kết nối lại hệ thống của tỉnh".into());
            }
        }
        let within = Duration::from_millis(self.province.timeout_ms);
        let answer = match tokio::time::timeout(within, self.source.fetch(code)).await {
            Ok(answer) => answer,
            Err(_) => Err(SourceError::Unreachable("quá thời gian chờ".into())),
        };
        let mut backoff = self.backoff.lock().unwrap_or_else(|p| p.into_inner());
        match answer {
            Ok(found) => {
                *backoff = Backoff::default();
                drop(backoff);
                // Watched for the poll only while the province has it and it is not closed.
                let open = found.as_ref().is_some_and(|f| {
                    let status = match &f.record.trang_thai_ho_so {
                        Some(number) => number.whole().and_then(|n| u8::try_from(n).ok()),
                        None => None,
                    };
                    !status.and_then(motcua_protocol::api::DossierStatus::from_dvcqg).is_some_and(|s| s.is_closed())
                });
                let mut watched = self.watched.lock().unwrap_or_else(|p| p.into_inner());
                if open {
                    // First seen now; a refresh by the poll keeps the first time (a day at most).
                    if watched.get(code).is_none() {
                        watched.put(code.clone(), self.clock.now());
                    }
                } else {
                    watched.pop(code);
                }
                found.map_or(Refresh::Unknown, |f| Refresh::Fetched(Box::new(f)))
            }
            Err(e) => {
                backoff.next = (backoff.next * 2).clamp(Duration::from_secs(1), Duration::from_secs(60));
                let wait = SignedDuration::try_from(backoff.next).unwrap_or(SignedDuration::from_secs(60));
                backoff.until = self.clock.now().checked_add(wait).ok();
                tracing::warn!(error = %e, retry_in = ?backoff.next, "province's system did not answer");
                Refresh::Failed(e.to_string())
            }
        }
    }

    /// Dossiers looked up in the last day, to refresh.
    pub fn watched(&self) -> Vec<ReceiptCode> {
        let since = self.clock.now().checked_sub(SignedDuration::from_hours(24)).unwrap_or(Timestamp::MIN);
        let table = self.watched.lock().unwrap_or_else(|p| p.into_inner());
        table.iter().filter(|(_, at)| **at > since).map(|(c, _)| c.clone()).collect()
    }
}
