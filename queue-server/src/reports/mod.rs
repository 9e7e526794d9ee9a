//! Reports over a range of service days, per field, counter and officer: tickets, average and p90
//! wait, average service time, no-show rate, satisfaction by level, bookings vs walk-ins, overdue
//! dossiers. Read from the stored rows and events on the read-only connection; exported as CSV
//! and XLSX ([`export`]).
//!
//! Definitions (the same in the page, the files and the tests):
//! - wait = call − arrival, for tickets that were called (a ticket that rejoined or was transferred:
//!   its last call; a recall does not move it); p90 by nearest rank
//!   (the ⌈0.9·n⌉-th smallest);
//! - service time = finished − service start, for tickets served;
//! - no-show = a called ticket that ended absent (`no_show`, or `expired` after it) without being served,
//!   as a share of called tickets;
//! - satisfied = ratings in the two best levels; a rating counts for the ticket's field, counter and
//!   officer (or the counter given with it);
//! - officer = who finished the ticket (or marked it absent, or called it), from the event log;
//! - overdue dossier = due in the range and finished after its due date, or still open past it;
//! - a transferred citizen is one ticket (one number): counted once, in the field it was transferred
//!   to (its field when it ended), by the counter and officer who finished it; its wait runs from its
//!   arrival to its last call, so the time spent at the first counter counts as waiting; the
//!   `transferred` figure says how many of a row's tickets came that way.

pub mod events;
pub mod export;
pub mod ratings;

use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::civil::Date;
use rusqlite::{Connection, params};

use crate::domain::Centre;

/// One ticket as the report reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketFacts {
    /// Ticket id.
    pub id: String,
    /// Field at the end.
    pub service: String,
    /// Counter that called it last.
    pub counter: Option<u16>,
    /// Final status.
    pub status: String,
    /// Arrival.
    pub arrived: i64,
    /// First call.
    pub called: Option<i64>,
    /// Service start.
    pub serving: Option<i64>,
    /// End.
    pub finished: Option<i64>,
    /// Came with a booking.
    pub booked: bool,
    /// Officer's user name.
    pub officer: Option<String>,
    /// Transferred here from the field it was issued for.
    pub transferred: bool,
}

/// One rating as the report reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RatingFacts {
    /// Score, 1 = worst.
    pub score: u8,
    /// Field.
    pub service: Option<String>,
    /// Counter.
    pub counter: Option<u16>,
    /// Ticket it rates.
    pub ticket: Option<String>,
}

/// One dossier's dates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DossierFacts {
    /// Field of its procedure.
    pub service: String,
    /// Due (the new date if one was given).
    pub due: i64,
    /// Finished.
    pub completed: Option<i64>,
}

/// The figures of one row.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Figures {
    /// Tickets.
    pub tickets: u32,
    /// Served.
    pub served: u32,
    /// Average wait, minutes.
    pub avg_wait: Option<f64>,
    /// 90th percentile wait, minutes.
    pub p90_wait: Option<f64>,
    /// Average service time, minutes.
    pub avg_service: Option<f64>,
    /// No-shows among called tickets, percent.
    pub no_show_rate: Option<f64>,
    /// Ratings per level, worst first.
    pub ratings: Vec<u32>,
    /// Satisfied share, percent.
    pub satisfied: Option<f64>,
    /// Tickets that came with a booking.
    pub bookings: u32,
    /// Walk-in tickets.
    pub walk_ins: u32,
    /// Tickets that came by transfer from another field (already counted in `tickets`).
    pub transferred: u32,
    /// Overdue dossiers (fields and the total only).
    pub overdue: Option<u32>,
}

/// A labelled row.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Row {
    /// Code, counter number or user name.
    pub key: String,
    /// Name.
    pub label: String,
    /// Figures.
    #[serde(flatten)]
    pub figures: Figures,
}

/// A report.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Report {
    /// First day.
    pub from: String,
    /// Last day.
    pub to: String,
    /// Labels of the rating levels, worst first.
    pub levels: Vec<String>,
    /// Per field.
    pub fields: Vec<Row>,
    /// Per counter.
    pub counters: Vec<Row>,
    /// Per officer.
    pub officers: Vec<Row>,
    /// The whole centre.
    pub total: Row,
}

fn minutes(from: i64, to: i64) -> f64 {
    (to - from).max(0) as f64 / 60_000.0
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

fn mean(xs: &[f64]) -> Option<f64> {
    (!xs.is_empty()).then(|| round1(xs.iter().sum::<f64>() / xs.len() as f64))
}

/// The ⌈0.9·n⌉-th smallest value.
pub fn p90(xs: &[f64]) -> Option<f64> {
    if xs.is_empty() {
        return None;
    }
    let mut sorted = xs.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = (xs.len() * 9).div_ceil(10);
    Some(round1(sorted[rank.max(1) - 1]))
}

fn no_show(t: &TicketFacts) -> bool {
    t.called.is_some() && t.serving.is_none() && (t.status == "no_show" || t.status == "expired")
}

/// The figures of a set of tickets and ratings.
pub fn figures(tickets: &[&TicketFacts], ratings: &[&RatingFacts], levels: usize, overdue: Option<u32>) -> Figures {
    let waits: Vec<f64> = tickets.iter().filter_map(|t| t.called.map(|c| minutes(t.arrived, c))).collect();
    let services: Vec<f64> =
        tickets.iter().filter(|t| t.status == "done").filter_map(|t| Some(minutes(t.serving?, t.finished?))).collect();
    let called = tickets.iter().filter(|t| t.called.is_some()).count();
    let absent = tickets.iter().filter(|t| no_show(t)).count();
    let mut counts = vec![0u32; levels];
    for r in ratings {
        if let Some(c) = counts.get_mut(usize::from(r.score).wrapping_sub(1)) {
            *c += 1;
        }
    }
    let rated: u32 = counts.iter().sum();
    let satisfied: u32 = counts.iter().rev().take(2).sum();
    let bookings = tickets.iter().filter(|t| t.booked).count() as u32;
    Figures {
        tickets: tickets.len() as u32,
        served: tickets.iter().filter(|t| t.status == "done").count() as u32,
        avg_wait: mean(&waits),
        p90_wait: p90(&waits),
        avg_service: mean(&services),
        no_show_rate: (called > 0).then(|| round1(absent as f64 * 100.0 / called as f64)),
        ratings: counts,
        satisfied: (rated > 0).then(|| round1(f64::from(satisfied) * 100.0 / f64::from(rated))),
        bookings,
        walk_ins: tickets.len() as u32 - bookings,
        transferred: tickets.iter().filter(|t| t.transferred).count() as u32,
        overdue,
    }
}

/// What a report is built from: tickets, ratings, dossiers, and officers' names by user name.
pub type Facts = (Vec<TicketFacts>, Vec<RatingFacts>, Vec<DossierFacts>, BTreeMap<String, String>);

/// The officer (user name) of each ticket of days `from..=to`: who finished it (or marked it
/// absent), else who called it, from the event log.
pub fn officers_by_ticket(conn: &Connection, from: Date, to: Date) -> rusqlite::Result<BTreeMap<String, String>> {
    let (f, t) = (from.to_string(), to.to_string());
    let mut stmt = conn.prepare(
        "SELECT ticket_id, substr(actor, 7) FROM events
         WHERE day BETWEEN ?1 AND ?2 AND actor LIKE 'staff:%' AND ticket_id IS NOT NULL
           AND kind IN ('ticket_called', 'ticket_done', 'ticket_no_show')
         ORDER BY CASE kind WHEN 'ticket_called' THEN 0 ELSE 1 END, id",
    )?;
    let mut by_ticket: BTreeMap<String, String> = BTreeMap::new();
    for row in stmt.query_map(params![f, t], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))? {
        let (ticket, user) = row?;
        by_ticket.insert(ticket, user);
    }
    Ok(by_ticket)
}

/// Staff display names by user name.
pub fn staff_names(conn: &Connection) -> rusqlite::Result<BTreeMap<String, String>> {
    let mut stmt = conn.prepare("SELECT username, display_name FROM staff")?;
    stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?.collect()
}

/// Reads the facts of days `from..=to` (all dossiers: which are late depends on the range): tickets
/// and ratings from the event log ([`events::read_centre`], the definition the provincial hub
/// shares), dossiers and officers' names from their tables.
pub fn read(conn: &Connection, from: Date, to: Date) -> rusqlite::Result<Facts> {
    let (tickets, ratings) = events::read_centre(conn, from, to)?;
    let officers = staff_names(conn)?;
    let mut stmt = conn.prepare(
        "SELECT p.service, COALESCE(d.new_due_at_ms, d.due_at_ms), d.completed_at_ms
         FROM dossiers d JOIN procedures p ON p.code = d.procedure_code
         -- Not accepted, withdrawn or stopped: no result is owed, so never late.
         WHERE d.status NOT IN ('not_accepted', 'withdrawn', 'stopped')",
    )?;
    let all = stmt
        .query_map([], |r| Ok(DossierFacts { service: r.get(0)?, due: r.get(1)?, completed: r.get(2)? }))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok((tickets, ratings, all, officers))
}

/// Whether a dossier due between `start` and `end` (ms) is overdue at `now`.
pub fn overdue(d: &DossierFacts, start: i64, end: i64, now: i64) -> bool {
    d.due >= start && d.due < end && d.completed.map_or(d.due < now, |c| c > d.due)
}

/// What a report needs to know of its centre: field names in display order, the rating scale and
/// the time zone its days are in. The centre takes it from its configuration
/// ([`Frame::of`]); the provincial hub from the profile each centre's uplink sends.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Frame {
    /// Fields (code, Vietnamese name), in the centre's order.
    pub services: Vec<(String, String)>,
    /// Rating level labels, worst first.
    pub levels: Vec<String>,
    /// IANA time zone name (`Asia/Ho_Chi_Minh`).
    pub time_zone: String,
}

impl Frame {
    /// The frame of a configured centre.
    pub fn of(centre: &Centre) -> Frame {
        Frame {
            services: centre.services.iter().map(|s| (s.code.to_string(), s.name_vi.clone())).collect(),
            levels: centre.rating_levels.clone(),
            time_zone: centre.schedule.time_zone.iana_name().unwrap_or("Asia/Ho_Chi_Minh").to_string(),
        }
    }
}

/// Builds the report of days `from..=to` from its facts.
pub fn build(centre: &Centre, from: Date, to: Date, now: Timestamp, facts: Facts) -> Report {
    build_framed(&Frame::of(centre), &centre.schedule.time_zone, from, to, now, facts)
}

/// Builds the report of days `from..=to` from its facts, for a centre known by its frame (`zone` is
/// the frame's time zone, resolved).
pub fn build_framed(
    centre: &Frame,
    zone: &jiff::tz::TimeZone,
    from: Date,
    to: Date,
    now: Timestamp,
    facts: Facts,
) -> Report {
    let (tickets, ratings, dossiers, names) = facts;
    let start_of = |d: Date| d.to_zoned(zone.clone()).map_or(0, |z| z.timestamp().as_millisecond());
    let (start, end) = (start_of(from), to.tomorrow().map_or(i64::MAX, start_of));
    let late: Vec<&DossierFacts> = dossiers.iter().filter(|d| overdue(d, start, end, now.as_millisecond())).collect();
    let levels = centre.levels.len();
    let by_id: std::collections::HashMap<&str, &TicketFacts> = tickets.iter().map(|t| (t.id.as_str(), t)).collect();
    let ticket_of = |id: &Option<String>| id.as_deref().and_then(|id| by_id.get(id).copied());

    // One pass over tickets and ratings per grouping, each item put in its key's bucket.
    let group = |key_of: &dyn Fn(&TicketFacts) -> Option<String>,
                 rating_key: &dyn Fn(&RatingFacts) -> Option<String>,
                 label: &dyn Fn(&str) -> String,
                 with_overdue: bool|
     -> Vec<Row> {
        type Bucket<'a> = (Vec<&'a TicketFacts>, Vec<&'a RatingFacts>);
        let mut buckets: BTreeMap<String, Bucket<'_>> = BTreeMap::new();
        for t in &tickets {
            if let Some(key) = key_of(t) {
                buckets.entry(key).or_default().0.push(t);
            }
        }
        for r in &ratings {
            if let Some(key) = rating_key(r) {
                buckets.entry(key).or_default().1.push(r);
            }
        }
        buckets
            .into_iter()
            .map(|(key, (ts, rs))| {
                let over = with_overdue.then(|| late.iter().filter(|d| d.service == key).count() as u32);
                Row { label: label(&key), figures: figures(&ts, &rs, levels, over), key }
            })
            .collect()
    };

    let field_label =
        |code: &str| centre.services.iter().find(|s| s.0 == code).map_or(code.to_string(), |s| s.1.clone());
    let mut fields = group(
        &|t| Some(t.service.clone()),
        &|r| r.service.clone().or_else(|| ticket_of(&r.ticket).map(|t| t.service.clone())),
        &field_label,
        true,
    );
    // Fields with late dossiers but no tickets still show.
    for d in &late {
        if !fields.iter().any(|f| f.key == d.service) {
            let over = late.iter().filter(|x| x.service == d.service).count() as u32;
            fields.push(Row {
                key: d.service.clone(),
                label: field_label(&d.service),
                figures: figures(&[], &[], levels, Some(over)),
            });
        }
    }
    fields.sort_by(|a, b| {
        let rank = |k: &str| centre.services.iter().position(|s| s.0 == k).unwrap_or(usize::MAX);
        rank(&a.key).cmp(&rank(&b.key))
    });
    let mut counters = group(
        &|t| t.counter.map(|c| format!("{c:03}")),
        &|r| r.counter.or_else(|| ticket_of(&r.ticket).and_then(|t| t.counter)).map(|c| format!("{c:03}")),
        &|k| format!("Quầy {}", k.trim_start_matches('0')),
        false,
    );
    for c in &mut counters {
        c.key = c.key.trim_start_matches('0').to_string();
    }
    let officers = group(
        &|t| t.officer.clone(),
        &|r| ticket_of(&r.ticket).and_then(|t| t.officer.clone()),
        &|k| names.get(k).cloned().unwrap_or_else(|| k.to_string()),
        false,
    );
    let all_t: Vec<&TicketFacts> = tickets.iter().collect();
    let all_r: Vec<&RatingFacts> = ratings.iter().collect();
    Report {
        from: from.to_string(),
        to: to.to_string(),
        levels: centre.levels.clone(),
        fields,
        counters,
        officers,
        total: Row {
            key: "all".into(),
            label: "Toàn trung tâm".into(),
            figures: figures(&all_t, &all_r, levels, Some(late.len() as u32)),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn p90_is_the_nearest_rank() {
        assert_eq!(p90(&[]), None);
        assert_eq!(p90(&[7.0]), Some(7.0));
        let ten: Vec<f64> = (1..=10).map(f64::from).rev().collect();
        assert_eq!(p90(&ten), Some(9.0), "the 9th of 10");
        let eleven: Vec<f64> = (1..=11).map(f64::from).collect();
        assert_eq!(p90(&eleven), Some(10.0), "the 10th of 11 (⌈9.9⌉)");
    }

    #[test]
    fn a_dossier_is_overdue_when_finished_late_or_still_open_past_its_date() {
        let d = |due, completed| DossierFacts { service: "DD".into(), due, completed };
        assert!(overdue(&d(100, Some(150)), 0, 200, 300), "finished late");
        assert!(!overdue(&d(100, Some(90)), 0, 200, 300), "finished in time");
        assert!(overdue(&d(100, None), 0, 200, 300), "open past its date");
        assert!(!overdue(&d(100, None), 0, 200, 50), "open, not due yet");
        assert!(!overdue(&d(250, Some(300)), 0, 200, 400), "due outside the range");
    }
}
