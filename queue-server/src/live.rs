//! Fan-out of live events to every subscriber (SSE clients), with resume.
//!
//! The store's writer publishes the events of each committed batch together with the new snapshot.
//! Each event is serialised once, numbered and shared (`Arc`) by every subscriber; the last [`RING`]
//! events are kept so a client that reconnects with `Last-Event-ID` gets exactly what it missed,
//! when that is at most [`RESUME_WINDOW`] events (a few minutes of a busy centre). Ids are
//! `BOOT:SEQ`, where `BOOT` changes with every server start: an id from an earlier start, or one
//! further back than the window, gets a fresh snapshot instead, so what one reconnecting client
//! costs is bounded whatever id it sends. Publishing and subscribing take the same lock, so a subscriber sees the
//! snapshot and then every later event, none twice and none missed.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};

use motcua_protocol::events::{QueueEvent, Snapshot, Topic};
use tokio::sync::broadcast;

/// Events kept (the broadcast channel's length: a subscriber further behind gets a snapshot).
pub const RING: usize = 4096;
/// Most events a reconnecting client is sent to catch up; further back, a snapshot.
pub const RESUME_WINDOW: u64 = 256;

/// One published event, serialised once for every subscriber.
#[derive(Debug)]
pub struct Published {
    /// Sequence number within this server start.
    pub seq: u64,
    /// Its topic.
    pub topic: Topic,
    /// SSE event name.
    pub name: &'static str,
    /// The event as JSON.
    pub json: String,
}

#[derive(Debug)]
struct Inner {
    seq: u64,
    ring: VecDeque<Arc<Published>>,
    snapshot: Arc<Snapshot>,
}

/// The hub every live view subscribes to.
#[derive(Debug)]
pub struct Hub {
    inner: Mutex<Inner>,
    tx: broadcast::Sender<Arc<Published>>,
    /// The sequence after each committed batch: what a view of one ticket follows (one wake per
    /// change of the queue, not one per event).
    changes: tokio::sync::watch::Sender<u64>,
    boot: String,
}

/// What a new subscriber starts with.
#[derive(Debug)]
pub enum Start {
    /// The snapshot as of `seq`; events after it follow.
    Snapshot {
        /// Sequence the snapshot is as of.
        seq: u64,
        /// The snapshot.
        snapshot: Arc<Snapshot>,
    },
    /// The events missed since the client's last id.
    Resume(Vec<Arc<Published>>),
}

/// A subscription: what to send first, then the live receiver.
#[derive(Debug)]
pub struct Subscription {
    /// First part.
    pub start: Start,
    /// Later events.
    pub rx: broadcast::Receiver<Arc<Published>>,
}

impl Hub {
    /// A hub starting from `snapshot`; `boot` distinguishes this server start in event ids.
    pub fn new(snapshot: Snapshot, boot: String) -> Self {
        let (tx, _) = broadcast::channel(RING);
        let inner = Mutex::new(Inner { seq: 0, ring: VecDeque::new(), snapshot: Arc::new(snapshot) });
        Self { inner, tx, changes: tokio::sync::watch::Sender::new(0), boot }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The event id of a sequence number.
    pub fn id_of(&self, seq: u64) -> String {
        format!("{}:{seq}", self.boot)
    }

    /// The current snapshot.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.lock().snapshot.clone()
    }

    /// The sequence of the last event published: it moves with every committed change, so a view
    /// of the queue computed at one version is current until it moves.
    pub fn version(&self) -> u64 {
        self.lock().seq
    }

    /// Publishes the events of one committed batch and the snapshot after it.
    pub fn publish(&self, snapshot: Snapshot, events: Vec<QueueEvent>) {
        let mut inner = self.lock();
        inner.snapshot = Arc::new(snapshot);
        self.append(&mut inner, events);
        self.changes.send_replace(inner.seq);
    }

    /// Follows the committed changes of the queue: the receiver sees the version after each one
    /// (the latest only, however many passed while it was busy).
    pub fn changes(&self) -> tokio::sync::watch::Receiver<u64> {
        self.changes.subscribe()
    }

    /// Publishes an event that does not change the snapshot (device health).
    pub fn publish_one(&self, event: QueueEvent) {
        let mut inner = self.lock();
        self.append(&mut inner, vec![event]);
    }

    fn append(&self, inner: &mut Inner, events: Vec<QueueEvent>) {
        for event in events {
            let json = match serde_json::to_string(&event) {
                Ok(json) => json,
                Err(e) => {
                    tracing::error!(error = %e, "event not serialisable");
                    continue;
                }
            };
            inner.seq += 1;
            let published = Arc::new(Published { seq: inner.seq, topic: event.topic(), name: event.name(), json });
            if inner.ring.len() == RING {
                inner.ring.pop_front();
            }
            inner.ring.push_back(published.clone());
            // No receivers is fine: nobody is watching.
            let _ = self.tx.send(published);
        }
    }

    /// Subscribes; `last_event_id` is the client's `Last-Event-ID`, if any.
    pub fn subscribe(&self, last_event_id: Option<&str>) -> Subscription {
        let inner = self.lock();
        let rx = self.tx.subscribe();
        let resume_from = last_event_id
            .and_then(|id| id.split_once(':'))
            .filter(|(boot, _)| *boot == self.boot)
            .and_then(|(_, seq)| seq.parse::<u64>().ok())
            .filter(|&seq| seq <= inner.seq);
        let oldest_kept = inner.ring.front().map_or(inner.seq + 1, |p| p.seq);
        let start = match resume_from {
            Some(seq) if seq + 1 >= oldest_kept && inner.seq - seq <= RESUME_WINDOW => {
                Start::Resume(inner.ring.iter().filter(|p| p.seq > seq).cloned().collect())
            }
            _ => Start::Snapshot { seq: inner.seq, snapshot: inner.snapshot.clone() },
        };
        Subscription { start, rx }
    }

    /// Number of live subscribers.
    pub fn subscribers(&self) -> usize {
        self.tx.receiver_count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot(day: &str) -> Snapshot {
        Snapshot { centre: "C".into(), service_day: day.into(), services: vec![], counters: vec![] }
    }

    fn day(d: &str) -> QueueEvent {
        QueueEvent::DayStarted { service_day: d.into() }
    }

    #[test]
    fn a_fresh_subscriber_gets_the_snapshot_then_only_later_events() {
        let hub = Hub::new(snapshot("1"), "b".into());
        hub.publish(snapshot("2"), vec![day("2")]);
        let mut sub = hub.subscribe(None);
        let Start::Snapshot { seq, snapshot: first } = sub.start else { panic!("expected a snapshot") };
        assert_eq!((seq, first.service_day.as_str()), (1, "2"));
        hub.publish(snapshot("3"), vec![day("3")]);
        assert_eq!(sub.rx.try_recv().map(|p| p.seq).ok(), Some(2));
        assert!(sub.rx.try_recv().is_err());
    }

    #[test]
    fn resume_returns_exactly_the_missed_events() {
        let hub = Hub::new(snapshot("0"), "b".into());
        for i in 1..=5 {
            hub.publish(snapshot("x"), vec![day(&i.to_string())]);
        }
        let sub = hub.subscribe(Some("b:2"));
        let Start::Resume(missed) = sub.start else { panic!("expected a resume") };
        assert_eq!(missed.iter().map(|p| p.seq).collect::<Vec<_>>(), vec![3, 4, 5]);
        assert_eq!(hub.id_of(5), "b:5");
    }

    #[test]
    fn ids_from_another_start_or_the_future_or_too_old_get_a_snapshot() {
        let hub = Hub::new(snapshot("0"), "now".into());
        for _ in 0..(RING + 10) {
            hub.publish(snapshot("x"), vec![day("d")]);
        }
        for id in ["before:3", "now:99999999", "now:2", "garbage", "now:"] {
            assert!(matches!(hub.subscribe(Some(id)).start, Start::Snapshot { .. }), "{id}");
        }
        let last = (RING + 10) as u64;
        assert!(
            matches!(hub.subscribe(Some(&format!("now:{}", last - 1))).start, Start::Resume(ref v) if v.len() == 1)
        );
        assert!(matches!(hub.subscribe(Some(&format!("now:{last}"))).start, Start::Resume(ref v) if v.is_empty()));
        // Within the ring but further back than the window: a snapshot, not thousands of events.
        let window = last - RESUME_WINDOW;
        assert!(matches!(hub.subscribe(Some(&format!("now:{window}"))).start, Start::Resume(ref v) if v.len() == 256));
        let beyond = format!("now:{}", window - 1);
        assert!(matches!(hub.subscribe(Some(&beyond)).start, Start::Snapshot { .. }), "{beyond}");
    }
}
