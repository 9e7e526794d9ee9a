//! The catalogue import through the server, for admins: upload a file → preview of what it adds,
//! changes and removes → apply exactly that (`/admin/catalogue` drives these).
//!
//! `POST /api/v1/catalogue/previews?name=FILE` takes the file's bytes as the body (up to
//! [`MAX_FILE_BYTES`]) and keeps the parsed catalogue for [`KEPT_FOR`]; `POST
//! /api/v1/catalogue/previews/{id}/apply` writes it, unless the catalogue was imported again
//! since the preview (409 `catalogue_preview_stale`: preview again). The server's catalogue is
//! reloaded at once.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use motcua_protocol::api::{CatalogueChanges, CataloguePreview, ErrorBody, UnmappedLinhVuc};
use serde::Deserialize;

use super::AppState;
use super::auth::AdminCaller;
use super::error::ApiError;
use crate::catalogue::{self, Parsed, Preview};

/// Largest file taken (bytes): a province's whole catalogue as XLSX is a few MB.
pub const MAX_FILE_BYTES: usize = 32 * 1024 * 1024;
/// How long a preview can be applied.
pub const KEPT_FOR: Duration = Duration::from_secs(15 * 60);
/// Previews kept at once (the oldest goes first).
const KEPT: usize = 4;

struct Pending {
    id: String,
    source: String,
    parsed: Parsed,
    /// The catalogue's import when the preview was made.
    version: i64,
    made: Instant,
}

/// Previews waiting to be applied.
#[derive(Default)]
pub struct Previews(Mutex<Vec<Pending>>);

impl std::fmt::Debug for Previews {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Previews")
    }
}

/// Query of the upload.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Upload {
    /// The file's name (`.xlsx` or `.csv`), as recorded with the import.
    pub name: String,
}

fn refused(e: catalogue::ImportError) -> ApiError {
    ApiError::Unprocessable { code: e.code, message: e.message }
}

fn changes(parsed: &Parsed, preview: &Preview) -> CatalogueChanges {
    CatalogueChanges {
        added: preview.added.clone(),
        changed: preview.changed.clone(),
        removed: preview.removed.clone(),
        unchanged: u32::try_from(preview.unchanged).unwrap_or(u32::MAX),
        unmapped: parsed
            .unmapped
            .iter()
            .map(|((code, name), n)| UnmappedLinhVuc {
                code: code.clone(),
                name: name.clone(),
                procedures: u32::try_from(*n).unwrap_or(u32::MAX),
            })
            .collect(),
        summary: catalogue::summary(parsed, preview),
    }
}

/// Reads an uploaded catalogue and says what importing it would change (admin).
#[utoipa::path(post, path = "/api/v1/catalogue/previews", tag = "catalogue", security(("session" = [])), params(Upload),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "the .xlsx or .csv file"),
    responses((status = 201, body = CataloguePreview), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 413, body = ErrorBody),
        (status = 422, description = "unreadable, no header row, bad rows (named), nothing for this centre", body = ErrorBody)))]
pub async fn preview(
    State(state): State<AppState>,
    AdminCaller(_): AdminCaller,
    upload: Result<Query<Upload>, axum::extract::rejection::QueryRejection>,
    body: Bytes,
) -> Result<(StatusCode, Json<CataloguePreview>), ApiError> {
    let Query(upload) = upload?;
    let source: String = upload.name.trim().chars().filter(|c| !c.is_control()).take(200).collect();
    let map = state.config.linh_vuc.clone();
    let name = source.to_lowercase();
    let parsed = tokio::task::spawn_blocking(move || catalogue::parse(&catalogue::read_bytes(&name, &body)?, &map))
        .await
        .map_err(|_| ApiError::Unavailable)?
        .map_err(refused)?;
    let (current, version) =
        state.store.query(|conn| Ok((catalogue::stored(conn)?, catalogue::version(conn)?))).await?;
    let preview = catalogue::preview(&current, &parsed);
    let mut bytes = [0u8; 12];
    getrandom::fill(&mut bytes).map_err(|_| ApiError::Unavailable)?;
    let id: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let answer = CataloguePreview { id: id.clone(), source: source.clone(), changes: changes(&parsed, &preview) };
    let mut kept = state.previews.0.lock().unwrap_or_else(|p| p.into_inner());
    kept.retain(|p| p.made.elapsed() < KEPT_FOR);
    if kept.len() >= KEPT {
        kept.remove(0);
    }
    kept.push(Pending { id, source, parsed, version, made: Instant::now() });
    Ok((StatusCode::CREATED, Json(answer)))
}

/// Applies a preview: the catalogue becomes the file's, in one transaction (admin).
#[utoipa::path(post, path = "/api/v1/catalogue/previews/{id}/apply", tag = "catalogue", security(("session" = [])), params(("id" = String, Path)),
    responses((status = 200, body = CatalogueChanges), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "no such preview, or it is older than 15 minutes", body = ErrorBody),
        (status = 409, description = "the catalogue was imported again since the preview", body = ErrorBody)))]
pub async fn apply(
    State(state): State<AppState>,
    AdminCaller(caller): AdminCaller,
    Path(id): Path<String>,
) -> Result<Json<CatalogueChanges>, ApiError> {
    let pending = {
        let mut kept = state.previews.0.lock().unwrap_or_else(|p| p.into_inner());
        kept.retain(|p| p.made.elapsed() < KEPT_FOR);
        let found = kept.iter().find(|p| p.id == id).map(|p| (p.source.clone(), p.parsed.clone(), p.version));
        found.ok_or(ApiError::NotFound {
            code: "catalogue_preview_not_found",
            message: "Không còn bản xem trước này (quá 15 phút hoặc đã áp dụng); hãy tải tệp lên lại".into(),
        })?
    };
    let now = state.clock.now().as_millisecond();
    let actor = caller.actor.to_string();
    let (source, parsed, version) = pending;
    let applied = state
        .store
        .on_own_connection(move |conn| {
            let changes = catalogue::apply_over(conn, &parsed, &source, &actor, now, Some(version))?;
            Ok(changes.map(|c| (parsed, c)))
        })
        .await?;
    // Applied or overtaken, the preview is done with; after a failure it stays to try again.
    state.previews.0.lock().unwrap_or_else(|p| p.into_inner()).retain(|p| p.id != id);
    let Some((parsed, changes_made)) = applied else {
        return Err(ApiError::Conflict {
            code: "catalogue_preview_stale",
            message: "Danh mục vừa được nhập lại sau khi xem trước; hãy tải tệp lên lại để xem thay đổi mới".into(),
        });
    };
    let _ = state.store.reload_catalog().await;
    Ok(Json(changes(&parsed, &changes_made)))
}
