//! Caps on open live streams, per client and in all ([`crate::config::StreamLimits`]).
//!
//! Every open stream holds a [`Slot`]; dropping the stream (the client went away, the server
//! stops) gives the slot back. The table has an entry only per client with a stream open, so its
//! size is bounded by the total cap.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use crate::accounts::client_key;
use crate::config::StreamLimits;

/// Open streams per client.
#[derive(Debug, Default)]
pub struct Streams {
    open: Mutex<(HashMap<IpAddr, u32>, u32)>,
}

/// One open stream; given back when dropped.
#[derive(Debug)]
pub struct Slot {
    streams: Arc<Streams>,
    client: IpAddr,
}

/// Why a stream was not opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Full {
    /// This client holds its share already.
    Client,
    /// The server holds as many as it takes.
    Server,
}

impl Streams {
    /// A slot for a stream of `client`, or which cap is reached.
    pub fn open(self: &Arc<Self>, client: IpAddr, limits: StreamLimits) -> Result<Slot, Full> {
        let client = client_key(client);
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let (per_client, total) = &mut *open;
        if *total >= limits.total {
            return Err(Full::Server);
        }
        let mine = per_client.entry(client).or_default();
        if *mine >= limits.per_client {
            return Err(Full::Client);
        }
        *mine += 1;
        *total += 1;
        Ok(Slot { streams: self.clone(), client })
    }

    /// Streams open now.
    pub fn total(&self) -> u32 {
        self.open.lock().unwrap_or_else(|p| p.into_inner()).1
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.streams.open.lock().unwrap_or_else(|p| p.into_inner());
        let (per_client, total) = &mut *open;
        *total = total.saturating_sub(1);
        if let Some(mine) = per_client.get_mut(&self.client) {
            *mine = mine.saturating_sub(1);
            if *mine == 0 {
                per_client.remove(&self.client);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_capped_per_client_and_in_all_and_given_back() {
        let streams = Arc::new(Streams::default());
        let limits = StreamLimits { per_client: 2, total: 3 };
        let (a, b): (IpAddr, IpAddr) = ("10.0.5.1".parse().expect("ip"), "10.0.5.2".parse().expect("ip"));
        let first = streams.open(a, limits).expect("first");
        let _second = streams.open(a, limits).expect("second");
        assert_eq!(streams.open(a, limits).err(), Some(Full::Client));
        let _third = streams.open(b, limits).expect("another client");
        assert_eq!(streams.open(b, limits).err(), Some(Full::Server));
        drop(first);
        assert_eq!(streams.total(), 2);
        assert!(streams.open(a, limits).is_ok(), "a slot given back is free again");
    }
}
