//! Caps on open live streams, per client and in all ([`crate::config::StreamLimits`]).
//! Anonymous streams (citizens' phones following a ticket, a page without a session) may take
//! nine tenths of the total: the rest stays for signed-in staff pages (console, supervisor) and
//! devices that send their token (kiosks, display bridges), which therefore get theirs however
//! many phones follow. The waiting-room board page carries no credential and counts as anonymous.
//!
//! Every open stream holds a [`Slot`]; dropping the stream (the client went away, the server
//! stops) gives the slot back. The table has an entry only per client with a stream open, so its
//! size is bounded by the total cap.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use crate::accounts::client_key;
use crate::config::StreamLimits;

/// `Retry-After` of a stream refused (seconds): pages retry on their own about then.
pub const RETRY_AFTER_SECONDS: u64 = 30;

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

/// Who opens a stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opener {
    /// No valid token or session: nine tenths of the total at most.
    Anonymous,
    /// A device token or a staff session: the whole total.
    Known,
}

impl Streams {
    /// A slot for a stream of `client`, or which cap is reached.
    pub fn open(self: &Arc<Self>, client: IpAddr, limits: StreamLimits, opener: Opener) -> Result<Slot, Full> {
        let client = client_key(client);
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let (per_client, total) = &mut *open;
        let cap = match opener {
            Opener::Known => limits.total,
            Opener::Anonymous => limits.total - limits.total / 10,
        };
        if *total >= cap {
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
        let first = streams.open(a, limits, Opener::Known).expect("first");
        let _second = streams.open(a, limits, Opener::Known).expect("second");
        assert_eq!(streams.open(a, limits, Opener::Known).err(), Some(Full::Client));
        let _third = streams.open(b, limits, Opener::Known).expect("another client");
        assert_eq!(streams.open(b, limits, Opener::Known).err(), Some(Full::Server));
        drop(first);
        assert_eq!(streams.total(), 2);
        assert!(streams.open(a, limits, Opener::Known).is_ok(), "a slot given back is free again");
    }

    #[test]
    fn phones_leave_a_tenth_of_the_streams_to_the_centres_screens() {
        let streams = Arc::new(Streams::default());
        let limits = StreamLimits { per_client: 16, total: 100 };
        let phones: Vec<Slot> = (0..200u16)
            .filter_map(|n| {
                let [x, y] = n.to_be_bytes();
                streams.open(IpAddr::from([10, 9, x, y]), limits, Opener::Anonymous).ok()
            })
            .collect();
        assert_eq!(phones.len(), 90);
        let board: IpAddr = "10.0.0.2".parse().expect("ip");
        let screens: Vec<Slot> = (0..10).filter_map(|_| streams.open(board, limits, Opener::Known).ok()).collect();
        assert_eq!(screens.len(), 10, "consoles and kiosks still get theirs");
        assert_eq!(streams.open(board, limits, Opener::Known).err(), Some(Full::Server));
    }
}
