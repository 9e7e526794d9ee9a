//! The report's tickets and ratings read from the event log: the one definition the centre's
//! report and the provincial hub's share (the hub holds the same events, shipped by the uplink).
//!
//! Every change of a ticket is an event carrying the ticket as it became (`payload.ticket`), and
//! every rating an event carrying it (`payload.rating`), so the last event of a ticket is its final
//! state and its officer is who finished it (or marked it absent), else who called it last.

use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::civil::Date;
use serde_json::Value;

use super::{RatingFacts, TicketFacts};

/// The columns of one event the report reads.
#[derive(Debug, Clone, Copy)]
pub struct ReportEvent<'a> {
    /// Event kind.
    pub kind: &'a str,
    /// The service day it was written on.
    pub day: &'a str,
    /// `staff:NAME`, `token:…`, … if anyone asked for it.
    pub actor: Option<&'a str>,
    /// The stored JSON text.
    pub payload: &'a str,
}

/// Kinds that carry no ticket or rating; skipped without parsing.
fn may_matter(kind: &str) -> bool {
    kind.starts_with("ticket_") || kind == "rating_given"
}

fn ms(v: &Value) -> Option<i64> {
    v.as_str().and_then(|s| s.parse::<Timestamp>().ok()).map(Timestamp::as_millisecond)
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_string)
}

fn counter(v: &Value, key: &str) -> Option<u16> {
    v.get(key).and_then(Value::as_u64).and_then(|n| u16::try_from(n).ok())
}

/// The tickets of service days `from..=to` and the ratings written on those days, from `events`
/// in id order. Other days' tickets and ratings are ignored, so a caller may read more: a ticket's
/// events are best selected by its id ([`ticket_bounds`]), since one that expired when the centre
/// next opened (days later, after a weekend with the server off) has that event on that day.
pub fn facts_from_events<'a>(
    events: impl IntoIterator<Item = ReportEvent<'a>>,
    from: Date,
    to: Date,
) -> (Vec<TicketFacts>, Vec<RatingFacts>) {
    let (from_s, to_s) = (from.to_string(), to.to_string());
    let in_range = |day: &str| day >= from_s.as_str() && day <= to_s.as_str();
    let mut tickets: BTreeMap<String, (usize, TicketFacts)> = BTreeMap::new();
    let mut callers: BTreeMap<String, String> = BTreeMap::new();
    let mut finishers: BTreeMap<String, String> = BTreeMap::new();
    let mut ratings = Vec::new();
    for e in events {
        if !may_matter(e.kind) {
            continue;
        }
        let Ok(payload) = serde_json::from_str::<Value>(e.payload) else { continue };
        if e.kind == "rating_given" {
            if let (true, Some(r)) = (in_range(e.day), payload.get("rating")) {
                let Some(score) = r.get("score").and_then(Value::as_u64).and_then(|s| u8::try_from(s).ok()) else {
                    continue;
                };
                ratings.push(RatingFacts {
                    score,
                    service: text(r, "service"),
                    counter: counter(r, "counter"),
                    ticket: text(r, "ticket"),
                });
            }
            continue;
        }
        let Some(t) = payload.get("ticket") else { continue };
        let (Some(id), Some(day)) = (text(t, "id"), t.get("day").and_then(Value::as_str)) else { continue };
        if !in_range(day) {
            continue;
        }
        let officer = e.actor.and_then(|a| a.strip_prefix("staff:"));
        match (e.kind, officer) {
            ("ticket_called", Some(who)) => {
                callers.insert(id.clone(), who.to_string());
            }
            ("ticket_done" | "ticket_no_show", Some(who)) => {
                finishers.insert(id.clone(), who.to_string());
            }
            _ => {}
        }
        let service = text(t, "service").unwrap_or_default();
        let facts = TicketFacts {
            transferred: text(t, "issued_service").is_some_and(|s| s != service),
            service,
            counter: counter(t, "counter"),
            status: text(t, "status").unwrap_or_default(),
            arrived: t.get("arrived_at").and_then(ms).unwrap_or(0),
            called: t.get("called_at").and_then(ms),
            serving: t.get("serving_at").and_then(ms),
            finished: t.get("finished_at").and_then(ms),
            booked: t.get("appointment_at").is_some_and(|a| !a.is_null()),
            officer: None,
            id: id.clone(),
        };
        let next = tickets.len();
        let entry = tickets.entry(id).or_insert((next, facts.clone()));
        entry.1 = facts;
    }
    let mut tickets: Vec<(usize, TicketFacts)> = tickets.into_values().collect();
    tickets.sort_by_key(|(first_seen, _)| *first_seen);
    let tickets = tickets
        .into_iter()
        .map(|(_, mut t)| {
            t.officer = finishers.get(&t.id).or_else(|| callers.get(&t.id)).cloned();
            t
        })
        .collect();
    (tickets, ratings)
}

/// The ticket ids of days `from..=to` are those from the first (inclusive) to the second
/// (exclusive): ids begin with their day as `YYYYMMDD`.
pub fn ticket_bounds(from: Date, to: Date) -> (String, String) {
    let next = to.tomorrow().unwrap_or(to);
    (from.strftime("%Y%m%d").to_string(), next.strftime("%Y%m%d").to_string())
}

/// Reads, from the centre's log, the events of the tickets of days `from..=to` (by their ids) and
/// the ratings written on those days (see [`facts_from_events`]).
pub fn read_centre(
    conn: &rusqlite::Connection,
    from: Date,
    to: Date,
) -> rusqlite::Result<(Vec<TicketFacts>, Vec<RatingFacts>)> {
    let (first, past) = ticket_bounds(from, to);
    let mut stmt = conn.prepare(
        "SELECT kind, day, actor, payload FROM events
         WHERE (ticket_id >= ?1 AND ticket_id < ?2 AND kind LIKE 'ticket\\_%' ESCAPE '\\')
            OR (kind = 'rating_given' AND day BETWEEN ?3 AND ?4)
         ORDER BY id",
    )?;
    let rows: Vec<(String, String, Option<String>, String)> = stmt
        .query_map(rusqlite::params![first, past, from.to_string(), to.to_string()], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(facts_from_events(
        rows.iter().map(|(kind, day, actor, payload)| ReportEvent { kind, day, actor: actor.as_deref(), payload }),
        from,
        to,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ticket_that_expired_when_the_centre_next_opened_counts_on_its_own_day() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut conn = crate::store::schema::open(&dir.path().join("r.db")).expect("opens");
        crate::store::schema::migrate(&mut conn).expect("migrates");
        let ticket = |status: &str, called: Option<&str>| {
            serde_json::json!({ "ticket": {
                "id": "20261127-DD-1001", "day": "2026-11-27", "service": "DD", "issued_service": "DD",
                "status": status, "arrived_at": "2026-11-27T09:00:00Z", "called_at": called,
                "counter": 1, "appointment_at": null } })
            .to_string()
        };
        let insert = |day: &str, kind: &str, payload: String| {
            conn.execute(
                "INSERT INTO events (at_ms, day, kind, ticket_id, service, payload) VALUES (1, ?1, ?2, '20261127-DD-1001', 'DD', ?3)",
                rusqlite::params![day, kind, payload],
            )
            .expect("event");
        };
        insert("2026-11-27", "ticket_issued", ticket("waiting", None));
        insert("2026-11-27", "ticket_called", ticket("called", Some("2026-11-27T09:10:00Z")));
        // The server was off from Friday evening; the ticket expired when it started on Monday.
        insert("2026-11-30", "ticket_expired", ticket("expired", Some("2026-11-27T09:10:00Z")));
        let friday: Date = "2026-11-27".parse().expect("date");
        let (tickets, _) = read_centre(&conn, friday, friday).expect("reads");
        assert_eq!(tickets.len(), 1);
        assert_eq!(tickets[0].status, "expired", "its last event, three days later");
        let monday: Date = "2026-11-30".parse().expect("date");
        assert!(read_centre(&conn, monday, monday).expect("reads").0.is_empty(), "not Monday's ticket");
    }
}
