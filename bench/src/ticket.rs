//! Ticket encoding: time to lay a ticket out as ESC/POS bytes, and how many bytes it is.

use std::time::{Duration, Instant};

use motcua_hardware::printer::{TextMode, TicketContent, TicketFont, TicketLayout};

use crate::stats::Latencies;

/// What the ticket run measured.
#[derive(Debug)]
pub struct TicketReport {
    /// Loading the font once.
    pub font_load: Duration,
    /// Encoding times.
    pub encode: Latencies,
    /// Bytes per ticket, smallest and largest.
    pub bytes: (usize, usize),
    /// Time a 9,600-baud serial printer needs for the largest ticket.
    pub serial_seconds: f64,
}

/// Encodes `n` tickets of the acceptance sample (numbers varying) on 58 mm paper.
pub fn run(n: usize) -> anyhow::Result<TicketReport> {
    let started = Instant::now();
    let font = TicketFont::find(None)?;
    let font_load = started.elapsed();
    let layout = TicketLayout { paper_dots: 384, font, text: TextMode::Raster };
    let mut encode = Latencies::default();
    let (mut smallest, mut largest) = (usize::MAX, 0);
    for i in 0..n {
        let number = 1001 + (i as u32 % 499);
        let ticket = TicketContent {
            number,
            priority: (i % 3 == 0).then(|| "Người cao tuổi".into()),
            ahead: (i % 40) as u32,
            wait_minutes: Some((i % 90) as u32),
            url: format!("http://192.168.1.10:8080/t/20261123-DD-{number}"),
            ..TicketContent::sample()
        };
        let t = Instant::now();
        let bytes = layout.encode(&ticket)?;
        encode.push(t.elapsed());
        smallest = smallest.min(bytes.len());
        largest = largest.max(bytes.len());
    }
    Ok(TicketReport { font_load, encode, bytes: (smallest, largest), serial_seconds: largest as f64 * 10.0 / 9600.0 })
}
