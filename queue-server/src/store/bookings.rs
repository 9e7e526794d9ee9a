//! Bookings and notices to and from rows.

use jiff::Timestamp;
use jiff::civil::Date;
use rusqlite::{Connection, Row, params};

use super::rows::{bad, ms, opt_ts, ts};
use motcua_protocol::api;

use crate::domain::booking::{Booking, BookingCode, BookingStatus, Citizen};
use crate::domain::centre::Schedule;
use crate::domain::facts::Notice;
use crate::domain::{ServiceCode, TicketId};

/// Whether a booking with `code` was ever stored (any day, any status).
pub fn code_taken(conn: &Connection, code: &BookingCode) -> rusqlite::Result<bool> {
    conn.query_row("SELECT EXISTS (SELECT 1 FROM bookings WHERE code = ?1)", [code.as_str()], |r| r.get(0))
}

/// Writes a new booking. Never over one already stored: a code taken before fails the insert.
pub fn insert_booking(conn: &Connection, b: &Booking) -> rusqlite::Result<()> {
    let citizen = b.citizen.as_ref();
    conn.prepare_cached(
        "INSERT INTO bookings (code, service, day, slot_at_ms, status, name, phone, citizen_id, created_at_ms,
             hold_until_ms, ticket_id, checked_in_at_ms, late, reminded)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )?
    .execute(params![
        b.code.as_str(),
        b.service.as_str(),
        b.day.to_string(),
        ms(b.slot_at),
        b.status.as_str(),
        citizen.map(|c| c.name.as_str()),
        citizen.map(|c| c.phone.as_str()),
        citizen.and_then(|c| c.citizen_id.as_deref()),
        ms(b.created_at),
        b.hold_until.map(ms),
        b.ticket.as_ref().map(TicketId::as_str),
        b.checked_in_at.map(ms),
        b.late,
        b.reminded
    ])?;
    Ok(())
}

/// Writes what changed on a stored booking (its field and creation stay); a booking that is not
/// stored fails.
pub fn update_booking(conn: &Connection, b: &Booking) -> rusqlite::Result<()> {
    let citizen = b.citizen.as_ref();
    let changed = conn
        .prepare_cached(
            "UPDATE bookings SET day = ?2, slot_at_ms = ?3, status = ?4, name = ?5, phone = ?6, citizen_id = ?7,
                 hold_until_ms = ?8, ticket_id = ?9, checked_in_at_ms = ?10, late = ?11, reminded = ?12
             WHERE code = ?1 AND service = ?13",
        )?
        .execute(params![
            b.code.as_str(),
            b.day.to_string(),
            ms(b.slot_at),
            b.status.as_str(),
            citizen.map(|c| c.name.as_str()),
            citizen.map(|c| c.phone.as_str()),
            citizen.and_then(|c| c.citizen_id.as_deref()),
            b.hold_until.map(ms),
            b.ticket.as_ref().map(TicketId::as_str),
            b.checked_in_at.map(ms),
            b.late,
            b.reminded,
            b.service.as_str()
        ])?;
    if changed == 1 { Ok(()) } else { Err(rusqlite::Error::QueryReturnedNoRows) }
}

/// Appends a notice to the outbox.
pub fn queue_notice(conn: &Connection, at: Timestamp, n: &Notice) -> rusqlite::Result<()> {
    conn.prepare_cached("INSERT INTO notifications (at_ms, kind, booking, phone, text) VALUES (?1, ?2, ?3, ?4, ?5)")?
        .execute(params![ms(at), n.kind.as_str(), n.booking.as_str(), n.phone, n.text])?;
    Ok(())
}

fn booking_from_row(row: &Row<'_>) -> rusqlite::Result<Booking> {
    let code: String = row.get(0)?;
    let status: String = row.get(4)?;
    let name: Option<String> = row.get(5)?;
    let phone: Option<String> = row.get(6)?;
    let ticket: Option<String> = row.get(10)?;
    let day: String = row.get(2)?;
    let service: String = row.get(1)?;
    let unknown = || bad(crate::domain::DomainError::UnknownBooking(code.clone()));
    Ok(Booking {
        code: BookingCode::parse(&code).ok_or_else(unknown)?,
        service: ServiceCode::parse(&service).map_err(bad)?,
        day: day.parse::<Date>().map_err(bad)?,
        slot_at: ts(row.get(3)?)?,
        status: BookingStatus::parse(&status).ok_or_else(unknown)?,
        citizen: name.zip(phone).map(|(name, phone)| Citizen { name, phone, citizen_id: row.get(7).ok().flatten() }),
        created_at: ts(row.get(8)?)?,
        hold_until: opt_ts(row.get(9)?)?,
        ticket: ticket.map(|t| TicketId::parse(&t)).transpose().map_err(bad)?,
        checked_in_at: opt_ts(row.get(11)?)?,
        late: row.get(12)?,
        reminded: row.get(13)?,
    })
}

/// Bookings of `day` and later.
pub fn load_from(conn: &Connection, day: Date) -> rusqlite::Result<Vec<Booking>> {
    let mut stmt = conn.prepare(
        "SELECT code, service, day, slot_at_ms, status, name, phone, citizen_id, created_at_ms, hold_until_ms,
             ticket_id, checked_in_at_ms, late, reminded FROM bookings WHERE day >= ?1",
    )?;
    stmt.query_map([day.to_string()], booking_from_row)?.collect()
}

/// Notifications ready to be delivered at `now` (pending, their retry time come), oldest first.
pub fn due_notices(conn: &Connection, now: Timestamp, limit: u32) -> rusqlite::Result<Vec<Outgoing>> {
    let mut stmt = conn.prepare_cached(
        "SELECT n.id, n.kind, n.booking, n.phone, n.text, b.service, b.slot_at_ms, b.name \
         FROM notifications n LEFT JOIN bookings b ON b.code = n.booking \
         WHERE n.status = 'pending' AND n.next_at_ms <= ?1 ORDER BY n.id LIMIT ?2",
    )?;
    stmt.query_map(params![ms(now), limit], |r| {
        Ok(Outgoing {
            id: r.get(0)?,
            kind: r.get(1)?,
            booking: r.get(2)?,
            phone: r.get(3)?,
            text: r.get(4)?,
            service: r.get::<_, Option<String>>(5)?.unwrap_or_default(),
            slot_at_ms: r.get(6)?,
            name: r.get::<_, Option<String>>(7)?.unwrap_or_default(),
        })
    })?
    .collect()
}

/// A message due to leave, with what a template needs of its booking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    /// The outbox row.
    pub id: i64,
    /// `confirmation`, `rescheduled`, `cancellation`, `reminder` or `verification`.
    pub kind: String,
    /// The booking code.
    pub booking: String,
    /// The phone, `0912345678`.
    pub phone: String,
    /// The whole message in Vietnamese (what an SMS carries).
    pub text: String,
    /// The booking's service code (empty if the booking is gone).
    pub service: String,
    /// The booking's slot, ms since the epoch.
    pub slot_at_ms: Option<i64>,
    /// The citizen's name as given.
    pub name: String,
}

/// What became of one delivery attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivered {
    /// It left the centre.
    Sent,
    /// No gateway: kept for an operator to pass on.
    Kept,
    /// It failed; tried again later, given up after [`MAX_ATTEMPTS`].
    Failed(String),
}

/// Delivery attempts before a notification is marked failed.
pub const MAX_ATTEMPTS: u32 = 6;

/// Records a delivery attempt; a failure is retried after 30 s, 1, 2, 4… minutes.
pub fn record_delivery(conn: &Connection, id: i64, now: Timestamp, outcome: &Delivered) -> rusqlite::Result<()> {
    let attempts: u32 = conn.query_row("SELECT attempts FROM notifications WHERE id = ?1", [id], |r| r.get(0))?;
    let attempts = attempts + 1;
    let (status, error, next) = match outcome {
        Delivered::Sent => ("sent", None, 0),
        Delivered::Kept => ("kept", None, 0),
        Delivered::Failed(e) if attempts >= MAX_ATTEMPTS => ("failed", Some(e.as_str()), 0),
        Delivered::Failed(e) => ("pending", Some(e.as_str()), ms(now) + 30_000 * (1 << (attempts - 1).min(10))),
    };
    let sent_at = matches!(outcome, Delivered::Sent).then(|| ms(now));
    conn.prepare_cached(
        "UPDATE notifications SET status = ?2, attempts = ?3, last_error = ?4, next_at_ms = ?5,
             sent_at_ms = coalesce(?6, sent_at_ms) WHERE id = ?1",
    )?
    .execute(params![id, status, attempts, error, next, sent_at])?;
    // A one-time code has no use once it is out (or given up on): its text is not kept.
    if status != "pending" {
        conn.prepare_cached("UPDATE notifications SET text = ?2 WHERE id = ?1 AND kind = 'verification'")?
            .execute(params![id, MASKED_CODE])?;
    }
    Ok(())
}

/// What an operator, and the table once the message is out, see of a one-time code's message.
pub const MASKED_CODE: &str = "Mã xác nhận đặt lịch (ẩn)";

/// The outbox, newest first, optionally of one status; times in the centre's zone.
pub fn notices(
    conn: &Connection,
    schedule: &Schedule,
    status: Option<&str>,
    limit: u32,
) -> rusqlite::Result<Vec<api::Notification>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, at_ms, kind, booking, phone, text, status, attempts, last_error FROM notifications
         WHERE ?1 IS NULL OR status = ?1 ORDER BY id DESC LIMIT ?2",
    )?;
    stmt.query_map(params![status, limit], |r| {
        Ok(api::Notification {
            id: r.get(0)?,
            at: schedule.format(ts(r.get(1)?)?),
            kind: r.get(2)?,
            booking: r.get(3)?,
            phone: r.get(4)?,
            // A one-time code is for the citizen alone, not the operator reading the outbox.
            text: match r.get::<_, String>(2)?.as_str() {
                "verification" => MASKED_CODE.to_string(),
                _ => r.get(5)?,
            },
            status: r.get(6)?,
            attempts: r.get(7)?,
            last_error: r.get(8)?,
        })
    })?
    .collect()
}
