//! Domain values turned into the wire types of `motcua_protocol`.

use jiff::Timestamp;
use motcua_protocol::api;
use motcua_protocol::events::{QueueEvent, Snapshot};

use crate::domain::booking::Booking;
use crate::domain::centre::hhmm;
use crate::domain::queue::ServiceLoad;
use crate::domain::text::{mask_name, mask_phone};
use crate::domain::{Centre, Change, CounterNo, CounterStatus, Fact, Queue, RatingRecord, Ticket};

/// A ticket as clients see it; position and wait come from the live queue.
pub fn ticket(queue: &Queue, t: &Ticket) -> api::Ticket {
    let live = queue.ticket(&t.id).filter(|live| live.day == queue.day());
    let position = live.and_then(|l| queue.position(l));
    ticket_at(queue.centre(), t, position, position.and_then(|ahead| queue.wait_for(&t.service, ahead)))
}

/// A ticket of another service day, read from its stored row: no position, no wait.
pub fn stored_ticket(centre: &Centre, t: &Ticket) -> api::Ticket {
    ticket_at(centre, t, None, None)
}

fn ticket_at(centre: &Centre, t: &Ticket, position: Option<u32>, wait: Option<u32>) -> api::Ticket {
    let fmt = |at: Timestamp| centre.schedule.format(at);
    api::Ticket {
        id: t.id.to_string(),
        number: t.number,
        service: t.service.to_string(),
        service_name_vi: centre.service_name(&t.service),
        priority: t.priority.clone(),
        channel: t.channel.as_str().to_string(),
        status: t.status,
        position,
        estimated_wait_minutes: wait,
        issued_at: fmt(t.issued_at),
        counter: t.counter.map(CounterNo::get),
        called_at: t.called_at.map(fmt),
        recalls: t.recalls,
        appointment_at: t.appointment_at.map(fmt),
        rejoin_until: t.rejoin_until.map(fmt),
        transferred_from: (t.service != t.issued_service).then(|| centre.service_name(&t.issued_service)),
    }
}

/// A counter with its current ticket.
pub fn counter(queue: &Queue, no: CounterNo) -> Option<api::Counter> {
    let spec = queue.centre().counter(no)?;
    let runtime = queue.counter(no)?;
    let (state, pause_reason) = match &runtime.status {
        CounterStatus::Open => (api::CounterState::Open, None),
        CounterStatus::Paused(reason) => (api::CounterState::Paused, Some(reason.clone())),
        CounterStatus::Closed => (api::CounterState::Closed, None),
    };
    Some(api::Counter {
        number: no.get(),
        name: spec.name.clone(),
        services: spec.services.iter().map(ToString::to_string).collect(),
        state,
        pause_reason,
        current: runtime.current.as_ref().and_then(|id| queue.ticket(id)).map(|t| ticket(queue, t)),
    })
}

/// Whether a service takes tickets at `now`, and if not why — the same rules, in the same order,
/// as issuing a ticket: opening hours, a supervisor's intake closure, the stop before closing
/// hour, then what remains today.
fn open_state(
    centre: &Centre,
    name_vi: &str,
    remaining: u32,
    intake_closed: Option<&str>,
    now: Timestamp,
) -> (bool, Option<String>) {
    let closed = if centre.enforce_hours { centre.schedule.open_at(now).err() } else { None };
    if let Some(why) = closed {
        return (false, Some(why.message()));
    }
    // Short: it is shown on the field's tile (the refusal of a ticket says it in full).
    if let Some(reason) = intake_closed {
        return (false, Some(format!("Tạm ngừng nhận số hôm nay: {reason}")));
    }
    if let Some(from) = centre.intake_stops_at(now) {
        return (false, Some(format!("Đã ngừng cấp số từ {} để kịp phục vụ người đang chờ", hhmm(from))));
    }
    match remaining {
        0 => (false, Some(format!("Lĩnh vực {name_vi} đã hết số hôm nay"))),
        _ => (true, None),
    }
}

/// Brings the open flags of published figures up to `now` (hours pass between changes).
pub fn refresh_open(centre: &Centre, services: &mut [api::ServiceInfo], now: Timestamp) {
    for s in services {
        (s.open, s.closed_reason) = open_state(centre, &s.name_vi, s.remaining_today, s.intake_closed.as_deref(), now);
    }
}

/// Every service with its live figures; `now` decides whether it is open.
pub fn services(centre: &Centre, loads: &[ServiceLoad], now: Timestamp) -> Vec<api::ServiceInfo> {
    centre
        .services
        .iter()
        .zip(loads)
        .map(|(spec, load)| {
            let intake_closed = load.intake_closed.as_deref();
            let (open, closed_reason) = open_state(centre, &spec.name_vi, load.remaining_today, intake_closed, now);
            api::ServiceInfo {
                code: spec.code.to_string(),
                name_vi: spec.name_vi.clone(),
                name_en: spec.name_en.clone(),
                waiting: load.waiting,
                estimated_wait_minutes: load.estimated_wait_minutes,
                remaining_today: load.remaining_today,
                capacity_today: load.capacity,
                open,
                closed_reason,
                intake_closed: load.intake_closed.clone(),
                counters_open: load.counters_open,
                walk_ins_today: load.walk_ins,
                booked_today: load.booked,
                bookings_left_today: load.bookings_left,
            }
        })
        .collect()
}

/// The whole live state.
pub fn snapshot(queue: &Queue, now: Timestamp) -> Snapshot {
    let centre = queue.centre();
    Snapshot {
        centre: centre.name.clone(),
        service_day: queue.day().to_string(),
        services: services(centre, &queue.loads(now), now),
        counters: queue.counters().filter_map(|(no, _)| counter(queue, no)).collect(),
    }
}

/// A rating.
pub fn rating(centre: &Centre, r: &RatingRecord) -> api::Rating {
    let label = centre.rating_levels.get(usize::from(r.score).saturating_sub(1)).cloned().unwrap_or_default();
    api::Rating {
        id: r.id,
        ticket: r.ticket.as_ref().map(ToString::to_string),
        counter: r.counter.map(CounterNo::get),
        receipt_code: r.dossier.clone(),
        score: r.score,
        label,
        tags: r.tags.clone(),
        at: centre.schedule.format(r.at),
    }
}

/// The live events of one change: its own event, then the counter's new state when a ticket change
/// also changed a counter (a call, done, no-show, transfer).
pub fn events(queue: &Queue, change: &Change) -> impl Iterator<Item = QueueEvent> {
    let counter = match (&change.ticket, &change.counter) {
        (Some(_), Some((no, _))) => counter(queue, *no).map(|counter| QueueEvent::CounterChanged { counter }),
        _ => None,
    };
    event(queue, change).into_iter().chain(counter)
}

/// The live event of one change; `None` for a change no live view shows.
fn event(queue: &Queue, change: &Change) -> Option<QueueEvent> {
    let t = change.ticket.as_ref().map(|t| ticket(queue, t));
    let counter_event = |no: CounterNo| counter(queue, no).map(|counter| QueueEvent::CounterChanged { counter });
    Some(match (&change.fact, t) {
        (Fact::DayStarted { day }, _) => QueueEvent::DayStarted { service_day: day.to_string() },
        (Fact::TicketIssued, Some(ticket)) => QueueEvent::TicketIssued { ticket },
        (Fact::TicketCalled { counter, reason }, Some(ticket)) => QueueEvent::TicketCalled {
            ticket,
            counter: counter.get(),
            reason: api::CallReason { code: reason.code.as_str().into(), text: reason.text.clone() },
        },
        (Fact::TicketRecalled { counter }, Some(ticket)) => {
            QueueEvent::TicketRecalled { ticket, counter: counter.get() }
        }
        (Fact::TicketServing { counter }, Some(ticket)) => QueueEvent::TicketServing { ticket, counter: counter.get() },
        (Fact::TicketDone { counter, .. }, Some(ticket)) => QueueEvent::TicketDone { ticket, counter: counter.get() },
        (Fact::TicketNoShow { counter }, Some(ticket)) => QueueEvent::TicketNoShow { ticket, counter: counter.get() },
        (Fact::TicketRejoined, Some(ticket)) => QueueEvent::TicketRejoined { ticket },
        (Fact::TicketTransferred { from, .. }, Some(ticket)) => {
            QueueEvent::TicketTransferred { ticket, from_service: from.to_string() }
        }
        (Fact::TicketCancelled, Some(ticket)) => QueueEvent::TicketCancelled { ticket },
        (Fact::TicketExpired, Some(ticket)) => QueueEvent::TicketExpired { ticket },
        (
            Fact::CounterOpened { counter } | Fact::CounterPaused { counter, .. } | Fact::CounterClosed { counter },
            _,
        ) => {
            return counter_event(*counter);
        }
        (
            Fact::BookingHeld
            | Fact::BookingConfirmed
            | Fact::BookingLapsed
            | Fact::BookingReleased
            | Fact::BookingCancelled
            | Fact::BookingRescheduled { .. }
            | Fact::BookingCheckedIn
            | Fact::BookingNoShow,
            _,
        ) => {
            let b = change.booking.as_ref()?;
            QueueEvent::AppointmentChanged {
                service: b.service.to_string(),
                slot: queue.centre().schedule.format(b.slot_at),
                status: b.status.as_str().to_string(),
                slot_left: queue.slot_left(&b.service, b.slot_at, b.day),
            }
        }
        (Fact::RatingGiven, _) => {
            QueueEvent::RatingSubmitted { rating: rating(queue.centre(), change.rating.as_ref()?) }
        }
        _ => return None,
    })
}

/// A booking as its holder sees it at `now`: name and phone masked, a hold's time left in seconds.
pub fn booking(queue: &Queue, b: &Booking, now: Timestamp) -> api::Booking {
    let centre = queue.centre();
    let s = &centre.schedule;
    let policy = &centre.appointments;
    let shift = |minutes: u32, later: bool| {
        let d = jiff::SignedDuration::from_mins(i64::from(minutes));
        let at = if later { b.slot_at.saturating_add(d) } else { b.slot_at.saturating_sub(d) };
        s.local_hhmm(at.unwrap_or(b.slot_at))
    };
    api::Booking {
        code: b.code.to_string(),
        service: b.service.to_string(),
        service_name_vi: centre.service_name(&b.service),
        slot: s.format(b.slot_at),
        time: s.local_hhmm(b.slot_at),
        date: s.local_date(b.slot_at),
        status: b.status.as_str().to_string(),
        status_vi: b.status.label_vi().to_string(),
        hold_until: b.hold_until.map(|t| s.format(t)),
        hold_seconds_left: b.hold_until.filter(|_| b.status == crate::domain::booking::BookingStatus::Held).map(|t| {
            let left = t.duration_since(now).as_secs();
            u32::try_from(left.max(0)).unwrap_or(u32::MAX)
        }),
        name: b.citizen.as_ref().map(|c| mask_name(&c.name)),
        phone: b.citizen.as_ref().map(|c| mask_phone(&c.phone)),
        ticket: b.ticket.as_ref().map(ToString::to_string),
        checkin_from: shift(policy.checkin_early_minutes, false),
        checkin_until: shift(policy.checkin_late_minutes, true),
    }
}

/// A counter's queue for the officer's console: who comes next and why, the waiting tickets of its
/// fields oldest first, and absent tickets that may still be called back.
pub fn counter_queue(queue: &Queue, no: CounterNo, now: Timestamp) -> Option<api::CounterQueue> {
    let spec = queue.centre().counter(no)?;
    let next = queue.next_for(no, now).map(|(t, reason)| api::NextCall {
        ticket: t.id.to_string(),
        number: t.number,
        reason: api::CallReason { code: reason.code.as_str().into(), text: reason.text },
    });
    let mut waiting: Vec<&Ticket> = spec.services.iter().flat_map(|s| queue.waiting_in(s)).collect();
    waiting.sort_by_key(|t| t.queue_key());
    let mut rejoinable: Vec<&Ticket> = queue
        .tickets()
        .filter(|t| t.status == crate::domain::TicketStatus::NoShow && t.rejoin_until.is_some_and(|u| u >= now))
        .filter(|t| spec.services.contains(&t.service))
        .collect();
    rejoinable.sort_by_key(|t| t.called_at);
    Some(api::CounterQueue {
        counter: no.get(),
        next,
        waiting: waiting.into_iter().map(|t| ticket(queue, t)).collect(),
        rejoinable: rejoinable.into_iter().map(|t| ticket(queue, t)).collect(),
    })
}
