//! The writer thread: the only owner of the queue and of the write connection.
//!
//! rusqlite is blocking and a durable commit waits for an fsync (a few milliseconds), so all writes
//! run on this one thread, never on the async runtime. Requests queue up while a commit is on disk;
//! the next loop takes all of them and commits them in one transaction (group commit), so the commit
//! rate, not the request rate, is bounded by the disk. A request is answered only after its commit.
//! If a commit fails nothing is half-written: the transaction rolls back, the queue is rebuilt from
//! the database, and every command of the batch is answered "unavailable".

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc::Receiver;

use motcua_protocol::api;
use motcua_protocol::events::QueueEvent;
use rusqlite::Connection;

use super::{Reply, Request, StoreError, rows};
use crate::domain::rating;
use crate::domain::{Centre, Change, Clock, Command, DomainError, Fact, Outcome, Queue, RatingRecord, TicketId};
use crate::live::Hub;
use crate::views;

/// Most requests committed in one transaction.
const MAX_BATCH: usize = 1024;

pub(super) struct Writer {
    pub conn: Connection,
    pub queue: Option<Queue>,
    pub centre: Arc<Centre>,
    pub clock: Arc<dyn Clock>,
    pub hub: Arc<Hub>,
    pub counters: Arc<super::Counters>,
    /// Notices steps of the wall clock, to log them.
    pub steps: crate::domain::clock::StepWatch,
    /// The monotonic start the steps are measured against.
    pub started: std::time::Instant,
}

type Pending = (tokio::sync::oneshot::Sender<Result<Reply, StoreError>>, Result<Reply, DomainError>);

impl Writer {
    pub fn run(mut self, rx: Receiver<Request>) {
        while let Ok(first) = rx.recv() {
            let mut batch = vec![first];
            while batch.len() < MAX_BATCH {
                match rx.try_recv() {
                    Ok(request) => batch.push(request),
                    Err(_) => break,
                }
            }
            self.step(batch);
        }
        tracing::info!("store writer stopped");
    }

    /// Handles one batch: queries from committed state, then all commands in one transaction.
    fn step(&mut self, batch: Vec<Request>) {
        let now = self.clock.now();
        if let Some(step) = self.steps.observe(now, self.started.elapsed().as_secs_f64()) {
            tracing::warn!(
                seconds = step.as_secs(),
                "the wall clock stepped; the queue keeps its order of arrival, waits are measured on the new time"
            );
        }
        let mut commands = Vec::new();
        let mut tick = false;
        // Answered when this function returns, after the commit (or the failure).
        let mut ticked = Vec::new();
        for request in batch {
            if !matches!(request, Request::Command(..) | Request::Tick(_) | Request::Delivered(..)) {
                self.counters.reads.fetch_add(1, Ordering::Relaxed);
            }
            match request {
                Request::Command(command, actor, reply) => commands.push((command, actor, reply)),
                Request::Ticket(id, reply) => {
                    let _ = reply.send(self.lookup(&id));
                }
                Request::TicketByNumber(number, reply) => {
                    let found = self
                        .queue
                        .as_ref()
                        .ok_or(StoreError::Unavailable)
                        .map(|queue| queue.tickets().find(|t| t.number == number).map(|t| views::ticket(queue, t)));
                    let _ = reply.send(found);
                }
                Request::Tick(reply) => {
                    tick = true;
                    ticked.extend(reply);
                }
                Request::Read(job) => job(self.queue.as_ref(), now),
                Request::Delivered(id, outcome, reply) => {
                    let done = super::bookings::record_delivery(&self.conn, id, now, &outcome).map_err(|e| {
                        tracing::error!(error = %e, "cannot record a delivery");
                        StoreError::Unavailable
                    });
                    let _ = reply.send(done);
                }
            }
        }
        if commands.is_empty() && !tick {
            return;
        }
        if self.queue.is_none() {
            self.reload(now);
        }
        let Some(queue) = self.queue.as_mut() else {
            for (_, _, reply) in commands {
                let _ = reply.send(Err(StoreError::Unavailable));
            }
            return;
        };

        let mut pending: Vec<Pending> = Vec::with_capacity(commands.len());
        let mut events: Vec<QueueEvent> = Vec::new();
        let mut written = 0usize;
        let began = std::time::Instant::now();
        let result = (|| -> rusqlite::Result<()> {
            // Immediate: the write lock is taken first, so a commit on another connection (sign-in,
            // dossiers, the uplink's acknowledgement) cannot slip in between this transaction's
            // first read and its first write (SQLITE_BUSY_SNAPSHOT, which no busy timeout retries).
            let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            // A change is written under its day: today's, or an earlier day's for a late rating.
            let mut write = |queue: &Queue,
                             day: jiff::civil::Date,
                             changes: &[crate::domain::Change],
                             actor: Option<&str>|
             -> rusqlite::Result<()> {
                for change in changes {
                    rows::write_change(&tx, day, now, change, actor)?;
                    events.extend(views::events(queue, change));
                    written += 1;
                }
                Ok(())
            };
            let rolled = queue.advance(now);
            write(queue, queue.day(), &rolled, None)?;
            if rolled.iter().any(|c| matches!(c.fact, Fact::DayStarted { .. })) {
                // The new day may have tickets stored already (a process before this one ran on it,
                // under another rollover time): the day goes on from them, never from nothing.
                *queue = rows::load_day(&tx, queue.centre().clone(), queue.day())?;
            }
            for (command, actor, reply) in commands {
                let command = match route(&tx, queue, command, now)? {
                    Routed::Today(command) => command,
                    Routed::Late(Ok((record, change))) => {
                        let created = change.is_some();
                        if let Some(change) = change {
                            let day = record.ticket.as_ref().and_then(TicketId::day).unwrap_or(queue.day());
                            write(queue, day, &[change], actor.as_deref())?;
                        }
                        let rating = views::rating(queue.centre(), &record);
                        pending.push((reply, Ok(Reply::Rating { rating, created })));
                        continue;
                    }
                    Routed::Late(Err(refused)) | Routed::Refused(refused) => {
                        pending.push((reply, Err(refused)));
                        continue;
                    }
                };
                match queue.execute(command, now) {
                    Ok(executed) => {
                        write(queue, queue.day(), &executed.changes, actor.as_deref())?;
                        pending.push((reply, Ok(reply_of(queue, executed.outcome, now))));
                    }
                    Err(refused) => pending.push((reply, Err(refused))),
                }
            }
            tx.commit()
        })();

        match result {
            Ok(()) => {
                self.counters.transactions.fetch_add(1, Ordering::Relaxed);
                self.counters.commands.fetch_add(pending.len() as u64, Ordering::Relaxed);
                let metrics = &self.counters.metrics;
                metrics.record(|| {
                    metrics::histogram!("motcua_writer_batch_commands").record(pending.len() as f64);
                    metrics::histogram!("motcua_writer_commit_seconds").record(began.elapsed().as_secs_f64());
                });
                metrics.count_events(&events);
                if written > 0 {
                    let snapshot = views::snapshot(queue, now);
                    events.push(QueueEvent::ServiceStats { services: snapshot.services.clone() });
                    self.hub.publish(snapshot, events);
                }
                for (reply, outcome) in pending {
                    let _ = reply.send(outcome.map_err(StoreError::Refused));
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "commit failed; batch answered unavailable, queue reloaded");
                for (reply, _) in pending {
                    let _ = reply.send(Err(StoreError::Unavailable));
                }
                self.reload(now);
                ticked.clear();
            }
        }
        for reply in ticked {
            let _ = reply.send(());
        }
    }

    fn reload(&mut self, now: jiff::Timestamp) {
        self.queue = match rows::load_queue(&self.conn, self.centre.clone(), now) {
            Ok(queue) => Some(queue),
            Err(e) => {
                tracing::error!(error = %e, "cannot rebuild the queue from the database");
                None
            }
        };
    }

    fn lookup(&self, id: &crate::domain::TicketId) -> Result<Option<api::Ticket>, StoreError> {
        let queue = self.queue.as_ref().ok_or(StoreError::Unavailable)?;
        if let Some(t) = queue.ticket(id) {
            return Ok(Some(views::ticket(queue, t)));
        }
        // Every ticket of the day in progress is in memory: an unknown one is not stored either.
        if id.day() == Some(queue.day()) {
            return Ok(None);
        }
        match rows::find_ticket(&self.conn, id) {
            Ok(found) => Ok(found.map(|t| views::ticket(queue, &t))),
            Err(e) => {
                tracing::error!(error = %e, "ticket lookup failed");
                Err(StoreError::Unavailable)
            }
        }
    }
}

/// Where a command goes: today's queue, or (a rating of an earlier day's ticket) that day's rows.
enum Routed {
    Today(Command),
    /// Refused before reaching the queue.
    Refused(DomainError),
    /// The rating and, unless it repeats one already made with its key, the change to write.
    Late(Result<(RatingRecord, Option<Change>), DomainError>),
}

/// What the stored rows decide before the queue does: a hold's code used on an earlier day is
/// refused; a rating of a ticket of an earlier service day (given at a kiosk that was offline,
/// delivered after the day rolled over) is checked against that day's stored ticket and ratings and
/// recorded on that day; anything else goes to today's queue.
fn route(conn: &Connection, queue: &mut Queue, command: Command, now: jiff::Timestamp) -> rusqlite::Result<Routed> {
    // A hold's fresh code must not be one stored on an earlier day (the book in memory holds only
    // today's and later bookings): refused, so the caller draws another, never written over.
    if let Command::Hold { code, .. } = &command {
        if super::bookings::code_taken(conn, code)? {
            return Ok(Routed::Refused(DomainError::BookingCodeTaken));
        }
    }
    let Command::Rate(asked) = command else { return Ok(Routed::Today(command)) };
    let today = queue.day();
    let day = match (&asked.ticket, asked.by_number) {
        (Some(id), _) => id.day(),
        (None, Some((day, _))) => Some(day),
        (None, None) => None,
    };
    if day.is_none_or(|d| d >= today) {
        return Ok(Routed::Today(Command::Rate(asked)));
    }
    let ticket = match (&asked.ticket, asked.by_number) {
        (Some(id), _) => rows::find_ticket(conn, id)?,
        (None, Some((day, number))) => rows::find_ticket_by_number(conn, day, number)?,
        (None, None) => None,
    };
    let Some(ticket) = ticket else {
        let named = asked
            .ticket
            .as_ref()
            .map_or_else(|| asked.by_number.map_or(String::new(), |(_, n)| n.to_string()), ToString::to_string);
        return Ok(Routed::Late(Err(DomainError::UnknownTicket(named))));
    };
    if let Some(key) = &asked.idempotency_key {
        if let Some(earlier) = rows::find_keyed_rating(conn, ticket.day, key)? {
            let routed = if rating::same_rating(&earlier, Some(&ticket.id), None, asked.counter, asked.score) {
                Ok((earlier, None))
            } else {
                Err(rating::key_reused(&earlier))
            };
            return Ok(Routed::Late(routed));
        }
    }
    let id = queue.peek_rating_id();
    Ok(Routed::Late(match rating::rate_stored(queue.centre(), &ticket, &asked, id, today, now) {
        Ok((rated, record)) => {
            queue.take_rating_id();
            let mut change = Change::of(Fact::RatingGiven);
            change.ticket = Some(rated);
            change.rating = Some(record.clone());
            Ok((record, Some(change)))
        }
        Err(refused) => Err(refused),
    }))
}

fn reply_of(queue: &Queue, outcome: Outcome, now: jiff::Timestamp) -> Reply {
    match outcome {
        Outcome::Issued { id, replayed } => match queue.ticket(&id) {
            Some(t) => Reply::Ticket { ticket: views::ticket(queue, t), created: !replayed },
            None => Reply::NobodyWaiting,
        },
        Outcome::Ticket(id) => match queue.ticket(&id) {
            Some(t) => Reply::Ticket { ticket: views::ticket(queue, t), created: false },
            None => Reply::NobodyWaiting,
        },
        Outcome::Called { id, counter, reason } => match queue.ticket(&id) {
            Some(t) => Reply::Called(api::CallResponse {
                ticket: views::ticket(queue, t),
                counter: counter.get(),
                reason: api::CallReason { code: reason.code.as_str().into(), text: reason.text },
            }),
            None => Reply::NobodyWaiting,
        },
        Outcome::NobodyWaiting => Reply::NobodyWaiting,
        Outcome::Booking(code) => match queue.book().get(&code) {
            Some(b) => Reply::Booking(views::booking(queue, b, now)),
            None => Reply::NobodyWaiting,
        },
        Outcome::Counter(no) => match views::counter(queue, no) {
            Some(c) => Reply::Counter(c),
            None => Reply::NobodyWaiting,
        },
        Outcome::Intake(code) => {
            let loads = queue.loads(now);
            let all = views::services(queue.centre(), &loads, now);
            match all.into_iter().find(|s| s.code == code.as_str()) {
                Some(s) => Reply::Service(s),
                None => Reply::NobodyWaiting,
            }
        }
        Outcome::Rating { record, replayed } => {
            Reply::Rating { rating: views::rating(queue.centre(), &record), created: !replayed }
        }
    }
}
