//! Live stream → counter displays: the logic the kiosk runs for its display line, and the whole of
//! the `display-bridge` binary.

use std::sync::mpsc;
use std::time::Duration;

use motcua_hardware::display_bus::DisplayBus;
use motcua_hardware::transport::{Opener, Reopening, SerialTransport, Transport};
use motcua_protocol::api::HealthReport;
use tokio::sync::watch;

use crate::config::BridgeConfig;
use crate::displays::{Desired, HealthBoard, Worker};
use crate::live::{self, LiveMessage};

/// A health report that takes longer than this is given up (the next one follows).
const REPORT_TIMEOUT: Duration = Duration::from_secs(5);

/// The display line at `line.port`, opened when first used and again whenever it fails or comes
/// back (a USB–RS-485 adapter unplugged and plugged back, or plugged in after the start).
pub fn display_line(line: &crate::config::DisplayLine) -> Reopening {
    let (port, baud) = (line.port.clone(), line.baud);
    let open: Opener = Box::new(move || SerialTransport::open(&port, baud).map(|t| Box::new(t) as Box<dyn Transport>));
    Reopening::new(&format!("serial {}", line.port), open)
}

/// Drives the displays on `transport` from the server's live stream until `shutdown` turns true,
/// reporting display health every `report_seconds`.
pub async fn run<T: Transport + 'static>(config: BridgeConfig, transport: T, mut shutdown: watch::Receiver<bool>) {
    let health = HealthBoard::default();
    let (updates, received) = mpsc::channel();
    let worker = Worker::new(DisplayBus::new(transport), &config.displays, health.clone());
    let worker = std::thread::Builder::new().name("display-bus".into()).spawn(move || worker.run(received));
    if let Err(e) = &worker {
        tracing::error!(error = %e, "cannot start the display worker");
        return;
    }
    let mut desired = Desired::new(config.displays.clone());
    let mut live = live::follow(&config.server_url, "calls,counters,system", &config.token);
    // Every request has a deadline, and reports go out beside the event loop: a server that stops
    // answering half way never holds back a call on the displays.
    let http =
        reqwest::Client::builder().timeout(REPORT_TIMEOUT).connect_timeout(REPORT_TIMEOUT).build().unwrap_or_default();
    let report_url = format!("{}/api/v1/devices/health", config.server_url.trim_end_matches('/'));
    let mut report = tokio::time::interval(Duration::from_secs_f64(config.report_seconds.max(1.0)));
    loop {
        tokio::select! {
            message = live.recv() => match message {
                Some(LiveMessage::Event(event)) => {
                    let batch = desired.apply(&event);
                    if !batch.is_empty() && updates.send(batch).is_err() {
                        tracing::error!("display worker stopped");
                        return;
                    }
                }
                Some(LiveMessage::Connected) => tracing::info!("live stream connected"),
                Some(LiveMessage::Heartbeat(_)) => {}
                Some(LiveMessage::Disconnected(reason)) => tracing::warn!(%reason, "live stream lost; retrying"),
                None => return,
            },
            _ = report.tick() => {
                let displays = health.lock().unwrap_or_else(|p| p.into_inner()).values().cloned().collect();
                let body = HealthReport { kind: "display_bridge".into(), printer: None, displays, detail: None };
                let request = http.post(&report_url).bearer_auth(&config.token).json(&body);
                tokio::spawn(async move {
                    match tokio::time::timeout(REPORT_TIMEOUT, request.send()).await {
                        Ok(Ok(_)) => {}
                        Ok(Err(e)) => tracing::warn!(error = %e, "health report not delivered"),
                        Err(_) => tracing::warn!("health report not answered in time"),
                    }
                });
            }
            changed = shutdown.changed() => if changed.is_err() || *shutdown.borrow() { return },
        }
    }
}
