//! SSE fan-out: many subscribers, and the time from a call until the last of them has it.

use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use crate::stats::Latencies;

/// What the fan-out run measured.
#[derive(Debug, Default)]
pub struct FanoutReport {
    /// Per call: from sending the call to the last subscriber receiving it.
    pub last: Latencies,
    /// Per delivery: from sending the call to one subscriber receiving it.
    pub each: Latencies,
    /// Deliveries that did not arrive within 5 s.
    pub missing: usize,
}

/// The number in a `ticket_called` event's data, found without parsing all of it.
fn called_number(data: &str) -> Option<u32> {
    let data = data.split("\"ticket\":").nth(1)?;
    let rest = data.split("\"number\":").nth(1)?;
    rest.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()
}

async fn subscriber(client: reqwest::Client, url: String, tx: mpsc::UnboundedSender<(u32, Instant)>) {
    let Ok(mut response) = client.get(url).send().await else { return };
    // Whole events only: the kiosk's decoder, so a letter split between chunks stays whole.
    let mut decoder = kiosk_ui::live::SseDecoder::default();
    while let Ok(Some(chunk)) = response.chunk().await {
        let now = Instant::now();
        let Ok(blocks) = decoder.push(&chunk) else { return };
        for block in blocks {
            match block.event.as_deref() {
                Some("snapshot") => {
                    let _ = tx.send((0, now));
                }
                Some("ticket_called") => {
                    if let Some(number) = called_number(&block.data) {
                        let _ = tx.send((number, now));
                    }
                }
                _ => {}
            }
        }
    }
}

/// Connects `subscribers` live clients, then makes `calls` calls at counter `counter` (which must
/// have tickets waiting) and times each delivery.
pub async fn run(base: &str, subscribers: usize, calls: usize, counter: u16) -> anyhow::Result<FanoutReport> {
    let client = reqwest::Client::builder().pool_max_idle_per_host(0).build()?;
    let (tx, mut rx) = mpsc::unbounded_channel();
    let mut tasks = Vec::new();
    for _ in 0..subscribers {
        tasks.push(tokio::spawn(subscriber(client.clone(), format!("{base}/api/v1/events?topics=calls"), tx.clone())));
    }
    drop(tx);
    let mut connected = 0;
    while connected < subscribers {
        match tokio::time::timeout(Duration::from_secs(30), rx.recv()).await {
            Ok(Some((0, _))) => connected += 1,
            Ok(Some(_)) => {}
            _ => anyhow::bail!("only {connected} of {subscribers} subscribers connected"),
        }
    }
    let officer = reqwest::Client::new();
    let post = |action: &str| {
        officer.post(format!("{base}/api/v1/counters/{counter}/{action}")).bearer_auth("demo-supervisor")
    };
    post("open").send().await?;
    let mut report = FanoutReport::default();
    for _ in 0..calls {
        let sent = Instant::now();
        let answer: serde_json::Value = post("next").send().await?.json().await?;
        let number = answer["ticket"]["number"].as_u64().and_then(|n| u32::try_from(n).ok());
        let Some(number) = number else { anyhow::bail!("counter {counter} had nobody to call: {answer}") };
        let mut got = 0;
        let mut last = Duration::ZERO;
        let deadline = Instant::now() + Duration::from_secs(5);
        while got < subscribers {
            let Some(left) = deadline.checked_duration_since(Instant::now()) else { break };
            match tokio::time::timeout(left, rx.recv()).await {
                Ok(Some((n, at))) if n == number => {
                    got += 1;
                    let took = at.duration_since(sent);
                    report.each.push(took);
                    last = last.max(took);
                }
                Ok(Some(_)) => {}
                _ => break,
            }
        }
        report.missing += subscribers - got;
        report.last.push(last);
        post("done").send().await?;
    }
    for task in tasks {
        task.abort();
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_called_number_in_an_event_block() {
        let data = "{\"type\":\"ticket_called\",\"ticket\":{\"id\":\"20261123-DD-1012\",\"number\":1012,\"service\":\"DD\"},\"counter\":3}";
        assert_eq!(called_number(data), Some(1012));
        assert_eq!(called_number("{\"counter\":3}"), None);
    }
}
