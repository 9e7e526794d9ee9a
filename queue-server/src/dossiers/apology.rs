//! Apologies for dossiers that are late (Mẫu số 04, Thông tư 01/2018/TT-VPCP: the reason, the
//! return date promised and the new one). An apology comes from the province's integration (a
//! `DanhSachHoSoBoSung` item of a pushed or fetched record, or `POST …/apology` with its token) or
//! from a supervisor's form; each is one row of `apologies`, and the same apology sent again (same
//! dossier, new date and reason) is the same row. Recording one queues its message to the
//! applicant in the same transaction ([`crate::notify`] delivers it), and writes one event.
//!
//! A dossier is **overdue** when it is not closed (DVCQG 3, 7, 8, 9, 10) and its return date has
//! passed: the latest new date of its apologies, else the date of the record. So a dossier whose
//! new date passed too is overdue again and needs a new apology.

use jiff::Timestamp;
use jiff::civil::{Date, DateTime};
use motcua_protocol::api::DossierStatus;
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::domain::centre::Schedule;

/// Shortest and longest reason, in characters.
pub const REASON_CHARS: (usize, usize) = (5, 1000);
/// Hour of the day a new return date given as a date alone stands for (end of office hours).
pub const DUE_HOUR: i8 = 17;
/// Furthest a new date may be, in days from now.
pub const MAX_DAYS_AHEAD: i64 = 366;

/// An apology asked for (`POST /api/v1/dossiers/{receipt_code}/apology`).
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct NewApology {
    /// Why the dossier is late, as the letter will say it (5–1,000 characters).
    pub reason: String,
    /// The new return date: `YYYY-MM-DD` (then 17:00), `YYYY-MM-DDTHH:MM`, or `DD/MM/YYYY`, in the
    /// centre's time zone.
    pub new_due: String,
}

/// An apology as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Recorded {
    /// Receipt code of the dossier.
    pub receipt_code: String,
    /// The reason.
    pub reason: String,
    /// The return date promised before, RFC 3339 in the centre's time zone.
    pub due_before: String,
    /// The new return date, RFC 3339 in the centre's time zone.
    pub new_due: String,
    /// Who recorded it: `staff:USERNAME`, `token:NAME` or `province`.
    pub actor: String,
    /// When, RFC 3339.
    pub at: String,
    /// False when the same apology was recorded before (nothing written this time).
    pub created: bool,
    /// Whether a message to the applicant was queued (they have a phone number on the record).
    pub notified: bool,
}

/// An overdue dossier with no apology for its current lateness, for the supervisor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Overdue {
    /// Receipt code.
    pub receipt_code: String,
    /// Procedure code (mã TTHC).
    pub procedure_code: String,
    /// Procedure name (the catalogue's, else the record's).
    pub procedure_name: String,
    /// Lĩnh vực name as the province gave it.
    pub linh_vuc_name: String,
    /// Applicant's name, masked.
    pub applicant: String,
    /// Status.
    pub status: DossierStatus,
    /// Its Vietnamese label.
    pub status_label: String,
    /// The return date passed, RFC 3339.
    pub due_at: String,
    /// Whole days since that date (0 on the day itself).
    pub days_late: i64,
    /// Whether an earlier apology's new date passed too.
    pub apologised_before: bool,
}

/// Why an apology was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No dossier with this code.
    NotFound,
    /// The dossier is closed (status named): nothing is late.
    Closed(DossierStatus),
    /// A field is wrong: the field and the message.
    Invalid(&'static str, String),
}

/// The dossier as an apology needs it.
#[derive(Debug, Clone)]
pub struct Held {
    /// Status.
    pub status: DossierStatus,
    /// The return date now in force (ms).
    pub due_ms: i64,
    /// The applicant's phone, as on the record.
    pub phone: String,
    /// The procedure's name.
    pub procedure_name: String,
}

/// An apology as stored (times in ms).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    /// The reason.
    pub reason: String,
    /// The return date promised before.
    pub due_before_ms: i64,
    /// The new return date.
    pub new_due_ms: i64,
    /// Who recorded it.
    pub actor: String,
    /// When.
    pub at_ms: i64,
}

/// The latest apology of `code` (the one with the latest new date).
pub fn latest(conn: &Connection, code: &str) -> rusqlite::Result<Option<Stored>> {
    conn.prepare_cached(
        "SELECT reason, due_before_ms, new_due_ms, actor, at_ms FROM apologies WHERE receipt_code = ?1
         ORDER BY new_due_ms DESC, id DESC LIMIT 1",
    )?
    .query_row([code], |r| {
        Ok(Stored {
            reason: r.get(0)?,
            due_before_ms: r.get(1)?,
            new_due_ms: r.get(2)?,
            actor: r.get(3)?,
            at_ms: r.get(4)?,
        })
    })
    .optional()
}

/// The dossier `code` with its return date in force (the record's, or its latest apology's).
pub fn held(conn: &Connection, code: &str) -> rusqlite::Result<Option<Held>> {
    let row = conn
        .query_row(
            "SELECT status, coalesce(new_due_at_ms, due_at_ms), applicant_phone, procedure_name
             FROM dossiers WHERE receipt_code = ?1",
            [code],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?)),
        )
        .optional()?;
    let Some((status, due, phone, procedure_name)) = row else { return Ok(None) };
    let apologised = latest(conn, code)?.map_or(i64::MIN, |a| a.new_due_ms);
    Ok(Some(Held {
        status: DossierStatus::from_code(&status).unwrap_or(DossierStatus::Received),
        due_ms: due.max(apologised),
        phone,
        procedure_name,
    }))
}

/// The new date asked for: `YYYY-MM-DD` (at [`DUE_HOUR`]), `YYYY-MM-DDTHH:MM`, `DD/MM/YYYY`.
pub fn parse_new_due(text: &str, schedule: &Schedule) -> Result<Timestamp, Refusal> {
    let text = text.trim();
    let bad = || {
        Refusal::Invalid(
            "new_due",
            format!("Ngày hẹn trả mới «{text}» không đúng dạng (ví dụ 2026-12-05 hoặc 05/12/2026)"),
        )
    };
    // A time with its offset (`…+07:00`, `…Z`) is that instant.
    if let Ok(at) = text.parse::<Timestamp>() {
        return Ok(at);
    }
    // A date alone stands for the end of office hours (jiff would read it as midnight).
    let at: DateTime = if let Some(d) = text.parse::<Date>().ok().filter(|_| !text.contains(['T', 't', ' '])) {
        d.at(DUE_HOUR, 0, 0, 0)
    } else if let Ok(dt) = text.parse::<DateTime>() {
        dt
    } else {
        let parts: Vec<&str> = text.split('/').collect();
        let [d, m, y] = parts.as_slice() else { return Err(bad()) };
        let (Ok(d), Ok(m), Ok(y)) = (d.parse::<i8>(), m.parse::<i8>(), y.parse::<i16>()) else { return Err(bad()) };
        Date::new(y, m, d).map_err(|_| bad())?.at(DUE_HOUR, 0, 0, 0)
    };
    at.to_zoned(schedule.time_zone.clone()).map(|z| z.timestamp()).map_err(|_| bad())
}

/// The reason, composed (NFC) and trimmed, within [`REASON_CHARS`].
pub fn check_reason(reason: &str) -> Result<String, Refusal> {
    use unicode_normalization::UnicodeNormalization;
    let reason: String = reason.trim().nfc().collect();
    let n = reason.chars().count();
    if n < REASON_CHARS.0 || n > REASON_CHARS.1 {
        return Err(Refusal::Invalid(
            "reason",
            format!("Lý do chậm trễ cần từ {} đến {} ký tự (đang có {n})", REASON_CHARS.0, REASON_CHARS.1),
        ));
    }
    if reason.chars().any(|c| c.is_control() && c != '\n') {
        return Err(Refusal::Invalid("reason", "Lý do có ký tự điều khiển không in được".into()));
    }
    Ok(reason)
}

/// The message to the applicant (SMS, Zalo): short, with the code and both dates.
pub fn message(code: &str, procedure: &str, before: &str, new: &str, reason: &str) -> String {
    let procedure = if procedure.is_empty() { String::new() } else { format!(" ({procedure})") };
    // One line: an SMS shows no paragraphs.
    let reason = reason.split_whitespace().collect::<Vec<_>>().join(" ");
    format!(
        "Trung tâm Phục vụ hành chính công xin lỗi ông/bà: hồ sơ {code}{procedure} không thể trả kết quả đúng hẹn \
         {before}. Lý do: {reason}. Ngày hẹn trả mới: {new}."
    )
}

/// Records an apology for `code` at `now`: the dossier must be held and not closed, the new date
/// later than the return date in force and than now, and at most [`MAX_DAYS_AHEAD`] days ahead.
/// In one transaction: the apology row, the applicant's message (when the record has a phone),
/// one `dossier_apology` event. The same apology again writes nothing (`created: false`).
pub fn record(
    conn: &mut Connection,
    schedule: &Schedule,
    code: &str,
    reason: &str,
    new_due: Timestamp,
    actor: &str,
    now: Timestamp,
) -> rusqlite::Result<Result<Recorded, Refusal>> {
    let reason = match check_reason(reason) {
        Ok(r) => r,
        Err(e) => return Ok(Err(e)),
    };
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let fmt = |ms: i64| Timestamp::from_millisecond(ms).map(|t| schedule.format(t)).unwrap_or_default();
    let day = |ms: i64| Timestamp::from_millisecond(ms).map(|t| schedule.local_date(t)).unwrap_or_default();
    let new_ms = new_due.as_millisecond();
    // The same apology again: answered as recorded, nothing written.
    let same: Option<(i64, String, i64)> = tx
        .query_row(
            "SELECT due_before_ms, actor, at_ms FROM apologies WHERE receipt_code = ?1 AND new_due_ms = ?2 AND reason = ?3",
            params![code, new_ms, reason],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some(dossier) = held(&tx, code)? else { return Ok(Err(Refusal::NotFound)) };
    if let Some((before, by, at)) = same {
        return Ok(Ok(Recorded {
            receipt_code: code.to_string(),
            reason,
            due_before: fmt(before),
            new_due: fmt(new_ms),
            actor: by,
            at: fmt(at),
            created: false,
            notified: !dossier.phone.trim().is_empty(),
        }));
    }
    if dossier.status.is_closed() {
        return Ok(Err(Refusal::Closed(dossier.status)));
    }
    let now_ms = now.as_millisecond();
    if new_ms <= dossier.due_ms || new_ms <= now_ms {
        let floor = dossier.due_ms.max(now_ms);
        return Ok(Err(Refusal::Invalid(
            "new_due",
            format!("Ngày hẹn trả mới phải sau {} (ngày hẹn đang có hoặc hôm nay)", day(floor)),
        )));
    }
    // Citizens are told to come back that day: it must be a day the centre works.
    let new_day = new_due.to_zoned(schedule.time_zone.clone()).date();
    if !schedule.works_on(new_day) {
        let next = (1..=60)
            .filter_map(|n| new_day.checked_add(jiff::Span::new().days(n)).ok())
            .find(|d| schedule.works_on(*d));
        let suggestion = next.map(|d| format!(", ví dụ {}", d.strftime("%d/%m/%Y"))).unwrap_or_default();
        return Ok(Err(Refusal::Invalid(
            "new_due",
            format!(
                "Ngày hẹn trả mới {} là ngày trung tâm không làm việc (nghỉ lễ hoặc cuối tuần); chọn ngày làm việc{suggestion}",
                new_day.strftime("%d/%m/%Y")
            ),
        )));
    }
    if new_ms - now_ms > MAX_DAYS_AHEAD * 86_400_000 {
        return Ok(Err(Refusal::Invalid("new_due", format!("Ngày hẹn trả mới quá xa (tối đa {MAX_DAYS_AHEAD} ngày)"))));
    }
    tx.execute(
        "INSERT INTO apologies (receipt_code, at_ms, reason, due_before_ms, new_due_ms, actor) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![code, now_ms, reason, dossier.due_ms, new_ms, actor],
    )?;
    let phone = dossier.phone.trim().to_string();
    if !phone.is_empty() {
        let text = message(code, &dossier.procedure_name, &day(dossier.due_ms), &day(new_ms), &reason);
        tx.execute(
            "INSERT INTO notifications (at_ms, kind, booking, phone, text) VALUES (?1, 'apology', ?2, ?3, ?4)",
            params![now_ms, code, phone, text],
        )?;
    }
    let payload = serde_json::json!({
        "kind": "dossier_apology", "reason": reason, "due_before_ms": dossier.due_ms, "new_due_ms": new_ms,
    })
    .to_string();
    tx.execute(
        "INSERT INTO events (at_ms, day, kind, dossier, payload, actor) VALUES (?1, ?2, 'dossier_apology', ?3, ?4, ?5)",
        params![now_ms, schedule.service_day(now).to_string(), code, payload, actor],
    )?;
    tx.commit()?;
    Ok(Ok(Recorded {
        receipt_code: code.to_string(),
        reason,
        due_before: fmt(dossier.due_ms),
        new_due: fmt(new_ms),
        actor: actor.to_string(),
        at: fmt(now_ms),
        created: true,
        notified: !phone.is_empty(),
    }))
}

/// Overdue dossiers at `now` with no apology for their current lateness, the longest late first
/// (at most `limit`).
pub fn overdue(conn: &Connection, schedule: &Schedule, now: Timestamp, limit: u32) -> rusqlite::Result<Vec<Overdue>> {
    let closed: Vec<String> =
        DossierStatus::ALL.into_iter().filter(|s| s.is_closed()).map(|s| format!("'{}'", s.code())).collect();
    let sql = format!(
        "SELECT receipt_code, procedure_name, linh_vuc_name, applicant_name, status, due, apologised, procedure_code FROM (
             SELECT d.receipt_code, d.procedure_name, d.procedure_code, d.linh_vuc_name, d.applicant_name, d.status,
                    max(coalesce(d.new_due_at_ms, d.due_at_ms),
                        coalesce((SELECT max(a.new_due_ms) FROM apologies a WHERE a.receipt_code = d.receipt_code), 0)) AS due,
                    d.new_due_at_ms IS NOT NULL
                        OR EXISTS (SELECT 1 FROM apologies a WHERE a.receipt_code = d.receipt_code) AS apologised
             FROM dossiers d WHERE d.status NOT IN ({}))
         WHERE due < ?1 ORDER BY due, receipt_code LIMIT ?2",
        closed.join(", ")
    );
    let now_ms = now.as_millisecond();
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![now_ms, limit], |r| {
        let status: String = r.get(4)?;
        let due: i64 = r.get(5)?;
        let status = DossierStatus::from_code(&status).unwrap_or(DossierStatus::Received);
        // Calendar days in the centre's zone (not service days: a due time of 00:00 is that day).
        let date = |t: Timestamp| t.to_zoned(schedule.time_zone.clone()).date();
        let days_late = Timestamp::from_millisecond(due)
            .ok()
            .and_then(|d| date(d).until(date(now)).ok())
            .map_or(0, |s| i64::from(s.get_days()));
        Ok(Overdue {
            receipt_code: r.get(0)?,
            procedure_code: r.get(7)?,
            procedure_name: r.get(1)?,
            linh_vuc_name: r.get(2)?,
            applicant: crate::domain::text::mask_name(&r.get::<_, String>(3)?),
            status,
            status_label: status.label_vi().to_string(),
            due_at: Timestamp::from_millisecond(due).map(|t| schedule.format(t)).unwrap_or_default(),
            days_late,
            apologised_before: r.get(6)?,
        })
    })?;
    rows.collect()
}

/// A postponement the province sent: its reason, the date in force before, the new date (ms), and
/// whether the applicant is to be told (see [`super::store::upsert`]).
#[derive(Debug, Clone, Copy)]
pub struct Postponed<'a> {
    /// Why (`LyDo`).
    pub reason: &'a str,
    /// The return date in force before.
    pub due_before: i64,
    /// The new return date.
    pub new_due: i64,
    /// Whether to queue the applicant's message.
    pub tell: bool,
}

/// The province's apology, from a record whose new return date (`NgayHenTraMoi`) the store did not
/// have: written as it came (the province's dates are not checked against now), inside the
/// caller's transaction; its message and event only when the row is new.
pub fn from_province(
    tx: &Connection,
    schedule: &Schedule,
    row: &super::DossierRow,
    postponed: &Postponed<'_>,
    now_ms: i64,
) -> rusqlite::Result<()> {
    let Postponed { reason, due_before, new_due: new_due_ms, tell } = *postponed;
    let reason = check_reason(reason).unwrap_or_else(|_| "Hồ sơ được hẹn lại ngày trả kết quả".into());
    let added = tx.execute(
        "INSERT INTO apologies (receipt_code, at_ms, reason, due_before_ms, new_due_ms, actor)
         VALUES (?1, ?2, ?3, ?4, ?5, 'province') ON CONFLICT DO NOTHING",
        params![row.receipt_code, now_ms, reason, due_before, new_due_ms],
    )?;
    if added == 0 || row.status.is_closed() || !tell {
        return Ok(());
    }
    let day = |ms: i64| Timestamp::from_millisecond(ms).map(|t| schedule.local_date(t)).unwrap_or_default();
    let phone = row.applicant_phone.trim();
    if !phone.is_empty() {
        let text = message(&row.receipt_code, &row.procedure_name, &day(due_before), &day(new_due_ms), &reason);
        tx.execute(
            "INSERT INTO notifications (at_ms, kind, booking, phone, text) VALUES (?1, 'apology', ?2, ?3, ?4)",
            params![now_ms, row.receipt_code, phone, text],
        )?;
    }
    let payload = serde_json::json!({
        "kind": "dossier_apology", "reason": reason, "due_before_ms": due_before, "new_due_ms": new_due_ms,
    })
    .to_string();
    let service_day =
        Timestamp::from_millisecond(now_ms).map(|t| schedule.service_day(t).to_string()).unwrap_or_default();
    tx.execute(
        "INSERT INTO events (at_ms, day, kind, dossier, payload, actor) VALUES (?1, ?2, 'dossier_apology', ?3, ?4, 'province')",
        params![now_ms, service_day, row.receipt_code, payload],
    )?;
    Ok(())
}
