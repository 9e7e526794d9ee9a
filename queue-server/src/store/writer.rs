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
use crate::domain::{Centre, Clock, DomainError, Outcome, Queue};
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
        let mut commands = Vec::new();
        let mut tick = false;
        // Answered when this function returns, after the commit (or the failure).
        let mut ticked = Vec::new();
        for request in batch {
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
        let result = (|| -> rusqlite::Result<()> {
            let tx = self.conn.transaction()?;
            let mut write =
                |queue: &Queue, changes: &[crate::domain::Change], actor: Option<&str>| -> rusqlite::Result<()> {
                    for change in changes {
                        rows::write_change(&tx, queue.day(), now, change, actor)?;
                        events.extend(views::events(queue, change));
                        written += 1;
                    }
                    Ok(())
                };
            let rolled = queue.advance(now);
            write(queue, &rolled, None)?;
            for (command, actor, reply) in commands {
                match queue.execute(command, now) {
                    Ok(executed) => {
                        write(queue, &executed.changes, actor.as_deref())?;
                        pending.push((reply, Ok(reply_of(queue, executed.outcome))));
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
        match rows::find_ticket(&self.conn, id) {
            Ok(found) => Ok(found.map(|t| views::ticket(queue, &t))),
            Err(e) => {
                tracing::error!(error = %e, "ticket lookup failed");
                Err(StoreError::Unavailable)
            }
        }
    }
}

fn reply_of(queue: &Queue, outcome: Outcome) -> Reply {
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
            Some(b) => Reply::Booking(views::booking(queue, b)),
            None => Reply::NobodyWaiting,
        },
        Outcome::Counter(no) => match views::counter(queue, no) {
            Some(c) => Reply::Counter(c),
            None => Reply::NobodyWaiting,
        },
        Outcome::Rating { record, replayed } => {
            Reply::Rating { rating: views::rating(queue.centre(), &record), created: !replayed }
        }
    }
}
