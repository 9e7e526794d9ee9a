//! Views of today's tickets shared by every reader until the queue changes.
//!
//! A ticket's position and wait come from the live queue, which only the writer holds. Asking the
//! writer once per reader would let anonymous readers (a page following a ticket, a script reading
//! `/tickets/{id}`) put unbounded work on the thread every ticket issue waits for. Instead a view is
//! computed once per ticket and queue version (the live hub's sequence, which moves with every
//! committed change) and shared: 3,000 pages following one ticket cost the writer one lookup per
//! change, readers of a view already computed do not reach it at all. Concurrent readers of a view
//! being computed wait for that one computation (a `OnceCell` per entry).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use motcua_protocol::api;
use tokio::sync::OnceCell;

use super::StoreError;
use crate::domain::TicketId;

/// Views kept per version; beyond it, lookups are made without sharing (readers are rate-limited).
const MAX_ENTRIES: usize = 4096;

/// What is looked up.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Key {
    /// By id.
    Id(TicketId),
    /// Today's ticket by number.
    Number(u32),
}

/// A ticket view and its JSON, computed once.
#[derive(Debug)]
pub struct Shared {
    /// The ticket.
    pub ticket: api::Ticket,
    /// `ticket` serialised.
    pub json: Arc<str>,
}

impl Shared {
    pub(crate) fn new(ticket: api::Ticket) -> Arc<Self> {
        let json = serde_json::to_string(&ticket).unwrap_or_default().into();
        Arc::new(Self { ticket, json })
    }
}

#[derive(Debug)]
struct Inner<K, V> {
    version: u64,
    entries: HashMap<K, Arc<OnceCell<V>>>,
}

/// The shared views (see the module doc): values of type `V` by key `K`, for one version.
#[derive(Debug)]
pub(crate) struct Views<K, V> {
    inner: Mutex<Inner<K, V>>,
}

impl<K, V> Default for Views<K, V> {
    fn default() -> Self {
        Self { inner: Mutex::new(Inner { version: 0, entries: HashMap::new() }) }
    }
}

/// Views of today's tickets.
pub(crate) type TicketViews = Views<Key, Option<Arc<Shared>>>;

/// Views of the public booking pages (bookable fields, a day's slots), by what is asked; their
/// version is the queue's and the minute's (what can be booked moves with the time as well).
pub(crate) type PageViews = Views<String, Arc<dyn std::any::Any + Send + Sync>>;

impl<K: std::hash::Hash + Eq, V: Clone> Views<K, V> {
    /// The view of `key` as of `version`: the one already computed for it, or `compute`'s (run by
    /// one reader while the others wait for it). Errors are not kept: the next reader tries again.
    pub async fn get<F, Fut>(&self, key: K, version: u64, compute: F) -> Result<V, StoreError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V, StoreError>>,
    {
        let cell = {
            let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
            if version > inner.version {
                inner.entries.clear();
                inner.version = version;
            }
            let known = inner.entries.contains_key(&key);
            // A reader that saw an older version, or a full table: computed for this reader alone.
            (version == inner.version && (known || inner.entries.len() < MAX_ENTRIES))
                .then(|| inner.entries.entry(key).or_default().clone())
        };
        match cell {
            Some(cell) => cell.get_or_try_init(compute).await.cloned(),
            None => compute().await,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    fn ticket(n: u32) -> api::Ticket {
        serde_json::from_value(serde_json::json!({
            "id": format!("20261201-CA-{n}"), "number": n, "service": "CA", "service_name_vi": "Căn cước",
            "priority": null, "channel": "kiosk", "status": "waiting", "position": 1,
            "estimated_wait_minutes": 5, "issued_at": "08:00", "counter": null, "called_at": null,
            "recalls": 0, "appointment_at": null, "rejoin_until": null, "transferred_from": null
        }))
        .expect("a ticket")
    }

    #[tokio::test]
    async fn many_readers_of_one_version_share_one_computation_and_a_new_version_computes_again() {
        let views = Arc::new(TicketViews::default());
        let computed = Arc::new(AtomicUsize::new(0));
        let read = |version: u64| {
            let (views, computed) = (views.clone(), computed.clone());
            tokio::spawn(async move {
                let compute = || async move {
                    computed.fetch_add(1, Ordering::SeqCst);
                    tokio::task::yield_now().await;
                    Ok(Some(Shared::new(ticket(1001))))
                };
                views.get(Key::Number(1001), version, compute).await
            })
        };
        let readers: Vec<_> = (0..200).map(|_| read(7)).collect();
        for r in readers {
            let view = r.await.expect("joined").expect("computed").expect("found");
            assert_eq!(view.ticket.number, 1001);
            assert!(view.json.contains("\"number\":1001"));
        }
        assert_eq!(computed.load(Ordering::SeqCst), 1, "one computation for 200 readers");
        read(8).await.expect("joined").expect("computed");
        assert_eq!(computed.load(Ordering::SeqCst), 2, "the next version is computed again");
        read(7).await.expect("joined").expect("computed");
        assert_eq!(computed.load(Ordering::SeqCst), 3, "a reader behind the version computes alone");
    }

    #[tokio::test]
    async fn a_failed_computation_is_not_kept_and_the_table_is_bounded() {
        let views = TicketViews::default();
        let failed = views.get(Key::Number(1), 1, || async { Err(StoreError::Busy) }).await;
        assert_eq!(failed.err(), Some(StoreError::Busy));
        let again = views.get(Key::Number(1), 1, || async { Ok(None) }).await;
        assert!(matches!(again, Ok(None)), "the error was not kept");
        for n in 0..(MAX_ENTRIES as u32 + 10) {
            views.get(Key::Number(n), 1, || async { Ok(None) }).await.expect("computed");
        }
        let kept = views.inner.lock().expect("lock").entries.len();
        assert_eq!(kept, MAX_ENTRIES);
    }
}
