//! Keeping the counter displays in step with the queue.
//!
//! [`Desired`] turns live events into what each display should show (pure, tested without a line).
//! [`Worker`] owns the display bus on its own thread: it sends what changes, pings every display on
//! a period, and sends again to a display that answers with something else (it restarted, or missed
//! a frame) or comes back after being dead; the last ping results are its health report.

use std::collections::BTreeMap;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use motcua_hardware::display_bus::{DisplayBus, label};
use motcua_hardware::transport::Transport;
use motcua_protocol::api::DisplayHealth;
use motcua_protocol::display::Label;
use motcua_protocol::events::QueueEvent;

use crate::config::DisplayLine;

/// What one display should show: a number with its counter label, or nothing.
pub type Shown = Option<(u32, Label)>;

/// A change for the worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Update {
    /// Display address.
    pub address: u8,
    /// The counter it belongs to.
    pub counter: u16,
    /// What it should show.
    pub shown: Shown,
    /// Blink to draw the eye (a new call).
    pub blink: bool,
}

/// Blink on a call: 3 seconds.
pub const CALL_BLINK_TENTHS: u8 = 30;

/// What every mapped display should show, from the live stream.
#[derive(Debug, Clone)]
pub struct Desired {
    line: DisplayLine,
    shown: BTreeMap<u8, Shown>,
    names: BTreeMap<u16, String>,
}

impl Desired {
    /// Nothing known yet.
    pub fn new(line: DisplayLine) -> Self {
        Self { line, shown: BTreeMap::new(), names: BTreeMap::new() }
    }

    /// The updates an event calls for.
    pub fn apply(&mut self, event: &QueueEvent) -> Vec<Update> {
        let mut updates = Vec::new();
        let mut set = |this: &mut Self, counter: u16, name: &str, number: Option<u32>, blink: bool| {
            let Some(address) = this.line.address_of(counter) else { return };
            let shown = number.map(|n| (n, label(name)));
            this.names.insert(counter, name.to_string());
            if blink || this.shown.get(&address) != Some(&shown) {
                this.shown.insert(address, shown);
                updates.push(Update { address, counter, shown, blink });
            }
        };
        match event {
            QueueEvent::Snapshot(snapshot) => {
                for counter in &snapshot.counters {
                    set(self, counter.number, &counter.name, counter.current.as_ref().map(|t| t.number), false);
                }
            }
            QueueEvent::TicketCalled { ticket, counter, .. } | QueueEvent::TicketRecalled { ticket, counter } => {
                let name = self.counter_name(*counter);
                set(self, *counter, &name, Some(ticket.number), true);
            }
            QueueEvent::CounterChanged { counter } => {
                set(self, counter.number, &counter.name, counter.current.as_ref().map(|t| t.number), false);
            }
            _ => {}
        }
        updates
    }

    /// The counter's name as the stream gave it, or `Quầy N` before it did.
    fn counter_name(&self, counter: u16) -> String {
        self.names.get(&counter).cloned().unwrap_or_else(|| format!("Quầy {counter}"))
    }

    /// What the display at `address` should show.
    pub fn shown(&self, address: u8) -> Shown {
        self.shown.get(&address).copied().flatten()
    }
}

/// Shared ping results: display address → health.
pub type HealthBoard = Arc<Mutex<BTreeMap<u8, DisplayHealth>>>;

/// The display bus on its own thread.
pub struct Worker<T> {
    bus: DisplayBus<T>,
    shown: BTreeMap<u8, Shown>,
    counters: BTreeMap<u8, u16>,
    health: HealthBoard,
    ping_every: Duration,
}

impl<T> std::fmt::Debug for Worker<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker").field("shown", &self.shown).finish_non_exhaustive()
    }
}

impl<T: Transport> Worker<T> {
    /// A worker for the displays of `line` over `bus`; every display it has been told about is
    /// pinged.
    pub fn new(bus: DisplayBus<T>, line: &DisplayLine, health: HealthBoard) -> Self {
        let ping_every = Duration::from_secs_f64(line.ping_seconds.max(0.05));
        Self { bus, shown: BTreeMap::new(), counters: BTreeMap::new(), health, ping_every }
    }

    fn send(&mut self, address: u8, shown: Shown, blink: bool) {
        let sent = match shown {
            Some((number, label)) => self
                .bus
                .show(address, number, label)
                .and_then(|()| if blink { self.bus.blink(address, CALL_BLINK_TENTHS) } else { Ok(()) }),
            None => self.bus.clear(address),
        };
        if let Err(e) = sent {
            tracing::warn!(address, error = %e, "display frame not sent");
        }
    }

    /// Pings every display once; sends again to any that shows something else.
    pub fn ping_all(&mut self) {
        let addresses: Vec<u8> = self.shown.keys().copied().collect();
        for address in addresses {
            let want = self.shown.get(&address).copied().flatten();
            let status = self.bus.ping(address);
            let alive = status.is_ok();
            let number = status.as_ref().ok().and_then(|s| s.number);
            if alive && number != want.map(|(n, _)| n) {
                self.send(address, want, false);
            }
            let entry = DisplayHealth { address, counter: self.counters.get(&address).copied(), alive, number };
            self.health.lock().unwrap_or_else(|p| p.into_inner()).insert(address, entry);
        }
    }

    /// Runs until the sender of `updates` is dropped.
    pub fn run(mut self, updates: Receiver<Vec<Update>>) {
        let mut next_ping = Instant::now();
        loop {
            let wait = next_ping.saturating_duration_since(Instant::now());
            match updates.recv_timeout(wait) {
                Ok(batch) => {
                    for Update { address, counter, shown, blink } in batch {
                        self.shown.insert(address, shown);
                        self.counters.insert(address, counter);
                        self.send(address, shown, blink);
                    }
                }
                Err(RecvTimeoutError::Timeout) => {
                    self.ping_all();
                    next_ping = Instant::now() + self.ping_every;
                }
                Err(RecvTimeoutError::Disconnected) => return,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use motcua_protocol::api::{CallReason, Counter, CounterState, Ticket, TicketStatus};
    use motcua_protocol::events::Snapshot;

    use super::*;

    fn line() -> DisplayLine {
        DisplayLine {
            port: "/dev/null".into(),
            baud: 9600,
            addresses: [(12, 20)].into_iter().collect(),
            ping_seconds: 1.0,
        }
    }

    fn ticket(number: u32) -> Ticket {
        crate::fixtures::ticket(number, TicketStatus::Called, Some(3))
    }

    fn counter(number: u16, current: Option<u32>) -> Counter {
        Counter {
            number,
            name: format!("Quầy {number}"),
            services: vec![],
            state: CounterState::Open,
            pause_reason: None,
            current: current.map(ticket),
        }
    }

    #[test]
    fn a_snapshot_sets_every_mapped_display_and_a_call_blinks() {
        let mut desired = Desired::new(line());
        let snapshot = Snapshot {
            centre: String::new(),
            service_day: String::new(),
            services: vec![],
            counters: vec![counter(3, Some(1012)), counter(12, None), counter(40, Some(9))],
        };
        let updates = desired.apply(&QueueEvent::Snapshot(snapshot));
        assert_eq!(
            updates,
            vec![
                Update { address: 3, counter: 3, shown: Some((1012, label("Quầy 3"))), blink: false },
                Update { address: 20, counter: 12, shown: None, blink: false },
            ],
            "counter 40 has no display address"
        );
        let call = QueueEvent::TicketCalled {
            ticket: ticket(1013),
            counter: 3,
            reason: CallReason { code: String::new(), text: String::new() },
        };
        assert_eq!(
            desired.apply(&call),
            vec![Update { address: 3, counter: 3, shown: Some((1013, label("Quầy 3"))), blink: true }]
        );
        assert!(
            desired.apply(&QueueEvent::CounterChanged { counter: counter(3, Some(1013)) }).is_empty(),
            "no change, no frame"
        );
        assert_eq!(
            desired.apply(&QueueEvent::CounterChanged { counter: counter(3, None) }),
            vec![Update { address: 3, counter: 3, shown: None, blink: false }]
        );
        assert_eq!(desired.shown(3), None);
    }
}
