//! The server's live stream as a channel of messages: connects, parses every event into a
//! `QueueEvent`, and reconnects by itself (0.5 s, doubling to 5 s) when the server goes away. A new
//! connection starts with a snapshot, so whoever listens can bring itself up to date.

use std::time::Duration;

use motcua_protocol::events::QueueEvent;
use tokio::sync::mpsc;

/// What the stream reports.
#[derive(Debug, Clone, PartialEq)]
pub enum LiveMessage {
    /// Connected; a snapshot follows.
    Connected,
    /// An event.
    Event(Box<QueueEvent>),
    /// The connection was lost or refused; it is retried.
    Disconnected(String),
}

/// The server sends a keep-alive every 3 s; silence this long means the connection is dead (a
/// server that vanished without closing it), so the offline banner shows within 10 s.
const SILENCE: Duration = Duration::from_secs(8);

/// Follows `{server}/api/v1/events?topics=…` until the receiver is dropped.
pub fn follow(server: &str, topics: &str) -> mpsc::UnboundedReceiver<LiveMessage> {
    let (tx, rx) = mpsc::unbounded_channel();
    let url = format!("{}/api/v1/events?topics={topics}", server.trim_end_matches('/'));
    tokio::spawn(async move {
        let http = reqwest::Client::new();
        let mut backoff = Duration::from_millis(500);
        loop {
            let reason = match stream_once(&http, &url, &tx).await {
                Ok(()) => "máy chủ đã đóng luồng sự kiện".to_string(),
                Err(e) => e,
            };
            if tx.send(LiveMessage::Disconnected(reason)).is_err() {
                return;
            }
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(Duration::from_secs(5));
            if tx.is_closed() {
                return;
            }
        }
    });
    rx
}

async fn stream_once(http: &reqwest::Client, url: &str, tx: &mpsc::UnboundedSender<LiveMessage>) -> Result<(), String> {
    let mut response = http.get(url).send().await.map_err(|e| format!("không kết nối được máy chủ: {e}"))?;
    if !response.status().is_success() {
        return Err(format!("máy chủ trả lời {}", response.status()));
    }
    tx.send(LiveMessage::Connected).map_err(|_| String::new())?;
    let mut buffer = String::new();
    loop {
        let chunk = tokio::time::timeout(SILENCE, response.chunk())
            .await
            .map_err(|_| "máy chủ im lặng quá lâu".to_string())?
            .map_err(|e| format!("mất kết nối: {e}"))?;
        let Some(chunk) = chunk else { return Ok(()) };
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            if let Some(event) = parse_block(&block) {
                tx.send(LiveMessage::Event(Box::new(event))).map_err(|_| String::new())?;
            }
        }
    }
}

/// The event in one SSE block, if it carries one that parses.
pub fn parse_block(block: &str) -> Option<QueueEvent> {
    let data: String =
        block.lines().filter_map(|l| l.strip_prefix("data:")).map(|d| d.strip_prefix(' ').unwrap_or(d)).collect();
    if data.is_empty() {
        return None;
    }
    match serde_json::from_str(&data) {
        Ok(event) => Some(event),
        Err(e) => {
            tracing::warn!(error = %e, "unreadable live event skipped");
            None
        }
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
}
