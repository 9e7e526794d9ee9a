//! Domain values to and from rows. Every change is written as its event row plus the rows it
//! changed, in the caller's transaction.

use std::collections::BTreeMap;
use std::sync::Arc;

use jiff::Timestamp;
use jiff::civil::Date;
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;

use crate::domain::{
    Centre, Change, Channel, CounterNo, CounterRuntime, CounterStatus, Fact, Queue, RatingRecord, Restore, ServiceCode,
    Ticket, TicketId, TicketStatus,
};

pub(super) fn ms(t: Timestamp) -> i64 {
    t.as_millisecond()
}

pub(super) fn ts(ms: i64) -> rusqlite::Result<Timestamp> {
    Timestamp::from_millisecond(ms)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Integer, Box::new(e)))
}

pub(super) fn opt_ts(ms: Option<i64>) -> rusqlite::Result<Option<Timestamp>> {
    ms.map(ts).transpose()
}

pub(super) fn bad<E: std::error::Error + Send + Sync + 'static>(e: E) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
}

fn status_name(s: TicketStatus) -> &'static str {
    match s {
        TicketStatus::Waiting => "waiting",
        TicketStatus::Called => "called",
        TicketStatus::Serving => "serving",
        TicketStatus::Done => "done",
        TicketStatus::NoShow => "no_show",
        TicketStatus::Cancelled => "cancelled",
        TicketStatus::Expired => "expired",
    }
}

fn status_from(name: &str) -> Option<TicketStatus> {
    use TicketStatus::*;
    [Waiting, Called, Serving, Done, NoShow, Cancelled, Expired].into_iter().find(|s| status_name(*s) == name)
}

#[derive(Serialize)]
struct Payload<'a> {
    #[serde(flatten)]
    fact: &'a crate::domain::Fact,
    #[serde(skip_serializing_if = "Option::is_none")]
    ticket: Option<&'a Ticket>,
    #[serde(skip_serializing_if = "Option::is_none")]
    counter: Option<&'a CounterRuntime>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rating: Option<&'a RatingRecord>,
    #[serde(skip_serializing_if = "Option::is_none")]
    booking: Option<&'a crate::domain::booking::Booking>,
}

/// Appends the change's event (with who asked for it, if anyone) and writes the rows it changed.
pub fn write_change(
    conn: &Connection,
    day: Date,
    at: Timestamp,
    change: &Change,
    actor: Option<&str>,
) -> rusqlite::Result<()> {
    let payload = Payload {
        fact: &change.fact,
        ticket: change.ticket.as_ref(),
        counter: change.counter.as_ref().map(|(_, c)| c),
        rating: change.rating.as_ref(),
        booking: change.booking.as_ref(),
    };
    let payload = serde_json::to_string(&payload).map_err(bad)?;
    let counter_no = change
        .counter
        .as_ref()
        .map(|(no, _)| no.get())
        .or_else(|| change.ticket.as_ref().and_then(|t| t.counter.map(CounterNo::get)));
    let booking = change.booking.as_ref();
    conn.prepare_cached(
        "INSERT INTO events (at_ms, day, kind, ticket_id, service, counter_no, payload, actor)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        ms(at),
        day.to_string(),
        change.fact.kind(),
        change.ticket.as_ref().map(|t| &t.id).or(booking.and_then(|b| b.ticket.as_ref())).map(TicketId::as_str),
        change
            .ticket
            .as_ref()
            .map(|t| &t.service)
            .or(booking.map(|b| &b.service))
            .or(change.fact.intake_service())
            .map(ServiceCode::as_str),
        counter_no,
        payload,
        actor
    ])?;
    if let Some(b) = booking {
        if matches!(change.fact, Fact::BookingHeld) {
            super::bookings::insert_booking(conn, b)?;
        } else {
            super::bookings::update_booking(conn, b)?;
        }
    }
    if let Some(n) = &change.notice {
        super::bookings::queue_notice(conn, at, n)?;
    }
    if let Some(t) = &change.ticket {
        if matches!(change.fact, Fact::TicketIssued) {
            insert_ticket(conn, t)?;
        } else {
            update_ticket(conn, t)?;
        }
    }
    if let Some((no, c)) = &change.counter {
        let (state, reason) = match &c.status {
            CounterStatus::Open => ("open", None),
            CounterStatus::Paused(r) => ("paused", Some(r.as_str())),
            CounterStatus::Closed => ("closed", None),
        };
        conn.prepare_cached(
            "INSERT INTO counters (no, state, pause_reason, current_ticket, streak) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (no) DO UPDATE SET state = excluded.state, pause_reason = excluded.pause_reason,
                 current_ticket = excluded.current_ticket, streak = excluded.streak",
        )?
        .execute(params![no.get(), state, reason, c.current.as_ref().map(TicketId::as_str), c.streak])?;
    }
    if let Some(r) = &change.rating {
        conn.prepare_cached(
            "INSERT INTO ratings (id, day, ticket_id, counter_no, service, score, tags, comment, at_ms, idempotency_key,
                 dossier)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        )?
        .execute(params![
            r.id,
            day.to_string(),
            r.ticket.as_ref().map(TicketId::as_str),
            r.counter.map(CounterNo::get),
            r.service.as_ref().map(ServiceCode::as_str),
            r.score,
            serde_json::to_string(&r.tags).map_err(bad)?,
            r.comment,
            ms(r.at),
            r.idempotency_key,
            r.dossier
        ])?;
    }
    Ok(())
}

/// A rating from its row (`id, ticket_id, counter_no, service, score, tags, comment, at_ms,
/// idempotency_key, dossier`).
fn rating_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<RatingRecord> {
    let ticket: Option<String> = row.get(1)?;
    let counter: Option<u16> = row.get(2)?;
    let service: Option<String> = row.get(3)?;
    let tags: String = row.get(5)?;
    Ok(RatingRecord {
        id: row.get(0)?,
        ticket: ticket.map(|t| TicketId::parse(&t)).transpose().map_err(bad)?,
        counter: counter.and_then(CounterNo::new),
        service: service.map(|s| ServiceCode::parse(&s)).transpose().map_err(bad)?,
        score: row.get(4)?,
        tags: serde_json::from_str(&tags).map_err(bad)?,
        comment: row.get(6)?,
        at: ts(row.get(7)?)?,
        idempotency_key: row.get(8)?,
        dossier: row.get(9)?,
    })
}

/// A new ticket. Never written over one already stored: a second ticket with the same id (day,
/// field, number) fails the insert, and with it the whole batch (nothing acknowledged is lost).
fn insert_ticket(conn: &Connection, t: &Ticket) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO tickets (id, day, issued_service, number, service, priority, channel, status, issued_at_ms,
             arrived_at_ms, appointment_at_ms, counter_no, called_at_ms, serving_at_ms, finished_at_ms, recalls,
             rejoin_until_ms, idempotency_key, rated, arrival_seq)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)",
    )?
    .execute(params![
        t.id.as_str(),
        t.day.to_string(),
        t.issued_service.as_str(),
        t.number,
        t.service.as_str(),
        t.priority,
        t.channel.as_str(),
        status_name(t.status),
        ms(t.issued_at),
        ms(t.arrived_at),
        t.appointment_at.map(ms),
        t.counter.map(CounterNo::get),
        t.called_at.map(ms),
        t.serving_at.map(ms),
        t.finished_at.map(ms),
        t.recalls,
        t.rejoin_until.map(ms),
        t.idempotency_key,
        t.rated,
        i64::try_from(t.arrival).unwrap_or(i64::MAX)
    ])?;
    Ok(())
}

/// What changed on a stored ticket: its state, never what it was issued as (id, day, number,
/// issued field, channel, key). A ticket that is not stored fails, and with it the batch.
fn update_ticket(conn: &Connection, t: &Ticket) -> rusqlite::Result<()> {
    let changed = conn
        .prepare_cached(
            "UPDATE tickets SET service = ?2, status = ?3, arrived_at_ms = ?4, counter_no = ?5, called_at_ms = ?6,
                 serving_at_ms = ?7, finished_at_ms = ?8, recalls = ?9, rejoin_until_ms = ?10, rated = ?11
             WHERE id = ?1 AND day = ?12 AND number = ?13 AND issued_service = ?14",
        )?
        .execute(params![
            t.id.as_str(),
            t.service.as_str(),
            status_name(t.status),
            ms(t.arrived_at),
            t.counter.map(CounterNo::get),
            t.called_at.map(ms),
            t.serving_at.map(ms),
            t.finished_at.map(ms),
            t.recalls,
            t.rejoin_until.map(ms),
            t.rated,
            t.day.to_string(),
            t.number,
            t.issued_service.as_str()
        ])?;
    if changed == 1 { Ok(()) } else { Err(rusqlite::Error::QueryReturnedNoRows) }
}

const TICKET_COLUMNS: &str = "id, day, issued_service, number, service, priority, channel, status, issued_at_ms,
    arrived_at_ms, appointment_at_ms, counter_no, called_at_ms, serving_at_ms, finished_at_ms, recalls,
    rejoin_until_ms, idempotency_key, rated, arrival_seq";

fn ticket_from_row(row: &Row<'_>) -> rusqlite::Result<Ticket> {
    let text = |i: usize| -> rusqlite::Result<String> { row.get(i) };
    let status = text(7)?;
    let channel = text(6)?;
    let counter: Option<u16> = row.get(11)?;
    Ok(Ticket {
        id: TicketId::parse(&text(0)?).map_err(bad)?,
        day: text(1)?.parse().map_err(bad)?,
        issued_service: ServiceCode::parse(&text(2)?).map_err(bad)?,
        number: row.get(3)?,
        service: ServiceCode::parse(&text(4)?).map_err(bad)?,
        priority: row.get(5)?,
        channel: Channel::parse(&channel)
            .ok_or_else(|| bad(crate::domain::DomainError::UnknownTicket(channel.clone())))?,
        status: status_from(&status).ok_or_else(|| bad(crate::domain::DomainError::UnknownTicket(status.clone())))?,
        issued_at: ts(row.get(8)?)?,
        arrived_at: ts(row.get(9)?)?,
        appointment_at: opt_ts(row.get(10)?)?,
        counter: counter.and_then(CounterNo::new),
        called_at: opt_ts(row.get(12)?)?,
        serving_at: opt_ts(row.get(13)?)?,
        finished_at: opt_ts(row.get(14)?)?,
        recalls: row.get(15)?,
        rejoin_until: opt_ts(row.get(16)?)?,
        idempotency_key: row.get(17)?,
        rated: row.get(18)?,
        arrival: u64::try_from(row.get::<_, i64>(19)?).unwrap_or(0),
    })
}

/// A ticket of any day.
pub fn find_ticket(conn: &Connection, id: &TicketId) -> rusqlite::Result<Option<Ticket>> {
    conn.query_row(&format!("SELECT {TICKET_COLUMNS} FROM tickets WHERE id = ?1"), [id.as_str()], ticket_from_row)
        .optional()
}

/// The ticket of service day `day` numbered `number` (numbers do not overlap between fields).
pub fn find_ticket_by_number(conn: &Connection, day: Date, number: u32) -> rusqlite::Result<Option<Ticket>> {
    conn.query_row(
        &format!("SELECT {TICKET_COLUMNS} FROM tickets WHERE day = ?1 AND number = ?2"),
        params![day.to_string(), number],
        ticket_from_row,
    )
    .optional()
}

/// The rating made on `day` with idempotency key `key`, if any.
pub fn find_keyed_rating(conn: &Connection, day: Date, key: &str) -> rusqlite::Result<Option<RatingRecord>> {
    conn.query_row(
        "SELECT id, ticket_id, counter_no, service, score, tags, comment, at_ms, idempotency_key, dossier FROM ratings
         WHERE day = ?1 AND idempotency_key = ?2",
        params![day.to_string(), key],
        rating_from_row,
    )
    .optional()
}

/// Rebuilds the queue of the service day in progress from the stored rows, whatever the
/// configuration says now: the day `now` belongs to, or the latest stored day when that is later
/// by at most a day (the day rollover was moved later, or the clock stepped back: a service day
/// never goes back, and its tickets are never issued again). Open tickets of an earlier day stay as
/// they are; [`Queue::advance`] expires them on the next command.
pub fn load_queue(conn: &Connection, centre: Arc<Centre>, now: Timestamp) -> rusqlite::Result<Queue> {
    // The latest day anything happened on (a day begun, a ticket, a field's intake closed before
    // the first ticket): every change of the queue has its event, stamped with the queue's day
    // (dossier events carry their own dates and are left out).
    let stored_day: Option<String> = conn.query_row(
        "SELECT max(day) FROM (SELECT max(day) AS day FROM tickets UNION ALL SELECT max(day) FROM events WHERE dossier IS NULL)",
        [],
        |r| r.get(0),
    )?;
    let today = centre.schedule.service_day(now);
    let day = match stored_day.and_then(|d| d.parse::<Date>().ok()) {
        Some(stored) if stored > today && today.tomorrow().is_ok_and(|t| stored <= t) => stored,
        Some(stored) => stored.min(today),
        None => today,
    };
    load_day(conn, centre, day)
}

/// Rebuilds the queue of service day `day` from the stored rows (none for a day just started,
/// unless a process before this one had begun it).
pub fn load_day(conn: &Connection, centre: Arc<Centre>, day: Date) -> rusqlite::Result<Queue> {
    let mut stmt = conn.prepare(&format!("SELECT {TICKET_COLUMNS} FROM tickets WHERE day = ?1"))?;
    let tickets = stmt.query_map([day.to_string()], ticket_from_row)?.collect::<rusqlite::Result<Vec<_>>>()?;

    let mut stmt = conn.prepare("SELECT no, state, pause_reason, current_ticket, streak FROM counters")?;
    let counters = stmt
        .query_map([], |row| {
            let no: u16 = row.get(0)?;
            let state: String = row.get(1)?;
            let reason: Option<String> = row.get(2)?;
            let current: Option<String> = row.get(3)?;
            let status = match state.as_str() {
                "open" => CounterStatus::Open,
                "paused" => CounterStatus::Paused(reason.unwrap_or_default()),
                _ => CounterStatus::Closed,
            };
            let current = current.map(|c| TicketId::parse(&c)).transpose().map_err(bad)?;
            Ok((CounterNo::new(no), CounterRuntime { status, current, streak: row.get(4)? }))
        })?
        .filter_map(|r| match r {
            Ok((Some(no), c)) => Some(Ok((no, c))),
            Ok((None, _)) => None,
            Err(e) => Some(Err(e)),
        })
        .collect::<rusqlite::Result<Vec<_>>>()?;

    let mut service_times = Vec::new();
    let mut stmt = conn.prepare(
        "SELECT finished_at_ms - called_at_ms FROM tickets
         WHERE service = ?1 AND status = 'done' AND called_at_ms IS NOT NULL
         ORDER BY finished_at_ms DESC LIMIT 20",
    )?;
    for spec in &centre.services {
        let mut samples = stmt
            .query_map([spec.code.as_str()], |r| r.get::<_, i64>(0))?
            .map(|r| r.map(|ms| u32::try_from((ms / 1000).max(1)).unwrap_or(u32::MAX)))
            .collect::<rusqlite::Result<Vec<_>>>()?;
        samples.reverse();
        service_times.push((spec.code.clone(), samples));
    }

    let mut stmt = conn.prepare(
        "SELECT id, ticket_id, counter_no, service, score, tags, comment, at_ms, idempotency_key, dossier FROM ratings
         WHERE day = ?1 AND idempotency_key IS NOT NULL",
    )?;
    let keyed_ratings = stmt.query_map([day.to_string()], rating_from_row)?.collect::<rusqlite::Result<Vec<_>>>()?;
    let last_rating_id: i64 = conn.query_row("SELECT coalesce(max(id), 0) FROM ratings", [], |r| r.get(0))?;
    let rated_dossiers = conn
        .prepare("SELECT dossier FROM ratings WHERE dossier IS NOT NULL")?
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;

    let bookings = super::bookings::load_from(conn, day)?;

    // Intake closures of the day: the last closing or opening event of each field decides.
    let mut intake: BTreeMap<String, Option<String>> = BTreeMap::new();
    let mut stmt = conn.prepare(
        "SELECT service, kind, json_extract(payload, '$.reason') FROM events
         WHERE day = ?1 AND kind IN ('intake_closed', 'intake_opened') AND service IS NOT NULL ORDER BY id",
    )?;
    for row in stmt.query_map([day.to_string()], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, Option<String>>(2)?))
    })? {
        let (service, kind, reason) = row?;
        intake.insert(service, (kind == "intake_closed").then(|| reason.unwrap_or_default()));
    }
    let intake_closed = intake
        .into_iter()
        .filter_map(|(service, reason)| Some((ServiceCode::parse(&service).ok()?, reason?)))
        .collect();
    let restore = Restore {
        tickets,
        counters,
        service_times,
        keyed_ratings,
        last_rating_id,
        rated_dossiers,
        bookings,
        intake_closed,
    };
    Ok(Queue::restore(centre, day, restore))
}
