//! The supervisor's live overview: per field load, counters with their officers, today's ratings,
//! device health, arrivals vs served per hour, the wait distribution, and the alerts.
//!
//! Everything here is a pure function of the committed queue, today's ratings, who sits at which
//! counter, the devices' last reports and the time, so each alert rule is tested with a chosen "now".

mod alerts;

use jiff::Timestamp;
use motcua_protocol::api::{self, CounterState, HealthReport};

pub use alerts::alerts;

use crate::config::AlertRules;
use crate::domain::{Queue, TicketStatus};

/// A rating as the overview reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RatingRow {
    /// When it was given.
    pub at: Timestamp,
    /// Score, 1 = worst.
    pub score: u8,
    /// The counter it is about.
    pub counter: Option<u16>,
}

/// A device's last report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceRow {
    /// Device name.
    pub name: String,
    /// Its last report's time.
    pub at: Timestamp,
    /// The report.
    pub report: HealthReport,
}

/// What the overview is made from besides the queue.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    /// Today's ratings.
    pub ratings: Vec<RatingRow>,
    /// (counter, officer name) of officers signed in at a counter.
    pub officers: Vec<(u16, String)>,
    /// Kiosks and display bridges.
    pub devices: Vec<DeviceRow>,
    /// Alert thresholds.
    pub rules: AlertRules,
}

/// Waits shown in the distribution, minutes: [from, to).
pub const WAIT_BUCKETS: [(u32, Option<u32>); 6] =
    [(0, Some(5)), (5, Some(10)), (10, Some(20)), (20, Some(30)), (30, Some(60)), (60, None)];

/// Label of a wait bucket.
pub fn bucket_label(from: u32, to: Option<u32>) -> String {
    match to {
        Some(to) => format!("{from}–{to} phút"),
        None => format!("≥ {from} phút"),
    }
}

/// Whole minutes from `from` to `to`, never negative.
pub fn minutes(from: Timestamp, to: Timestamp) -> u32 {
    u32::try_from(to.duration_since(from).as_secs().max(0) / 60).unwrap_or(u32::MAX)
}

/// Today's ratings per level, and the share in the two best levels.
pub fn satisfaction(levels: &[String], scores: impl Iterator<Item = u8>) -> api::Satisfaction {
    let mut counts = vec![0u32; levels.len()];
    for s in scores {
        if let Some(c) = counts.get_mut(usize::from(s).wrapping_sub(1)) {
            *c += 1;
        }
    }
    let total: u32 = counts.iter().sum();
    let satisfied: u32 = counts.iter().rev().take(2).sum();
    api::Satisfaction {
        levels: levels
            .iter()
            .zip(&counts)
            .map(|(label, &count)| api::LevelCount { label: label.clone(), count })
            .collect(),
        total,
        satisfied_percent: (total > 0).then(|| (satisfied * 100 + total / 2) / total),
    }
}

/// The overview at `now`.
pub fn overview(queue: &Queue, now: Timestamp, inputs: &Inputs) -> api::Overview {
    let centre = queue.centre();
    let schedule = &centre.schedule;
    let tickets: Vec<_> = queue.tickets().collect();
    let loads = queue.loads(now);

    let fields = centre
        .services
        .iter()
        .map(|spec| {
            let load = loads.iter().find(|l| l.code == spec.code);
            let waiting_now: Vec<_> = queue.waiting_in(&spec.code).collect();
            let called: Vec<u32> = tickets
                .iter()
                .filter(|t| t.service == spec.code)
                .filter_map(|t| t.called_at.map(|c| minutes(t.arrived_at, c)))
                .collect();
            api::FieldLoad {
                code: spec.code.to_string(),
                name: spec.name_vi.clone(),
                waiting: load.map_or(waiting_now.len() as u32, |l| l.waiting),
                longest_wait_minutes: waiting_now.iter().map(|t| minutes(t.arrived_at, now)).max().unwrap_or(0),
                average_wait_minutes: (!called.is_empty())
                    .then(|| (called.iter().sum::<u32>() + called.len() as u32 / 2) / called.len() as u32),
                served_today: tickets
                    .iter()
                    .filter(|t| t.service == spec.code && t.status == TicketStatus::Done)
                    .count() as u32,
                counters_open: load.map_or(0, |l| l.counters_open),
                intake_closed: load.and_then(|l| l.intake_closed.clone()),
            }
        })
        .collect();

    let counters = centre
        .counters
        .iter()
        .filter_map(|spec| crate::views::counter(queue, spec.no))
        .map(|c| api::CounterLoad {
            officer: inputs.officers.iter().find(|(no, _)| *no == c.number).map(|(_, name)| name.clone()),
            served_today: tickets
                .iter()
                .filter(|t| t.status == TicketStatus::Done && t.counter.map(|n| n.get()) == Some(c.number))
                .count() as u32,
            number: c.number,
            name: c.name,
            state: c.state,
            pause_reason: c.pause_reason,
            current: c.current,
        })
        .collect::<Vec<_>>();

    let hour_of = |t: Timestamp| t.to_zoned(schedule.time_zone.clone()).hour() as u8;
    let mut hours: Vec<api::HourFigures> = Vec::new();
    let mut bump = |hour: u8, arrival: bool| {
        let i = match hours.iter().position(|h| h.hour == hour) {
            Some(i) => i,
            None => {
                hours.push(api::HourFigures { hour, arrivals: 0, served: 0 });
                hours.len() - 1
            }
        };
        if arrival {
            hours[i].arrivals += 1;
        } else {
            hours[i].served += 1;
        }
    };
    for t in &tickets {
        bump(hour_of(t.arrived_at), true);
        if let (TicketStatus::Done, Some(f)) = (t.status, t.finished_at) {
            bump(hour_of(f), false);
        }
    }
    hours.sort_by_key(|h| h.hour);

    let waits = WAIT_BUCKETS
        .iter()
        .map(|&(from, to)| api::WaitBucket {
            label: bucket_label(from, to),
            count: tickets
                .iter()
                .filter_map(|t| t.called_at.map(|c| minutes(t.arrived_at, c)))
                .filter(|&m| m >= from && to.is_none_or(|to| m < to))
                .count() as u32,
        })
        .collect();

    let online_for = i64::from(inputs.rules.kiosk_offline_minutes) * 60;
    let devices = inputs
        .devices
        .iter()
        .map(|d| api::DeviceHealth {
            device: d.name.clone(),
            last_contact: schedule.format(d.at),
            online: now.duration_since(d.at).as_secs() < online_for,
            report: d.report.clone(),
        })
        .collect();

    let mut overview = api::Overview {
        service_day: queue.day().to_string(),
        at: schedule.format(now),
        fields,
        counters,
        satisfaction: satisfaction(&centre.rating_levels, inputs.ratings.iter().map(|r| r.score)),
        devices,
        hours,
        waits,
        alerts: Vec::new(),
    };
    overview.alerts = alerts(&overview, queue, now, inputs);
    overview
}

/// Whether a counter is paused or open with nobody at it.
pub fn idle(c: &api::CounterLoad) -> bool {
    c.state == CounterState::Paused || (c.state == CounterState::Open && c.current.is_none())
}
