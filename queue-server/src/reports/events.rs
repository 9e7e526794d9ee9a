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
/// in id order (events of other days are ignored, so a caller may read a day more on either side:
/// a ticket that expired at the next day's start is still its own day's).
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

/// Reads the events of days `from − 1 ..= to + 1` from the centre's log (see [`facts_from_events`]).
pub fn read_centre(
    conn: &rusqlite::Connection,
    from: Date,
    to: Date,
) -> rusqlite::Result<(Vec<TicketFacts>, Vec<RatingFacts>)> {
    let before = from.yesterday().unwrap_or(from).to_string();
    let after = to.tomorrow().unwrap_or(to).to_string();
    let mut stmt = conn.prepare(
        "SELECT kind, day, actor, payload FROM events
         WHERE day BETWEEN ?1 AND ?2 AND (kind LIKE 'ticket\\_%' ESCAPE '\\' OR kind = 'rating_given')
         ORDER BY id",
    )?;
    let rows: Vec<(String, String, Option<String>, String)> = stmt
        .query_map(rusqlite::params![before, after], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(facts_from_events(
        rows.iter().map(|(kind, day, actor, payload)| ReportEvent { kind, day, actor: actor.as_deref(), payload }),
        from,
        to,
    ))
}
