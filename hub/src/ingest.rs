//! `POST /api/v1/ingest`: a centre's batch of events, taken whole or refused whole.
//!
//! - The bearer token names the centre; the batch must be that centre's (`wrong_centre`, 403).
//! - Every event is checked before anything is written (`malformed_event`, `out_of_order`, 422).
//! - The batch must start where the hub's copy ends (`after` = the hub's last id): one starting
//!   further on is a `gap` (409, with the hub's last id, so the centre sends again from there);
//!   one starting earlier is a batch sent again, whose known events are skipped (idempotent on
//!   centre and event id).
//! - The events are checked against the centre's chain ([`queue_server::chain::verify`]): a break is
//!   recorded once, naming the first bad event, and the events are kept (they are what the centre
//!   sent; the province decides what to make of them).
//! - Ingests of one centre are serialised by a row lock on the centre, so any number of hub
//!   processes may take batches for the same database.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use queue_server::chain::{self, Break, BreakKind, ChainEvent};
use queue_server::uplink::wire::{Ack, Batch, Refusal};
use serde_json::Value;

use crate::Hub;

/// A refusal as a response.
pub fn refuse(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    refusal(status, Refusal { code: code.into(), message: message.into(), hub_last_id: None, event_id: None })
}

fn refusal(status: StatusCode, r: Refusal) -> Response {
    (status, Json(r)).into_response()
}

fn event_refusal(code: &str, id: i64, message: String) -> Response {
    refusal(
        StatusCode::UNPROCESSABLE_ENTITY,
        Refusal { code: code.into(), message, hub_last_id: None, event_id: Some(id) },
    )
}

/// The bearer token of a request, if any.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get("authorization")?.to_str().ok()?.trim();
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim()).filter(|t| !t.is_empty())
}

fn is_hash(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Checks one event's form (not its chain).
#[allow(clippy::result_large_err)]
fn check_event(raw: &Value, index: usize) -> Result<ChainEvent, Response> {
    let id = raw.get("id").and_then(Value::as_i64).unwrap_or(0);
    let e: ChainEvent = serde_json::from_value(raw.clone()).map_err(|err| {
        event_refusal("malformed_event", id, format!("Sự kiện thứ {} (số {id}) sai dạng: {err}.", index + 1))
    })?;
    let bad = |what: &str| event_refusal("malformed_event", e.id, format!("Sự kiện số {} sai dạng: {what}.", e.id));
    if e.id <= 0 {
        return Err(bad("số sự kiện phải lớn hơn 0"));
    }
    if e.day.parse::<jiff::civil::Date>().is_err() {
        return Err(bad("ngày làm việc không phải YYYY-MM-DD"));
    }
    if e.kind.is_empty()
        || e.kind.len() > 64
        || !e.kind.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_.-".contains(&b))
    {
        return Err(bad("loại sự kiện không hợp lệ"));
    }
    if e.at_ms <= 0 {
        return Err(bad("thời điểm không hợp lệ"));
    }
    if serde_json::from_str::<Value>(&e.payload).is_err() {
        return Err(bad("nội dung không phải JSON"));
    }
    if !is_hash(&e.prev_hash) || !is_hash(&e.hash) {
        return Err(bad("mã băm phải là 64 chữ số hex thường"));
    }
    if e.counter_no.is_some_and(|c| !(0..=i64::from(i32::MAX)).contains(&c)) {
        return Err(bad("số quầy không hợp lệ"));
    }
    Ok(e)
}

/// The handler.
pub async fn ingest(State(hub): State<Hub>, headers: HeaderMap, body: axum::body::Body) -> Response {
    let Some(token) = bearer(&headers) else {
        return refuse(StatusCode::UNAUTHORIZED, "bad_token", "Thiếu mã truy cập của trung tâm.");
    };
    let centre = match hub.centre_of_token(token).await {
        Ok(Some(c)) => c,
        Ok(None) => return refuse(StatusCode::UNAUTHORIZED, "bad_token", "Mã truy cập của trung tâm không đúng."),
        Err(e) => return hub.unavailable(e),
    };
    // A catch-up batch waits for one of the few bulk permits before it is even read; live
    // batches go straight through.
    let length = headers.get("content-length").and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    let _permit =
        if length.is_none_or(|n| n > crate::BULK_BYTES) { hub.bulk.clone().acquire_owned().await.ok() } else { None };
    let body: Bytes = match tokio::time::timeout(
        std::time::Duration::from_secs(120),
        axum::body::to_bytes(body, crate::MAX_BATCH_BYTES),
    )
    .await
    {
        Ok(Ok(b)) => b,
        _ => {
            return refuse(
                StatusCode::PAYLOAD_TOO_LARGE,
                "batch_too_large",
                format!(
                    "Lô sự kiện quá lớn (tối đa {} MB) hoặc gửi quá chậm (quá 120 giây).",
                    crate::MAX_BATCH_BYTES / 1024 / 1024
                ),
            );
        }
    };
    let raw: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => return refuse(StatusCode::BAD_REQUEST, "bad_request", format!("Lô sự kiện không phải JSON: {e}.")),
    };
    let mut raw = raw;
    let raw_events = match raw.as_object_mut().and_then(|o| o.remove("events")) {
        Some(Value::Array(events)) => events,
        _ => return refuse(StatusCode::BAD_REQUEST, "bad_request", "Lô sự kiện thiếu danh sách events."),
    };
    let mut events = Vec::with_capacity(raw_events.len());
    for (i, e) in raw_events.iter().enumerate() {
        match check_event(e, i) {
            Ok(e) => events.push(e),
            Err(r) => return r,
        }
    }
    drop(raw_events);
    if let Some(obj) = raw.as_object_mut() {
        obj.insert("events".into(), Value::Array(Vec::new()));
    }
    let mut batch: Batch = match serde_json::from_value(raw) {
        Ok(b) => b,
        Err(e) => return refuse(StatusCode::BAD_REQUEST, "bad_request", format!("Lô sự kiện sai dạng: {e}.")),
    };
    batch.events = events;
    if batch.centre != centre {
        return refuse(
            StatusCode::FORBIDDEN,
            "wrong_centre",
            format!("Mã truy cập này của trung tâm {centre}, không gửi được sự kiện của {}.", batch.centre),
        );
    }
    if batch.after < 0 {
        return refuse(StatusCode::BAD_REQUEST, "bad_request", "after phải là số sự kiện không âm.");
    }
    let mut previous = batch.after;
    for e in &batch.events {
        if e.id <= previous {
            return event_refusal(
                "out_of_order",
                e.id,
                format!("Sự kiện số {} không đứng sau số {previous}: lô phải theo thứ tự tăng dần.", e.id),
            );
        }
        previous = e.id;
    }
    match write(&hub, &batch).await {
        Ok(Ok(ack)) => {
            hub.note_change();
            hub.metrics.record(|| {
                metrics::counter!("motcua_hub_events_received_total", "centre" => batch.centre.clone())
                    .increment(batch.events.len() as u64);
                metrics::histogram!("motcua_hub_batch_events").record(batch.events.len() as f64);
            });
            Json(ack).into_response()
        }
        Ok(Err(r)) => r,
        Err(e) => hub.unavailable(e),
    }
}

async fn write(hub: &Hub, batch: &Batch) -> anyhow::Result<Result<Ack, Response>> {
    let mut client = hub.pool.get().await?;
    let tx = client.transaction().await?;
    let row = tx
        .query_one(
            "SELECT last_id, last_hash, chain_break_id, chain_break_kind FROM centres WHERE code = $1 FOR UPDATE",
            &[&batch.centre],
        )
        .await?;
    let (last_id, last_hash): (i64, String) = (row.get(0), row.get(1));
    let mut chain_break: Option<Break> = row.get::<_, Option<i64>>(2).map(|id| Break {
        id,
        kind: if row.get::<_, Option<String>>(3).as_deref() == Some("edited") {
            BreakKind::Edited
        } else {
            BreakKind::NotFollowing
        },
    });
    if batch.after > last_id {
        return Ok(Err(refusal(
            StatusCode::CONFLICT,
            Refusal {
                code: "gap".into(),
                message: format!(
                    "Lô bắt đầu sau sự kiện số {} nhưng trung tâm mới gửi đến số {last_id}: gửi lại từ số {}.",
                    batch.after,
                    last_id + 1
                ),
                hub_last_id: Some(last_id),
                event_id: None,
            },
        )));
    }
    let (known, new): (Vec<&ChainEvent>, Vec<&ChainEvent>) = batch.events.iter().partition(|e| e.id <= last_id);
    let mut found_break: Option<Break> = None;
    if !known.is_empty() {
        // Sent again: what the hub holds must be what the centre sends now.
        let ids: Vec<i64> = known.iter().map(|e| e.id).collect();
        let rows =
            tx.query("SELECT id, hash FROM events WHERE centre = $1 AND id = ANY($2)", &[&batch.centre, &ids]).await?;
        let held: std::collections::HashMap<i64, String> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
        if let Some(e) = known.iter().find(|e| held.get(&e.id).is_some_and(|h| *h != e.hash)) {
            // Another history under the same ids: a centre restored from a backup or reinstalled
            // under its old code. Taking it would hide its new events behind the old ones. Nothing
            // of the batch is written; the refusal shows on /province until the log is archived.
            let id = e.id;
            drop(tx);
            client
                .execute(
                    "UPDATE centres SET refusal = 'diverged', refusal_at = now(), last_seen = now() WHERE code = $1",
                    &[&batch.centre],
                )
                .await?;
            client.execute("SELECT pg_notify('motcua_hub', $1)", &[&batch.centre]).await?;
            return Ok(Err(refusal(
                StatusCode::CONFLICT,
                Refusal {
                    code: "diverged".into(),
                    message: format!(
                        "Sự kiện số {} khác với sự kiện cùng số máy chủ tỉnh đã nhận: nhật ký của trung tâm đã bị \
                         thay (khôi phục bản sao lưu, cài lại?). Liên hệ quản trị của tỉnh; không có gì được ghi.",
                        id
                    ),
                    hub_last_id: Some(last_id),
                    event_id: Some(id),
                },
            )));
        }
        // The same hash, other content: edited after it was shipped.
        if let Some(e) = known.iter().find(|e| chain::event_hash(&e.prev_hash, e) != e.hash) {
            found_break = Some(Break { id: e.id, kind: BreakKind::Edited });
        }
    }
    let new: Vec<ChainEvent> = new.into_iter().cloned().collect();
    if found_break.is_none()
        && let Err(b) = chain::verify(&last_hash, &new)
    {
        found_break = Some(b);
    }
    let newly_broken = chain_break.is_none() && found_break.is_some();
    if newly_broken {
        chain_break = found_break;
    }
    if !new.is_empty() {
        let col = |f: &dyn Fn(&ChainEvent) -> Option<String>| new.iter().map(f).collect::<Vec<Option<String>>>();
        let ids: Vec<i64> = new.iter().map(|e| e.id).collect();
        let ats: Vec<i64> = new.iter().map(|e| e.at_ms).collect();
        let days: Vec<String> = new.iter().map(|e| e.day.clone()).collect();
        let kinds: Vec<String> = new.iter().map(|e| e.kind.clone()).collect();
        let counters: Vec<Option<i32>> = new.iter().map(|e| e.counter_no.and_then(|c| i32::try_from(c).ok())).collect();
        let payloads: Vec<String> = new.iter().map(|e| e.payload.clone()).collect();
        let prevs: Vec<String> = new.iter().map(|e| e.prev_hash.clone()).collect();
        let hashes: Vec<String> = new.iter().map(|e| e.hash.clone()).collect();
        tx.execute(
            "INSERT INTO events (centre, id, at_ms, day, kind, ticket_id, service, counter_no, dossier, actor,
                                 payload, prev_hash, hash)
             SELECT $1, i, a, d::date, k, t, s, c, o, ac, p, ph, h
             FROM unnest($2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int[],
                         $9::text[], $10::text[], $11::text[], $12::text[], $13::text[])
                  AS u (i, a, d, k, t, s, c, o, ac, p, ph, h)",
            &[
                &batch.centre,
                &ids,
                &ats,
                &days,
                &kinds,
                &col(&|e| e.ticket_id.clone()),
                &col(&|e| e.service.clone()),
                &counters,
                &col(&|e| e.dossier.clone()),
                &col(&|e| e.actor.clone()),
                &payloads,
                &prevs,
                &hashes,
            ],
        )
        .await?;
    }
    let (acked, acked_hash, acked_at) = match new.last() {
        Some(e) => (e.id, e.hash.clone(), Some(e.at_ms)),
        None => (last_id, last_hash, None),
    };
    let live = batch.live.as_ref().map(serde_json::to_value).transpose()?;
    let waits = batch.waits.as_ref().map(serde_json::to_value).transpose()?;
    let profile = batch.profile.as_ref().map(serde_json::to_value).transpose()?;
    let backlog = i64::try_from(batch.backlog).unwrap_or(i64::MAX);
    let (break_id, break_kind) = match (&chain_break, newly_broken) {
        (Some(b), true) => (
            Some(b.id),
            Some(match b.kind {
                BreakKind::Edited => "edited",
                BreakKind::NotFollowing => "not_following",
            }),
        ),
        _ => (None, None),
    };
    tx.execute(
        "UPDATE centres SET last_id = $2, last_hash = $3, last_at_ms = coalesce($4, last_at_ms), last_seen = now(),
             backlog = $5, refusal = NULL, refusal_at = NULL,
             live = coalesce($6, live), waits = coalesce($7, waits),
             live_at = CASE WHEN $6::jsonb IS NULL THEN live_at ELSE now() END,
             profile = coalesce($8, profile),
             chain_break_id = coalesce(chain_break_id, $9), chain_break_kind = coalesce(chain_break_kind, $10),
             chain_break_seen = CASE WHEN $9::bigint IS NULL THEN chain_break_seen ELSE now() END
         WHERE code = $1",
        &[&batch.centre, &acked, &acked_hash, &acked_at, &backlog, &live, &waits, &profile, &break_id, &break_kind],
    )
    .await?;
    tx.execute("SELECT pg_notify('motcua_hub', $1)", &[&batch.centre]).await?;
    tx.commit().await?;
    if newly_broken && let Some(b) = &chain_break {
        tracing::warn!(centre = %batch.centre, event = b.id, "chain broken: {}", b.message_vi());
    }
    Ok(Ok(Ack { acked, written: new.len() as u64, chain_break }))
}
