//! The live queue of one service day: tickets, counters and the indexes the rules read.
//!
//! [`Queue`] is plain data and pure code: it is given the time, never reads it, and never does I/O.
//! Every change it makes is returned as a list of [`Change`]s (a [`Fact`] with the snapshots the
//! store needs to persist it), so the caller can write exactly what changed.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use jiff::Timestamp;
use jiff::civil::Date;

use super::booking::{Book, Booking, BookingStatus};
use super::calling::Waiting;
use super::centre::{Centre, Closed};
use super::error::DomainError;
use super::estimate::{ServiceTimes, wait_minutes};
pub use super::facts::{Change, CounterRuntime, CounterStatus, Fact, RatingRecord};
use super::ids::{CounterNo, ServiceCode, TicketId};
use super::ticket::{QueueKey, Ticket, TicketStatus};

pub use super::estimate::ServiceLoad;

/// Everything the engine keeps about a service day.
#[derive(Debug, Clone)]
pub struct Queue {
    pub(super) centre: Arc<Centre>,
    pub(super) day: Date,
    pub(super) tickets: HashMap<TicketId, Ticket>,
    pub(super) waiting: HashMap<ServiceCode, BTreeSet<QueueKey>>,
    /// The priority tickets among `waiting`, per service.
    pub(super) waiting_priority: HashMap<ServiceCode, BTreeSet<QueueKey>>,
    /// Waiting tickets with an appointment time.
    pub(super) waiting_appointments: BTreeSet<TicketId>,
    /// No-show tickets, so expiring them does not scan the whole day.
    pub(super) no_shows: BTreeSet<TicketId>,
    pub(super) issued: HashMap<ServiceCode, u32>,
    /// The highest number used today per field (issued field): numbering continues after it,
    /// whatever the configured start says now.
    pub(super) highest: HashMap<ServiceCode, u32>,
    /// The last order of arrival given today (`Ticket::arrival`).
    pub(super) last_arrival: u64,
    pub(super) counters: BTreeMap<CounterNo, CounterRuntime>,
    pub(super) idempotency: HashMap<String, TicketId>,
    pub(super) rating_keys: HashMap<String, RatingRecord>,
    /// Dossiers rated (a dossier is rated once, whatever the day).
    pub(super) rated_dossiers: std::collections::HashSet<String>,
    pub(super) times: HashMap<ServiceCode, ServiceTimes>,
    pub(super) next_rating_id: i64,
    /// Bookings from the service day on.
    pub(super) book: Book,
    /// Tickets of the day made by checking a booking in, per field.
    pub(super) from_bookings: HashMap<ServiceCode, u32>,
    /// Fields whose intake a supervisor closed this service day, with the reason.
    pub(super) intake_closed: BTreeMap<ServiceCode, String>,
}

impl Waiting for Queue {
    fn first(&self, service: &ServiceCode, priority: bool) -> Option<&Ticket> {
        if priority {
            let key = self.waiting_priority.get(service)?.first()?;
            return self.tickets.get(&key.id);
        }
        let priority = self.waiting_priority.get(service);
        // Skips at most the priority tickets ahead, usually few.
        self.waiting
            .get(service)?
            .iter()
            .find(|k| priority.is_none_or(|p| !p.contains(k)))
            .and_then(|k| self.tickets.get(&k.id))
    }

    fn with_appointment(&self) -> Vec<&Ticket> {
        self.waiting_appointments.iter().filter_map(|id| self.tickets.get(id)).collect()
    }
}

/// What a restored queue is built from (as stored).
#[derive(Debug, Default)]
pub struct Restore {
    /// Tickets of the day.
    pub tickets: Vec<Ticket>,
    /// Counter states.
    pub counters: Vec<(CounterNo, CounterRuntime)>,
    /// Recent service times per service, oldest first, in seconds.
    pub service_times: Vec<(ServiceCode, Vec<u32>)>,
    /// Ratings of the day that carried an idempotency key.
    pub keyed_ratings: Vec<RatingRecord>,
    /// The largest rating id so far.
    pub last_rating_id: i64,
    /// Receipt codes of the dossiers rated so far.
    pub rated_dossiers: Vec<String>,
    /// Bookings of the day and later.
    pub bookings: Vec<Booking>,
    /// Fields whose intake is closed this day, with the reason.
    pub intake_closed: Vec<(ServiceCode, String)>,
}

impl Queue {
    /// An empty queue for `day`, every counter closed.
    pub fn new(centre: Arc<Centre>, day: Date) -> Self {
        Self::restore(centre, day, Restore::default())
    }

    /// A queue rebuilt from stored state. Tickets of other days are ignored.
    pub fn restore(centre: Arc<Centre>, day: Date, stored: Restore) -> Self {
        let mut queue = Self {
            counters: centre.counters.iter().map(|c| (c.no, CounterRuntime::default())).collect(),
            centre,
            day,
            tickets: HashMap::new(),
            waiting: HashMap::new(),
            waiting_priority: HashMap::new(),
            waiting_appointments: BTreeSet::new(),
            no_shows: BTreeSet::new(),
            issued: HashMap::new(),
            highest: HashMap::new(),
            last_arrival: 0,
            idempotency: HashMap::new(),
            rating_keys: HashMap::new(),
            rated_dossiers: stored.rated_dossiers.into_iter().collect(),
            times: HashMap::new(),
            next_rating_id: stored.last_rating_id + 1,
            book: Book::restore(stored.bookings.into_iter().filter(|b| b.day >= day)),
            from_bookings: HashMap::new(),
            intake_closed: stored.intake_closed.into_iter().collect(),
        };
        let checked_in: Vec<ServiceCode> = queue
            .book
            .all()
            .filter(|b| b.day == day && b.status == BookingStatus::CheckedIn && b.ticket.is_some())
            .map(|b| b.service.clone())
            .collect();
        for service in checked_in {
            *queue.from_bookings.entry(service).or_default() += 1;
        }
        for (no, runtime) in stored.counters {
            if let Some(slot) = queue.counters.get_mut(&no) {
                *slot = runtime;
            }
        }
        for ticket in stored.tickets.into_iter().filter(|t| t.day == day) {
            *queue.issued.entry(ticket.issued_service.clone()).or_default() += 1;
            let highest = queue.highest.entry(ticket.issued_service.clone()).or_default();
            *highest = (*highest).max(ticket.number);
            queue.last_arrival = queue.last_arrival.max(ticket.arrival);
            if let Some(key) = &ticket.idempotency_key {
                queue.idempotency.insert(key.clone(), ticket.id.clone());
            }
            let (id, status) = (ticket.id.clone(), ticket.status);
            queue.tickets.insert(id.clone(), ticket);
            queue.index(&id, status, true);
        }
        for (service, samples) in stored.service_times {
            let times = queue.times.entry(service).or_default();
            samples.into_iter().for_each(|s| times.record(s));
        }
        for rating in stored.keyed_ratings {
            if let Some(key) = rating.idempotency_key.clone() {
                queue.rating_keys.insert(key, rating);
            }
        }
        queue
    }

    /// The centre.
    pub fn centre(&self) -> &Arc<Centre> {
        &self.centre
    }

    /// The service day.
    pub fn day(&self) -> Date {
        self.day
    }

    /// A ticket of the day.
    pub fn ticket(&self, id: &TicketId) -> Option<&Ticket> {
        self.tickets.get(id)
    }

    /// Every ticket of the day, in no order.
    pub fn tickets(&self) -> impl Iterator<Item = &Ticket> {
        self.tickets.values()
    }

    /// A counter's state.
    pub fn counter(&self, no: CounterNo) -> Option<&CounterRuntime> {
        self.counters.get(&no)
    }

    /// Every counter's state, by number.
    pub fn counters(&self) -> impl Iterator<Item = (CounterNo, &CounterRuntime)> {
        self.counters.iter().map(|(no, c)| (*no, c))
    }

    /// Waiting tickets of a service in queue order.
    pub fn waiting_in(&self, service: &ServiceCode) -> impl Iterator<Item = &Ticket> {
        self.waiting.get(service).into_iter().flatten().filter_map(|k| self.tickets.get(&k.id))
    }

    /// People of its service who will be called before a waiting ticket as things stand: those who
    /// arrived earlier, and those who arrived later but go first — appointment tickets and, for a
    /// normal ticket, priority ones (the calling order lets them pass). The same figure is its
    /// position (the ticket page, the printed ticket) and the base of its estimated wait.
    pub fn position(&self, ticket: &Ticket) -> Option<u32> {
        if ticket.status != TicketStatus::Waiting {
            return None;
        }
        let set = self.waiting.get(&ticket.service)?;
        let key = ticket.queue_key();
        let priority_set = self.waiting_priority.get(&ticket.service);
        let earlier = if ticket.priority.is_some() && ticket.appointment_at.is_none() {
            // A priority ticket passes earlier normal ones but one in every `priority_ratio + 1`
            // calls (N:1): ahead of it are the earlier priority and appointment tickets, and one
            // earlier normal ticket per `priority_ratio` priority tickets called before it.
            let (mut priority_ahead, mut appointments, mut normal) = (0usize, 0usize, 0usize);
            for k in set.range(..key.clone()) {
                if priority_set.is_some_and(|p| p.contains(k)) {
                    priority_ahead += 1;
                } else if self.tickets.get(&k.id).is_some_and(|t| t.appointment_at.is_some()) {
                    appointments += 1;
                } else {
                    normal += 1;
                }
            }
            let ratio = self.centre.policy.priority_ratio as usize;
            let normal_first = if ratio == 0 { normal } else { normal.min(priority_ahead / ratio) };
            priority_ahead + appointments + normal_first
        } else if set.last() == Some(&key) {
            // A ticket just issued is last: answer without walking the queue.
            set.len() - 1
        } else {
            set.range(..key.clone()).count()
        };
        let appointment_after = |k: &QueueKey| self.tickets.get(&k.id).is_some_and(|t| t.appointment_at.is_some());
        let later_first = if ticket.appointment_at.is_some() {
            // Appointments go by their own times; nobody arriving later passes them but earlier ones.
            0
        } else {
            set.range((std::ops::Bound::Excluded(key), std::ops::Bound::Unbounded))
                .filter(|k| {
                    appointment_after(k) || (ticket.priority.is_none() && priority_set.is_some_and(|p| p.contains(k)))
                })
                .count()
        };
        Some(u32::try_from(earlier + later_first).unwrap_or(u32::MAX))
    }

    /// Estimated wait of a waiting ticket, minutes; `None` when not waiting or nobody serves.
    pub fn estimated_wait(&self, ticket: &Ticket) -> Option<u32> {
        self.position(ticket).and_then(|ahead| self.wait_for(&ticket.service, ahead))
    }

    /// Estimated wait in a service with `ahead` people ahead, minutes; `None` (unknown) when no
    /// open counter serves the service.
    pub fn wait_for(&self, service: &ServiceCode, ahead: u32) -> Option<u32> {
        let default = self.centre.policy.default_service_minutes * 60;
        let mean = self.times.get(service).map_or(default, |t| t.mean_seconds(default));
        wait_minutes(ahead, mean, self.serving_share(service))
    }

    /// The open counters serving `service`, each counted by its share (1/k for a counter that
    /// serves k services).
    fn serving_share(&self, service: &ServiceCode) -> f64 {
        self.centre
            .counters
            .iter()
            .filter(|c| c.services.contains(service))
            .filter(|c| self.counters.get(&c.no).is_some_and(|r| r.status == CounterStatus::Open))
            .map(|c| 1.0 / c.services.len().max(1) as f64)
            .sum()
    }

    fn open_counters_serving(&self, service: &ServiceCode) -> u32 {
        let open = self
            .centre
            .counters
            .iter()
            .filter(|c| c.services.contains(service))
            .filter(|c| self.counters.get(&c.no).is_some_and(|r| r.status == CounterStatus::Open))
            .count();
        u32::try_from(open).unwrap_or(u32::MAX)
    }

    /// Tickets issued today for a service (its numbers used).
    pub fn issued_count(&self, service: &ServiceCode) -> u32 {
        self.issued.get(service).copied().unwrap_or(0)
    }

    /// Numbers used today by one field that fall in another field's configured range (the ranges
    /// were changed since they were issued): `(index of the field whose range it is, that field,
    /// the field that used it, the number)`, the lowest number per pair. Today cannot go on with
    /// such a configuration: two fields would call the same number.
    pub fn range_conflicts(&self) -> Vec<(usize, ServiceCode, ServiceCode, u32)> {
        let mut conflicts: BTreeMap<(usize, ServiceCode), (ServiceCode, u32)> = BTreeMap::new();
        for t in self.tickets.values() {
            for (i, spec) in self.centre.services.iter().enumerate() {
                if spec.code != t.issued_service && (spec.number_start..=spec.number_end).contains(&t.number) {
                    let entry = conflicts.entry((i, spec.code.clone())).or_insert((t.issued_service.clone(), t.number));
                    if t.number < entry.1 {
                        *entry = (t.issued_service.clone(), t.number);
                    }
                }
            }
        }
        conflicts.into_iter().map(|((i, field), (other, number))| (i, field, other, number)).collect()
    }

    /// The number the next ticket of `service` gets: the configured start, or the one after the
    /// highest used today when that is later. Never a number used today, even after the
    /// configured range moved.
    pub fn next_number(&self, service: &ServiceCode, start: u32) -> u32 {
        self.highest.get(service).map_or(start, |h| start.max(h.saturating_add(1)))
    }

    /// The bookings.
    pub fn book(&self) -> &Book {
        &self.book
    }

    /// Load figures of every service at `now`, in configuration order.
    pub fn loads(&self, now: Timestamp) -> Vec<ServiceLoad> {
        self.centre
            .services
            .iter()
            .map(|spec| {
                let waiting = u32::try_from(self.waiting.get(&spec.code).map_or(0, BTreeSet::len)).unwrap_or(u32::MAX);
                let by_capacity = self.walk_ins_left(&spec.code, now);
                let by_range = (spec.number_end + 1).saturating_sub(self.next_number(&spec.code, spec.number_start));
                ServiceLoad {
                    code: spec.code.clone(),
                    waiting,
                    estimated_wait_minutes: self.wait_for(&spec.code, waiting),
                    remaining_today: by_capacity.min(by_range),
                    capacity: spec.daily_capacity,
                    booked: self.book.on_day(self.day, &spec.code),
                    bookings_left: self.bookings_left(&spec.code, self.day),
                    walk_ins: self.walk_ins(&spec.code),
                    counters_open: self.open_counters_serving(&spec.code),
                    intake_closed: self.intake_closed.get(&spec.code).cloned(),
                }
            })
            .collect()
    }

    /// The supervisor's reason when a field's intake is closed this service day.
    pub fn intake_closed(&self, service: &ServiceCode) -> Option<&str> {
        self.intake_closed.get(service).map(String::as_str)
    }

    /// Whether a field takes new walk-in tickets at `now`: refused when a supervisor closed its
    /// intake, or (with `calling.stop_intake_before_close_minutes`) in the last minutes before the
    /// day's closing hour. Hours themselves are [`Queue::accepting`].
    pub fn intake(&self, service: &ServiceCode, now: Timestamp) -> Result<(), DomainError> {
        let name = || self.centre.service_name(service);
        if let Some(reason) = self.intake_closed.get(service) {
            return Err(DomainError::IntakeClosed { service: name(), reason: reason.clone() });
        }
        if let Some(from) = self.centre.intake_stops_at(now) {
            return Err(DomainError::IntakeStopped { service: name(), from: super::centre::hhmm(from) });
        }
        Ok(())
    }

    /// Whether tickets are taken now, and if not why.
    pub fn accepting(&self, now: Timestamp) -> Result<(), Closed> {
        if self.centre.enforce_hours { self.centre.schedule.open_at(now) } else { Ok(()) }
    }

    /// Moves the queue to `now`: starts a new service day when the day rolled over (open tickets
    /// expire, counters close), expires no-shows past their rejoin window, lapses expired holds,
    /// marks bookings not checked in as no-shows and queues reminders.
    pub fn advance(&mut self, now: Timestamp) -> Vec<Change> {
        let mut changes = Vec::new();
        let today = self.centre.schedule.service_day(now);
        if today > self.day {
            let mut open: Vec<TicketId> =
                self.tickets.values().filter(|t| t.status.is_open()).map(|t| t.id.clone()).collect();
            open.sort();
            for id in open {
                changes.push(self.finish(&id, TicketStatus::Expired, now, Fact::TicketExpired));
            }
            let nos: Vec<CounterNo> = self.counters.keys().copied().collect();
            for no in nos {
                let runtime = self.counters.entry(no).or_default();
                if *runtime != CounterRuntime::default() {
                    *runtime = CounterRuntime::default();
                    changes.push(self.counter_change(Fact::CounterClosed { counter: no }, no));
                }
            }
            self.day = today;
            self.tickets.clear();
            self.waiting.clear();
            self.waiting_priority.clear();
            self.waiting_appointments.clear();
            self.no_shows.clear();
            self.issued.clear();
            self.highest.clear();
            self.last_arrival = 0;
            self.idempotency.clear();
            self.rating_keys.clear();
            self.from_bookings.clear();
            // An intake closure lasts its service day: a forgotten one never blocks the next.
            self.intake_closed.clear();
            self.book.forget_before(today);
            changes.push(Change::of(Fact::DayStarted { day: today }));
        }
        changes.extend(self.advance_bookings(now));
        let lapsed: Vec<TicketId> = self
            .no_shows
            .iter()
            .filter_map(|id| self.tickets.get(id))
            .filter(|t| t.rejoin_until.is_some_and(|until| until < now))
            .map(|t| t.id.clone())
            .collect();
        for id in lapsed {
            changes.push(self.finish(&id, TicketStatus::Expired, now, Fact::TicketExpired));
        }
        changes
    }

    /// Puts a ticket in a final status.
    pub(super) fn finish(&mut self, id: &TicketId, status: TicketStatus, now: Timestamp, fact: Fact) -> Change {
        self.set_status(id, status);
        if let Some(t) = self.tickets.get_mut(id) {
            t.finished_at = Some(now);
            t.rejoin_until = None;
        }
        for runtime in self.counters.values_mut() {
            if runtime.current.as_ref() == Some(id) {
                runtime.current = None;
            }
        }
        self.ticket_change(fact, id)
    }

    /// Changes a ticket's status, keeping the indexes in step.
    pub(super) fn set_status(&mut self, id: &TicketId, status: TicketStatus) {
        let Some(old) = self.tickets.get(id).map(|t| t.status) else { return };
        self.index(id, old, false);
        if let Some(ticket) = self.tickets.get_mut(id) {
            ticket.status = status;
        }
        self.index(id, status, true);
    }

    /// Adds a ticket to (or removes it from) the indexes of its `status`. Only this and
    /// [`Queue::set_status`] touch the indexes, so they always agree with the tickets.
    pub(super) fn index(&mut self, id: &TicketId, status: TicketStatus, add: bool) {
        let Some(ticket) = self.tickets.get(id) else { return };
        fn apply<T: Ord>(set: &mut BTreeSet<T>, value: T, add: bool) {
            if add {
                set.insert(value);
            } else {
                set.remove(&value);
            }
        }
        match status {
            TicketStatus::Waiting => {
                let key = ticket.queue_key();
                if ticket.priority.is_some() {
                    apply(self.waiting_priority.entry(ticket.service.clone()).or_default(), key.clone(), add);
                }
                if ticket.appointment_at.is_some() {
                    apply(&mut self.waiting_appointments, id.clone(), add);
                }
                apply(self.waiting.entry(ticket.service.clone()).or_default(), key, add);
            }
            TicketStatus::NoShow => apply(&mut self.no_shows, id.clone(), add),
            _ => {}
        }
    }

    pub(super) fn ticket_change(&self, fact: Fact, id: &TicketId) -> Change {
        Change { ticket: self.tickets.get(id).cloned(), ..Change::of(fact) }
    }

    pub(super) fn counter_change(&self, fact: Fact, no: CounterNo) -> Change {
        Change { counter: self.counters.get(&no).map(|c| (no, c.clone())), ..Change::of(fact) }
    }
}
