//! The kiosk without its window: runs the flows' effects (requests, printing, the outbox) and keeps
//! what the screens show live (services, online). The UI adapter calls [`Core::run`] off the UI
//! thread; the end-to-end tests drive it directly.

use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use motcua_protocol::api::{CentreInfo, Dossier, HealthReport, ProceduresResponse, ServiceInfo, Ticket};
use motcua_protocol::events::QueueEvent;
use tokio::sync::{Notify, watch};

use crate::api::{Api, ApiError};
use crate::config::{BridgeConfig, KioskConfig};
use crate::flows::Effect;
use crate::live::{self, LiveMessage};
use crate::outbox::{Item, Outbox};
use crate::printing::{self, KioskPrinter};

/// What an effect produced, for the flow that asked.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Nothing to report.
    Nothing,
    /// A ticket was issued, or not.
    Issued(Result<Ticket, ApiError>),
    /// The ticket was printed, or not.
    Printed(bool),
    /// A dossier lookup answered.
    LookedUp(Result<Dossier, ApiError>),
    /// A search answered, for this query.
    Searched(String, Result<ProceduresResponse, ApiError>),
    /// A check-in answered.
    CheckedIn(Result<Ticket, ApiError>),
    /// A ticket lookup for rating answered.
    Found(Result<Ticket, ApiError>),
    /// A rating is stored; `queued` when the server does not have it yet.
    Rated {
        /// Still waiting in the outbox.
        queued: bool,
    },
}

/// Seconds between device health reports.
const HEALTH_EVERY: Duration = Duration::from_secs(30);
/// Seconds between outbox rounds when nothing new arrives.
const OUTBOX_EVERY: Duration = Duration::from_secs(3);

/// The kiosk's working parts.
#[derive(Debug)]
pub struct Core {
    /// The server client.
    pub api: Api,
    config: KioskConfig,
    printer: Mutex<Option<KioskPrinter>>,
    printer_error: Mutex<Option<String>>,
    outbox: Outbox,
    outbox_changed: Notify,
    centre: RwLock<CentreInfo>,
    services: watch::Sender<Vec<ServiceInfo>>,
    online: watch::Sender<bool>,
}

impl Core {
    /// Opens the printer and the outbox, and asks the server about the centre (kept default until
    /// it answers; the live stream brings it later).
    pub async fn start(config: KioskConfig) -> Result<Arc<Self>, String> {
        let api = Api::new(
            &config.server_url,
            &config.token,
            Duration::from_secs_f64(config.request_timeout_seconds.max(0.2)),
        );
        let printer_config = config.printer.clone();
        let opened = tokio::task::spawn_blocking(move || KioskPrinter::open(&printer_config))
            .await
            .map_err(|e| e.to_string())?;
        let (printer, printer_error) = match opened {
            Ok(p) => (Some(p), None),
            Err(e) => {
                tracing::error!(error = %e, "printer not available; numbers will be shown on screen");
                (None, Some(e.to_string()))
            }
        };
        let outbox = Outbox::open(&config.outbox).map_err(|e| format!("{}: {e}", config.outbox.display()))?;
        let centre = api.centre().await.unwrap_or_else(|_| CentreInfo {
            name: "Trung tâm Phục vụ hành chính công".into(),
            time_zone: "Asia/Ho_Chi_Minh".into(),
            public_url: config.server_url.clone(),
            priority_classes: vec![],
            rating_levels: vec![
                "Không hài lòng".into(),
                "Chấp nhận được".into(),
                "Hài lòng".into(),
                "Rất hài lòng".into(),
            ],
        });
        Ok(Arc::new(Self {
            api,
            config,
            printer: Mutex::new(printer),
            printer_error: Mutex::new(printer_error),
            outbox,
            outbox_changed: Notify::new(),
            centre: RwLock::new(centre),
            services: watch::channel(Vec::new()).0,
            online: watch::channel(false).0,
        }))
    }

    /// The centre as last known.
    pub fn centre(&self) -> CentreInfo {
        self.centre.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Services with their live figures.
    pub fn services(&self) -> watch::Receiver<Vec<ServiceInfo>> {
        self.services.subscribe()
    }

    /// Whether the live stream is connected.
    pub fn online(&self) -> watch::Receiver<bool> {
        self.online.subscribe()
    }

    /// The configuration.
    pub fn config(&self) -> &KioskConfig {
        &self.config
    }

    /// The printer, for tests that look at the simulator.
    pub fn with_printer<R>(&self, f: impl FnOnce(Option<&mut KioskPrinter>) -> R) -> R {
        f(self.printer.lock().unwrap_or_else(|p| p.into_inner()).as_mut())
    }

    /// Starts the background work: live stream, outbox delivery, health reports, and the display
    /// bridge when the display line is at this kiosk.
    pub fn spawn_background(self: &Arc<Self>, runtime: &tokio::runtime::Handle) {
        let core = self.clone();
        runtime.spawn(async move {
            let mut live = live::follow(&core.config.server_url, "services,system");
            while let Some(message) = live.recv().await {
                match message {
                    LiveMessage::Connected => {
                        core.online.send_replace(true);
                        if let Ok(centre) = core.api.centre().await {
                            *core.centre.write().unwrap_or_else(|p| p.into_inner()) = centre;
                        }
                        core.outbox_changed.notify_one();
                    }
                    LiveMessage::Disconnected(reason) => {
                        tracing::warn!(%reason, "server unreachable");
                        core.online.send_replace(false);
                    }
                    LiveMessage::Event(event) => match *event {
                        QueueEvent::Snapshot(snapshot) => {
                            core.services.send_replace(snapshot.services);
                        }
                        QueueEvent::ServiceStats { services } => {
                            core.services.send_replace(services);
                        }
                        _ => {}
                    },
                }
            }
        });
        let core = self.clone();
        runtime.spawn(async move {
            loop {
                core.outbox.deliver(&core.api).await;
                let _ = tokio::time::timeout(OUTBOX_EVERY, core.outbox_changed.notified()).await;
            }
        });
        let core = self.clone();
        runtime.spawn(async move {
            let mut every = tokio::time::interval(HEALTH_EVERY);
            loop {
                every.tick().await;
                let report = core.health().await;
                core.queue(&Item::Health(report));
            }
        });
        if let Some(line) = self.config.displays.clone() {
            match motcua_hardware::transport::SerialTransport::open(&line.port, line.baud) {
                Ok(transport) => {
                    let bridge = BridgeConfig {
                        server_url: self.config.server_url.clone(),
                        token: self.config.token.clone(),
                        displays: line,
                        report_seconds: 10.0,
                    };
                    runtime.spawn(crate::bridge::run(bridge, transport, watch::channel(false).1));
                }
                Err(e) => tracing::error!(error = %e, "counter display line not available"),
            }
        }
    }

    async fn health(self: &Arc<Self>) -> HealthReport {
        let core = self.clone();
        let status =
            tokio::task::spawn_blocking(move || core.with_printer(|p| p.map(|p| p.status()))).await.ok().flatten();
        let (printer, detail) = match status {
            Some(Ok(s)) => (Some(s.code().to_string()), None),
            Some(Err(e)) => (Some("offline".to_string()), Some(e.to_string())),
            None => (Some("offline".to_string()), self.printer_error.lock().unwrap_or_else(|p| p.into_inner()).clone()),
        };
        HealthReport { kind: "kiosk".into(), printer, displays: vec![], detail }
    }

    /// Queues an item (a health report replaces an undelivered one) and wakes the delivery loop.
    fn queue(&self, item: &Item) -> bool {
        let stored = match item {
            Item::Health(report) => self.outbox.push_health(report).is_ok(),
            Item::Rating(_) => self.outbox.push(item).is_ok(),
        };
        self.outbox_changed.notify_one();
        stored
    }

    /// Runs one effect.
    pub async fn run(self: &Arc<Self>, effect: Effect) -> Outcome {
        match effect {
            Effect::None | Effect::TakeTicketFor(_) => Outcome::Nothing,
            Effect::Issue(request) => Outcome::Issued(self.api.issue(&request).await),
            Effect::Print(ticket) => {
                let content = printing::content(&self.centre(), &ticket);
                let core = self.clone();
                let printed = tokio::task::spawn_blocking(move || core.with_printer(|p| p.map(|p| p.print(&content))))
                    .await
                    .ok()
                    .flatten();
                match printed {
                    Some(Ok(status)) => {
                        if status != motcua_hardware::printer::PrinterStatus::Ready {
                            let report = HealthReport {
                                kind: "kiosk".into(),
                                printer: Some(status.code().into()),
                                displays: vec![],
                                detail: None,
                            };
                            self.queue(&Item::Health(report));
                        }
                        Outcome::Printed(true)
                    }
                    failed => {
                        let (code, detail) = match failed {
                            Some(Err(motcua_hardware::Error::NotReady(s))) => {
                                (s.code().to_string(), s.message().to_string())
                            }
                            Some(Err(e)) => ("offline".to_string(), e.to_string()),
                            _ => ("offline".to_string(), "máy in chưa kết nối".to_string()),
                        };
                        tracing::warn!(%code, %detail, number = ticket.number, "ticket not printed");
                        let report = HealthReport {
                            kind: "kiosk".into(),
                            printer: Some(code),
                            displays: vec![],
                            detail: Some(format!("Không in được số {}: {detail}", ticket.number)),
                        };
                        self.queue(&Item::Health(report));
                        Outcome::Printed(false)
                    }
                }
            }
            Effect::LookUp(code) => Outcome::LookedUp(self.api.dossier(&code).await),
            Effect::Search(query, service) => {
                let answer = self.api.procedures(&query, service.as_deref()).await;
                Outcome::Searched(query, answer)
            }
            Effect::CheckIn(request) => Outcome::CheckedIn(self.api.check_in(&request).await),
            Effect::FindNumber(n) => Outcome::Found(self.api.ticket_by_number(n).await),
            Effect::FindId(id) => Outcome::Found(self.api.ticket(&id).await),
            Effect::Rate(pending) => {
                if !self.queue(&Item::Rating(pending)) {
                    tracing::error!("rating not stored in the outbox");
                }
                let round = self.outbox.deliver(&self.api).await;
                Outcome::Rated { queued: round.waiting > 0 }
            }
        }
    }
}
