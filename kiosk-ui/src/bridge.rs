//! Live stream → counter displays: the logic the kiosk runs for its display line, and the whole of
//! the `display-bridge` binary.

use std::sync::mpsc;
use std::time::Duration;

use motcua_hardware::display_bus::DisplayBus;
use motcua_hardware::transport::Transport;
use motcua_protocol::api::HealthReport;
use tokio::sync::watch;

use crate::config::BridgeConfig;
use crate::displays::{Desired, HealthBoard, Worker};
use crate::live::{self, LiveMessage};

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
    let mut live = live::follow(&config.server_url, "calls,counters,system");
    let http = reqwest::Client::new();
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
                Some(LiveMessage::Disconnected(reason)) => tracing::warn!(%reason, "live stream lost; retrying"),
                None => return,
            },
            _ = report.tick() => {
                let displays = health.lock().unwrap_or_else(|p| p.into_inner()).values().cloned().collect();
                let body = HealthReport { kind: "display_bridge".into(), printer: None, displays, detail: None };
                if let Err(e) = http.post(&report_url).bearer_auth(&config.token).json(&body).send().await {
                    tracing::warn!(error = %e, "health report not delivered");
                }
            }
            changed = shutdown.changed() => if changed.is_err() || *shutdown.borrow() { return },
        }
    }
}
