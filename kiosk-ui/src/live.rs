//! The server's live stream as a channel of messages: connects, parses every event into a
//! `QueueEvent` (and the server's heartbeats into its clock), and reconnects by itself (0.5 s,
//! doubling to 3 s) after any failure: a refused connection, an error page from a proxy, a server
//! that stops, a connection that goes silent. A new connection starts with a snapshot, so whoever
//! listens brings itself up to date.
//!
//! Every step has a deadline: the connection and the answer's head within [`CONNECT`], and then
//! something (an event or a heartbeat, sent every 3 s) at least every [`SILENCE`]. Bytes are
//! decoded only when a whole event has arrived ([`SseDecoder`]), so a Vietnamese letter split
//! across two network chunks arrives whole.

use std::time::Duration;

use motcua_protocol::events::{HEARTBEAT, Heartbeat, QueueEvent};
use tokio::sync::mpsc;

/// What the stream reports.
#[derive(Debug, Clone, PartialEq)]
pub enum LiveMessage {
    /// Connected; a snapshot follows.
    Connected,
    /// An event.
    Event(Box<QueueEvent>),
    /// The server's clock.
    Heartbeat(Heartbeat),
    /// The connection was lost or refused; it is retried.
    Disconnected(String),
}

/// Connecting and receiving the answer's head may take this long.
pub const CONNECT: Duration = Duration::from_secs(5);

/// The server sends a heartbeat every 3 s; silence this long means the connection is dead (a
/// server or network that vanished without closing it), so the offline banner shows within 10 s.
pub const SILENCE: Duration = Duration::from_secs(8);

/// Longest wait between attempts to reconnect.
const MAX_BACKOFF: Duration = Duration::from_secs(3);

/// More than this many bytes without the end of an event is not the server's stream.
const MAX_EVENT: usize = 4 << 20;

/// Follows `{server}/api/v1/events?topics=…` until the receiver is dropped, with the device's
/// `token` (the server keeps a share of its live streams for its own devices).
pub fn follow(server: &str, topics: &str, token: &str) -> mpsc::UnboundedReceiver<LiveMessage> {
    let (tx, rx) = mpsc::unbounded_channel();
    let url = format!("{}/api/v1/events?topics={topics}", server.trim_end_matches('/'));
    let token = token.to_string();
    tokio::spawn(async move {
        let http = reqwest::Client::builder().connect_timeout(CONNECT).build().unwrap_or_default();
        let mut backoff = Duration::from_millis(500);
        loop {
            let reason = match stream_once(&http, &url, &token, &tx).await {
                Ok(true) => {
                    backoff = Duration::from_millis(500);
                    "máy chủ đã đóng luồng sự kiện".to_string()
                }
                Ok(false) => return,
                Err((e, connected)) => {
                    if connected {
                        backoff = Duration::from_millis(500);
                    }
                    e
                }
            };
            if tx.send(LiveMessage::Disconnected(reason)).is_err() {
                return;
            }
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(MAX_BACKOFF);
            if tx.is_closed() {
                return;
            }
        }
    });
    rx
}

/// One connection: `Ok(true)` when the server ended it, `Ok(false)` when nobody listens any more,
/// else why it failed and whether it had connected.
async fn stream_once(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    tx: &mpsc::UnboundedSender<LiveMessage>,
) -> Result<bool, (String, bool)> {
    let fail = |connected: bool| move |e: String| (e, connected);
    let mut response = tokio::time::timeout(CONNECT, http.get(url).bearer_auth(token).send())
        .await
        .map_err(|_| "máy chủ không trả lời".to_string())
        .map_err(fail(false))?
        .map_err(|e| format!("không kết nối được máy chủ: {e}"))
        .map_err(fail(false))?;
    if !response.status().is_success() {
        return Err((format!("máy chủ trả lời {}", response.status()), false));
    }
    if tx.send(LiveMessage::Connected).is_err() {
        return Ok(false);
    }
    let mut decoder = SseDecoder::default();
    loop {
        let chunk = tokio::time::timeout(SILENCE, response.chunk())
            .await
            .map_err(|_| "máy chủ im lặng quá lâu".to_string())
            .map_err(fail(true))?
            .map_err(|e| format!("mất kết nối: {e}"))
            .map_err(fail(true))?;
        let Some(chunk) = chunk else { return Ok(true) };
        for block in decoder.push(&chunk).map_err(fail(true))? {
            if let Some(message) = message_of(&block) {
                if tx.send(message).is_err() {
                    return Ok(false);
                }
            }
        }
    }
}

/// One event of the stream, its fields as sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SseBlock {
    /// `event:`, if any.
    pub event: Option<String>,
    /// `id:`, if any.
    pub id: Option<String>,
    /// The `data:` lines joined with newlines.
    pub data: String,
}

/// Server-Sent Events bytes → whole events. Bytes wait in the buffer until an event's blank line has
/// arrived and are decoded then, so a character split across chunks is never garbled; lines may end
/// in LF, CRLF or CR (the SSE standard allows all three), even with the CR and LF in two chunks.
#[derive(Debug, Default)]
pub struct SseDecoder {
    buffer: Vec<u8>,
    after_cr: bool,
}

impl SseDecoder {
    /// Takes the next bytes; returns the events they completed. An event that is not UTF-8 is
    /// skipped; a buffer that grows past 4 MiB without an event's end is an error.
    pub fn push(&mut self, bytes: &[u8]) -> Result<Vec<SseBlock>, String> {
        let mut blocks = Vec::new();
        for &b in bytes {
            let b = match (b, self.after_cr) {
                (b'\n', true) => {
                    self.after_cr = false;
                    continue;
                }
                (b'\r', _) => {
                    self.after_cr = true;
                    b'\n'
                }
                (b, _) => {
                    self.after_cr = false;
                    b
                }
            };
            self.buffer.push(b);
            if b == b'\n' && self.buffer.ends_with(b"\n\n") {
                let raw = std::mem::take(&mut self.buffer);
                match std::str::from_utf8(&raw) {
                    Ok(text) => blocks.extend(parse_fields(text)),
                    Err(e) => tracing::warn!(error = %e, "live event that is not UTF-8 skipped"),
                }
            }
        }
        if self.buffer.len() > MAX_EVENT {
            return Err("luồng sự kiện không đúng định dạng".into());
        }
        Ok(blocks)
    }
}

/// The fields of one event's lines; `None` for a block of comments only.
fn parse_fields(text: &str) -> Option<SseBlock> {
    let mut block = SseBlock::default();
    let mut data: Vec<&str> = Vec::new();
    for line in text.lines() {
        let (field, value) = line.split_once(':').unwrap_or((line, ""));
        let value = value.strip_prefix(' ').unwrap_or(value);
        match field {
            "event" => block.event = Some(value.to_string()),
            "id" => block.id = Some(value.to_string()),
            "data" => data.push(value),
            _ => {}
        }
    }
    if data.is_empty() {
        return None;
    }
    block.data = data.join("\n");
    Some(block)
}

/// What one event says: a queue event, or the server's clock.
fn message_of(block: &SseBlock) -> Option<LiveMessage> {
    if block.event.as_deref() == Some(HEARTBEAT) {
        return serde_json::from_str(&block.data).ok().map(LiveMessage::Heartbeat);
    }
    match serde_json::from_str(&block.data) {
        Ok(event) => Some(LiveMessage::Event(Box::new(event))),
        Err(e) => {
            tracing::warn!(error = %e, "unreadable live event skipped");
            None
        }
    }
}

/// The queue event in one SSE block, if it carries one that parses.
pub fn parse_block(block: &str) -> Option<QueueEvent> {
    let mut decoder = SseDecoder::default();
    let blocks = decoder.push(block.as_bytes()).ok()?;
    match blocks.first().and_then(message_of) {
        Some(LiveMessage::Event(event)) => Some(*event),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_parse_and_comments_or_garbage_do_not() {
        let block = "id: a:1\nevent: day_started\ndata: {\"type\":\"day_started\",\"service_day\":\"2026-11-23\"}\n\n";
        assert_eq!(parse_block(block), Some(QueueEvent::DayStarted { service_day: "2026-11-23".into() }));
        assert_eq!(parse_block(":keep-alive\n\n"), None);
        assert_eq!(parse_block("data: {not json}\n\n"), None);
    }

    /// An event whose text has letters of two and three bytes, with CRLF line ends.
    fn event_with_vietnamese() -> String {
        let json = r#"{"type":"day_started","service_day":"Tư pháp – Hộ tịch, Đất đai"}"#;
        format!("id: b:7\r\nevent: day_started\r\ndata: {json}\r\n\r\n")
    }

    #[test]
    fn a_letter_split_across_two_chunks_arrives_whole_at_every_split() {
        let bytes = event_with_vietnamese().into_bytes();
        for split in 0..=bytes.len() {
            let mut decoder = SseDecoder::default();
            let mut blocks = decoder.push(&bytes[..split]).expect("first part");
            blocks.extend(decoder.push(&bytes[split..]).expect("second part"));
            assert_eq!(blocks.len(), 1, "split at {split}");
            let event: QueueEvent = serde_json::from_str(&blocks[0].data).expect("parses");
            assert_eq!(
                event,
                QueueEvent::DayStarted { service_day: "Tư pháp – Hộ tịch, Đất đai".into() },
                "split at {split}"
            );
            assert_eq!(blocks[0].id.as_deref(), Some("b:7"));
        }
    }

    #[test]
    fn heartbeats_give_the_servers_clock_and_a_runaway_buffer_is_an_error() {
        let beat = "event: heartbeat\ndata: {\"now\":\"2026-11-30T23:02:05+07:00\",\"time\":\"23:02:05\",\"date_vi\":\"Thứ Hai, 30/11/2026\",\"every_seconds\":3}\n\n";
        let mut decoder = SseDecoder::default();
        let blocks = decoder.push(beat.as_bytes()).expect("decodes");
        let Some(LiveMessage::Heartbeat(beat)) = message_of(&blocks[0]) else { panic!("a heartbeat") };
        assert_eq!(beat.time, "23:02:05");
        let garbage = vec![b'x'; MAX_EVENT + 1];
        assert!(decoder.push(&garbage).is_err());
    }
}
