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
use crate::flows::rating::PendingRating;
use crate::flows::{Effect, Keys};
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
    /// An apology slip was printed, or not, for this receipt code.
    SlipPrinted(String, bool),
    /// A dossier lookup answered, for this code.
    LookedUp(String, Result<Dossier, ApiError>),
    /// A search answered, for this query.
    Searched(String, Result<ProceduresResponse, ApiError>),
    /// A check-in answered.
    CheckedIn(Result<Ticket, ApiError>),
    /// Today's bookings of a phone, listed.
    BookingsListed(Result<motcua_protocol::api::TodaysBookings, ApiError>),
    /// A ticket lookup for rating answered.
    Found(Result<Ticket, ApiError>),
    /// A dossier lookup for rating answered.
    DossierFound(Result<Dossier, ApiError>),
    /// A rating is stored; `queued` when the server does not have it yet.
    Rated {
        /// Still waiting in the outbox.
        queued: bool,
    },
}

/// Longest time between device health reports.
const HEALTH_EVERY: Duration = Duration::from_secs(30);
/// How often a ready printer is asked for its state.
const CHECK_READY: Duration = Duration::from_secs(5);
/// How often a printer that is not ready (off, unplugged, out of paper) is asked again.
const CHECK_NOT_READY: Duration = Duration::from_secs(1);
/// Longest wait between outbox rounds when nothing waits.
const OUTBOX_IDLE: Duration = Duration::from_secs(600);
/// Shortest wait between outbox rounds.
const OUTBOX_MIN_WAIT: Duration = Duration::from_millis(200);

/// The kiosk's working parts.
#[derive(Debug)]
pub struct Core {
    /// The server client.
    pub api: Api,
    config: KioskConfig,
    keys: Keys,
    printer: Mutex<Option<KioskPrinter>>,
    printer_error: Mutex<Option<String>>,
    outbox: Outbox,
    outbox_changed: Notify,
    centre: RwLock<CentreInfo>,
    /// The server's clock at its last heartbeat, and when that arrived here.
    server_time: Mutex<Option<(jiff::Timestamp, std::time::Instant)>>,
    /// The service day the server last said, `YYYY-MM-DD`.
    service_day: Mutex<Option<String>>,
    services: watch::Sender<Vec<ServiceInfo>>,
    online: watch::Sender<bool>,
    printer_state: watch::Sender<Option<String>>,
    /// Kept for as long as the kiosk runs: the display line's work ends when it turns true (or is
    /// dropped with the core).
    displays_stop: watch::Sender<bool>,
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
        let path = config.outbox.clone();
        let outbox = tokio::task::spawn_blocking(move || Outbox::open(&path))
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| format!("{}: {e}", config.outbox.display()))?;
        // The centre as last heard from the server, kept beside the outbox: a kiosk started while
        // the server is away shows the centre's own rating scale (a score means its level on it).
        let kept = config.outbox.with_extension("centre.json");
        let centre = match api.centre().await {
            Ok(centre) => {
                if let Ok(json) = serde_json::to_vec(&centre) {
                    let _ = std::fs::write(&kept, json);
                }
                centre
            }
            Err(_) => std::fs::read(&kept).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_else(|| {
                CentreInfo {
                    name: "Trung tâm Phục vụ hành chính công".into(),
                    time_zone: "Asia/Ho_Chi_Minh".into(),
                    day_rollover: "03:00".into(),
                    public_url: config.server_url.clone(),
                    priority_classes: vec![],
                    // Never heard from the server: the one-stop 3-level scale, its default.
                    rating_levels: vec!["Không hài lòng".into(), "Hài lòng".into(), "Rất hài lòng".into()],
                }
            }),
        };
        // Ratings an earlier version kept without their day get it from when they were kept.
        let (zone, rollover) = (
            jiff::tz::TimeZone::get(&centre.time_zone).unwrap_or(jiff::tz::TimeZone::UTC),
            centre.day_rollover.parse::<jiff::civil::Time>().unwrap_or(jiff::civil::Time::constant(3, 0, 0, 0)),
        );
        let old = outbox.clone();
        let dated = tokio::task::spawn_blocking(move || {
            old.date_old_ratings(|ms| {
                jiff::Timestamp::from_millisecond(ms)
                    .ok()
                    .map(|at| motcua_protocol::api::service_day(at, &zone, rollover).to_string())
            })
        })
        .await;
        if let Ok(Ok(n)) = dated.as_ref().map(|r| r.as_ref().map(|n| *n)) {
            if n > 0 {
                tracing::info!(ratings = n, "ratings kept by an earlier version dated from when they were kept");
            }
        }
        let mut boot = [0u8; 8];
        getrandom::fill(&mut boot).map_err(|e| format!("không lấy được số ngẫu nhiên: {e}"))?;
        let keys = Keys::new(&format!("{}-{:016x}", config.device, u64::from_le_bytes(boot)));
        Ok(Arc::new(Self {
            api,
            config,
            keys,
            printer: Mutex::new(printer),
            printer_error: Mutex::new(printer_error),
            outbox,
            outbox_changed: Notify::new(),
            centre: RwLock::new(centre),
            server_time: Mutex::new(None),
            service_day: Mutex::new(None),
            services: watch::channel(Vec::new()).0,
            online: watch::channel(false).0,
            printer_state: watch::channel(None).0,
            displays_stop: watch::channel(false).0,
        }))
    }

    /// The centre as last known.
    pub fn centre(&self) -> CentreInfo {
        self.centre.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Now, by the server's clock: its last heartbeat plus the time elapsed here since (a Pi has no
    /// clock of its own across a power cut); this machine's clock until a heartbeat has come.
    pub fn now(&self) -> jiff::Timestamp {
        match *self.server_time.lock().unwrap_or_else(|p| p.into_inner()) {
            Some((at, received)) => {
                let elapsed = jiff::SignedDuration::try_from(received.elapsed()).unwrap_or_default();
                at.checked_add(elapsed).unwrap_or(at)
            }
            None => jiff::Timestamp::now(),
        }
    }

    /// The service day now (`YYYY-MM-DD`): the server's clock as the kiosk keeps it, in the
    /// centre's zone, before the day's rollover time still the day before; the day the server last
    /// said when that cannot be worked out. Right across midnight while the server is away.
    pub fn service_day(&self) -> Option<String> {
        let centre = self.centre();
        let known_clock = self.server_time.lock().unwrap_or_else(|p| p.into_inner()).is_some();
        let computed =
            jiff::tz::TimeZone::get(&centre.time_zone).ok().zip(centre.day_rollover.parse::<jiff::civil::Time>().ok());
        match computed {
            Some((zone, rollover)) if known_clock => {
                Some(motcua_protocol::api::service_day(self.now(), &zone, rollover).to_string())
            }
            _ => self.service_day.lock().unwrap_or_else(|p| p.into_inner()).clone(),
        }
    }

    fn set_server_time(&self, beat: &motcua_protocol::events::Heartbeat) {
        match beat.now.parse::<jiff::Timestamp>() {
            Ok(at) => {
                *self.server_time.lock().unwrap_or_else(|p| p.into_inner()) = Some((at, std::time::Instant::now()));
            }
            Err(e) => tracing::warn!(error = %e, now = %beat.now, "unreadable server time"),
        }
    }

    fn set_service_day(&self, day: &str) {
        *self.service_day.lock().unwrap_or_else(|p| p.into_inner()) = Some(day.to_string());
    }

    /// Services with their live figures.
    pub fn services(&self) -> watch::Receiver<Vec<ServiceInfo>> {
        self.services.subscribe()
    }

    /// The printer's state as last read (`ready`, `paper_near_end`, `paper_out`, `cover_open`,
    /// `offline`); `None` before the first reading.
    pub fn printer_state(&self) -> watch::Receiver<Option<String>> {
        self.printer_state.subscribe()
    }

    /// Whether the live stream is connected.
    pub fn online(&self) -> watch::Receiver<bool> {
        self.online.subscribe()
    }

    /// Where this kiosk's idempotency keys come from: its configured name and 64 random bits drawn
    /// at this start, then a counter. A restarted kiosk, another day, or another kiosk given the
    /// same name never makes a key made before, so the server never answers a new press with an
    /// old ticket.
    pub fn keys(&self) -> Keys {
        self.keys.clone()
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
            let mut live = live::follow(&core.config.server_url, "services,system", &core.config.token);
            while let Some(message) = live.recv().await {
                match message {
                    LiveMessage::Connected => {
                        core.online.send_replace(true);
                        // The server is back: what waits is tried now, not at the end of its back-off.
                        let outbox = core.outbox.clone();
                        let _ = tokio::task::spawn_blocking(move || outbox.retry_all_now()).await;
                        if let Ok(centre) = core.api.centre().await {
                            *core.centre.write().unwrap_or_else(|p| p.into_inner()) = centre;
                        }
                        core.outbox_changed.notify_one();
                    }
                    LiveMessage::Heartbeat(beat) => core.set_server_time(&beat),
                    LiveMessage::Disconnected(reason) => {
                        tracing::warn!(%reason, "server unreachable");
                        core.online.send_replace(false);
                    }
                    LiveMessage::Event(event) => match *event {
                        QueueEvent::Snapshot(snapshot) => {
                            tracing::info!(fields = snapshot.services.len(), "live figures received");
                            core.set_service_day(&snapshot.service_day);
                            core.services.send_replace(snapshot.services);
                        }
                        QueueEvent::DayStarted { service_day } => core.set_service_day(&service_day),
                        QueueEvent::ServiceStats { services } => {
                            core.services.send_replace(services);
                        }
                        _ => {}
                    },
                }
            }
        });
        // Delivery: a round when something is kept, when the server comes back, and when the next
        // waiting item's own back-off is over; no scan of the file in between.
        let core = self.clone();
        runtime.spawn(async move {
            loop {
                core.outbox.deliver(&core.api).await;
                let wait = core.outbox.next_due().await.unwrap_or(OUTBOX_IDLE).max(OUTBOX_MIN_WAIT);
                let _ = tokio::time::timeout(wait, core.outbox_changed.notified()).await;
            }
        });
        // The printer is asked for its state every few seconds while it is ready and every second
        // while it is not, so a printer switched on, plugged back or given paper is found within
        // seconds (its device is opened again as it comes back); each change is reported at once,
        // and the state again every HEALTH_EVERY.
        let core = self.clone();
        runtime.spawn(async move {
            let mut last: Option<Option<String>> = None;
            let mut reported_at: Option<std::time::Instant> = None;
            loop {
                let report = core.health().await;
                core.printer_state.send_replace(report.printer.clone());
                let changed = last.as_ref() != Some(&report.printer);
                if changed || reported_at.is_none_or(|at| at.elapsed() >= HEALTH_EVERY) {
                    if changed {
                        tracing::info!(printer = report.printer.as_deref().unwrap_or("?"), "printer state");
                    }
                    last = Some(report.printer.clone());
                    reported_at = Some(std::time::Instant::now());
                    core.queue(&Item::Health(report.clone())).await;
                }
                let ready = report.printer.as_deref() == Some("ready");
                tokio::time::sleep(if ready { CHECK_READY } else { CHECK_NOT_READY }).await;
            }
        });
        if let Some(line) = self.config.displays.clone() {
            let bridge = BridgeConfig {
                server_url: self.config.server_url.clone(),
                token: self.config.token.clone(),
                displays: line.clone(),
                report_seconds: 10.0,
            };
            let stop = self.displays_stop.subscribe();
            runtime.spawn(crate::bridge::run(bridge, crate::bridge::display_line(&line), stop));
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

    /// Keeps an item in the outbox (a health report replaces an undelivered one; a rating gets the
    /// service day and the time it was given, by the server's clock) and wakes the delivery loop.
    /// Whether it is on disk.
    async fn queue(&self, item: &Item) -> bool {
        let item = match item {
            Item::Rating(r) => Item::Rating(PendingRating {
                day: r.day.clone().or_else(|| {
                    let from_ticket = r.ticket.as_deref().and_then(|id| id.get(..8));
                    from_ticket.map(|d| format!("{}-{}-{}", &d[..4], &d[4..6], &d[6..8])).or_else(|| self.service_day())
                }),
                given_at: r.given_at.clone().or_else(|| Some(self.now().to_string())),
                ..r.clone()
            }),
            health => health.clone(),
        };
        let stored = self.outbox.store(item).await;
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
                            self.queue(&Item::Health(report)).await;
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
                        self.queue(&Item::Health(report)).await;
                        Outcome::Printed(false)
                    }
                }
            }
            Effect::PrintApology(dossier) => {
                let code = dossier.receipt_code.clone();
                let Some(slip) = printing::apology_slip(&self.centre(), &dossier) else {
                    return Outcome::SlipPrinted(code, false);
                };
                let core = self.clone();
                let printed =
                    tokio::task::spawn_blocking(move || core.with_printer(|p| p.map(|p| p.print_slip(&slip))))
                        .await
                        .ok()
                        .flatten();
                if let Some(Err(e)) = &printed {
                    tracing::warn!(error = %e, code = %dossier.receipt_code, "apology slip not printed");
                }
                Outcome::SlipPrinted(code, matches!(printed, Some(Ok(_))))
            }
            Effect::LookUp(code, factor) => {
                let answer = self.api.dossier(&code, factor.as_deref()).await;
                Outcome::LookedUp(code, answer)
            }
            Effect::Search(query, service) => {
                let answer = self.api.procedures(&query, service.as_deref()).await;
                Outcome::Searched(query, answer)
            }
            Effect::CheckIn(request) => Outcome::CheckedIn(self.api.check_in(&request).await),
            Effect::ListBookings(phone) => Outcome::BookingsListed(self.api.todays_bookings(&phone).await),
            Effect::FindNumber(n) => Outcome::Found(self.api.ticket_by_number(n).await),
            Effect::FindId(id) => Outcome::Found(self.api.ticket(&id).await),
            Effect::FindDossier(code) => Outcome::DossierFound(self.api.dossier(&code, None).await),
            Effect::Rate(pending) => {
                if !self.queue(&Item::Rating(pending)).await {
                    tracing::error!("rating not stored in the outbox");
                }
                let round = self.outbox.deliver(&self.api).await;
                Outcome::Rated { queued: round.waiting > 0 }
            }
        }
    }
}
